"""Audit: the signed, reproducible bundle of a published round and its offline verifier."""

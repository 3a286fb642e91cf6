"""Accounts: registration, sign-in, email confirmation, password reset, profiles and roles."""

"""Notices: mails about a round or a proposal, queued in the database and sent by ``pbvote tick``."""

"""Results: the one adapter from database rows to :mod:`pbvote.tally`, stored outcomes and their pages."""

"""pbvote.tally — pure-Python participatory-budgeting tallies. Imports neither Flask nor SQLAlchemy.

(The public API is documented here once the reader, writer and registry land.)
"""

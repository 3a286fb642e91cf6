"""Voting: ballot pages, casting and replacing ballots, receipts, paper ballots and the voting API."""

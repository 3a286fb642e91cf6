"""Accountability after the vote: the council's progress updates on funded projects, and the delivery page."""

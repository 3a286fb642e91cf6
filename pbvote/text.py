"""Small helpers for the words pages and commands show: counts with the right plural."""

from __future__ import annotations


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``1, "budget"`` → ``"1 budget"``; ``2, "budget"`` → ``"2 budgets"``; ``1200, "reply", "replies"`` →
    ``"1,200 replies"``. Registered as the Jinja filter ``counted``: ``{{ n | counted("event") }}``."""
    noun = singular if count == 1 else (plural or f"{singular}s")
    return f"{count:,} {noun}"

"""URL values for the notices routes (see tests/web/routes.py)."""

from __future__ import annotations


def unsubscribe_token(world) -> dict:
    from pbvote.notices.queue import unsubscribe_token as token

    return {"token": token(world.users["resident"].id, "voting_opens")}

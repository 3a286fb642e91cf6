"""Bearer tokens of the JSON API, stored only as SHA-256.

A token is 256 random bits handed out once; the database keeps its hash (a fast hash is enough for a random
secret of that size: there is nothing to brute-force), its kind, its owner and when it stops working.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..extensions import db
from ..rounds.models import utcnow


class TokenKind(str, enum.Enum):
    """How the token was obtained: a one-time voter code, or an account's email and password."""

    VOTER_CODE = "voter_code"
    PASSWORD = "password"


KIND_VALUES = ", ".join(f"'{kind.value}'" for kind in TokenKind)


class ApiToken(db.Model):
    """One bearer token: who it speaks for, how it was obtained, and until when it works."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True))

    user: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint(f"kind IN ({KIND_VALUES})", name="kind_known"),)

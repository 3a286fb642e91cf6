"""Translations of round and proposal texts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..rounds.models import utcnow


class ContentTranslation(db.Model):
    """The text of one field of a round or a proposal (``kind``, ``object_id``) in one ``language``
    (a code of ``pbvote.i18n.LANGUAGES``). ``round_id`` is the round the text belongs to (the round itself,
    or the proposal's round): a page loads a round's translations in one query, and they go with the round."""

    __tablename__ = "content_translation"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column()
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    translated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(db.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "object_id", "field", "language"),
        CheckConstraint(
            "(kind = 'round' AND field IN ('name', 'description'))"
            " OR (kind = 'proposal' AND field IN ('title', 'summary', 'description'))",
            name="kind_and_field_known",
        ),
        CheckConstraint("text <> ''", name="text_not_empty"),
        Index("ix_content_translation_round_language", "round_id", "language"),
    )

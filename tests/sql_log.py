"""What SQL a block of code sends: for tests that hold a hot path to its round trips."""

from __future__ import annotations

from sqlalchemy import Engine, event


class SentStatements:
    """``with SentStatements(engine) as sent:`` → ``sent`` lists the first word of each statement (two of a
    BEGIN: SQLite's are statements of their own) and COMMIT for each commit, in order."""

    def __init__(self, engine: Engine):
        self.engine, self.sent = engine, []

    def __enter__(self) -> list[str]:
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        return self.sent

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)

    def _statement(self, _connection, _cursor, statement, *_args) -> None:
        words = statement.upper().split()
        self.sent.append(" ".join(words[:2]) if words[0] == "BEGIN" else words[0])

    def _commit(self, _connection) -> None:
        self.sent.append("COMMIT")

"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from crm_tui.errors import DatabaseReadOnly
from crm_tui.storage.db import Database


class UnitOfWork:
    """`with uow:` opens a transaction; `uow.commit()` ends it; leaving without commit rolls back.

    Writes open SQLite transactions with `BEGIN IMMEDIATE` so two terminals never interleave a
    check and an insert; reads use a plain deferred BEGIN so they never wait on a writer.
    """

    def __init__(self, database: Database, *, write: bool = False) -> None:
        self.database = database
        self.write = write
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside `with`")
        return self._session

    def __enter__(self) -> UnitOfWork:
        if self.write and self.database.read_only:
            raise DatabaseReadOnly(
                "The database is read-only here (the file or its folder may not be written): "
                "you can look things up, but nothing can be saved."
            )
        engine = self.database.write_engine if self.write else self.database.engine
        self._session = Session(engine, expire_on_commit=False, autoflush=True)
        self._session.begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        # close() rolls back whatever was not committed and, unlike rollback(), keeps loaded
        # objects readable (detached), so a service may build its result after the block.
        self._session.close()
        self._session = None

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()

    def rollback(self) -> None:
        self.session.rollback()


def is_unique_violation(error: IntegrityError) -> bool:
    """True for a UNIQUE violation on SQLite or PostgreSQL (SQLSTATE 23505)."""
    orig = error.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate is not None:
        return sqlstate == "23505"
    return "UNIQUE constraint failed" in str(orig)


def unique_violation_table(error: IntegrityError) -> str | None:
    """The table whose UNIQUE constraint failed (PostgreSQL names it; SQLite says `table.column`)."""
    if not is_unique_violation(error):
        return None
    diag = getattr(error.orig, "diag", None)
    if diag is not None and getattr(diag, "table_name", None):
        return diag.table_name
    message = str(error.orig)
    if "UNIQUE constraint failed:" in message:
        first = message.split("UNIQUE constraint failed:", 1)[1].strip().split(",")[0].strip()
        return first.split(".")[0] or None
    return None

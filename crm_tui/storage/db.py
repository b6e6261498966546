"""The engine: SQLite (WAL, foreign keys, busy timeout, `BEGIN IMMEDIATE` for writes) or PostgreSQL.

Nothing here runs at import time; `Database.open(url)` builds the engine and `ensure_schema`
migrates it to the current head on first use.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, Select, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from crm_tui.errors import DatabaseReadOnly, InvalidInput
from crm_tui.storage.migrations import HEAD_REVISION
from crm_tui.storage.prepared import PreparedSelect

BUSY_TIMEOUT_MS = 30000
"""How long a writer waits for the lock: SQLite's busy handler is not fair, and 16 terminals writing at
once on a loaded 2-core machine starved the last ones past 5 s ("database is locked", exit 1)."""


def _prepare_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    """Pragmas on every connection and a BEGIN we choose (the documented pysqlite recipe)."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if read_only:  # nothing may be written, not even the journal mode
            cursor.execute("PRAGMA query_only=ON")
            cursor.close()
            return
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")  # erased personal data does not linger in free pages
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:  # noqa: ANN001
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def _name_connections(engine: Engine, database: Database) -> None:
    """A pooled connection handed out under another operator's name is renamed first (one round trip,
    committed at once: nothing of the caller's transaction has begun yet)."""

    @event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy) -> None:  # noqa: ANN001
        wanted = database.application_name
        if record.info.get("application_name", database.terminal) == wanted:
            return
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT set_config('application_name', %s, false)", (wanted,))
        dbapi_connection.commit()
        record.info["application_name"] = wanted


def _time_out_each_transaction(engine: Engine, statement_timeout_ms: int) -> None:
    """Behind a transaction pooler a session setting lands on whichever server connection served that
    transaction, then lingers there for other clients; `SET LOCAL` lives and dies with the transaction
    (one more short round trip per transaction, only behind the pooler)."""

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:  # noqa: ANN001
        connection.exec_driver_sql(_set_local_timeout(statement_timeout_ms))


def _set_local_timeout(statement_timeout_ms: int) -> str:
    return f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}"


class _ReadCursor:
    """`Database.read_cursor()`'s context (a class, not a generator: a lookup pays for every layer)."""

    __slots__ = ("_database", "_connection")

    def __init__(self, database: Database) -> None:
        self._database = database
        self._connection: Any = None

    def __enter__(self) -> Any:
        database = self._database
        self._connection = connection = database.engine.raw_connection()
        try:
            cursor = connection.cursor()
            if database.is_sqlite:
                cursor.execute("BEGIN")
            for statement in database.begin_statements:
                cursor.execute(statement)
        except BaseException:
            connection.close()
            raise
        return _WatchedCursor(cursor, database._read_watchers) if database._read_watchers else cursor

    def __exit__(self, *_exc: object) -> None:
        self._connection.close()  # back to the pool, which rolls back what the block left open


class _WatchedCursor:
    """A DBAPI cursor that shows each statement to watchers first (`Database.watch_reads`)."""

    def __init__(self, cursor: Any, watchers: list[Callable[[str, Any], None]]) -> None:
        self._cursor, self._watchers = cursor, list(watchers)

    def execute(self, sql: str, parameters: Any = ()) -> Any:
        for watcher in self._watchers:
            watcher(sql, parameters)
        return self._cursor.execute(sql, parameters)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file a URL names, when it does not exist yet (None: another engine, memory, or there).
    The faces refuse such a URL unless they are the ones that create databases (`db upgrade`, `demo`,
    the embedded default): a mistyped path never becomes a new empty database."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None  # not a URL at all: Database.open says so
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if parsed.database.startswith("file:"):
        return None  # a SQLite URI: its own mode= decides
    path = Path(parsed.database)
    return None if path.exists() or not path.parent.is_dir() else path  # a missing folder: Database.open says


def _writable(path: Path) -> bool:
    """SQLite in WAL mode writes the file and, beside it, the -wal and -shm files."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


@dataclass(frozen=True)
class PoolSettings:
    """A server database's connections, per process: a bounded pool, a statement timeout, a name.

    Many terminals on one PostgreSQL server: each process holds at most `size + max_overflow`
    connections (a caller waits `timeout_s` for one, then fails clearly), a statement running
    longer than `statement_timeout_ms` is cancelled by the server, and `application_name` says
    which terminal and operator a connection serves (pg_stat_activity). SQLite ignores all of it."""

    size: int = 5
    max_overflow: int = 5
    timeout_s: float = 10.0
    statement_timeout_ms: int = 15000
    application_name: str = ""
    """Empty: `crm-tui/<host>/<pid>`; the signed-in operator's name is added after a space."""

    pooler: Literal["none", "pgbouncer"] = "none"
    """`pgbouncer`: the URL points at PgBouncer in transaction pooling mode, where consecutive
    transactions may run on different server connections. Then psycopg prepares no statements
    (PgBouncer before 1.21 cannot route them: `prepared statement "_pg3_0" does not exist`), no
    startup `options` are sent (PgBouncer refuses them), and the statement timeout is `SET LOCAL`
    in each transaction. application_name needs nothing: PgBouncer tracks it per client."""


def terminal_name() -> str:
    return f"crm-tui/{socket.gethostname()}/{os.getpid()}"


@dataclass
class Database:
    """One engine and its write-mode twin; share it between threads, never a session."""

    url: str
    engine: Engine
    write_engine: Engine = field(repr=False)

    read_only: bool = False
    """A SQLite file this process may not write (file or folder permissions, an immutable file):
    opened read-only, so reads work and a change is refused clearly (storage.unit_of_work)."""

    terminal: str = ""
    """This process's name on the server (PostgreSQL's application_name), without the operator."""

    application_name: str = ""
    """What each connection is named when handed out: the terminal, then the signed-in operator."""

    begin_statements: tuple[str, ...] = ()
    """Run first in every transaction (behind PgBouncer: the statement timeout, `SET LOCAL`)."""

    _prepared: dict[int, tuple[Select, PreparedSelect]] = field(default_factory=dict, repr=False, compare=False)
    _read_watchers: list[Callable[[str, Any], None]] = field(default_factory=list, repr=False, compare=False)

    def name_operator(self, username: str | None) -> None:
        """From now on connections are named after this operator too (visible in pg_stat_activity)."""
        self.application_name = f"{self.terminal} {username}"[:63] if username else self.terminal

    @classmethod
    def open(
        cls, url: str, *, migrate: bool = True, create_folder: bool = True, pool: PoolSettings | None = None
    ) -> Database:
        """Connect and migrate to head if asked. A SQLite file's folder is created only when
        `create_folder` (the embedded default); a URL naming a folder that does not exist is refused,
        so a mistyped path never becomes a new empty database. A file this process may not write is
        opened read-only."""
        parsed = make_url(url)
        read_only = False
        if parsed.get_backend_name() == "sqlite":
            path = Path(parsed.database) if parsed.database and parsed.database != ":memory:" else None
            blocking = next((p for p in path.parents if p.exists()), None) if path is not None else None
            if blocking is not None and not blocking.is_dir():
                raise InvalidInput(f"{blocking} is a file, not a folder.", fields={"db": "Not a folder."})
            if path is not None and not path.parent.is_dir():
                if not create_folder:
                    raise InvalidInput(
                        f"No folder {path.parent}: create it first, or leave --db out to use the data folder.",
                        fields={"db": "The folder does not exist."},
                    )
                path.parent.mkdir(parents=True, exist_ok=True)
            read_only = path is not None and path.exists() and not _writable(path)
            target = f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true" if read_only else url
            engine = create_engine(target, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            _prepare_sqlite(engine, read_only=read_only)
            write_engine = engine.execution_options(sqlite_begin="IMMEDIATE")
            database = cls(url=url, engine=engine, write_engine=write_engine, read_only=read_only)
        else:
            pool = pool or PoolSettings()
            name = (pool.application_name or terminal_name())[:63]
            pooled = pool.pooler == "pgbouncer"
            connect_args: dict[str, object] = {"application_name": name}
            if pooled:
                connect_args["prepare_threshold"] = None
            else:
                connect_args["options"] = f"-c statement_timeout={pool.statement_timeout_ms}"
            engine = create_engine(
                url,
                pool_pre_ping=True,
                pool_size=pool.size,
                max_overflow=pool.max_overflow,
                pool_timeout=pool.timeout_s,
                connect_args=connect_args,
            )
            database = cls(url=url, engine=engine, write_engine=engine, terminal=name, application_name=name)
            _name_connections(engine, database)
            if pooled:
                _time_out_each_transaction(engine, pool.statement_timeout_ms)
                database.begin_statements = (_set_local_timeout(pool.statement_timeout_ms),)
        if migrate:
            database.ensure_schema()
        return database

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def short_name(self) -> str:
        """What the header shows: the file name, or host/database for a server."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            return Path(parsed.database or "memory").name
        return f"{parsed.get_backend_name()}://{parsed.host or 'local'}/{parsed.database}"

    def current_revision(self) -> str | None:
        """The schema revision stamped in the database, or None for an empty one."""
        try:
            with self.engine.connect() as connection:
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, ProgrammingError):
            return None

    def ensure_schema(self) -> None:
        """Migrate to head unless already there; the common case costs one query, no Alembic import."""
        current = self.current_revision()
        if current == HEAD_REVISION:
            return
        if self.read_only:
            raise DatabaseReadOnly(
                f"The database is read-only and its schema ({current or 'none'}) is older than this crm-tui's "
                f"({HEAD_REVISION}); open it once with write access to upgrade it."
            )
        from crm_tui.storage.migrations.runner import (
            upgrade,  # lazy: Alembic costs ~0.3 s, needed only when behind
        )

        upgrade(self.write_engine)

    def read_cursor(self) -> _ReadCursor:
        """`with database.read_cursor() as cursor:` a DBAPI cursor inside one read transaction, for
        `prepared()` statements: the pool's connection (named, pinged, as for a session), `BEGIN` on
        SQLite (a deferred one: it never waits for a writer) and on PostgreSQL the driver's own; when
        the block ends the connection goes back to the pool, which rolls the transaction back
        (SQLAlchemy's `reset_on_return`, left at its default here)."""
        return _ReadCursor(self)

    def watch_reads(self, watcher: Callable[[str, Any], None] | None) -> None:
        """Call `watcher(sql, parameters)` before each statement of `read_cursor()` (None: stop). The
        driver path bypasses SQLAlchemy's `before_cursor_execute` event; benchmarks EXPLAIN through this."""
        self._read_watchers[:] = [watcher] if watcher else []

    def prepared(self, statement: Select) -> PreparedSelect:
        """`statement` compiled for this database once (keep the statement: it is the key)."""
        found = self._prepared.get(id(statement))
        if found is None or found[0] is not statement:
            found = self._prepared[id(statement)] = (statement, PreparedSelect(statement, self.engine.dialect))
        return found[1]

    def dispose(self) -> None:
        self.engine.dispose()

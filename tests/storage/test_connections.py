"""Many terminals, one PostgreSQL server: each process's pool is bounded, runaway statements are
cancelled by the server, and every connection is named after its terminal and operator
(pg_stat_activity.application_name). On SQLite these settings have nothing to act on."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from crm_tui.services import operators
from crm_tui.storage.db import Database, PoolSettings, terminal_name
from crm_tui.storage.unit_of_work import UnitOfWork
from tests.conftest import PASSWORD


@pytest.fixture
def server(database_url: str, services) -> str:
    if database_url.startswith("sqlite"):
        pytest.skip("connection pool settings act on PostgreSQL only (the suite runs again there in CI)")
    return database_url


def _name(database: Database) -> str:
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT current_setting('application_name')")).scalar_one()


def test_a_runaway_statement_is_cancelled_by_the_server(server):
    database = Database.open(server, migrate=False, pool=PoolSettings(statement_timeout_ms=200))
    try:
        with pytest.raises(exc.OperationalError, match="statement timeout"):
            with database.engine.connect() as connection:
                connection.execute(text("SELECT pg_sleep(2)"))
        with database.engine.connect() as connection:  # the connection is usable again
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        database.dispose()


def test_the_pool_is_bounded_and_a_caller_waits_then_fails_clearly(server):
    database = Database.open(server, migrate=False, pool=PoolSettings(size=1, max_overflow=0, timeout_s=0.3))
    try:
        with database.engine.connect():
            with pytest.raises(exc.TimeoutError):
                database.engine.connect()
    finally:
        database.dispose()


def test_connections_are_named_after_the_terminal_then_the_operator(server, services, csr):
    database = Database.open(server, migrate=False)
    try:
        assert _name(database) == terminal_name() == database.terminal
        operators.sign_in("alice", PASSWORD, uow=UnitOfWork(database, write=True))
        assert _name(database) == f"{terminal_name()} alice"
        with database.read_cursor() as cursor:  # the driver-level reads (storage.prepared) too
            cursor.execute("SELECT current_setting('application_name')")
            assert cursor.fetchone() == (f"{terminal_name()} alice",)
        with services.database.engine.connect() as other:  # what a DBA sees from elsewhere
            names = other.execute(
                text("SELECT application_name FROM pg_stat_activity WHERE datname = current_database()")
            ).scalars()
            assert f"{terminal_name()} alice" in list(names)
        database.name_operator(None)
        assert _name(database) == terminal_name()
    finally:
        database.dispose()

"""Shared fixtures: a migrated database per test (a SQLite file in tmp_path, or the PostgreSQL
database named by CRM_TEST_DATABASE_URL, emptied between tests; one per pytest-xdist worker),
services and signed-in actors.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from crm_tui import present
from crm_tui.config import Settings
from crm_tui.domain import Role
from crm_tui.services import operators
from crm_tui.services.bootstrap import open_services
from crm_tui.services.context import Services
from crm_tui.services.shared import passwords
from crm_tui.services.shared.views import Actor
from crm_tui.storage.db import Database

PG_URL = os.environ.get("CRM_TEST_DATABASE_URL")
PASSWORD = "correct horse battery"

# Make sure the developer's own environment never leaks into tests.
for _name in list(os.environ):
    if _name.startswith("CRM_") and _name != "CRM_TEST_DATABASE_URL":
        del os.environ[_name]
# Nor the developer's own config file (crm_tui/user_config.py): tests that want one set CRM_CONFIG_FILE.
os.environ["CRM_CONFIG_FILE"] = str(Path(tempfile.mkdtemp(prefix="crm-tui-no-config-")) / "config.toml")
# Formats are deterministic whatever the machine's locale: English words, euros, day-first dates
# (en_IE: `€1,234.50`, `31/12/2026`) in the demo shop's zone. Tests of other locales set their own.
os.environ["CRM_LOCALE"] = "en_IE"
os.environ["CRM_TIMEZONE"] = "Europe/Madrid"


class _RememberingHasher(PasswordHasher):
    """Argon2id with the product's own parameters (the stored hashes are real), except that a secret
    hashed or a match checked once in this process is not worked out again: every test signs in two
    or three operators at some 20 ms a hash and 20 ms a check, a third of a service test's setup.
    A mismatch is never remembered (it raises, at full cost, each time). The one difference from
    the product: one secret gets one salt per test process."""

    def __init__(self, real: PasswordHasher) -> None:
        super().__init__(
            time_cost=real.time_cost,
            memory_cost=real.memory_cost,
            parallelism=real.parallelism,
            hash_len=real.hash_len,
            salt_len=real.salt_len,
            type=real.type,
        )
        self._hashes: dict[str, str] = {}
        self._matches: set[tuple[str, str]] = set()

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        if salt is not None or not isinstance(password, str):
            return super().hash(password, salt=salt)
        if password not in self._hashes:
            self._hashes[password] = super().hash(password)
        return self._hashes[password]

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:  # noqa: A002 (argon2's name)
        key = (str(hash), str(password))
        if key not in self._matches:
            super().verify(hash, password)
            self._matches.add(key)
        return True


passwords.HASHER = _RememberingHasher(passwords.HASHER)


@pytest.fixture(autouse=True)
def _environment_locale() -> Iterator[None]:
    """Each test starts in the environment's locale and zone: a signed-in operator's language
    (which the CLI and the workbench apply to the whole process) never leaks into the next test."""
    present.reset()
    yield
    present.reset()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating each time would be slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = Database.open(f"sqlite:///{path}")
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets its own database (`test` -> `test_gw0`), created if missing,
    so workers never empty each other's tables; without xdist, the given database itself."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    given = make_url(url)
    name = f"{given.database}_{worker}"
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar():
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _pg_migrated() -> str | None:
    if not PG_URL:
        return None
    url = _worker_database(PG_URL)
    database = Database.open(url, migrate=False)
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
    database.ensure_schema()
    database.dispose()
    return url


_EMPTY_PG = """
DO $$
DECLARE name text;
BEGIN
    -- the audit log refuses DELETE and TRUNCATE (migration 0003): a test database is emptied as its
    -- owner with its triggers off. DELETE, not TRUNCATE: on tables of a few rows it is ten times
    -- quicker (TRUNCATE makes new files for every table), and this runs before each test.
    SET LOCAL session_replication_role = replica;
    FOR name IN SELECT quote_ident(tablename) FROM pg_tables
                WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
        EXECUTE 'DELETE FROM ' || name;
    END LOOP;
    FOR name IN SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = 'public' LOOP
        PERFORM setval(name::regclass, 1, false);
    END LOOP;
END $$
"""


@functools.cache
def _pg_engine(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool)


def _empty_pg(url: str) -> None:
    """Every table empty and every sequence (the serial keys, the customer numbers) back at 1."""
    with _pg_engine(url).begin() as connection:
        connection.exec_driver_sql(_EMPTY_PG)


@pytest.fixture
def database_url(tmp_path: Path, _sqlite_template: Path, _pg_migrated: str | None) -> str:
    """A migrated, empty database for this test."""
    if _pg_migrated:
        _empty_pg(_pg_migrated)
        return _pg_migrated
    path = tmp_path / "crm.db"
    shutil.copy(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    opened = open_services(settings)
    yield opened
    opened.close()


def _add(services: Services, username: str, role: Role, actor: Actor | None) -> Actor:
    operators.add_operator(
        username,
        PASSWORD,
        role=role,
        display_name=username.title(),
        shop="Main street shop",
        uow=services.writer(),
        actor=actor,
    )
    return operators.sign_in(username, PASSWORD, uow=services.writer())


@pytest.fixture
def admin(services: Services) -> Actor:
    return _add(services, "admin", Role.ADMIN, None)


@pytest.fixture
def supervisor(services: Services, admin: Actor) -> Actor:
    return _add(services, "sam", Role.SUPERVISOR, admin)


@pytest.fixture
def csr(services: Services, admin: Actor) -> Actor:
    return _add(services, "alice", Role.CSR, admin)


@pytest.fixture
def lucia(services: Services) -> str:
    """Lucía García Pérez with every key a customer hands over: certificate, email, a line with IMSI and ICCID.

    Tests that need her otherwise (a bill, another line) define their own `lucia`."""
    from tests.factories import LUCIA_KEYS, make_customer

    return make_customer(services, **LUCIA_KEYS)


SLOW_MODULES = (
    # whole keyboard flows through the big forms (each test types a registration, an edit, an order)
    "tests/screens/test_registration_screen.py",
    "tests/screens/test_profile_edit_screen.py",
    "tests/screens/test_resume_screen.py",
    "tests/screens/test_deregistration_screen.py",
    "tests/screens/test_blacklist_and_receipts_screens.py",
    "tests/screens/test_verify_caller.py",
    "tests/screens/test_typing.py",
    "tests/screens/test_add_line_screen.py",
    "tests/screens/test_sign_in_names_screens.py",
    "tests/screens/test_suspend_date_screen.py",
    "tests/screens/test_two_languages.py",  # registration, deregistration, resumption typed through in Spanish
    # other processes: a real terminal, simulated terminals, the BSS simulator, killed imports, races
    "tests/terminal/",
    "tests/bench/",
    "tests/services/test_http_systems.py",
    "tests/services/test_import_resume.py",
    "tests/services/test_seed_properties.py",
    "tests/cli/test_concurrency.py",
)
"""Modules whose every test is `slow`: `pytest -q -n auto` (the README's command) leaves them out,
`pytest -q -n auto -m slow` runs them, and CI runs both. The screens every test still covers are
in the snapshots at 80x24 and 120x40 and in the fast screen tests."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).parents[1]
    for item in items:
        where = item.path.relative_to(root).as_posix()
        if where.startswith(SLOW_MODULES):
            item.add_marker(pytest.mark.slow)

"""Behind PgBouncer in transaction pooling mode (README, "Behind PgBouncer"): each transaction may run
on another server connection, shared with other terminals. With `CRM_DB_POOLER=pgbouncer` the counter's
day still works there: lookups past psycopg's prepare threshold, the one-identity rule under a race,
an order run by the engine, the statement timeout, each terminal's name in pg_stat_activity.

PgBouncer is started here on a free port in front of the test database; without the binary, or on
SQLite, these tests skip and say why."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import exc, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from crm_tui.cli.main import app
from crm_tui.config import Settings
from crm_tui.errors import DuplicateIdentity
from crm_tui.services import operators
from crm_tui.services.bootstrap import open_services
from crm_tui.services.context import Services
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.identity.registration import register_customer
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.services.lifecycle.deregistration import submit_deregistration
from crm_tui.storage.db import Database, PoolSettings
from tests.conftest import PASSWORD
from tests.factories import make_customer

PGBOUNCER = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin:/usr/local/sbin")
SERVER_CONNECTIONS = 3
"""PgBouncer's default_pool_size here: fewer server connections than the terminals that share them."""
ONE_SERVER_CONNECTION = "crm_single"
"""A second name for the same database whose pool is one server connection: every client's
transactions take turns on it, so whatever one client leaves in the session, the next one meets."""
PREPARE_THRESHOLD = 5
"""psycopg prepares a statement on the server after this many executions on one connection."""
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_it_answers(process: subprocess.Popen, log: Path, conninfo: dict[str, object]) -> None:
    deadline = time.monotonic() + 10
    while True:
        if process.poll() is not None:
            pytest.fail(f"pgbouncer exited ({process.returncode}):\n{log.read_text()[-2000:]}")
        try:
            with psycopg.connect(**conninfo, prepare_threshold=None, connect_timeout=2) as probe:
                probe.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                pytest.fail(f"pgbouncer did not answer in 10 s:\n{log.read_text()[-2000:]}")
            time.sleep(0.05)


@pytest.fixture(scope="module")
def bouncer(_pg_migrated: str | None) -> Iterator[str]:
    """The URL of a PgBouncer (transaction pooling, SERVER_CONNECTIONS per database) in front of the test database."""
    if not _pg_migrated:
        pytest.skip("PgBouncer pools PostgreSQL connections: set CRM_TEST_DATABASE_URL (SQLite has nothing to pool)")
    if PGBOUNCER is None:
        pytest.skip("no pgbouncer binary on PATH (apt-get install pgbouncer; .ci/run installs it)")
    server = make_url(_pg_migrated)
    user = server.username or "postgres"
    folder = Path(tempfile.mkdtemp(prefix="crm-pgbouncer-"))
    as_root = os.geteuid() == 0  # PgBouncer refuses to run as root: it drops to nobody, who must read its files
    target = f"host={server.host or '127.0.0.1'} port={server.port or 5432} dbname={server.database} user={user}"
    if server.password:
        target += f" password={server.password}"
    port = _free_port()
    (folder / "users.txt").write_text(f'"{user}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"""[databases]
crm = {target}
{ONE_SERVER_CONNECTION} = {target} pool_size=1

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
default_pool_size = {SERVER_CONNECTIONS}
max_client_conn = 200
logfile =
pidfile =
"""
    )
    if as_root:
        for path in (folder, *folder.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
    log = folder / "pgbouncer.log"
    command = [PGBOUNCER, *(["-u", "nobody"] if as_root else []), str(folder / "pgbouncer.ini")]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_until_it_answers(process, log, dict(host="127.0.0.1", port=port, user=user, dbname="crm"))
        yield server.set(host="127.0.0.1", port=port, database="crm").render_as_string(hide_password=False)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def through_bouncer(bouncer: str, settings: Settings, database_url: str) -> Iterator[list[Services]]:
    """The terminals a test opens behind the pooler (`_terminal`), closed after it."""
    opened: list[Services] = []
    yield opened
    for terminal in opened:
        terminal.close()


def _terminal(opened: list[Services], bouncer: str, settings: Settings, *, database: str = "crm") -> Services:
    """One more terminal (its own engine and connections) behind the pooler, configured as the README says."""
    url = make_url(bouncer).set(database=database).render_as_string(hide_password=False)
    # fresh Settings, not model_copy: that would keep the cached resolved_database_url (the server's own)
    terminal = open_services(
        Settings(database_url=url, data_dir=settings.data_dir, db_pooler="pgbouncer"), migrate=False
    )
    assert terminal.database.url == url
    opened.append(terminal)
    return terminal


def _dni(n: int) -> str:
    return f"{n:08d}{DNI_LETTERS[n % 23]}"


def _form(cert_number: str, first_name: str) -> RegistrationForm:
    return RegistrationForm(
        cert_type="national_id",
        cert_number=cert_number,
        cert_country="ES",
        first_name=first_name,
        last_name="Pooled",
        birthday="1980-01-01",
    )


def _register(terminal: Services, form: RegistrationForm, actor) -> str:  # noqa: ANN001 - an Actor
    """Without a service password: hashing it would only slow the test down."""
    return register_customer(form, uow=terminal.writer(), actor=actor, region="ES", require_password=False).customer_id


def test_a_script_without_the_pooler_setting_is_refused_at_once_and_told_what_to_set(bouncer, database_url, tmp_path):
    """Forgetting CRM_DB_POOLER fails loudly at the first connection (PgBouncer refuses the startup
    `options` that carry the statement timeout), not later and at random; with it, the same script runs."""
    environment = {"CRM_DATABASE_URL": bouncer, "CRM_DATA_DIR": str(tmp_path / "data")}
    refused = CliRunner().invoke(app, ["db", "current", "--json"], env=environment)
    assert refused.exit_code == 1, refused.stdout
    error = json.loads(refused.stdout)["error"]
    assert error["code"] == "database_unavailable"
    assert "unsupported startup parameter: options" in error["message"]
    assert "Set CRM_DB_POOLER=pgbouncer." in error["message"]
    answered = CliRunner().invoke(app, ["db", "current", "--json"], env=environment | {"CRM_DB_POOLER": "pgbouncer"})
    assert answered.exit_code == 0, answered.stdout
    assert json.loads(answered.stdout)["up_to_date"] is True


def test_two_terminals_register_and_look_up_customers_past_the_prepare_threshold(
    bouncer, settings, through_bouncer, admin
):
    """Two terminals take turns on one server connection: a statement psycopg prepared there for one
    (after PREPARE_THRESHOLD runs in committed transactions) would collide with the other's
    ("prepared statement "_pg3_0" already exists"), or be missing on another server connection."""
    terminals = [_terminal(through_bouncer, bouncer, settings, database=ONE_SERVER_CONNECTION) for _ in range(2)]
    registered: dict[str, str] = {}
    for n in range(1, 2 * (PREPARE_THRESHOLD + 2) + 1):
        terminal = terminals[n % 2]
        cert = _dni(40_000_000 + n)
        registered[cert] = _register(terminal, _form(cert, f"Person{chr(64 + n)}"), admin)
    for _ in range(PREPARE_THRESHOLD + 1):
        for n, (cert, customer_id) in enumerate(list(registered.items())[:4]):
            terminal = terminals[n % 2]
            page = search_customers(
                CustomerQuery(cert_type="national_id", cert_number=cert),
                uow=terminal.reader(),
                actor=admin,
                region="ES",
            )
            assert [c.customer_id for c in page.customers] == [customer_id]
            assert get_customer(customer_id, uow=terminal.reader(), actor=admin).customer_id == customer_id


def test_terminals_racing_on_one_certificate_create_one_identity(bouncer, settings, through_bouncer, admin):
    racers = 6  # twice the server connections: transactions queue in PgBouncer as well as in the database
    terminals = [_terminal(through_bouncer, bouncer, settings) for _ in range(racers)]
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []

    def race(index: int) -> None:
        barrier.wait()
        try:
            form = _form("12345678Z", f"Racer{chr(65 + index)}")
            outcomes.append(_register(terminals[index], form, admin))
        except DuplicateIdentity as error:
            outcomes.append("duplicate:" + error.extra["existing_customer_id"])
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    created = [o for o in outcomes if ":" not in o]
    assert len(outcomes) == racers and len(created) == 1, outcomes
    assert sorted(outcomes) == sorted([created[0]] + ["duplicate:" + created[0]] * (racers - 1))


def test_the_order_engine_runs_a_deregistration_through_the_pooler(bouncer, settings, services, through_bouncer, csr):
    line = "34612345678"
    make_customer(services, cert_number="12345678Z", service_number=line, outstanding=Decimal("23.45"))
    terminal = _terminal(through_bouncer, bouncer, settings)
    result = submit_deregistration(
        line,
        services=terminal,
        actor=csr,
        reason="fee_problem",
        number_mode="immediate",
        sim_mode="reuse",
        payment_method="card",
    )
    assert result.order.status == "closed"
    assert [step.status for step in result.order.steps] == ["done"] * len(result.order.steps)


def test_the_statement_timeout_fires_through_the_pooler_and_stays_in_its_transaction(bouncer, database_url):
    database = Database.open(bouncer, migrate=False, pool=PoolSettings(statement_timeout_ms=200, pooler="pgbouncer"))
    try:
        with database.engine.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "200ms"
            with pytest.raises(exc.OperationalError, match="statement timeout"):
                connection.execute(text("SELECT pg_sleep(2)"))
        with database.engine.connect() as connection:  # the connection is usable again
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
        with database.read_cursor() as cursor:  # the driver-level reads (storage.prepared) set it too
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone() == ("200ms",)
            with pytest.raises(psycopg.errors.QueryCanceled):
                cursor.execute("SELECT pg_sleep(2)")
        # the server connections it ran on are shared: another client never inherits the timeout
        url = make_url(bouncer)
        conninfo = dict(host=url.host, port=url.port, user=url.username, dbname=url.database)
        for _ in range(SERVER_CONNECTIONS):
            with psycopg.connect(**conninfo, prepare_threshold=None) as other:
                assert other.execute("SHOW statement_timeout").fetchone() == ("0",)
    finally:
        database.dispose()


def test_each_terminal_and_operator_is_named_in_pg_stat_activity_through_the_pooler(
    bouncer, settings, services, through_bouncer, csr
):
    """PgBouncer tracks application_name per client and sets it on whichever server connection runs
    the client's transaction: a DBA sees who runs each statement."""
    alice, unsigned = (_terminal(through_bouncer, bouncer, settings) for _ in range(2))
    operators.sign_in("alice", PASSWORD, uow=alice.writer())
    expected = f"{alice.database.terminal} alice"
    for _ in range(3):  # alternate, so the two terminals' transactions take turns on shared server connections
        for terminal, name in ((alice, expected), (unsigned, unsigned.database.terminal)):
            with terminal.database.engine.connect() as connection:
                seen = connection.execute(
                    text("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()")
                ).scalar_one()
                assert seen == name
    with alice.database.engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()  # the transaction stays open
        with services.database.engine.connect() as dba:
            seen = dba.execute(text("SELECT application_name FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
            assert seen.scalar_one() == expected

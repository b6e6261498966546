"""Issue 15, point 6: the seeder makes only people that registration accepts.

For any seed, the customers `seed_database` writes (straight into the tables, for speed) are
exported in the import format and registered into an empty database through the registration
service (`import_customers`, which validates each row as a CSR's form is validated): none refused.
"""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_tui.config import Settings
from crm_tui.domain import Role
from crm_tui.services import operators
from crm_tui.services.bootstrap import open_services
from crm_tui.services.customers.export import export_customers
from crm_tui.services.identity.importing import import_customers
from crm_tui.storage.seed import seed_database
from tests.conftest import PASSWORD

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def _database(template, folder, name):
    path = folder / f"{name}.db"
    shutil.copy(template, path)
    services = open_services(Settings(database_url=f"sqlite:///{path}", data_dir=folder / name))
    operators.add_operator("root", PASSWORD, role=Role.ADMIN, uow=services.writer(), actor=None)
    return services, operators.sign_in("root", PASSWORD, uow=services.writer())


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_every_seeded_person_registers_through_the_service(_sqlite_template, tmp_path_factory, seed):
    folder = tmp_path_factory.mktemp("seeded")
    source, source_admin = _database(_sqlite_template, folder, "source")
    target, target_admin = _database(_sqlite_template, folder, "target")
    try:
        seed_database(source.database, customers=40, seed=seed, now=NOW)
        out = io.StringIO()
        export_customers(out.write, services=source, actor=source_admin, format="jsonl")
        path = folder / "seeded.jsonl"
        path.write_text(out.getvalue(), encoding="utf-8")
        report = import_customers(path, services=target, actor=target_admin)
        assert report.rows >= 40
        assert report.refused == 0, [(e.field, e.message) for e in report.errors][:5]
        assert report.created + report.held + len(report.duplicates) == report.rows
    finally:
        source.close()
        target.close()

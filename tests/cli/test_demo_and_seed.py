"""`crm-tui demo` and `crm-tui seed`: demo data once, sign-ins that work, JSON that survives progress bars."""

from __future__ import annotations

from sqlalchemy import func, select

from crm_tui.config import Settings
from crm_tui.services.bootstrap import open_services
from crm_tui.services.shared.validation import customer_id_for
from crm_tui.storage.models.customers import Customer


def count_customers(url: str) -> int:
    services = open_services(Settings(database_url=url))
    try:
        with services.reader() as uow:
            return uow.session.execute(select(func.count()).select_from(Customer)).scalar_one()
    finally:
        services.close()


def test_demo_prepares_the_database_once_and_its_sign_ins_work(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = cli.json("--db", url, "demo", "--no-open", "--customers", "30", operator=None, password=None)
    customers = count_customers(url)
    assert customers >= 30
    again = cli.json("--db", url, "demo", "--no-open", "--customers", "30", operator=None, password=None)
    assert again["sign_ins"] == first["sign_ins"]
    assert count_customers(url) == customers  # idempotent: nothing added the second time
    roles = {sign_in["role"] for sign_in in first["sign_ins"]}
    assert {"csr", "supervisor", "admin"} <= roles
    csr = next(s for s in first["sign_ins"] if s["role"] == "csr")
    found = cli.json(
        "--db",
        url,
        "customers",
        "search",
        "--id",
        customer_id_for(1),
        operator=csr["username"],
        password=csr["password"],
    )
    assert found["total"] == 1


def test_demo_prints_sign_ins_for_people_on_stderr(cli, tmp_path):
    result = cli(
        "--db",
        f"sqlite:///{tmp_path / 'demo.db'}",
        "demo",
        "--no-open",
        "--customers",
        "5",
        operator=None,
        password=None,
    )
    assert result.exit_code == 0, result.output
    assert "Demo sign-ins" in result.stderr
    assert result.stdout == ""


def test_demo_uses_its_own_file_not_the_configured_database(cli, workbench):
    """Without --db the demo lives in CRM_DATA_DIR/demo.db, never in CRM_DATABASE_URL's database."""
    result = cli("demo", "--customers", "5", operator=None, password=None)
    assert result.exit_code == 0, result.output
    assert (cli.data_dir / "demo.db").exists()
    assert count_customers(cli.database_url) == 0
    [(url, launch)] = workbench.calls
    assert url.endswith("demo.db") and launch is None


def test_seed_adds_customers_with_progress_on_stderr_and_json_on_stdout(cli, admin):
    report = cli.json("seed", "--customers", "25", "--seed", "3", operator="admin")
    assert isinstance(report, dict) and report
    assert count_customers(cli.database_url) >= 25
    shown = cli.json("customers", "show", report["first_customer_id"], operator="admin")
    assert shown["customer_id"] == report["first_customer_id"]


def test_seed_for_people_prints_a_summary(cli, admin):
    result = cli("seed", "--customers", "10", operator="admin")
    assert result.exit_code == 0, result.output
    assert "Seeded" in result.stdout
    assert "Seeding customers" in result.stderr


def test_only_an_admin_seeds(cli, csr):
    assert cli.json("seed", "--customers", "5", expect=6)["error"]["code"] == "not_allowed"
    assert count_customers(cli.database_url) == 0


def test_seed_needs_a_positive_count(cli, admin):
    assert cli("seed", "--customers", "0", operator="admin").exit_code == 2

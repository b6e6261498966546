"""Issue 15, point 5: one name fold (anyascii + casefold) for search, the name index, matching,
sorting and seeding; existing rows re-folded by migration 0010."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from crm_tui.identifiers import fold_name
from crm_tui.services.customers import matching
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.storage.migrations.runner import alembic_config
from crm_tui.storage.seed import _ascii
from tests.cli.conftest import Cli
from tests.factories import make_customer


@pytest.mark.parametrize(
    "name, folded",
    [
        ("Łukasz  Wałęsa", "lukasz walesa"),
        ("Øster Đoković Æsir", "oster dokovic aesir"),
        ("MARÍA Núñez", "maria nunez"),
        ("Straße", "strasse"),
        ("Lucía García Pérez", "lucia garcia perez"),
    ],
)
def test_the_fold_transliterates_what_nfkd_left_alone(name, folded):
    assert fold_name(name) == folded


def test_matching_and_seeding_use_the_same_fold():
    assert matching.name_plain("Łukasz Wałęsa") == "lukasz walesa"
    assert matching.normalize_address("Ulica Łódzka 5") == "ulica lodzka 5"
    assert _ascii("Łukasz") == "lukasz"  # the seeder's made-up email addresses


def _search(services, actor, name: str) -> list[str]:
    page = search_customers(CustomerQuery(name=name), uow=services.reader(), actor=actor, region="ES")
    return [c.name for c in page.customers]


def test_a_name_typed_without_its_letters_finds_it(services, csr):
    make_customer(services, first_name="Łukasz", last_name="Wałęsa")
    make_customer(services, first_name="Bjørn", last_name="Ødegård")
    assert _search(services, csr, "lukasz walesa") == ["Łukasz Wałęsa"]
    assert _search(services, csr, "WAŁĘSA") == ["Łukasz Wałęsa"]
    assert _search(services, csr, "bjorn odegard") == ["Bjørn Ødegård"]


def test_names_sort_by_the_folded_key(services, csr):
    for first in ("Martin", "María", "Mario", "Marta"):
        make_customer(services, first_name=first, last_name="Zubiri")
    assert _search(services, csr, "zubiri") == ["María Zubiri", "Mario Zubiri", "Marta Zubiri", "Martin Zubiri"]


def test_the_cli_finds_lukasz_walesa(services, csr, database_url, tmp_path):
    make_customer(services, first_name="Łukasz", last_name="Wałęsa")
    cli = Cli(database_url=database_url, data_dir=tmp_path / "data")
    found = cli.json("customers", "search", "--name", "lukasz walesa")
    assert [c["name"] for c in found["customers"]] == ["Łukasz Wałęsa"]


def test_migration_0010_refolds_the_stored_keys(services, csr):
    """Rows folded the old way (Ł kept) are found once 0010 has run; the blacklist's keys too."""
    make_customer(services, first_name="Łukasz", last_name="Wałęsa")
    engine = services.database.engine
    with engine.begin() as connection:
        connection.execute(text("UPDATE customers SET name_search = 'łukasz wałesa'"))  # as the old fold left it
        connection.execute(
            text(
                "INSERT INTO blacklist (cert_type, cert_number, cert_country, name_search, severity, reason, created_at) "
                "VALUES ('passport', 'PL123456', 'PL', 'łukasz wałesa', 'ban', 'test', CURRENT_TIMESTAMP)"
            )
        )
    assert _search(services, csr, "lukasz walesa") == []
    config = alembic_config(services.database.write_engine)
    command.downgrade(config, "0005_match_models")
    command.upgrade(config, "head")
    assert _search(services, csr, "lukasz walesa") == ["Łukasz Wałęsa"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name_search FROM blacklist")).scalar_one() == "lukasz walesa"

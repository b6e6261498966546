"""The schema keeps identities unique in the database itself, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from crm_tui.storage.db import BUSY_TIMEOUT_MS
from crm_tui.storage.migrations import HEAD_REVISION
from crm_tui.storage.migrations.runner import head_revision
from crm_tui.storage.models.customers import Certificate, Customer
from crm_tui.storage.sequences import next_number
from crm_tui.storage.unit_of_work import is_unique_violation
from tests.factories import make_customer


def test_head_revision_constant_matches_the_migration_files():
    assert HEAD_REVISION == head_revision()


def test_database_is_migrated_to_head(services):
    assert services.database.current_revision() == HEAD_REVISION


def test_engine_is_set_up_for_many_terminals(services):
    """SQLite: WAL, foreign keys, busy timeout. PostgreSQL: the trigram index for names."""
    with services.database.engine.connect() as connection:
        if services.database.is_sqlite:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
        else:
            definition = connection.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_customers_name_trgm'"
            ).scalar()
            assert "gin_trgm_ops" in definition


def test_sqlite_writes_take_the_lock_at_begin(services):
    """A second writer waits (then gives up) instead of interleaving its check and insert."""
    if not services.database.is_sqlite:
        assert services.database.write_engine is services.database.engine
        return
    import sqlite3

    path = services.database.engine.url.database
    with services.writer() as uow:
        uow.session.execute(text("SELECT 1"))
        other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_the_same_certificate_cannot_belong_to_two_customers(services):
    make_customer(services, cert_number="12345678Z")
    with pytest.raises(IntegrityError) as caught:
        make_customer(services, cert_number="12345678Z")
    assert is_unique_violation(caught.value)


def test_the_same_number_in_another_country_is_another_certificate(services):
    make_customer(services, cert_type="passport", cert_number="AB1234567", cert_country="GB")
    make_customer(services, cert_type="passport", cert_number="AB1234567", cert_country="IE")


@pytest.mark.parametrize("column", ["service_number", "imsi", "iccid"])
def test_line_keys_are_unique(services, column):
    values = {"service_number": "34612345678", "imsi": "214070000000001", "iccid": "8934070000000000015"}
    make_customer(services, **values)
    other = {"service_number": "34612000000", "imsi": "214070000000002", "iccid": "8934070000000000023"}
    other[column] = values[column]
    with pytest.raises(IntegrityError) as caught:
        make_customer(services, **other)
    assert is_unique_violation(caught.value)


def test_foreign_keys_are_enforced(services):
    with services.writer() as uow:
        uow.session.add(
            Certificate(customer_id=987654, cert_type="passport", cert_number="X1234567", cert_country="FR")
        )
        with pytest.raises(IntegrityError):
            uow.flush()


def test_a_unit_of_work_without_commit_leaves_nothing(services):
    with services.writer() as uow:
        uow.session.add(Customer(customer_id="C0000000000", display_name="Ghost", name_search="ghost"))
        uow.flush()
    with services.reader() as uow:
        assert uow.session.execute(text("SELECT count(*) FROM customers")).scalar() == 0


def test_sequences_only_go_forward(services):
    with services.writer() as uow:
        first = next_number(uow.session, "customer_number")
        second = next_number(uow.session, "customer_number")
        uow.commit()
    assert second == first + 1


def test_name_index_follows_renames(services, csr):
    from crm_tui.services.customers.search import CustomerQuery, search_customers
    from crm_tui.services.shared.validation import normalize_name

    customer_id = make_customer(services, first_name="Ana", last_name="Torres")
    with services.writer() as uow:
        customer = uow.session.exec(select(Customer).where(Customer.customer_id == customer_id)).one()
        customer.last_name = "Navarro"
        customer.display_name = "Ana Navarro"
        customer.name_search = normalize_name("Ana Navarro")
        uow.session.add(customer)
        uow.commit()

    def found(name: str) -> int:
        return search_customers(CustomerQuery(name=name), uow=services.reader(), actor=csr, region="ES").total

    assert found("navarro") == 1
    assert found("torres") == 0

"""Driver-level reads (storage.prepared): a Core SELECT compiled once and run on the DBAPI cursor gives
what SQLAlchemy would have given, column for column, in one read transaction, on both engines."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from sqlalchemy import bindparam, select

from crm_tui.services.customers import search_sql
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.prepared import PreparedSelect
from tests.factories import LUCIA_KEYS

customers = Customer.__table__
c = customers.c


def test_rows_come_back_as_sqlalchemy_gives_them(services, lucia):
    statement = select(c.customer_id, c.birthday, c.incomplete, c.created_at, c.display_name).where(
        c.customer_id == bindparam("customer_id")
    )
    with services.database.engine.connect() as connection:
        expected = connection.execute(statement, {"customer_id": lucia}).one()
    with services.database.read_cursor() as cursor:
        row = services.database.prepared(statement).first(cursor, {"customer_id": lucia})
    assert tuple(row) == tuple(expected)
    assert isinstance(row.birthday, date) and row.incomplete is False  # SQLite's text and 0/1, converted
    assert row.created_at.tzinfo is not None  # aware UTC, as the column type gives it


def test_every_key_of_a_search_binds_through_the_driver_as_through_sqlalchemy(services, lucia):
    """The page statement carries constants of its own (the hidden statuses, the certificate's LIMIT 1);
    by each key she hands over, the driver's rows are SQLAlchemy's rows."""
    keys = {"customer_id": lucia, "cert_number": LUCIA_KEYS["cert_number"], "email": LUCIA_KEYS["email"]}
    keys |= {"service_number": LUCIA_KEYS["service_number"], "imsi": LUCIA_KEYS["imsi"], "iccid": LUCIA_KEYS["iccid"]}
    for key, value in keys.items():
        shape = search_sql.Shape(keys=(key,), sqlite=services.database.is_sqlite)
        params = {**search_sql.parameters(shape, {key: value}, []), "limit": 50, "offset": 0}
        with services.database.engine.connect() as connection:
            expected = connection.execute(search_sql.page_statement(shape), params).all()
        with services.database.read_cursor() as cursor:
            rows = services.database.prepared(search_sql.page_statement(shape)).all(cursor, params)
        assert len(rows) == 1 and rows[0].customer_id == lucia, key
        assert [tuple(row) for row in rows] == [tuple(row) for row in expected], key


def test_an_expanding_list_is_refused_when_prepared_not_when_run(services):
    statement = select(c.id).where(c.customer_id.in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="expanding"):
        PreparedSelect(statement, services.database.engine.dialect)


def test_two_columns_of_one_name_are_refused_when_prepared(services):
    other = customers.alias("other")
    with pytest.raises(ValueError, match="label the columns"):
        PreparedSelect(select(c.id, other.c.id), services.database.engine.dialect)


def test_dates_and_aware_times_bind_as_sqlalchemy_binds_them(services, lucia):
    """A date (text on SQLite) and an aware time (UTC, naive on SQLite) are converted by their types."""
    with services.database.engine.connect() as connection:
        born, created = connection.execute(select(c.birthday, c.created_at).where(c.customer_id == lucia)).one()
    statement = select(c.customer_id).where(
        c.birthday == bindparam("born"), c.created_at == bindparam("created"), c.customer_id == lucia
    )
    with services.database.read_cursor() as cursor:
        found = services.database.prepared(statement).all(cursor, {"born": born, "created": created})
    assert [row.customer_id for row in found] == [lucia]


def test_a_statement_is_compiled_once_per_database(services):
    statement = select(c.id).where(c.customer_id == bindparam("customer_id"))
    assert services.database.prepared(statement) is services.database.prepared(statement)


def test_the_reads_of_one_cursor_see_one_snapshot_on_sqlite(services, lucia, database_url):
    """A page and its count come from one transaction: a customer committed by another terminal between
    them is in neither (SQLite's WAL snapshot; PostgreSQL reads committed, as its sessions do)."""
    if not services.database.is_sqlite:
        pytest.skip("PostgreSQL's read committed sees each statement's own snapshot, as the sessions do")
    count = select(c.id).where(c.status != "erased")
    other = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    try:
        with services.database.read_cursor() as cursor:
            before = len(services.database.prepared(count).all(cursor, {}))
            other.execute("UPDATE customers SET status = 'erased' WHERE customer_id = ?", (lucia,))
            other.commit()
            during = len(services.database.prepared(count).all(cursor, {}))
        with services.database.read_cursor() as cursor:
            after = len(services.database.prepared(count).all(cursor, {}))
    finally:
        other.close()
    assert before == during == after + 1


def test_a_missing_value_is_an_error_not_a_null(services):
    statement = select(c.id).where(c.customer_id == bindparam("customer_id"))
    with services.database.read_cursor() as cursor, pytest.raises(KeyError, match="customer_id"):
        services.database.prepared(statement).all(cursor, {})

"""The customer view's statements find one customer's rows through indexes, never by walking a table
(or an index of a column every customer shares): SQLite's planner has no statistics here, so the plan
on the test database is the plan at a million customers."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import pytest

from crm_tui.services.customers import profile

STATEMENTS = [name for name in dir(profile) if name.isupper() and name.startswith("_") and name != "_PK"]
STATEMENTS = [name for name in STATEMENTS if hasattr(getattr(profile, name), "selected_columns")]


@pytest.mark.parametrize("name", STATEMENTS)
def test_each_statement_of_the_customer_view_is_served_by_an_index(services, lucia, database_url, name):
    if not services.database.is_sqlite:
        pytest.skip("the plans are SQLite's; bench_load.py explains PostgreSQL's")
    prepared = services.database.prepared(getattr(profile, name))
    values = {
        "pk": 1,
        "customer_id": lucia,
        "now": datetime.now(UTC),
        "birthday": date(1990, 1, 1),
        "name_search": "lucia garcia perez",
    }
    parameters = prepared._parameters({k: v for k, v in values.items() if k in prepared._constants})
    connection = sqlite3.connect(database_url.removeprefix("sqlite:///"))
    try:
        plan = [row[-1] for row in connection.execute("EXPLAIN QUERY PLAN " + prepared.sql, parameters)]
    finally:
        connection.close()
    assert plan, name
    for step in plan:
        assert not (step.startswith("SCAN ") and "INDEX" not in step), (name, plan)
        assert "(status=?)" not in step, (name, plan)  # a status every customer's rows share is no way in

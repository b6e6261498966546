"""The tables live one module a room (crm_tui/storage/models/): each room must bring the rooms its
foreign keys point at, and `crm_tui.storage.schema` must hold every table the migrations make."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex
from sqlmodel.main import default_registry

from crm_tui.storage import schema

ROOMS = Path(schema.__file__).parent / "models"
PACKAGE = "crm_tui.storage.models"


def _imported_rooms(room: str) -> set[str]:
    """The rooms one room imports, read from its source."""
    tree = ast.parse((ROOMS / f"{room}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"{PACKAGE}."):
            found.add(node.module.removeprefix(f"{PACKAGE}."))
    return found


def _reached(room: str) -> set[str]:
    """The rooms importing `room` loads, itself included."""
    seen, todo = set(), [room]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(_imported_rooms(current))
    return seen


def _room_of_table() -> dict[str, str]:
    """Each table's room: the module of the class that maps it."""
    return {
        mapper.local_table.name: mapper.class_.__module__.removeprefix(f"{PACKAGE}.")
        for mapper in default_registry.mappers
        if mapper.class_.__module__.startswith(f"{PACKAGE}.")
    }


def test_every_room_loads_the_rooms_its_foreign_keys_point_at():
    rooms = _room_of_table()
    missing = []
    for table in schema.metadata.tables.values():
        room = rooms[table.name]
        for key in table.foreign_keys:
            target = rooms[key.column.table.name]
            if target not in _reached(room):
                missing.append(f"{room}.{table.name}.{key.parent.name} -> {target}.{key.column.table.name}")
    assert missing == [], "a room must import the room of each table it refers to: " + ", ".join(missing)


def test_the_rooms_are_what_the_package_says_and_each_holds_tables():
    on_disk = {path.stem for path in ROOMS.glob("*.py")} - {"__init__", "base"}
    assert on_disk == set(_room_of_table().values())
    documented = (ROOMS / "__init__.py").read_text()
    assert all(f"    {room} " in documented for room in on_disk)


def test_the_schema_holds_every_table_the_migrations_make(services):
    made = set(inspect(services.database.engine).get_table_names()) - {"alembic_version"}
    name_index = {
        table for table in made if table.startswith("customers_fts")
    }  # SQLite's FTS5 name index and its shadows
    assert made - name_index == set(schema.metadata.tables)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_a_number_or_sim_is_unique_among_live_lines_on_both_engines(dialect):
    indexes = [i for i in schema.metadata.tables["subscribers"].indexes if i.name.startswith("uq_subscribers_live_")]
    assert len(indexes) == 3
    for index in indexes:
        ddl = str(CreateIndex(index).compile(dialect=dialect))
        assert ddl.startswith("CREATE UNIQUE INDEX") and "WHERE status IN ('active', 'suspended')" in ddl, ddl

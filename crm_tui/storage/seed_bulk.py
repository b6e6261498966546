"""The seeder's bulk path: executemany per table and, on SQLite from BULK_FROM customers on, the plain
indexes and the name index dropped during the load and rebuilt once after (their SQL read back)."""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Any

from sqlalchemy import Column, Connection, Table, func, insert, select, text

from crm_tui.storage.db import Database
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.customers import Address, Certificate, Contact, Customer, Preference
from crm_tui.storage.models.lines import Account, Contract, NumberPoolEntry, Offering, SimCard, Subscriber
from crm_tui.storage.models.money import Charge

CUSTOMERS: Table = Customer.__table__  # type: ignore[attr-defined]
CERTIFICATES: Table = Certificate.__table__  # type: ignore[attr-defined]
CONTACTS: Table = Contact.__table__  # type: ignore[attr-defined]
ADDRESSES: Table = Address.__table__  # type: ignore[attr-defined]
PREFERENCES: Table = Preference.__table__  # type: ignore[attr-defined]
ACCOUNTS: Table = Account.__table__  # type: ignore[attr-defined]
OFFERINGS: Table = Offering.__table__  # type: ignore[attr-defined]
SUBSCRIBERS: Table = Subscriber.__table__  # type: ignore[attr-defined]
CONTRACTS: Table = Contract.__table__  # type: ignore[attr-defined]
CHARGES: Table = Charge.__table__  # type: ignore[attr-defined]
NUMBERS: Table = NumberPoolEntry.__table__  # type: ignore[attr-defined]
SIMS: Table = SimCard.__table__  # type: ignore[attr-defined]
BLACKLIST: Table = BlacklistEntry.__table__  # type: ignore[attr-defined]
ROW_TABLES = (
    CUSTOMERS,
    CERTIFICATES,
    CONTACTS,
    ADDRESSES,
    PREFERENCES,
    ACCOUNTS,
    SUBSCRIBERS,
    CONTRACTS,
    CHARGES,
    NUMBERS,
    SIMS,
    BLACKLIST,
)

SQLITE_CACHE_KIB = 262_144  # page cache while loading (the connection's default is 2 MiB)


class BulkInsert:
    """`insert(table)` compiled once, executed as one DBAPI executemany.

    Values go through each column type's own bind processor, so they are stored exactly as the
    ORM stores them; only SQLAlchemy's per-row parameter bookkeeping is skipped (most of the time
    of a bulk load).
    """

    _cache: dict[tuple[str, str], BulkInsert] = {}

    def __init__(self, table: Table, dialect: Any) -> None:
        names = [column.name for column in table.columns]
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        self.sql = str(compiled)
        self.positional = bool(compiled.positional)
        order = list(compiled.positiontup or names) if self.positional else names
        self.columns = [(name, table.c[name].type._cached_bind_processor(dialect)) for name in order]

    @classmethod
    def of(cls, table: Table, dialect: Any) -> BulkInsert:
        key = (table.name, dialect.name)
        if key not in cls._cache:
            cls._cache[key] = cls(table, dialect)
        return cls._cache[key]

    def run(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        names = [name for name, _process in self.columns]
        processed = [(i, process) for i, (_name, process) in enumerate(self.columns) if process is not None]
        pick = itemgetter(*names)
        params: list[Any] = []
        for row in rows:
            values = list(pick(row))
            for i, process in processed:
                if values[i] is not None:
                    values[i] = process(values[i])
            params.append(tuple(values) if self.positional else dict(zip(names, values, strict=True)))
        connection.exec_driver_sql(self.sql, params)


def current_number(connection: Connection, column: Column, sequence: str, skip: int) -> int:
    """The highest number issued so far: the sequence, or the largest stored code if higher."""
    if connection.dialect.name == "postgresql":
        last, called = connection.execute(text(f"SELECT last_value, is_called FROM {sequence}_seq")).one()
        issued = int(last) if called else 0
    else:
        issued = int(
            connection.execute(text("SELECT value FROM id_sequences WHERE name = :n"), {"n": sequence}).scalar() or 0
        )
    top = connection.execute(select(func.max(column))).scalar()
    stored = int(top[skip : skip + 9]) if top and top[skip : skip + 9].isdigit() else 0
    return max(issued, stored)


# --- SQLite bulk mode ----------------------------------------------------------------------------

KEY_COLUMNS = {
    (CERTIFICATES.name, "cert_number"),
    (BLACKLIST.name, "cert_number"),
    (NUMBERS.name, "service_number"),
    (SUBSCRIBERS.name, "service_number"),
    (SUBSCRIBERS.name, "imsi"),
    (SUBSCRIBERS.name, "iccid"),
    (SIMS.name, "imsi"),
    (SIMS.name, "iccid"),
}  # the key sources look up by these while loading: their indexes stay
INDEX_ON = re.compile(r"ON (\w+) \((\w+)\)\s*$")


def _deferred_sql(connection: Connection) -> list[tuple[str, str, str]]:
    """(type, name, sql) of the name index triggers and the plain indexes a bulk load may defer."""
    tables = ",".join(f"'{t.name}'" for t in ROW_TABLES)
    rows = connection.execute(
        text(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
            "(type = 'trigger' AND tbl_name = 'customers' AND name LIKE 'customers_fts_%') OR "
            f"(type = 'index' AND tbl_name IN ({tables}) AND sql NOT LIKE 'CREATE UNIQUE%')) ORDER BY type, name"
        )
    ).all()
    return [(kind, name, sql) for kind, name, sql in rows if not _is_key_index(sql)]


def _is_key_index(sql: str) -> bool:
    match = INDEX_ON.search(sql)
    return bool(match) and (match.group(1), match.group(2)) in KEY_COLUMNS


def enter_bulk_mode(database: Database) -> list[tuple[str, str, str]]:
    """Drop the per-row name index triggers and the plain indexes; return their exact SQL.

    The SQL comes from sqlite_master, so what is put back is what the migration created. A sorted
    index build and one FTS 'rebuild' cost far less than maintaining them row by row.
    """
    with database.write_engine.begin() as connection:
        deferred = _deferred_sql(connection)
        for kind, name, _sql in deferred:
            connection.exec_driver_sql(f"DROP {kind.upper()} IF EXISTS {name}")
    return deferred


def leave_bulk_mode(database: Database, deferred: list[tuple[str, str, str]]) -> None:
    """Rebuild the name index from the table, then recreate the dropped indexes and triggers."""
    with database.write_engine.begin() as connection:
        bulk_pragmas(connection)
        connection.exec_driver_sql("INSERT INTO customers_fts(customers_fts) VALUES('rebuild')")
        present = {name for _kind, name, _sql in _deferred_sql(connection)}
        for _kind, name, sql in sorted(deferred, key=lambda item: item[0] != "index"):
            if name not in present:
                connection.exec_driver_sql(sql)
        connection.exec_driver_sql("PRAGMA cache_size=-2000")


def bulk_pragmas(connection: Connection) -> None:
    """A bigger page cache on SQLite: the random keys' indexes (MSISDN, IMSI, ...) stop thrashing."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")

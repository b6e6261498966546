"""Unique keys for the seeder: scrambled counters (MSISDN, IMSI, ICCID, DNI, NIE, passport, CIF) that skip
what the database already holds, so a second seed appends without a collision."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from sqlalchemy import Column, Connection, Table, func, select
from stdnum.es import cif as es_cif
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie

from crm_tui.identifiers import luhn_digit
from crm_tui.storage.seed_bulk import (
    BLACKLIST,
    CERTIFICATES,
    NUMBERS,
    SIMS,
    SUBSCRIBERS,
)

KEY_BATCH = 5000  # candidate keys checked against the database in one query


# --- unique keys ----------------------------------------------------------------------------------


def _scramble(index: int, size: int, salt: int) -> int:
    """A bijection of [0, size): affine, digit reversal (for powers of ten), affine again."""
    a, b, digits = _affine(size, salt)
    x = (a * index + b) % size
    if digits:
        x = int(f"{x:0{digits}d}"[::-1])
        x = (a * x + b * 31) % size
    return x


@cache
def _affine(size: int, salt: int) -> tuple[int, int, int]:
    a, b = 7_919_113 + 2 * salt, 104_729 * (salt + 1)
    while _gcd(a, size) != 1:
        a += 2
    digits = len(str(size - 1))
    return a, b, digits if size == 10**digits else 0


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


class KeySource:
    """Unique values from a scrambled counter; skips values already stored or reserved."""

    def __init__(
        self, size: int, make: Callable[[int], str], checks: Iterable[Column], *, salt: int, start: int = 0
    ) -> None:
        self.size = size
        self.make = make
        self.checks = tuple(checks)
        self.salt = salt
        self.index = start
        self.reserved: set[str] = set()
        self.connection: Connection | None = None
        self._buffer: list[str] = []

    def take(self) -> str:
        if not self._buffer:
            self._refill()
        return self._buffer.pop()

    def _refill(self) -> None:
        while not self._buffer:
            if self.index >= self.size:
                raise RuntimeError("key space exhausted")
            stop = min(self.index + KEY_BATCH, self.size)
            candidates = [self.make(_scramble(i, self.size, self.salt)) for i in range(self.index, stop)]
            self.index = stop
            taken = set(self.reserved)
            if self.connection is not None:
                for column in self.checks:
                    taken.update(existing_keys(self.connection, column, candidates))
            self._buffer = [c for c in reversed(candidates) if c not in taken]


def existing_keys(connection: Connection, column: Column, values: list[str]) -> list[str]:
    """Which of `values` the column already holds (one indexed IN query, compiled once)."""
    table, name = column.table.name, column.name
    if connection.dialect.name == "postgresql":
        return list(
            connection.exec_driver_sql(f"SELECT {name} FROM {table} WHERE {name} = ANY(%s)", (values,)).scalars()
        )
    sql = f"SELECT {name} FROM {table} WHERE {name} IN ({','.join('?' * len(values))})"
    return list(connection.exec_driver_sql(sql, tuple(values)).scalars())


def _iccid(x: int) -> str:
    body = f"893407{x:012d}"
    return body + luhn_digit(body)


def _dni(x: int) -> str:
    body = f"{x:08d}"
    return body + es_dni.calc_check_digit(body)


def _nie(x: int) -> str:
    body = "XYZ"[x // 10**7] + f"{x % 10**7:07d}"
    return body + es_nie.calc_check_digit(body)


def _passport(x: int) -> str:
    letters, digits = divmod(x, 10**7)
    return chr(65 + letters // 26) + chr(65 + letters % 26) + f"{digits:07d}"


def _cif(x: int) -> str:
    body = "AB"[x // 10**7] + f"{x % 10**7:07d}"
    return body + es_cif.calc_check_digits(body)[0]


class Keys:
    """Every unique-key source of one seeding run, started past what the database already holds."""

    def __init__(self, connection: Connection) -> None:
        def count(table: Table) -> int:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())

        numbers, sims, certs = count(NUMBERS), count(SIMS), count(CERTIFICATES)
        cert_checks = (CERTIFICATES.c.cert_number, BLACKLIST.c.cert_number)
        self.msisdn = KeySource(
            10**8,
            lambda x: f"346{x:08d}",
            (NUMBERS.c.service_number, SUBSCRIBERS.c.service_number),
            salt=1,
            start=numbers,
        )
        self.imsi = KeySource(10**10, lambda x: f"21407{x:010d}", (SIMS.c.imsi, SUBSCRIBERS.c.imsi), salt=2, start=sims)
        self.iccid = KeySource(10**12, _iccid, (SIMS.c.iccid, SUBSCRIBERS.c.iccid), salt=3, start=sims)
        self.dni = KeySource(10**8, _dni, cert_checks, salt=4, start=certs)
        self.nie = KeySource(3 * 10**7, _nie, cert_checks, salt=5, start=certs)
        self.passport = KeySource(676 * 10**7, _passport, cert_checks, salt=6, start=certs)
        self.cif = KeySource(2 * 10**7, _cif, cert_checks, salt=7, start=certs)
        self.use(connection)

    def use(self, connection: Connection) -> None:
        """Check candidates inside this transaction from now on."""
        for source in (self.msisdn, self.imsi, self.iccid, self.dni, self.nie, self.passport, self.cif):
            source.connection = connection

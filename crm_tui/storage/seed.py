"""Realistic demo data in bulk: a Spanish operator's customers, lines, contracts, bills and stock.

Deterministic for a seed and a database state: names come from Faker pools drawn once per locale
and combined with `random.Random(seed)`; unique keys (MSISDN, IMSI, ICCID, DNI, NIE, passport, CIF)
come from scrambled counters that skip anything already stored, so a second seed appends. Rows
go in with SQLAlchemy Core `executemany`, a few thousand per transaction, with explicit primary
keys so no row has to be read back.
"""

from __future__ import annotations

import json
import random
import re
import time
import unicodedata
from bisect import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from typing import Any

from faker import Faker
from sqlalchemy import Column, Connection, Table, func, insert, select, text
from sqlmodel import Session
from stdnum.es import cif as es_cif
from stdnum.es import dni as es_dni
from stdnum.es import nie as es_nie

from crm_tui.identifiers import customer_id_for, luhn_digit, normalize_name
from crm_tui.storage.db import Database
from crm_tui.storage.models import (
    Account,
    Address,
    BlacklistEntry,
    Certificate,
    Charge,
    Contact,
    Contract,
    Customer,
    NumberPoolEntry,
    Offering,
    Preference,
    SimCard,
    Subscriber,
)
from crm_tui.storage.sequences import advance_to
from crm_tui.storage.types import utcnow

DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # package data shipped beside the code
CHUNK_CUSTOMERS = 1000  # about 10,000 rows a transaction
KEY_BATCH = 5000  # candidate keys checked against the database in one query
POOL_SIZE = 400  # names drawn from Faker per locale and kind
BULK_FROM = 20_000  # from this size on SQLite, plain indexes and the name index are built once after the load
SAMPLE_CERTIFICATES = 5000  # seeded certificates kept to pick blacklist entries from
SQLITE_CACHE_KIB = 262_144  # page cache while loading (the connection's default is 2 MiB)

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
ROW_TABLES = (CUSTOMERS, CERTIFICATES, CONTACTS, ADDRESSES, PREFERENCES, ACCOUNTS, SUBSCRIBERS, CONTRACTS, CHARGES, NUMBERS, SIMS, BLACKLIST)

# nationality: (weight, Faker locale, language, two surnames?)
NATIONALITIES: dict[str, tuple[float, str, str, bool]] = {
    "ES": (78.0, "es_ES", "es", True),
    "MA": (4.0, "fr_DZ", "ar", False),
    "RO": (4.0, "ro_RO", "ro", False),
    "CO": (3.5, "es_CO", "es", True),
    "GB": (2.5, "en_GB", "en", False),
    "IT": (2.0, "it_IT", "it", False),
    "CN": (1.5, "zh_CN", "zh", False),
    "DE": (1.5, "de_DE", "de", False),
    "FR": (1.5, "fr_FR", "fr", False),
    "PT": (1.5, "pt_PT", "pt", True),
}
EMAIL_DOMAINS = ("gmail.com", "hotmail.com", "yahoo.es", "outlook.es", "icloud.com", "telefonica.net")
CREDIT = (("A", 30, Decimal("1000.00")), ("B", 45, Decimal("500.00")), ("C", 18, Decimal("200.00")), ("D", 7, Decimal("50.00")))
SUSPENSION_REASONS = ("customer_request", "lost_sim", "travel", "debt", "fraud")
BLACKLIST_REASONS = (
    "Unpaid debt from a previous contract",
    "Identity document reported stolen",
    "SIM cards resold in bulk",
    "Payment with a stolen card",
    "Abusive behaviour in a shop",
)
FAR_FUTURE = date(2100, 1, 1)


class Weighted:
    """A weighted choice with its cumulative weights computed once (random.choices redoes it each call)."""

    def __init__(self, values: Iterable[Any], weights: Iterable[float]) -> None:
        self.values = list(values)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


LINES_PERSON = Weighted((0, 1, 2, 3), (10, 60, 22, 8))
LINES_COMPANY = Weighted((0, 1, 2, 3), (5, 35, 30, 30))
CONTACTS_PERSON = Weighted((0, 1, 2), (45, 40, 15))
TITLES = {"female": Weighted(("Ms", "Mrs", "Dr"), (70, 25, 5)), "male": Weighted(("Mr", "Dr"), (95, 5))}
CREDIT_LEVELS = Weighted([c[0] for c in CREDIT], [c[1] for c in CREDIT])
CREDIT_LIMITS = {c[0]: c[2] for c in CREDIT}
NATIONALITY_MIX = Weighted(NATIONALITIES, [v[0] for v in NATIONALITIES.values()])


@dataclass
class SeedReport:
    """What one seeding run added, by table, and how long it took."""

    customers: int = 0
    certificates: int = 0
    contacts: int = 0
    addresses: int = 0
    accounts: int = 0
    subscribers: int = 0
    contracts: int = 0
    charges: int = 0
    blacklist: int = 0
    numbers: int = 0
    sims: int = 0
    offerings: int = 0
    seconds: float = 0.0
    first_customer_id: str | None = None
    last_customer_id: str | None = None

    @property
    def rows(self) -> int:
        """All rows inserted (customers plus everything that hangs off them)."""
        return sum(
            (self.customers, self.certificates, self.contacts, self.addresses, self.customers, self.accounts,
             self.subscribers, self.contracts, self.charges, self.blacklist, self.numbers, self.sims, self.offerings)
        )


# --- reference data -------------------------------------------------------------------------------


def load_catalog() -> list[dict[str, Any]]:
    """The primary offerings shipped in crm_tui/data/offerings.json."""
    raw = (DATA_DIR / "offerings.json").read_text(encoding="utf-8")
    return json.loads(raw)["offerings"]


def _load_cities() -> list[list[Any]]:
    raw = (DATA_DIR / "places_es.json").read_text(encoding="utf-8")
    return json.loads(raw)["cities"]


def ensure_offerings(connection: Connection) -> int:
    """Insert the catalog's offerings that are missing (by code); the number inserted."""
    have = set(connection.execute(select(OFFERINGS.c.code)).scalars())
    rows = [
        {
            "code": o["code"], "name": o["name"], "kind": "primary", "network_type": o["network_type"],
            "payment_type": o["payment_type"], "brand": o["brand"], "monthly_fee": Decimal(o["monthly_fee"]),
            "commitment_months": o["commitment_months"], "penalty_amount": Decimal(o["penalty_amount"]),
            "prolongation": o["prolongation"], "is_active": True,
        }
        for o in load_catalog()
        if o["code"] not in have
    ]
    if rows:
        connection.execute(insert(OFFERINGS), rows)
    return len(rows)


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

    def __init__(self, size: int, make: Callable[[int], str], checks: Iterable[Column], *, salt: int, start: int = 0) -> None:
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
                    taken.update(_existing(self.connection, column, candidates))
            self._buffer = [c for c in reversed(candidates) if c not in taken]


def _existing(connection: Connection, column: Column, values: list[str]) -> list[str]:
    """Which of `values` the column already holds (one indexed IN query, compiled once)."""
    table, name = column.table.name, column.name
    if connection.dialect.name == "postgresql":
        return list(connection.exec_driver_sql(f"SELECT {name} FROM {table} WHERE {name} = ANY(%s)", (values,)).scalars())
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
        self.msisdn = KeySource(10**8, lambda x: f"346{x:08d}", (NUMBERS.c.service_number, SUBSCRIBERS.c.service_number), salt=1, start=numbers)
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


# --- names ----------------------------------------------------------------------------------------


def _ascii(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


@dataclass
class NamePools:
    """First and last names per nationality, drawn from Faker once; combined by the Random."""

    male: dict[str, list[str]] = field(default_factory=dict)
    female: dict[str, list[str]] = field(default_factory=dict)
    last: dict[str, list[str]] = field(default_factory=dict)
    companies: list[str] = field(default_factory=list)
    streets: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, seed: int) -> NamePools:
        pools = cls()
        for nationality, (_w, locale, _lang, _two) in NATIONALITIES.items():
            fake = Faker(locale)
            fake.seed_instance(seed)
            if locale == "zh_CN":  # names as a Spanish shop writes them: romanized
                male = female = lambda: fake.first_romanized_name()  # noqa: E731
                last = fake.last_romanized_name
            else:
                male, female, last = fake.first_name_male, fake.first_name_female, fake.last_name
            pools.male[nationality] = sorted({male() for _ in range(POOL_SIZE)})
            pools.female[nationality] = sorted({female() for _ in range(POOL_SIZE)})
            pools.last[nationality] = sorted({last() for _ in range(POOL_SIZE)})
        fake = Faker("es_ES")
        fake.seed_instance(seed)
        pools.companies = sorted({fake.company() for _ in range(POOL_SIZE * 2)})
        pools.streets = sorted({fake.street_name() for _ in range(POOL_SIZE * 2)})
        return pools


# --- the plan of one customer -----------------------------------------------------------------------


@dataclass
class LinePlan:
    """One subscriber line to insert; empty keys are drawn from the key sources."""

    offering: str
    status: str = "active"
    status_reason: str | None = None
    service_number: str = ""
    imsi: str = ""
    iccid: str = ""
    activated: datetime | None = None


@dataclass
class CustomerPlan:
    """One customer to insert, with its certificate and lines."""

    type: str
    nationality: str
    display_name: str
    cert_type: str
    cert_number: str
    cert_country: str
    first_name: str | None = None
    last_name: str | None = None
    organization_name: str | None = None
    gender: str | None = None
    title: str | None = None
    birthday: date | None = None
    email: str | None = None
    credit_level: str = "B"
    payment_type: str = "postpaid"
    balance: Decimal = Decimal("0.00")
    terminated: bool = False
    lines: list[LinePlan] = field(default_factory=list)
    outstanding_bills: int = 0


FEATURED = CustomerPlan(
    type="individual",
    nationality="ES",
    display_name="Lucía García Pérez",
    first_name="Lucía",
    last_name="García Pérez",
    gender="female",
    title="Ms",
    birthday=date(1988, 4, 12),
    email="lucia.garcia@example.com",
    cert_type="national_id",
    cert_number="12345678Z",
    cert_country="ES",
    credit_level="A",
    payment_type="postpaid",
    lines=[LinePlan(offering="MAR-POST-5G-50", service_number="34612345678", imsi="214070000000001", iccid="8934070000000000015")],
    outstanding_bills=1,
)
"""The one well-known demo customer the README searches for."""


# --- the loader ---------------------------------------------------------------------------------


class _Loader:
    """Turns plans into rows with explicit ids, a chunk at a time."""

    def __init__(self, connection: Connection, rng: random.Random, now: datetime, pools: NamePools, keys: Keys) -> None:
        self.rng = rng
        self.now = now
        self.today = now.date()
        self.pools = pools
        self.keys = keys
        cities = _load_cities()
        self.cities = Weighted(cities, [c[3] for c in cities])
        ensure = ensure_offerings(connection)
        self.report = SeedReport(offerings=ensure)
        self.offerings = {row.code: row for row in connection.execute(select(OFFERINGS))}
        self.by_payment = {
            pay: [o.code for o in self.offerings.values() if o.payment_type == pay and o.kind == "primary" and o.is_active and o.brand != "Mar Empresas"]
            for pay in ("prepaid", "postpaid")
        }
        self.business = [o.code for o in self.offerings.values() if o.brand == "Mar Empresas"] or self.by_payment["postpaid"]
        self.next_id = {t.name: int(connection.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()) + 1 for t in ROW_TABLES}
        self.customer_number = _current_number(connection, CUSTOMERS.c.customer_id, "customer_number", 1)
        self.account_number = _current_number(connection, ACCOUNTS.c.account_code, "account_code", 2)
        self.rows: dict[str, list[dict[str, Any]]] = {t.name: [] for t in ROW_TABLES}
        self.certificates: list[tuple[str, str, str, str, date | None]] = []  # a uniform sample, for blacklist picks
        self.certificates_seen = 0
        self.sampler = random.Random(rng.random())

    def _id(self, table: Table) -> int:
        value = self.next_id[table.name]
        self.next_id[table.name] = value + 1
        return value

    # planning ---------------------------------------------------------------------------------

    def plan(self) -> CustomerPlan:
        rng = self.rng
        keys = self.keys
        if rng.random() < 0.08:
            name = rng.choice(self.pools.companies)
            plan = CustomerPlan(
                type="organization", nationality="ES", display_name=name, organization_name=name,
                cert_type="company_registration", cert_number=keys.cif.take(), cert_country="ES", payment_type="postpaid",
            )
            line_count = LINES_COMPANY.pick(rng)
        else:
            nationality = NATIONALITY_MIX.pick(rng)
            _w, _locale, _lang, two_surnames = NATIONALITIES[nationality]
            gender = "female" if rng.random() < 0.5 else "male"
            first = rng.choice((self.pools.female if gender == "female" else self.pools.male)[nationality])
            lasts = self.pools.last[nationality]
            last = f"{rng.choice(lasts)} {rng.choice(lasts)}" if two_surnames else rng.choice(lasts)
            if nationality == "ES":
                cert = ("national_id", keys.dni.take(), "ES")
            elif rng.random() < 0.6:
                cert = ("residence_permit", keys.nie.take(), "ES")
            else:
                cert = ("passport", keys.passport.take(), nationality)
            age_days = rng.randint(18 * 365 + 5, 90 * 365)
            plan = CustomerPlan(
                type="individual", nationality=nationality, display_name=f"{first} {last}", first_name=first, last_name=last,
                gender=gender, title=TITLES[gender].pick(rng),
                birthday=self.today - timedelta(days=age_days), cert_type=cert[0], cert_number=cert[1], cert_country=cert[2],
                payment_type="postpaid" if rng.random() < 0.65 else "prepaid",
            )
            line_count = LINES_PERSON.pick(rng)
        plan.credit_level = CREDIT_LEVELS.pick(rng)
        plan.terminated = line_count > 0 and rng.random() < 0.005
        if plan.payment_type == "prepaid":
            plan.balance = Decimal(rng.randint(0, 6000)) / 100
        choices = self.business if plan.type == "organization" else self.by_payment[plan.payment_type]
        for _ in range(line_count):
            if plan.terminated:
                status, reason = "deactivated", rng.choice(("customer_request", "fee_problem", "service_problem"))
            elif rng.random() < 0.05:
                status, reason = "suspended", rng.choice(SUSPENSION_REASONS)
            else:
                status, reason = "active", None
            plan.lines.append(LinePlan(offering=rng.choice(choices), status=status, status_reason=reason))
        if plan.payment_type == "postpaid" and plan.lines and not plan.terminated:
            debt = any(line.status_reason == "debt" for line in plan.lines)
            plan.outstanding_bills = rng.randint(1, 3) if debt or rng.random() < 0.12 else 0
        return plan

    # rows -------------------------------------------------------------------------------------

    def add(self, plan: CustomerPlan) -> None:
        rng, now, keys = self.rng, self.now, self.keys
        rows = self.rows
        self.customer_number += 1
        number = self.customer_number
        customer_id = customer_id_for(number)
        pk = self._id(CUSTOMERS)
        created = now - timedelta(days=rng.randint(30, 3650), seconds=rng.randint(0, 86399))
        lines = plan.lines
        for line in lines:
            line.service_number = line.service_number or keys.msisdn.take()
            line.imsi = line.imsi or keys.imsi.take()
            line.iccid = line.iccid or keys.iccid.take()
            line.activated = created + timedelta(days=rng.randint(0, max(1, (now - created).days - 1)), seconds=rng.randint(0, 86399))
        if plan.terminated:
            status = "terminated"
        elif any(line.status == "active" for line in lines):
            status = "active"
        elif lines:
            status = "suspended"
        else:
            status = "idle"
        if plan.email is None and plan.type == "individual":
            first, last = _ascii(plan.first_name or ""), _ascii((plan.last_name or "").split(" ")[0])
            local = rng.choice((f"{first}.{last}", f"{first}{last}", f"{first[:1]}{last}", f"{last}.{first}"))
            plan.email = f"{local}{number}@{rng.choice(EMAIL_DOMAINS)}"
        elif plan.email is None:
            plan.email = f"info{number}@{_ascii(plan.display_name.split(' ')[0])}.es"
        mobile = lines[0].service_number if lines else f"346{rng.randint(0, 10**8 - 1):08d}"
        limit = CREDIT_LIMITS[plan.credit_level] * (5 if plan.type == "organization" else 1)
        rows["customers"].append({
            "id": pk, "customer_id": customer_id, "type": plan.type, "status": status, "merged_into_id": None,
            "first_name": plan.first_name, "middle_name": None, "last_name": plan.last_name,
            "organization_name": plan.organization_name, "display_name": plan.display_name,
            "name_search": normalize_name(plan.display_name), "gender": plan.gender, "title": plan.title,
            "nationality": plan.nationality, "birthplace": None, "birthday": plan.birthday, "email": plan.email,
            "mobile": mobile, "social_id": None, "belief": None, "credit_level": plan.credit_level, "credit_limit": limit,
            "created_at": created, "updated_at": created, "created_by": None, "version": 1,
        })
        rows["certificates"].append({
            "id": self._id(CERTIFICATES), "customer_id": pk, "cert_type": plan.cert_type, "cert_number": plan.cert_number,
            "cert_country": plan.cert_country, "is_primary": True,
            "expires_on": None if plan.cert_type == "company_registration" else self.today + timedelta(days=rng.randint(30, 3650)),
            "created_at": created,
        })
        self._remember_certificate((plan.cert_type, plan.cert_number, plan.cert_country, normalize_name(plan.display_name), plan.birthday))
        self._contacts(pk, plan, number)
        self._addresses(pk, plan)
        language = NATIONALITIES[plan.nationality][2]
        dnd = rng.random() < 0.15
        rows["preferences"].append({
            "id": self._id(PREFERENCES), "customer_id": pk, "currency": "EUR", "language": language,
            "written_language": language if language in ("es", "en") else rng.choice(("es", "en")),
            "dnd_channel": rng.choice(("sms", "call", "email")) if dnd else None, "dnd_days": "mon-sun" if dnd else None,
            "dnd_start": "21:00" if dnd else None, "dnd_end": "09:00" if dnd else None,
        })
        self.account_number += 1
        account_pk = self._id(ACCOUNTS)
        rows["accounts"].append({
            "id": account_pk, "account_code": f"21{self.account_number:09d}", "customer_id": pk,
            "payment_type": plan.payment_type, "currency": "EUR", "balance": plan.balance,
            "status": "closed" if plan.terminated else "active", "created_at": created,
        })
        fees = Decimal("0.00")
        for line in lines:
            fees += self._line(pk, account_pk, plan, line, language)
        for month in range(plan.outstanding_bills):
            due = (self.today.replace(day=1) - timedelta(days=30 * month)).replace(day=5)
            rows["charges"].append({
                "id": self._id(CHARGES), "account_id": account_pk, "subscriber_id": None, "order_id": None, "kind": "bill",
                "description": f"Monthly bill {due:%Y-%m}", "amount": (fees * Decimal(rng.randint(90, 140)) / 100).quantize(Decimal("0.01")),
                "currency": "EUR", "status": "outstanding", "due_on": due, "created_at": datetime.combine(due - timedelta(days=15), datetime.min.time(), now.tzinfo),
            })
        report = self.report
        report.customers += 1
        report.first_customer_id = report.first_customer_id or customer_id
        report.last_customer_id = customer_id

    def _remember_certificate(self, item: tuple[str, str, str, str, date | None]) -> None:
        """Reservoir sampling: a fair sample of this run's certificates without keeping them all."""
        self.certificates_seen += 1
        if len(self.certificates) < SAMPLE_CERTIFICATES:
            self.certificates.append(item)
        else:
            slot = self.sampler.randrange(self.certificates_seen)
            if slot < SAMPLE_CERTIFICATES:
                self.certificates[slot] = item

    def _contacts(self, pk: int, plan: CustomerPlan, number: int) -> None:
        rng = self.rng
        count = CONTACTS_PERSON.pick(rng) if plan.type == "individual" else rng.choice((1, 2))
        nationality = "ES" if plan.type == "organization" else plan.nationality
        for k in range(count):
            gender = rng.choice(("male", "female"))
            first = rng.choice((self.pools.female if gender == "female" else self.pools.male)[nationality])
            last = rng.choice(self.pools.last[nationality])
            if k == 1 or rng.random() < 0.3:
                value = f"{_ascii(first)}.{_ascii(last)}.{number}{'c' if k == 0 else 'd'}@{rng.choice(EMAIL_DOMAINS)}"
                method, normalized = "email", value
            else:
                value = f"346{rng.randint(0, 10**8 - 1):08d}"
                method, normalized = "mobile", value
            self.rows["contacts"].append({
                "id": self._id(CONTACTS), "customer_id": pk,
                "contact_type": "primary" if plan.type == "organization" and k == 0 else rng.choice(("emergency", "family", "billing")),
                "first_name": first, "middle_name": None, "last_name": last, "title": None,
                "method": method, "value": value, "value_normalized": normalized,
            })

    def _addresses(self, pk: int, plan: CustomerPlan) -> None:
        rng = self.rng
        kinds = ["living"] if plan.type == "individual" else ["registered"]
        if rng.random() < 0.4:
            kinds.append("billing")
        for kind in kinds:
            city, province, prefix, _w = self.cities.pick(rng)
            detail = f"{rng.choice(self.pools.streets)}, {rng.randint(1, 180)}"
            if rng.random() < 0.7:
                detail += f", {rng.randint(1, 12)}º {rng.choice('ABCDEFGH')}"
            self.rows["addresses"].append({
                "id": self._id(ADDRESSES), "customer_id": pk, "address_type": kind, "region": province, "city": city,
                "detail": detail, "postal_code": f"{prefix}{rng.randint(1, 999):03d}", "country": "ES", "contact_point": None,
            })

    def _line(self, pk: int, account_pk: int, plan: CustomerPlan, line: LinePlan, language: str) -> Decimal:
        rng, now = self.rng, self.now
        offering = self.offerings[line.offering]
        sub_pk = self._id(SUBSCRIBERS)
        activated = line.activated or now
        since = now - timedelta(days=rng.randint(1, 120)) if line.status != "active" else activated
        self.rows["subscribers"].append({
            "id": sub_pk, "service_number": line.service_number, "iccid": line.iccid, "imsi": line.imsi,
            "customer_id": pk, "account_id": account_pk, "offering_id": offering.id, "network_type": offering.network_type,
            "payment_type": offering.payment_type, "user_type": plan.type, "brand": offering.brand,
            "status": line.status, "status_reason": line.status_reason, "status_since": max(since, activated),
            "activated_at": activated, "latest_activation_at": activated, "valid_from": activated.date(),
            "expires_on": FAR_FUTURE if offering.payment_type == "postpaid" else self.today + timedelta(days=rng.randint(15, 365)),
            "language": language, "written_language": language, "version": 1,
        })
        months = offering.commitment_months
        if months and not plan.terminated:
            start = activated.date()
            if (self.today - start).days >= months * 30:  # a renewal with a new phone, or out of contract
                start = self.today - timedelta(days=rng.randint(0, months * 30 - 1)) if rng.random() < 0.6 else None
            if start is not None:
                self.rows["contracts"].append({
                    "id": self._id(CONTRACTS), "subscriber_id": sub_pk, "offering_id": offering.id,
                    "name": f"{months}-month commitment", "status": "active", "effective_on": start,
                    "expires_on": _add_months(start, months), "duration_months": months,
                    "prolongation": offering.prolongation, "penalty_amount": offering.penalty_amount,
                })
        frozen = plan.terminated
        self.rows["number_pool"].append({
            "id": self._id(NUMBERS), "service_number": line.service_number, "state": "frozen" if frozen else "in_use",
            "is_golden": False, "fee": Decimal("0.00"),
            "frozen_until": now + timedelta(days=rng.randint(10, 90)) if frozen else None, "subscriber_id": sub_pk, "version": 1,
        })
        self.rows["sim_pool"].append({
            "id": self._id(SIMS), "iccid": line.iccid, "imsi": line.imsi, "state": "abandoned" if frozen else "in_use",
            "subscriber_id": sub_pk, "version": 1,
        })
        return offering.monthly_fee if line.status == "active" else Decimal("0.00")

    # stock and blacklist ----------------------------------------------------------------------

    def stock(self, customers: int) -> None:
        """Free numbers (some golden), a few frozen ones and free SIMs, sized to the run."""
        rng, now = self.rng, self.now
        for _ in range(customers // 10 + 50):
            self.rows["number_pool"].append(self._number(self.keys.msisdn.take(), "available"))
        for _ in range(customers // 100 + 5):
            row = self._number(self.keys.msisdn.take(), "frozen")
            row["frozen_until"] = now + timedelta(days=rng.randint(1, 90))
            self.rows["number_pool"].append(row)
        for number in self._golden(customers // 500 + 5):
            row = self._number(number, "available")
            row.update(is_golden=True, fee=Decimal(rng.choice((20, 50, 100, 300))))
            self.rows["number_pool"].append(row)
        for _ in range(customers // 20 + 50):
            self.rows["sim_pool"].append({
                "id": self._id(SIMS), "iccid": self.keys.iccid.take(), "imsi": self.keys.imsi.take(), "state": "available",
                "subscriber_id": None, "version": 1,
            })

    def _number(self, number: str, state: str) -> dict[str, Any]:
        return {
            "id": self._id(NUMBERS), "service_number": number, "state": state, "is_golden": False, "fee": Decimal("0.00"),
            "frozen_until": None, "subscriber_id": None, "version": 1,
        }

    def _golden(self, wanted: int) -> list[str]:
        """Pretty numbers (6xx 111 222), not yet stored and not drawn by the counter later."""
        candidates = sorted({f"346{self.rng.randint(0, 99):02d}{d * 3}{e * 3}" for d in "0123456789" for e in "0123456789" for _ in range(3)})
        self.rng.shuffle(candidates)
        source = self.keys.msisdn
        assert source.connection is not None
        taken: set[str] = set()
        for column in source.checks:
            taken.update(_existing(source.connection, column, candidates))
        chosen = [c for c in candidates if c not in taken][:wanted]
        source.reserved.update(chosen)
        return chosen

    def blacklist(self, customers: int) -> None:
        """A few entries: some on seeded customers' certificates, some on people never seen."""
        rng = self.rng
        known = rng.sample(self.certificates, min(len(self.certificates), customers // 4000 + 2))
        for i, (cert_type, cert_number, country, name, birthday) in enumerate(known):
            self._blacklist_row(cert_type, cert_number, country, name, birthday, "ban" if i % 3 == 1 else "warn")
        for _ in range(customers // 4000 + 2):
            gender_pool = self.pools.male["ES"] if rng.random() < 0.5 else self.pools.female["ES"]
            name = f"{rng.choice(gender_pool)} {rng.choice(self.pools.last['ES'])} {rng.choice(self.pools.last['ES'])}"
            birthday = self.today - timedelta(days=rng.randint(18 * 365, 70 * 365))
            self._blacklist_row("national_id", self.keys.dni.take(), "ES", normalize_name(name), birthday, "ban")

    def _blacklist_row(self, cert_type: str, cert_number: str, country: str, name: str, birthday: date | None, severity: str) -> None:
        rng = self.rng
        self.rows["blacklist"].append({
            "id": self._id(BLACKLIST), "cert_type": cert_type, "cert_number": cert_number, "cert_country": country,
            "name_search": name, "birthday": birthday, "severity": severity, "reason": rng.choice(BLACKLIST_REASONS),
            "expires_at": None if rng.random() < 0.7 else self.now + timedelta(days=rng.randint(30, 720)),
            "created_at": self.now - timedelta(days=rng.randint(1, 1500)), "created_by": None,
        })

    # writing ----------------------------------------------------------------------------------

    def flush(self, connection: Connection) -> None:
        """Insert the buffered rows, parents first, and count them."""
        report = self.report
        for table in ROW_TABLES:
            rows = self.rows[table.name]
            if not rows:
                continue
            _BulkInsert.of(table, connection.dialect).run(connection, rows)
            name = {"customers": None, "preferences": None, "number_pool": "numbers", "sim_pool": "sims"}.get(table.name, table.name)
            if name:
                setattr(report, name, getattr(report, name) + len(rows))
            self.rows[table.name] = []


class _BulkInsert:
    """`insert(table)` compiled once, executed as one DBAPI executemany.

    Values go through each column type's own bind processor, so they are stored exactly as the
    ORM stores them; only SQLAlchemy's per-row parameter bookkeeping is skipped (most of the time
    of a bulk load).
    """

    _cache: dict[tuple[str, str], _BulkInsert] = {}

    def __init__(self, table: Table, dialect: Any) -> None:
        names = [column.name for column in table.columns]
        compiled = insert(table).compile(dialect=dialect, column_keys=names)
        self.sql = str(compiled)
        self.positional = bool(compiled.positional)
        order = list(compiled.positiontup or names) if self.positional else names
        self.columns = [(name, table.c[name].type._cached_bind_processor(dialect)) for name in order]

    @classmethod
    def of(cls, table: Table, dialect: Any) -> _BulkInsert:
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


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


def _current_number(connection: Connection, column: Column, sequence: str, skip: int) -> int:
    """The highest number issued so far: the sequence, or the largest stored code if higher."""
    if connection.dialect.name == "postgresql":
        last, called = connection.execute(text(f"SELECT last_value, is_called FROM {sequence}_seq")).one()
        issued = int(last) if called else 0
    else:
        issued = int(connection.execute(text("SELECT value FROM id_sequences WHERE name = :n"), {"n": sequence}).scalar() or 0)
    top = connection.execute(select(func.max(column))).scalar()
    stored = int(top[skip:skip + 9]) if top and top[skip:skip + 9].isdigit() else 0
    return max(issued, stored)


# --- SQLite bulk mode ----------------------------------------------------------------------------

KEY_COLUMNS = {
    (CERTIFICATES.name, "cert_number"), (BLACKLIST.name, "cert_number"), (NUMBERS.name, "service_number"),
    (SUBSCRIBERS.name, "service_number"), (SUBSCRIBERS.name, "imsi"), (SUBSCRIBERS.name, "iccid"), (SIMS.name, "imsi"), (SIMS.name, "iccid"),
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


def _enter_bulk_mode(database: Database) -> list[tuple[str, str, str]]:
    """Drop the per-row name index triggers and the plain indexes; return their exact SQL.

    The SQL comes from sqlite_master, so what is put back is what the migration created. A sorted
    index build and one FTS 'rebuild' cost far less than maintaining them row by row.
    """
    with database.write_engine.begin() as connection:
        deferred = _deferred_sql(connection)
        for kind, name, _sql in deferred:
            connection.exec_driver_sql(f"DROP {kind.upper()} IF EXISTS {name}")
    return deferred


def _leave_bulk_mode(database: Database, deferred: list[tuple[str, str, str]]) -> None:
    """Rebuild the name index from the table, then recreate the dropped indexes and triggers."""
    with database.write_engine.begin() as connection:
        _bulk_pragmas(connection)
        connection.exec_driver_sql("INSERT INTO customers_fts(customers_fts) VALUES('rebuild')")
        present = {name for _kind, name, _sql in _deferred_sql(connection)}
        for _kind, name, sql in sorted(deferred, key=lambda item: item[0] != "index"):
            if name not in present:
                connection.exec_driver_sql(sql)
        connection.exec_driver_sql("PRAGMA cache_size=-2000")


# --- entry points ---------------------------------------------------------------------------------


def seed_database(
    database: Database,
    *,
    customers: int,
    seed: int = 42,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    featured: bool = False,
) -> SeedReport:
    """Append `customers` realistic customers (and their lines, contracts, bills) plus free stock.

    `featured` first adds the well-known demo customer (FEATURED) unless their DNI is already stored.
    """
    if customers < 0:
        raise ValueError("customers must be zero or more")
    started = time.perf_counter()
    now = now or utcnow()
    rng = random.Random(seed)
    pools = NamePools.build(seed)
    deferred = _enter_bulk_mode(database) if database.is_sqlite and customers >= BULK_FROM else []
    try:
        with database.write_engine.begin() as connection:
            keys = Keys(connection)
            loader = _Loader(connection, rng, now, pools, keys)
            if featured and not _stored(connection, FEATURED.cert_number):
                plan = CustomerPlan(**{**FEATURED.__dict__, "lines": [LinePlan(**line.__dict__) for line in FEATURED.lines]})
                for line in plan.lines:
                    for value, source in ((line.service_number, keys.msisdn), (line.imsi, keys.imsi), (line.iccid, keys.iccid)):
                        source.reserved.add(value)
                keys.dni.reserved.add(plan.cert_number)
                loader.add(plan)
            loader.stock(customers)
            loader.flush(connection)
        done = 0
        while done < customers:
            size = min(CHUNK_CUSTOMERS, customers - done)
            with database.write_engine.begin() as connection:
                if deferred:
                    _bulk_pragmas(connection)
                keys.use(connection)
                for _ in range(size):
                    loader.add(loader.plan())
                loader.flush(connection)
            done += size
            if progress:
                progress(done)
        with database.write_engine.begin() as connection:
            keys.use(connection)
            loader.blacklist(customers)
            loader.flush(connection)
            with Session(bind=connection) as session:
                advance_to(session, "customer_number", loader.customer_number)
                advance_to(session, "account_code", loader.account_number)
            if connection.dialect.name == "postgresql":
                for table in ROW_TABLES:
                    connection.execute(
                        text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), GREATEST((SELECT MAX(id) FROM {table.name}), 1))")
                    )
                connection.execute(text("SELECT setval(pg_get_serial_sequence('offerings', 'id'), GREATEST((SELECT MAX(id) FROM offerings), 1))"))
    finally:
        if deferred:
            _leave_bulk_mode(database, deferred)
    report = loader.report
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def _bulk_pragmas(connection: Connection) -> None:
    """A bigger page cache on SQLite: the random keys' indexes (MSISDN, IMSI, ...) stop thrashing."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")


def _stored(connection: Connection, cert_number: str) -> bool:
    return connection.execute(select(CERTIFICATES.c.id).where(CERTIFICATES.c.cert_number == cert_number).limit(1)).first() is not None

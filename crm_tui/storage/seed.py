"""Realistic demo data in bulk: a Spanish operator's customers, lines, contracts, bills and stock.

Deterministic for a seed and a database state: names come from Faker pools drawn once per locale
and combined with `random.Random(seed)`; unique keys (MSISDN, IMSI, ICCID, DNI, NIE, passport, CIF)
come from scrambled counters that skip anything already stored, so a second seed appends. Rows
go in with SQLAlchemy Core `executemany`, a few thousand per transaction, with explicit primary
keys so no row has to be read back.

Over 400 lines on purpose: the customer plans and the loader that writes them share the
distributions above (lines, contacts, credit, nationalities) and read as one recipe; the key
counters (seed_keys) and the bulk SQL path (seed_bulk) live apart.
"""

from __future__ import annotations

import json
import random
import time
from bisect import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any

from faker import Faker
from sqlalchemy import Connection, Table, func, insert, select, text
from sqlmodel import Session

from crm_tui import i18n
from crm_tui.i18n import N_
from crm_tui.identifiers import customer_id_for, fold_name, normalize_name
from crm_tui.storage.db import Database
from crm_tui.storage.seed_bulk import (
    ACCOUNTS,
    ADDRESSES,
    BLACKLIST,
    CERTIFICATES,
    CHARGES,
    CONTACTS,
    CONTRACTS,
    CUSTOMERS,
    NUMBERS,
    OFFERINGS,
    PREFERENCES,
    ROW_TABLES,
    SIMS,
    SUBSCRIBERS,
    BulkInsert,
    bulk_pragmas,
    current_number,
    enter_bulk_mode,
    leave_bulk_mode,
)
from crm_tui.storage.seed_keys import Keys, existing_keys
from crm_tui.storage.sequences import advance_to
from crm_tui.storage.types import utcnow

DATA_DIR = Path(__file__).resolve().parent.parent / "data"  # package data shipped beside the code
CHUNK_CUSTOMERS = 1000  # about 10,000 rows a transaction
POOL_SIZE = 400  # names drawn from Faker per locale and kind
BULK_FROM = 20_000  # from this size on SQLite, plain indexes and the name index are built once after the load
SAMPLE_CERTIFICATES = 5000  # seeded certificates kept to pick blacklist entries from


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
CREDIT = (
    ("A", 30, Decimal("1000.00")),
    ("B", 45, Decimal("500.00")),
    ("C", 18, Decimal("200.00")),
    ("D", 7, Decimal("50.00")),
)
SUSPENSION_REASONS = ("customer_request", "lost_sim", "travel", "debt", "fraud")
BLACKLIST_REASONS = (
    N_("Unpaid debt from a previous contract"),
    N_("Identity document reported stolen"),
    N_("SIM cards resold in bulk"),
    N_("Payment with a stolen card"),
    N_("Abusive behaviour in a shop"),
)
"""Stored in the language of whoever seeds, as the product stores the texts it makes (see _Loader)."""
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
            (
                self.customers,
                self.certificates,
                self.contacts,
                self.addresses,
                self.customers,
                self.accounts,
                self.subscribers,
                self.contracts,
                self.charges,
                self.blacklist,
                self.numbers,
                self.sims,
                self.offerings,
            )
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
            "code": o["code"],
            "name": o["name"],
            "kind": "primary",
            "network_type": o["network_type"],
            "payment_type": o["payment_type"],
            "brand": o["brand"],
            "monthly_fee": Decimal(o["monthly_fee"]),
            "commitment_months": o["commitment_months"],
            "penalty_amount": Decimal(o["penalty_amount"]),
            "prolongation": o["prolongation"],
            "is_active": True,
        }
        for o in load_catalog()
        if o["code"] not in have
    ]
    if rows:
        connection.execute(insert(OFFERINGS), rows)
    return len(rows)


# --- names ----------------------------------------------------------------------------------------


def _ascii(value: str) -> str:
    """A name's letters and digits in ASCII, for made-up email addresses: "Łukasz" -> "lukasz"."""
    return "".join(ch for ch in fold_name(value) if ch.isalnum())


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
                male = female = lambda fake=fake: fake.first_romanized_name()  # noqa: E731
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
    lines=[
        LinePlan(
            offering="MAR-POST-5G-50", service_number="34612345678", imsi="214070000000001", iccid="8934070000000000015"
        )
    ],
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
        # stored text in the seeding operator's language, as the product writes what it makes
        self.commitment = i18n._("{months}-month commitment")
        self.monthly_bill = i18n._("Monthly bill {month}")
        self.blacklist_reasons = [i18n._(reason) for reason in BLACKLIST_REASONS]
        cities = _load_cities()
        self.cities = Weighted(cities, [c[3] for c in cities])
        ensure = ensure_offerings(connection)
        self.report = SeedReport(offerings=ensure)
        self.offerings = {row.code: row for row in connection.execute(select(OFFERINGS))}
        self.by_payment = {
            pay: [
                o.code
                for o in self.offerings.values()
                if o.payment_type == pay and o.kind == "primary" and o.is_active and o.brand != "Mar Empresas"
            ]
            for pay in ("prepaid", "postpaid")
        }
        self.business = [o.code for o in self.offerings.values() if o.brand == "Mar Empresas"] or self.by_payment[
            "postpaid"
        ]
        self.next_id = {
            t.name: int(connection.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()) + 1
            for t in ROW_TABLES
        }
        self.customer_number = current_number(connection, CUSTOMERS.c.customer_id, "customer_number", 1)
        self.account_number = current_number(connection, ACCOUNTS.c.account_code, "account_code", 2)
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
                type="organization",
                nationality="ES",
                display_name=name,
                organization_name=name,
                cert_type="company_registration",
                cert_number=keys.cif.take(),
                cert_country="ES",
                payment_type="postpaid",
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
                type="individual",
                nationality=nationality,
                display_name=f"{first} {last}",
                first_name=first,
                last_name=last,
                gender=gender,
                title=TITLES[gender].pick(rng),
                birthday=self.today - timedelta(days=age_days),
                cert_type=cert[0],
                cert_number=cert[1],
                cert_country=cert[2],
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
            line.activated = created + timedelta(
                days=rng.randint(0, max(1, (now - created).days - 1)), seconds=rng.randint(0, 86399)
            )
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
        rows["customers"].append(
            {
                "id": pk,
                "customer_id": customer_id,
                "type": plan.type,
                "status": status,
                "merged_into_id": None,
                "first_name": plan.first_name,
                "middle_name": None,
                "last_name": plan.last_name,
                "organization_name": plan.organization_name,
                "display_name": plan.display_name,
                "name_search": normalize_name(plan.display_name),
                "gender": plan.gender,
                "title": plan.title,
                "nationality": plan.nationality,
                "birthplace": None,
                "birthday": plan.birthday,
                "email": plan.email,
                "mobile": mobile,
                "social_id": None,
                "login_name": None,
                "belief": None,
                "credit_level": plan.credit_level,
                "credit_limit": limit,
                "created_at": created,
                "updated_at": created,
                "created_by": None,
                "version": 1,
                "incomplete": False,
            }
        )
        rows["certificates"].append(
            {
                "id": self._id(CERTIFICATES),
                "customer_id": pk,
                "cert_type": plan.cert_type,
                "cert_number": plan.cert_number,
                "cert_country": plan.cert_country,
                "is_primary": True,
                "expires_on": None
                if plan.cert_type == "company_registration"
                else self.today + timedelta(days=rng.randint(30, 3650)),
                "created_at": created,
                "retired_at": None,
            }
        )
        self._remember_certificate(
            (plan.cert_type, plan.cert_number, plan.cert_country, normalize_name(plan.display_name), plan.birthday)
        )
        self._contacts(pk, plan, number)
        self._addresses(pk, plan)
        language = NATIONALITIES[plan.nationality][2]
        dnd = rng.random() < 0.15
        rows["preferences"].append(
            {
                "id": self._id(PREFERENCES),
                "customer_id": pk,
                "currency": "EUR",
                "language": language,
                "written_language": language if language in ("es", "en") else rng.choice(("es", "en")),
                "dnd_channel": rng.choice(("sms", "call", "email")) if dnd else None,
                "dnd_days": "mon-sun" if dnd else None,
                "dnd_start": "21:00" if dnd else None,
                "dnd_end": "09:00" if dnd else None,
            }
        )
        self.account_number += 1
        account_pk = self._id(ACCOUNTS)
        rows["accounts"].append(
            {
                "id": account_pk,
                "account_code": f"21{self.account_number:09d}",
                "customer_id": pk,
                "payment_type": plan.payment_type,
                "currency": "EUR",
                "balance": plan.balance,
                "status": "closed" if plan.terminated else "active",
                "created_at": created,
            }
        )
        fees = Decimal("0.00")
        for line in lines:
            fees += self._line(pk, account_pk, plan, line, language)
        for month in range(plan.outstanding_bills):
            due = (self.today.replace(day=1) - timedelta(days=30 * month)).replace(day=5)
            rows["charges"].append(
                {
                    "id": self._id(CHARGES),
                    "account_id": account_pk,
                    "subscriber_id": None,
                    "order_id": None,
                    "kind": "bill",
                    "description": self.monthly_bill.format(month=f"{due:%Y-%m}"),
                    "amount": (fees * Decimal(rng.randint(90, 140)) / 100).quantize(Decimal("0.01")),
                    "currency": "EUR",
                    "status": "outstanding",
                    "due_on": due,
                    "created_at": datetime.combine(due - timedelta(days=15), datetime.min.time(), now.tzinfo),
                    "receipt_number": None,
                }
            )
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
            self.rows["contacts"].append(
                {
                    "id": self._id(CONTACTS),
                    "customer_id": pk,
                    "contact_type": "primary"
                    if plan.type == "organization" and k == 0
                    else rng.choice(("emergency", "family", "billing")),
                    "first_name": first,
                    "middle_name": None,
                    "last_name": last,
                    "title": None,
                    "method": method,
                    "value": value,
                    "value_normalized": normalized,
                }
            )

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
            self.rows["addresses"].append(
                {
                    "id": self._id(ADDRESSES),
                    "customer_id": pk,
                    "address_type": kind,
                    "region": province,
                    "city": city,
                    "detail": detail,
                    "postal_code": f"{prefix}{rng.randint(1, 999):03d}",
                    "country": "ES",
                    "contact_point": None,
                }
            )

    def _line(self, pk: int, account_pk: int, plan: CustomerPlan, line: LinePlan, language: str) -> Decimal:
        rng, now = self.rng, self.now
        offering = self.offerings[line.offering]
        sub_pk = self._id(SUBSCRIBERS)
        activated = line.activated or now
        since = now - timedelta(days=rng.randint(1, 120)) if line.status != "active" else activated
        self.rows["subscribers"].append(
            {
                "id": sub_pk,
                "service_number": line.service_number,
                "iccid": line.iccid,
                "imsi": line.imsi,
                "customer_id": pk,
                "account_id": account_pk,
                "offering_id": offering.id,
                "network_type": offering.network_type,
                "payment_type": offering.payment_type,
                "user_type": plan.type,
                "brand": offering.brand,
                "status": line.status,
                "status_reason": line.status_reason,
                "status_since": max(since, activated),
                "activated_at": activated,
                "latest_activation_at": activated,
                "valid_from": activated.date(),
                "expires_on": FAR_FUTURE
                if offering.payment_type == "postpaid"
                else self.today + timedelta(days=rng.randint(15, 365)),
                "language": language,
                "written_language": language,
                "version": 1,
            }
        )
        months = offering.commitment_months
        if months and not plan.terminated:
            start = activated.date()
            if (self.today - start).days >= months * 30:  # a renewal with a new phone, or out of contract
                start = self.today - timedelta(days=rng.randint(0, months * 30 - 1)) if rng.random() < 0.6 else None
            if start is not None:
                self.rows["contracts"].append(
                    {
                        "id": self._id(CONTRACTS),
                        "subscriber_id": sub_pk,
                        "offering_id": offering.id,
                        "name": self.commitment.format(months=months),
                        "status": "active",
                        "effective_on": start,
                        "expires_on": _add_months(start, months),
                        "duration_months": months,
                        "prolongation": offering.prolongation,
                        "penalty_amount": offering.penalty_amount,
                    }
                )
        frozen = plan.terminated
        self.rows["number_pool"].append(
            {
                "id": self._id(NUMBERS),
                "service_number": line.service_number,
                "state": "frozen" if frozen else "in_use",
                "is_golden": False,
                "fee": Decimal("0.00"),
                "frozen_until": now + timedelta(days=rng.randint(10, 90)) if frozen else None,
                "subscriber_id": sub_pk,
                "version": 1,
            }
        )
        self.rows["sim_pool"].append(
            {
                "id": self._id(SIMS),
                "iccid": line.iccid,
                "imsi": line.imsi,
                "state": "abandoned" if frozen else "in_use",
                "subscriber_id": sub_pk,
                "version": 1,
            }
        )
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
            self.rows["sim_pool"].append(
                {
                    "id": self._id(SIMS),
                    "iccid": self.keys.iccid.take(),
                    "imsi": self.keys.imsi.take(),
                    "state": "available",
                    "subscriber_id": None,
                    "version": 1,
                }
            )

    def _number(self, number: str, state: str) -> dict[str, Any]:
        return {
            "id": self._id(NUMBERS),
            "service_number": number,
            "state": state,
            "is_golden": False,
            "fee": Decimal("0.00"),
            "frozen_until": None,
            "subscriber_id": None,
            "version": 1,
        }

    def _golden(self, wanted: int) -> list[str]:
        """Pretty numbers (6xx 111 222), not yet stored and not drawn by the counter later."""
        candidates = sorted(
            {
                f"346{self.rng.randint(0, 99):02d}{d * 3}{e * 3}"
                for d in "0123456789"
                for e in "0123456789"
                for _ in range(3)
            }
        )
        self.rng.shuffle(candidates)
        source = self.keys.msisdn
        assert source.connection is not None
        taken: set[str] = set()
        for column in source.checks:
            taken.update(existing_keys(source.connection, column, candidates))
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

    def _blacklist_row(
        self, cert_type: str, cert_number: str, country: str, name: str, birthday: date | None, severity: str
    ) -> None:
        rng = self.rng
        self.rows["blacklist"].append(
            {
                "id": self._id(BLACKLIST),
                "cert_type": cert_type,
                "cert_number": cert_number,
                "cert_country": country,
                "name_search": name,
                "birthday": birthday,
                "severity": severity,
                "reason": rng.choice(self.blacklist_reasons),
                "expires_at": None if rng.random() < 0.7 else self.now + timedelta(days=rng.randint(30, 720)),
                "created_at": self.now - timedelta(days=rng.randint(1, 1500)),
                "created_by": None,
                "lifted_at": None,
                "lifted_by": None,
                "lift_reason": None,
            }
        )

    # writing ----------------------------------------------------------------------------------

    def flush(self, connection: Connection) -> None:
        """Insert the buffered rows, parents first, and count them."""
        report = self.report
        for table in ROW_TABLES:
            rows = self.rows[table.name]
            if not rows:
                continue
            BulkInsert.of(table, connection.dialect).run(connection, rows)
            name = {"customers": None, "preferences": None, "number_pool": "numbers", "sim_pool": "sims"}.get(
                table.name, table.name
            )
            if name:
                setattr(report, name, getattr(report, name) + len(rows))
            self.rows[table.name] = []


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


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
    deferred = enter_bulk_mode(database) if database.is_sqlite and customers >= BULK_FROM else []
    try:
        with database.write_engine.begin() as connection:
            keys = Keys(connection)
            loader = _Loader(connection, rng, now, pools, keys)
            if featured and not _stored(connection, FEATURED.cert_number):
                plan = CustomerPlan(
                    **{**FEATURED.__dict__, "lines": [LinePlan(**line.__dict__) for line in FEATURED.lines]}
                )
                for line in plan.lines:
                    for value, source in (
                        (line.service_number, keys.msisdn),
                        (line.imsi, keys.imsi),
                        (line.iccid, keys.iccid),
                    ):
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
                    bulk_pragmas(connection)
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
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), GREATEST((SELECT MAX(id) FROM {table.name}), 1))"
                        )
                    )
                connection.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('offerings', 'id'), GREATEST((SELECT MAX(id) FROM offerings), 1))"
                    )
                )
    finally:
        if deferred:
            leave_bulk_mode(database, deferred)
    report = loader.report
    report.seconds = round(time.perf_counter() - started, 2)
    return report


def _stored(connection: Connection, cert_number: str) -> bool:
    return (
        connection.execute(select(CERTIFICATES.c.id).where(CERTIFICATES.c.cert_number == cert_number).limit(1)).first()
        is not None
    )

"""Demo data: deterministic, valid keys, consistent states, appends, findable; the demo bootstrap."""

from __future__ import annotations

import random
import re
import shutil
from collections import defaultdict
from datetime import UTC, datetime

import phonenumbers
import pytest
from sqlalchemy import func, select, text
from stdnum import imsi as stdnum_imsi
from stdnum import luhn
from stdnum.es import cif, dni, nie

from crm_tui import i18n
from crm_tui.domain import Role
from crm_tui.errors import NotAllowed
from crm_tui.services import operators, seeding
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.shared.validation import (
    customer_id_for,
    is_customer_id,
    normalize_name,
    parse_iccid,
)
from crm_tui.storage import seed as seed_module
from crm_tui.storage.db import Database
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.customers import Certificate, Customer
from crm_tui.storage.models.lines import Contract, NumberPoolEntry, Offering, SimCard, Subscriber
from crm_tui.storage.models.money import Charge
from crm_tui.storage.seed import load_catalog, seed_database
from tests.factories import make_customer

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
REGION = "ES"


def snapshot(database: Database) -> list[tuple]:
    """Who was seeded, by the keys that matter, in a stable order."""
    with database.engine.connect() as connection:
        numbers: dict[int, list[str]] = defaultdict(list)
        for customer_pk, number, imsi, iccid in connection.execute(
            select(Subscriber.customer_id, Subscriber.service_number, Subscriber.imsi, Subscriber.iccid).order_by(
                Subscriber.id
            )
        ):
            numbers[customer_pk].extend((number, imsi, iccid))
        rows = connection.execute(
            select(
                Customer.id,
                Customer.customer_id,
                Customer.display_name,
                Customer.email,
                Customer.status,
                Certificate.cert_number,
            )
            .join(Certificate, Certificate.customer_id == Customer.id)
            .order_by(Customer.customer_id)
        ).all()
    return [(cid, name, email, status, cert, tuple(numbers[pk])) for pk, cid, name, email, status, cert in rows]


@pytest.fixture
def fresh_sqlite(tmp_path, _sqlite_template):
    """Another empty migrated SQLite database beside the test's own."""
    path = tmp_path / "other.db"
    shutil.copy(_sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    yield database
    database.dispose()


def test_same_seed_gives_the_same_customers(services, fresh_sqlite):
    seed_database(services.database, customers=120, seed=5, now=NOW)
    seed_database(fresh_sqlite, customers=120, seed=5, now=NOW)
    first, second = snapshot(services.database), snapshot(fresh_sqlite)
    assert len(first) == 120 and first == second
    seed_database(fresh_sqlite, customers=120, seed=6, now=NOW)
    assert [row[1] for row in snapshot(fresh_sqlite)[120:]] != [row[1] for row in first]


def test_every_key_is_valid_and_unique(services):
    report = seed_database(services.database, customers=300, seed=11, now=NOW, featured=True)
    assert report.customers == 301
    with services.database.engine.connect() as connection:
        customers = connection.execute(select(Customer)).all()
        certificates = connection.execute(select(Certificate)).all()
        subscribers = connection.execute(select(Subscriber)).all()
        numbers = {row.service_number: row for row in connection.execute(select(NumberPoolEntry))}
        sims = {row.iccid: row for row in connection.execute(select(SimCard))}
        blacklist = connection.execute(select(BlacklistEntry)).all()
        offerings = connection.execute(select(func.count()).select_from(Offering)).scalar_one()
    assert offerings == len(load_catalog())
    for customer in customers:
        assert is_customer_id(customer.customer_id)
        assert customer.name_search == normalize_name(customer.display_name)
    assert [c.customer_id for c in sorted(customers, key=lambda c: c.id)] == [customer_id_for(n) for n in range(1, 302)]
    kinds = defaultdict(int)
    for cert in certificates:
        kinds[cert.cert_type] += 1
        if cert.cert_type == "national_id":
            assert dni.is_valid(cert.cert_number) and cert.cert_country == "ES"
        elif cert.cert_type == "residence_permit":
            assert nie.is_valid(cert.cert_number) and cert.cert_country == "ES"
        elif cert.cert_type == "company_registration":
            assert cif.is_valid(cert.cert_number) and cert.cert_country == "ES"
        else:
            assert (
                cert.cert_type == "passport"
                and re.fullmatch(r"[A-Z]{2}\d{7}", cert.cert_number)
                and cert.cert_country != "ES"
            )
    assert (
        kinds["national_id"] > kinds["residence_permit"] > 0
        and kinds["company_registration"] > 0
        and kinds["passport"] > 0
    )
    assert len({c.cert_number for c in certificates}) == len(certificates)
    assert len({c.email for c in customers}) == len(customers)
    assert {c.nationality for c in customers} >= {"ES", "MA", "RO"}
    assert subscribers
    for sub in subscribers:
        number = phonenumbers.parse("+" + sub.service_number)
        assert phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == "ES"
        assert stdnum_imsi.is_valid(sub.imsi) and sub.imsi.startswith("21407")
        assert len(sub.iccid) == 19 and sub.iccid.startswith("893407") and luhn.is_valid(sub.iccid)
        assert parse_iccid(sub.iccid) == sub.iccid
        assert numbers[sub.service_number].subscriber_id == sub.id
        assert numbers[sub.service_number].state == ("frozen" if sub.status == "deactivated" else "in_use")
        assert sims[sub.iccid].imsi == sub.imsi and sims[sub.iccid].subscriber_id == sub.id
    for key in ("service_number", "imsi", "iccid"):
        assert len({getattr(s, key) for s in subscribers}) == len(subscribers)
    free = [n for n in numbers.values() if n.subscriber_id is None]
    assert {n.state for n in free} == {"available", "frozen"}
    assert any(n.is_golden and n.fee > 0 for n in free)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse("+" + n)) for n in numbers)
    assert any(s.state == "available" for s in sims.values())
    assert {b.severity for b in blacklist} == {"warn", "ban"}
    assert {b.cert_number for b in blacklist} & {c.cert_number for c in certificates}


def test_customer_states_follow_their_lines(services):
    seed_database(services.database, customers=300, seed=3, now=NOW)
    with services.database.engine.connect() as connection:
        lines: dict[int, list[str]] = defaultdict(list)
        for customer_pk, status in connection.execute(select(Subscriber.customer_id, Subscriber.status)):
            lines[customer_pk].append(status)
        customers = connection.execute(select(Customer.id, Customer.status)).all()
        suspended = (
            connection.execute(select(Subscriber.status_reason).where(Subscriber.status == "suspended")).scalars().all()
        )
        contracts = connection.execute(
            text("SELECT COUNT(*) FROM contracts WHERE expires_on > :today AND penalty_amount > 0"),
            {"today": NOW.date()},
        ).scalar()
        bills = connection.execute(
            text("SELECT COUNT(*) FROM charges WHERE status = 'outstanding' AND amount > 0")
        ).scalar()
    seen = set()
    for pk, status in customers:
        states = lines[pk]
        if status == "terminated":
            assert states and set(states) == {"deactivated"}
        elif status == "active":
            assert "active" in states
        elif status == "suspended":
            assert states and set(states) == {"suspended"}
        else:
            assert status == "idle" and not states
        seen.add(status)
    assert {"active", "idle"} <= seen
    assert suspended and all(suspended)
    assert contracts > 0 and bills > 0


def test_seeding_twice_appends_without_collisions(services, csr):
    made = make_customer(services, service_number="34612345678", cert_number="11111111H")
    first = seed_database(services.database, customers=150, seed=1, now=NOW)
    second = seed_database(services.database, customers=150, seed=1, now=NOW)
    assert first.last_customer_id < second.first_customer_id
    assert second.offerings == 0
    with services.database.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Customer)).scalar_one() == 301
        assert (
            connection.execute(select(func.count(func.distinct(Subscriber.imsi)))).scalar_one()
            == second.subscribers + first.subscribers + 1
        )
    # ordinary registration still works after the bulk load: ids and sequences moved on
    later = make_customer(
        services, service_number="34699000001", imsi="214079999999999", iccid=_iccid("893407999999999999")
    )
    assert later == customer_id_for(302)
    found = {
        c.customer_id
        for c in _search(
            services,
            csr,
            name="lucia garcia perez",
        ).customers
    }
    assert {made, later} <= found


def _iccid(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def _search(services, actor, **fields):
    return search_customers(CustomerQuery(**fields), uow=services.reader(), actor=actor, region=REGION)


@pytest.mark.parametrize("rebuild", [False, True], ids=["name-index-triggers", "name-index-rebuild"])
def test_seeded_customers_are_found_by_every_key(services, csr, monkeypatch, rebuild):
    if rebuild:
        monkeypatch.setattr(seed_module, "BULK_FROM", 1)
    seed_database(services.database, customers=200, seed=9, now=NOW)
    with services.database.engine.connect() as connection:
        picked = connection.execute(
            select(
                Customer.customer_id,
                Customer.display_name,
                Customer.email,
                Certificate.cert_number,
                Subscriber.service_number,
                Subscriber.imsi,
                Subscriber.iccid,
            )
            .join(Certificate, Certificate.customer_id == Customer.id)
            .join(Subscriber, Subscriber.customer_id == Customer.id)
            .where(Customer.status == "active")
            .order_by(Customer.id)
            .limit(3)
        ).all()
    assert len(picked) == 3
    for customer_id, name, email, cert_number, number, imsi, iccid in picked:
        for field, value in (
            ("customer_id", customer_id),
            ("email", email),
            ("cert_number", cert_number),
            ("service_number", number[2:]),
            ("imsi", imsi),
            ("iccid", iccid),
        ):
            assert [c.customer_id for c in _search(services, csr, **{field: value}).customers] == [customer_id], field
        found = _search(services, csr, name=name.upper()).customers
        assert customer_id in [c.customer_id for c in found]
    # the name index keeps working for rows written after the load (the triggers are back)
    added = make_customer(services, first_name="Zoë", last_name="Quintanilla Ybarra")
    assert [c.customer_id for c in _search(services, csr, name="quintanilla yba").customers] == [added]


def test_create_demo_is_idempotent_and_shows_lucia(services):
    sign_ins = seeding.create_demo(services, customers=60, seed=7)
    assert [(u, r) for u, _p, r in sign_ins] == [
        ("admin", "admin"),
        ("sam", "supervisor"),
        ("alice", "csr"),
        ("bob", "csr"),
    ]
    assert all(len(password) >= 10 for _u, password, _r in sign_ins)
    before = snapshot(services.database)
    assert seeding.create_demo(services, customers=60, seed=7) == sign_ins
    assert snapshot(services.database) == before and len(before) == 61
    alice = operators.sign_in("alice", "demo-csr-01", uow=services.writer())
    lucia = seeding.FEATURED_CUSTOMER
    for field, value in (
        ("cert_number", lucia["cert_number"]),
        ("service_number", "612345678"),
        ("name", "lucia garcia"),
        ("imsi", lucia["imsi"]),
    ):
        found = _search(services, alice, **{field: value}).customers
        assert [c.name for c in found] == ["Lucía García Pérez"], field
    assert found[0].customer_id == customer_id_for(1)


@pytest.mark.parametrize(
    ("language", "contract", "bill", "reason"),
    [
        ("es", r"permanencia de \d+ meses", r"Factura mensual \d{4}-\d{2}", "Deuda impagada de un contrato anterior"),
        ("en", r"\d+-month commitment", r"Monthly bill \d{4}-\d{2}", "Unpaid debt from a previous contract"),
    ],
)
def test_seeded_texts_are_stored_in_the_seeding_language(services, language, contract, bill, reason):
    """A Spanish shop's demo shows its contracts, bills and blacklist reasons in Spanish, as the
    product stores what it writes itself; an English one in English."""
    i18n.use_locale(language)
    try:
        seed_database(services.database, customers=300, seed=3, now=NOW)
        reasons = {i18n._(r) for r in seed_module.BLACKLIST_REASONS}
    finally:
        i18n.use_locale(None)
    with services.reader() as uow:
        session = uow.session
        names = set(session.execute(select(Contract.name)).scalars())
        bills = set(session.execute(select(Charge.description).where(Charge.kind == "bill")).scalars())
        stored_reasons = set(session.execute(select(BlacklistEntry.reason)).scalars())
    assert names and all(re.fullmatch(contract, name) for name in names), names
    assert bills and all(re.fullmatch(bill, text) for text in bills), bills
    assert reason in reasons and stored_reasons and stored_reasons <= reasons, stored_reasons


def test_seed_customers_is_for_admins_and_audited(services, admin, csr):
    with pytest.raises(NotAllowed):
        seeding.seed_customers(services=services, actor=csr, customers=10)
    done: list[int] = []
    report = seeding.seed_customers(services=services, actor=admin, customers=30, seed=2, progress=done.append)
    assert report.customers == 30 and done[-1] == 30
    with services.reader() as uow:
        actions = uow.session.execute(
            select(AuditEntry.action, AuditEntry.operator).where(AuditEntry.action == "data.seed")
        ).all()
    assert actions == [("data.seed", "admin")]
    assert Role.ADMIN.value == "admin"


def test_the_fast_luhn_digit_agrees_with_python_stdnum():
    """crm_tui.identifiers.luhn_digit (the seeder's, ~10x faster) gives stdnum's check digit."""
    from stdnum import luhn

    from crm_tui.identifiers import luhn_digit

    rng = random.Random(5)
    bodies = ["0", "000000000", "8934070000000000001"] + [
        str(rng.randrange(10 ** rng.randrange(1, 20))) for _ in range(2000)
    ]
    assert all(luhn_digit(body) == luhn.calc_check_digit(body) for body in bodies)

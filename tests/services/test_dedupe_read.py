"""The scan's and training's read of the base: every live customer becomes the Person the model
compares, with the same values whatever shortcut the read takes (one streamed query, names and
streets normalised once per distinct value, the collector paused)."""

from __future__ import annotations

import gc
from datetime import date, datetime

import pytest

from crm_tui import collector
from crm_tui.services.customers.linkage import Document, Person, _street_and_number, street_and_number
from crm_tui.services.dedupe.blocking import Records, customer_rows, person_of
from crm_tui.services.dedupe.training import read_people
from crm_tui.storage.models.customers import Address, Certificate, Contact, Customer

TODAY = date(2026, 12, 2)


def _customer(pk: int, **fields: object) -> Customer:
    values: dict[str, object] = {"type": "individual", "status": "active", "credit_level": "B"}
    values.update(fields)
    name = " ".join(str(values.get(k) or "") for k in ("first_name", "last_name", "organization_name")).strip()
    values.setdefault("display_name", name or "?")
    values.setdefault("name_search", name.lower())
    return Customer(id=pk, customer_id=f"C{pk:07d}", **values)


def _hand_made_base(services) -> None:
    """Four live customers, each with what the read has to fold; one merged customer it must skip."""
    rows = [
        _customer(
            1,
            first_name="Lucía",
            last_name="García de la Peña",
            birthday=date(1988, 4, 12),
            email="Lucia.Garcia@Example.ES",
            mobile="612 345 678",
        ),
        Certificate(customer_id=1, cert_type="national_id", cert_number="12345678z", cert_country="ES"),
        Certificate(
            customer_id=1,
            cert_type="passport",
            cert_number="PA 123456",
            cert_country="ES",
            is_primary=False,
            expires_on=date(2020, 1, 1),
        ),
        Contact(
            customer_id=1,
            contact_type="primary",
            method="phone",
            value="+34 912 345 678",
            value_normalized="34912345678",
        ),
        Contact(
            customer_id=1, contact_type="family", method="phone", value="699 000 111", value_normalized="34699000111"
        ),
        Address(customer_id=1, detail="C/ Mayor, 5, 2º B", postal_code="28013 ", city="Madrid", region="Madrid"),
        Address(customer_id=1, detail="Avda. de la Constitución nº 012bis", postal_code="41001", city="Sevilla"),
        # a legacy row: no birthday, the name in one field, an expired DNI, an address without a number
        _customer(2, first_name=None, last_name=None, name_search="paco ruiz", incomplete=True),
        Certificate(
            customer_id=2,
            cert_type="national_id",
            cert_number="87654321X",
            cert_country="ES",
            expires_on=date(2001, 5, 1),
        ),
        Address(customer_id=2, detail="Plaza Ñandú", postal_code=None, city="A Coruña", region="Galicia"),
        # a company
        _customer(3, type="organization", organization_name="Telecomunicaciones Núñez, S.L.", email="info@nunez.es"),
        Certificate(customer_id=3, cert_type="company_registration", cert_number="B12345678", cert_country="ES"),
        Address(customer_id=3, detail="Calle 7 de Julio 3", postal_code="50001", city="Zaragoza", region="Aragón"),
        # nothing but a name, and a birthday before the year 1000 (a typo kept as incomplete)
        _customer(4, first_name="Jose Maria", last_name="O'Neill", birthday=date(988, 1, 2), incomplete=True),
        # merged away: not read
        _customer(5, first_name="Lucía", last_name="García", status="merged"),
    ]
    with services.writer() as uow:
        for row in rows:
            uow.session.add(row)
            uow.session.flush()
        uow.commit()


EXPECTED = {
    1: Person(
        organization=False,
        first=("lucia",),
        last=("garcia", "pena"),
        birthday="19880412",
        documents=(
            Document("national_id", "12345678Z", True),
            Document("passport", "PA123456", False),
        ),
        phones=frozenset({"34612345678", "34912345678"}),
        emails=frozenset({"lucia.garcia@example.es"}),
        streets=("calle mayor", "avenida constitucion"),
        numbers=frozenset({"5", "12"}),
        postcodes=frozenset({"28013", "41001"}),
        towns=frozenset({"madrid", "sevilla"}),
        regions=frozenset({"madrid"}),
    ),
    2: Person(
        organization=False,
        first=(),
        last=("francisco", "ruiz"),
        birthday="",
        documents=(Document("national_id", "87654321X", False),),
        streets=("plaza nandu",),
        towns=frozenset({"a coruna"}),
        regions=frozenset({"galicia"}),
    ),
    3: Person(
        organization=True,
        first=(),
        last=("telecomunicaciones", "nunez", "s", "l"),
        birthday="",
        documents=(Document("company_registration", "B12345678", False),),
        emails=frozenset({"info@nunez.es"}),
        streets=("calle",),
        numbers=frozenset({"7"}),
        postcodes=frozenset({"50001"}),
        towns=frozenset({"zaragoza"}),
        regions=frozenset({"aragon"}),
    ),
    4: Person(organization=False, first=("jose", "maria"), last=("o", "neill"), birthday="9880102"),
}


def _sorted_documents(person: Person) -> Person:
    """The database returns a customer's certificates in no promised order."""
    return Person(
        person.organization,
        person.first,
        person.last,
        person.birthday,
        tuple(sorted(person.documents, key=lambda d: d.number)),
        person.phones,
        person.emails,
        tuple(sorted(person.streets)),
        person.numbers,
        person.postcodes,
        person.towns,
        person.regions,
    )


def test_the_read_gives_every_live_customer_as_the_expected_person(services):
    _hand_made_base(services)
    with services.reader() as uow:
        rows = list(customer_rows(uow))
    assert [row[0] for row in rows] == [1, 2, 3, 4]
    got = {row[0]: _sorted_documents(person_of(row, TODAY)) for row in rows}
    assert got == {pk: _sorted_documents(person) for pk, person in EXPECTED.items()}
    people = read_people(services, datetime(2026, 12, 2, 12, 0))
    assert [_sorted_documents(p) for p in people] == [_sorted_documents(EXPECTED[pk]) for pk in (1, 2, 3, 4)]


def test_the_scan_s_records_hold_the_same_people_and_the_collector_is_back_on(services):
    _hand_made_base(services)
    assert gc.isenabled()
    records = Records()
    with services.reader() as uow, collector.held():
        assert not gc.isenabled()
        for row in customer_rows(uow):
            records.add(row[0], person_of(row, TODAY))
    assert gc.isenabled()
    assert list(records.pks) == [1, 2, 3, 4]
    assert [_sorted_documents(p) for p in records.people] == [_sorted_documents(EXPECTED[pk]) for pk in (1, 2, 3, 4)]


def test_the_collector_stays_off_if_it_was_off():
    gc.disable()
    try:
        with collector.held():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "detail",
    [
        "C/ Mayor, 5, 2º B",
        "CALLE MAYOR N 5 2 B",
        "Avda. de la Constitución nº 012bis",
        "Plaza Ñandú",
        "",
        "12 Rue de la Paix",
        "Calle 7 de Julio 3",
        "Calle Mayor5",
        "Calle Mayor 5½",  # a character after the number that folds to digits
        "Calle ½ Luna 5",  # one before it
        "Calle Tercera 0",
        "Calle Tercera 007 bajo",
        "Abc/ 9",
        "Travesía del Carmen, s/n",
        "Camí de Sant Joan 14-16",
        "Ｃａｌｌｅ Ｍａｙｏｒ ５",
    ],
)
def test_the_street_shortcut_agrees_with_normalising_the_whole_line(detail):
    assert street_and_number(detail) == _street_and_number(detail)

"""Establish New Customer Identity: a CSR registers a customer, the checks hold what must wait,
and nothing is ever registered twice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm_tui.errors import Conflict, DuplicateIdentity, InvalidInput, NotAllowed
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.identity import authentication, registration
from crm_tui.services.identity.held_registrations import decide_held_registration
from crm_tui.services.identity.near_matches import PossibleDuplicates, check_identity
from crm_tui.services.identity.registration import register_customer
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.services.shared.validation import is_customer_id, parse_customer_id
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.customers import AuthenticationInfo, Customer
from crm_tui.storage.models.lines import Contract, NumberPoolEntry, SimCard
from crm_tui.storage.models.money import Charge
from crm_tui.storage.models.outbox import OutboxEvent
from crm_tui.storage.models.queues import QueueItem
from tests.factories import sim_card, stock_pools

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
REGION = "ES"
sim = sim_card


@pytest.fixture
def stocked(services, admin):
    stock_pools(services, admin)


def form(**changes) -> RegistrationForm:
    base = dict(
        cert_type="national_id",
        cert_number="12345678Z",
        cert_country="ES",
        first_name="Lucía",
        last_name="García Pérez",
        gender="female",
        title="Ms",
        nationality="ES",
        birthday="1988-04-12",
        email="lucia@example.com",
        mobile="612 345 678",
        address="Calle Mayor 5, 2º B",
        city="Madrid",
        postal_code="28013",
        language="es",
        written_language="es",
        service_password="Tromp3ta-azul",
        security_question="First pet's name?",
        security_answer="  Canela ",
    )
    base.update(changes)
    return RegistrationForm(**base)


def register(services, actor, f: RegistrationForm, **kw):
    return register_customer(f, uow=services.writer(), actor=actor, region=REGION, now=NOW, **kw)


def count(services, model, *where) -> int:
    with services.reader() as uow:
        return uow.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"cert_number": "12345678A"}, "cert_number"),  # wrong DNI check letter
        ({"cert_type": "residence_permit", "cert_number": "X1234567A"}, "cert_number"),  # wrong NIE letter
        ({"cert_type": "passport", "cert_country": "GB", "cert_number": "AB12"}, "cert_number"),
        ({"cert_type": "visa"}, "cert_type"),
        ({"cert_country": "Spain"}, "cert_country"),
        ({"first_name": "Luc1a"}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"birthday": "2030-01-01"}, "birthday"),
        ({"birthday": "2015-01-01"}, "birthday"),
        ({"birthday": "12/04/1988"}, "birthday"),
        ({"email": "lucia@"}, "email"),
        ({"mobile": "12"}, "mobile"),
        ({"service_password": "12345678"}, "service_password"),
        ({"service_password": "aaaaaaaaaa"}, "service_password"),
        ({"service_password": "x12345678Zx"}, "service_password"),  # contains the document
        ({"service_password": "short"}, "service_password"),
        ({"service_password_confirm": "something else"}, "service_password_confirm"),
        ({"security_question": ""}, "security_question"),
        ({"gender": "x"}, "gender"),
        ({"title": "Sir"}, "title"),
        ({"cert_type": "company_registration", "cert_number": "A58818501"}, "cert_type"),
    ],
)
def test_each_bad_field_is_reported_at_the_field_and_nothing_is_saved(services, csr, changes, field):
    with pytest.raises(InvalidInput) as caught:
        register(services, csr, form(**changes))
    assert field in caught.value.fields
    assert count(services, Customer) == 0


def test_all_errors_are_reported_at_once(services, csr):
    with pytest.raises(InvalidInput) as caught:
        register(services, csr, form(email="nope", mobile="1", birthday="", first_name=""))
    assert {"email", "mobile", "birthday", "first_name"} <= set(caught.value.fields)


def test_minimum_age_is_configurable(services, csr):
    young = form(birthday="2008-01-01")
    register(services, csr, young, min_age=16)
    with pytest.raises(InvalidInput):
        register(
            services,
            csr,
            form(
                cert_number="87654321X",
                birthday="2008-01-01",
                email="other@example.com",
                mobile="612000999",
                first_name="Pablo",
                last_name="Ruiz",
            ),
            min_age=21,
        )


def test_certificate_numbers_are_normalised(services, csr):
    result = register(services, csr, form(cert_number=" 1234-5678 z "))
    detail = get_customer(result.customer_id, uow=services.reader(), actor=csr)
    assert detail.cert_number == "12345678Z"


# --- identity --------------------------------------------------------------------------------


def test_register_without_offering_creates_an_idle_identity_with_a_checked_id(services, csr):
    result = register(services, csr, form())
    assert is_customer_id(result.customer_id)
    assert parse_customer_id(result.customer_id) == result.customer_id
    assert result.status == "idle" and result.service_number is None and result.held is None
    detail = get_customer(result.customer_id, uow=services.reader(), actor=csr)
    assert detail.mobile == "34612345678" and detail.email == "lucia@example.com"
    assert detail.interactions[0].kind == "register"
    assert detail.addresses[0].detail == "Calle Mayor 5, 2º B"
    with services.reader() as uow:
        info = uow.session.execute(select(AuthenticationInfo)).scalar_one()
        assert info.service_password_hash.startswith("$argon2id$")
        assert "Canela" not in info.security_answer_hash and "canela" not in info.security_answer_hash
        event = uow.session.execute(select(OutboxEvent)).scalar_one()
        assert event.event_type == "customer.registered" and event.aggregate_id == result.customer_id
        assert event.payload["channel"] == "email"
        actions = uow.session.execute(select(AuditEntry.action)).scalars().all()
        assert "customer.register" in actions
        assert all("12345678Z" not in str(e.summary) for e in uow.session.execute(select(AuditEntry)).scalars())


def test_customer_ids_are_never_reused(services, csr):
    first = register(services, csr, form())
    second = register(
        services,
        csr,
        form(
            cert_type="passport",
            cert_country="FR",
            cert_number="19AB12345",
            first_name="Marc",
            last_name="Blanc",
            email="marc@example.com",
            mobile="612000001",
            birthday="1970-02-03",
        ),
    )
    assert second.customer_id != first.customer_id
    assert int(second.customer_id[1:10]) == int(first.customer_id[1:10]) + 1


def test_same_certificate_is_refused_with_the_existing_customer(services, csr):
    first = register(services, csr, form())
    with pytest.raises(DuplicateIdentity) as caught:
        register(
            services,
            csr,
            form(
                cert_number="12345678z",
                first_name="Otra",
                last_name="Persona",
                email="x@example.com",
                mobile="612999999",
            ),
        )
    assert caught.value.extra["existing_customer_id"] == first.customer_id
    assert caught.value.exit_code == 3
    assert count(services, Customer) == 1


def test_a_duplicate_is_refused_while_another_terminal_holds_the_write_lock(services, csr):
    """The refusals are read before the write lock is taken: a CSR checking a known document is told at
    once while an import at another terminal holds SQLite's lock (before: a 30 s wait, then 'locked')."""
    if not services.database.is_sqlite:
        pytest.skip("SQLite's database-wide write lock; PostgreSQL locks rows")
    import sqlite3

    first = register(services, csr, form())
    other = sqlite3.connect(services.database.engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DuplicateIdentity) as caught:
            register(services, csr, form(first_name="Otra", email="", mobile=""))
        with pytest.raises(PossibleDuplicates):
            register(services, csr, form(cert_type="passport", cert_number="PAA123456", email="", mobile=""))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert caught.value.extra["existing_customer_id"] == first.customer_id


def test_near_match_must_be_confirmed_and_is_recorded(services, csr):
    first = register(services, csr, form())
    twin = form(cert_type="passport", cert_country="ES", cert_number="PAA123456", email="", mobile="")
    with pytest.raises(PossibleDuplicates) as caught:
        register(services, csr, twin)
    matches = caught.value.extra["near_matches"]
    assert matches[0]["customer_id"] == first.customer_id
    assert {"name", "birthday"} <= set(matches[0]["agree"])
    check = check_identity(twin, uow=services.reader(), actor=csr, region=REGION, today=NOW.date())
    assert check.existing_customer_id is None and check.near_matches[0].customer_id == first.customer_id
    confirmed = register(services, csr, twin.model_copy(update={"confirmed_different_from": [first.customer_id]}))
    assert confirmed.near_matches_confirmed == [first.customer_id]
    detail = get_customer(confirmed.customer_id, uow=services.reader(), actor=csr)
    assert first.customer_id in detail.interactions[0].summary


def test_under_the_lock_only_customers_registered_since_the_first_read_are_scored_again(services, csr, monkeypatch):
    """SQLite: the near matches are read before the write lock and, under it, looked for again only
    among customers registered since that read (the newest row id it saw)."""
    if not services.database.is_sqlite:
        pytest.skip("PostgreSQL reads once, in the writing transaction")
    first = register(services, csr, form())
    twin = form(cert_type="passport", cert_country="ES", cert_number="PAA123456", email="", mobile="")
    with services.reader() as reading:
        first_pk = registration.newest_customer(reading)
    # as if `first` committed just after the read: under the lock she is scored, and refused
    monkeypatch.setattr(registration, "refuse_duplicates", _read_before_the_lock_saw_nobody())
    monkeypatch.setattr(registration, "newest_customer", lambda _reading: first_pk - 1)
    with pytest.raises(PossibleDuplicates) as caught:
        register(services, csr, twin)
    assert [m["customer_id"] for m in caught.value.extra["near_matches"]] == [first.customer_id]
    # as if the read had seen her (and found her no match): under the lock she is not scored again
    monkeypatch.setattr(registration, "newest_customer", lambda _reading: first_pk)
    assert register(services, csr, twin).customer_id != first.customer_id


def _read_before_the_lock_saw_nobody():  # noqa: ANN202
    real = registration.refuse_duplicates

    def refuse(uow, valid, **options):
        if options:  # the call under the lock (it passes newer_than): the real one
            return real(uow, valid, **options)
        return []

    return refuse


def test_near_match_by_swapped_name_and_certificate_typo(services, csr):
    register(
        services,
        csr,
        form(
            cert_type="passport",
            cert_country="GB",
            cert_number="123456789",
            first_name="John",
            last_name="Smith",
            email="",
            mobile="",
            birthday="1980-01-02",
        ),
    )
    swapped = form(
        cert_type="passport",
        cert_country="GB",
        cert_number="123465789",
        first_name="Smith",
        last_name="John",
        email="",
        mobile="",
        birthday="1980-01-02",
    )
    with pytest.raises(PossibleDuplicates) as caught:
        register(services, csr, swapped)
    assert "certificate" in caught.value.extra["near_matches"][0]["agree"]


def test_a_namesake_with_nothing_else_in_common_is_not_a_near_match(services, csr):
    register(services, csr, form())
    register(
        services,
        csr,
        form(cert_number="87654321X", birthday="1960-09-09", email="other@example.com", mobile="612000999"),
    )
    assert count(services, Customer) == 2


def test_a_csr_must_be_signed_in(services):
    with pytest.raises(NotAllowed):
        register_customer(form(), uow=services.writer(), actor=None, region=REGION)


# --- the line and the checks ---------------------------------------------------------------------


def test_taking_a_primary_offering_gives_a_line_from_the_pools(services, csr, stocked):
    result = register(services, csr, form(primary_offering="MAR-POST-4G-25"))
    assert result.status == "active" and result.held is None
    assert result.service_number == "34600000000"
    assert result.account_code and result.credit_level in "AB"
    detail = get_customer(result.customer_id, uow=services.reader(), actor=csr)
    line = detail.subscribers[0]
    assert (line.status, line.primary_offering, line.iccid) == ("active", "Mar 4G 25 GB", sim(1)[0])
    assert detail.contracts[0].penalty_amount == Decimal("120.00") and detail.contracts[0].duration_months == 12
    assert count(services, NumberPoolEntry, NumberPoolEntry.state == "in_use") == 1
    assert count(services, SimCard, SimCard.state == "in_use") == 1


def test_a_golden_number_can_be_picked_for_its_fee(services, csr, stocked):
    result = register(services, csr, form(primary_offering="OLA-PRE-4G-10", service_number="600 777 777"))
    assert result.service_number == "34600777777"
    with services.reader() as uow:
        fee = uow.session.execute(select(Charge).where(Charge.kind == "fee")).scalar_one()
    assert fee.amount == Decimal("49.90")
    assert count(services, Contract) == 0  # prepaid, no commitment


def test_no_free_number_says_so_and_saves_nothing(services, csr):
    from crm_tui.errors import Conflict

    with pytest.raises(Conflict, match="No free number"):
        register(services, csr, form(primary_offering="MAR-POST-4G-25"))
    assert count(services, Customer) == 0


def test_unknown_offering_is_a_field_error(services, csr, stocked):
    with pytest.raises(InvalidInput) as caught:
        register(services, csr, form(primary_offering="NOPE"))
    assert "primary_offering" in caught.value.fields


def _blacklist(services, severity: str, **kw):
    with services.writer() as uow:
        uow.session.add(BlacklistEntry(severity=severity, reason="Unpaid debts with a former operator", **kw))
        uow.commit()


def test_a_ban_holds_the_line_for_a_supervisor_who_approves(services, csr, supervisor, admin, stocked):
    _blacklist(services, "ban", cert_type="national_id", cert_number="12345678Z", cert_country="ES")
    result = register(services, csr, form(primary_offering="MAR-POST-4G-25"))
    assert result.held is not None and result.held.queue == "held_registrations"
    assert "Blacklisted" in result.held.reason and result.service_number is None
    assert result.status == "idle"
    with pytest.raises(NotAllowed):
        decide_held_registration(result.held.item_id, approve=True, uow=services.writer(), actor=csr)
    decision = decide_held_registration(
        result.held.item_id,
        approve=True,
        note="Debt settled",
        uow=services.writer(),
        actor=supervisor,
        now=NOW.replace(hour=11),
    )
    assert decision.approved and decision.service_number == "34600000000"
    detail = get_customer(result.customer_id, uow=services.reader(), actor=csr)
    assert detail.status == "active" and detail.subscribers[0].status == "active"
    assert detail.interactions[0].kind == "registration_review"
    with pytest.raises(Conflict) as twice:
        decide_held_registration(result.held.item_id, approve=False, uow=services.writer(), actor=supervisor)
    assert str(twice.value.message) == f"Held registration {result.held.item_id} was already approved by you."
    with pytest.raises(Conflict) as late:
        decide_held_registration(result.held.item_id, approve=False, uow=services.writer(), actor=admin)
    assert str(late.value.message) == f"Held registration {result.held.item_id} was already approved by Sam."


def test_a_rejected_hold_gives_no_line(services, csr, supervisor, stocked):
    _blacklist(services, "ban", name_search="lucia garcia perez", birthday=date(1988, 4, 12))
    result = register(services, csr, form(primary_offering="MAR-POST-4G-25"))
    assert "name and birthday" in result.held.reason
    decide_held_registration(result.held.item_id, approve=False, uow=services.writer(), actor=supervisor)
    assert count(services, QueueItem, QueueItem.status == "rejected") == 1
    assert count(services, NumberPoolEntry, NumberPoolEntry.state == "in_use") == 0


def test_an_expired_ban_does_not_hold(services, csr, stocked):
    _blacklist(
        services,
        "ban",
        cert_type="national_id",
        cert_number="12345678Z",
        cert_country="ES",
        expires_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert register(services, csr, form(primary_offering="MAR-POST-4G-25")).held is None


def test_a_warning_is_shown_and_recorded_but_does_not_hold(services, csr, stocked):
    _blacklist(services, "warn", cert_type="national_id", cert_number="12345678Z", cert_country="ES")
    result = register(services, csr, form(primary_offering="OLA-PRE-4G-10"))
    assert result.held is None and result.service_number
    assert result.warnings and "warning" in result.warnings[0]


def test_failed_credit_holds_a_postpaid_line_but_not_a_prepaid_one(services, csr, stocked):
    young_visitor = dict(
        cert_type="passport",
        cert_country="GB",
        cert_number="533380006",
        first_name="Tom",
        last_name="Young",
        birthday="2006-06-01",
        email="",
        mobile="",
        address="",
        city="",
        postal_code="",
        nationality="GB",
    )
    held = register(services, csr, form(primary_offering="MAR-POST-5G-50", **young_visitor))
    assert held.held is not None and "Credit check failed" in held.held.reason and held.credit_level == "D"
    other = dict(young_visitor, cert_number="533380007", first_name="Ann", last_name="Other", birthday="2006-07-01")
    prepaid = register(services, csr, form(primary_offering="OLA-PRE-4G-10", **other))
    assert prepaid.held is None and prepaid.service_number


def test_registering_without_offering_skips_the_checks(services, csr):
    _blacklist(services, "ban", cert_type="national_id", cert_number="12345678Z", cert_country="ES")
    result = register(services, csr, form())
    assert result.held is None and result.warnings == []


def test_organisation_registers_with_company_registration_and_contact_person(services, csr):
    org = RegistrationForm(
        type="organization",
        cert_type="company_registration",
        cert_number="A58818501",
        cert_country="ES",
        organization_name="Transportes Levante S.L.",
        email="admin@levante.example",
        service_password="Camion-azul-77",
        contacts=[
            {
                "contact_type": "legal_representative",
                "first_name": "Marta",
                "last_name": "Soler",
                "method": "mobile",
                "value": "699 111 222",
            }
        ],
    )
    result = register(services, csr, org)
    detail = get_customer(result.customer_id, uow=services.reader(), actor=csr)
    assert detail.type == "organization" and detail.name == "Transportes Levante S.L."
    assert detail.contacts[0].name == "Marta Soler" and detail.contacts[0].value == "699 111 222"
    page = search_customers(
        CustomerQuery(email="admin@levante.example"), uow=services.reader(), actor=csr, region=REGION
    )
    assert page.customers[0].customer_id == result.customer_id


def test_social_account_links_and_finds_the_customer(services, csr):
    result = register(services, csr, form(social_accounts=[{"provider": "Google", "subject": "lucia.garcia.88"}]))
    page = search_customers(CustomerQuery(social="lucia.garcia.88"), uow=services.reader(), actor=csr, region=REGION)
    assert [c.customer_id for c in page.customers] == [result.customer_id]


def test_a_social_account_linked_to_someone_else_is_named_at_its_field(services, csr):
    first = register(services, csr, form(social_accounts=[{"provider": "Google", "subject": "lucia.garcia.88"}]))
    other = form(
        cert_number="87654321X",
        first_name="Pedro",
        last_name="Ruiz Soto",
        gender="male",
        title="Mr",
        birthday="1979-02-03",
        email="pedro@example.com",
        mobile="699 000 111",
        address="Calle Luna 1",
        social_accounts=[{"provider": "google", "subject": "lucia.garcia.88"}],
    )
    with pytest.raises(Conflict) as taken:
        register(services, csr, other)
    assert taken.value.fields == {"social_accounts.0.subject": f"Already linked to {first.customer_id}."}
    assert taken.value.extra["existing_customer_id"] == first.customer_id
    assert "google account lucia.garcia.88 is already linked" in taken.value.message.lower()


def test_a_terminal_that_loses_the_race_is_told_who_owns_the_document_not_that_the_social_account_is_taken(
    services, csr, monkeypatch
):
    """On PostgreSQL another terminal registering the same person can commit between this terminal's
    read of the document's owner and its read of the social accounts (CI saw it with 16 processes)."""
    from crm_tui.services.identity import registration_steps

    same_person = form(social_accounts=[{"provider": "Google", "subject": "lucia.garcia.88"}])
    first = register(services, csr, same_person)
    reads = []
    real_owner = registration_steps.existing_owner

    def committed_a_moment_later(uow, valid):
        reads.append(valid.cert_number)
        return None if len(reads) == 1 else real_owner(uow, valid)  # the first read came just before the commit

    monkeypatch.setattr(registration_steps, "existing_owner", committed_a_moment_later)
    with pytest.raises(DuplicateIdentity) as refused:
        register(services, csr, same_person.model_copy(update={"confirmed_different_from": [first.customer_id]}))
    assert refused.value.extra["existing_customer_id"] == first.customer_id
    assert len(reads) == 2


def test_the_welcome_waits_for_the_end_of_quiet_hours(services, csr):
    late = datetime(2026, 11, 26, 22, 30, tzinfo=UTC)  # 23:30 in Madrid
    register_customer(
        form(preferences={"dnd_channel": "sms", "dnd_start": "22:00", "dnd_end": "08:00"}),
        uow=services.writer(),
        actor=csr,
        region=REGION,
        now=late,
    )
    with services.reader() as uow:
        event = uow.session.execute(select(OutboxEvent)).scalar_one()
    assert event.payload["channel"] == "sms"
    assert event.payload["not_before"] == "2026-11-27T07:00:00+00:00"  # 08:00 Madrid


# --- authentication ------------------------------------------------------------------------------


def test_service_password_authenticates_and_five_failures_lock(services, csr, supervisor, stocked):
    line = register(services, csr, form(primary_offering="OLA-PRE-4G-10")).service_number
    ok = authentication.authenticate_customer(line, "Tromp3ta-azul", uow=services.writer(), actor=csr, region=REGION)
    assert ok.service_number == line
    for left in (4, 3, 2, 1):
        with pytest.raises(authentication.CustomerAuthenticationFailed, match=f"{left} tries left"):
            authentication.authenticate_customer(
                line, "wrong-password", uow=services.writer(), actor=csr, region=REGION
            )
    with pytest.raises(authentication.CustomerAuthenticationFailed, match="locked"):
        authentication.authenticate_customer(line, "wrong-password", uow=services.writer(), actor=csr, region=REGION)
    with pytest.raises(authentication.CustomerAuthenticationFailed, match="locked"):
        authentication.authenticate_customer(line, "Tromp3ta-azul", uow=services.writer(), actor=csr, region=REGION)
    authentication.unlock_customer_authentication(line, uow=services.writer(), actor=supervisor, region=REGION)
    assert authentication.authenticate_customer(line, "Tromp3ta-azul", uow=services.writer(), actor=csr, region=REGION)


def test_forgotten_password_is_reset_with_the_security_answer(services, csr, stocked):
    line = register(services, csr, form(primary_offering="OLA-PRE-4G-10")).service_number
    assert (
        authentication.security_question(line, uow=services.reader(), actor=csr, region=REGION) == "First pet's name?"
    )
    with pytest.raises(authentication.CustomerAuthenticationFailed):
        authentication.reset_service_password(
            line, "Luna", "Nueva-clave-22", uow=services.writer(), actor=csr, region=REGION
        )
    authentication.reset_service_password(
        line, "CANELA", "Nueva-clave-22", uow=services.writer(), actor=csr, region=REGION
    )
    assert authentication.authenticate_customer(line, "Nueva-clave-22", uow=services.writer(), actor=csr, region=REGION)
    with pytest.raises(authentication.CustomerAuthenticationFailed):
        authentication.authenticate_customer(line, "Tromp3ta-azul", uow=services.writer(), actor=csr, region=REGION)


# --- attachments -------------------------------------------------------------------------------


def test_scanned_documents_are_checked_by_content_and_stored_by_hash(services, csr, tmp_path):
    from crm_tui.services.identity.attachments import list_attachments

    scan = tmp_path / "dni front.pdf"
    scan.write_bytes(b"%PDF-1.7\n" + b"x" * 1000)
    data_dir = tmp_path / "data"
    result = register(services, csr, form(attachments=[str(scan)]), data_dir=data_dir)
    [view] = list_attachments(result.customer_id, uow=services.reader(), actor=csr)
    assert (view.filename, view.media_type, view.size_bytes, view.uploaded_by) == (
        "dni front.pdf",
        "application/pdf",
        1009,
        "alice",
    )
    stored = data_dir / "attachments" / view.content_hash[:2] / view.content_hash
    assert stored.read_bytes() == scan.read_bytes()


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("photo.png", b"%PDF-1.7 disguised", "disagree"),
        ("script.pdf", b"#!/bin/sh\nrm -rf /", "Only PDF, PNG and JPEG"),
        ("empty.pdf", b"", "at most"),
    ],
)
def test_disguised_empty_or_foreign_files_are_refused(services, csr, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=message) as caught:
        register(services, csr, form(attachments=[str(path)]), data_dir=tmp_path / "data")
    assert "attachments.0" in caught.value.fields
    assert count(services, Customer) == 0


def test_links_and_missing_files_are_refused(services, csr, tmp_path):
    real = tmp_path / "real.pdf"
    real.write_bytes(b"%PDF-1.4 ok")
    link = tmp_path / "link.pdf"
    link.symlink_to(real)
    for path in (link, tmp_path / ".." / "nowhere.pdf"):
        with pytest.raises(InvalidInput) as caught:
            register(services, csr, form(attachments=[str(path)]), data_dir=tmp_path / "data")
        assert "attachments.0" in caught.value.fields

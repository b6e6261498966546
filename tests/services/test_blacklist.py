"""Keeping the blacklist: a supervisor adds and lifts entries, a CSR reads them; lifting keeps history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from crm_tui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.identity.blacklist import add_blacklist_entry, lift_blacklist_entry, list_blacklist
from crm_tui.services.identity.checks import check_blacklist
from crm_tui.services.lifecycle.termination import terminate_customer
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.blacklist import BlacklistEntry
from tests.factories import make_customer

CERT = {"cert_type": "national_id", "cert_number": "12345678Z", "cert_country": "ES"}


def add(services, actor, **kw):
    kw.setdefault("severity", "ban")
    kw.setdefault("reason", "Forged documents")
    return add_blacklist_entry(uow=services.writer(), actor=actor, **kw)


def hits(services, *, number="12345678Z", name="ana ruiz", birthday=None):
    with services.writer() as uow:
        return check_blacklist(
            uow,
            cert_type="national_id",
            cert_number=number,
            cert_country="ES",
            name_search=name,
            birthday=birthday,
            now=datetime.now(UTC),
        )


def test_a_supervisor_adds_by_certificate_and_the_check_sees_it(services, supervisor):
    entry = add(services, supervisor, cert_type="national_id", cert_number="1234 5678-z", cert_country="es")
    assert entry.cert_number == "12345678Z" and entry.state == "live" and entry.created_by == "sam"
    [hit] = hits(services)
    assert hit.severity == "ban" and hit.matched_on == "certificate"


def test_by_name_and_birthday_with_a_warning_and_an_expiry(services, supervisor):
    entry = add(
        services,
        supervisor,
        name="Ána  Ruiz",
        birthday=date(1990, 5, 1),
        severity="warn",
        expires_on=date.today() + timedelta(days=30),
    )
    assert entry.matched_on == "name_birthday" and entry.name == "ana ruiz" and entry.severity == "warn"
    [hit] = hits(services, number="99999999R", birthday=date(1990, 5, 1))
    assert hit.severity == "warn" and hit.matched_on == "name and birthday"


def test_lifting_keeps_the_entry_as_history_and_stops_the_match(services, supervisor, csr):
    entry = add(services, supervisor, **CERT)
    customer = make_customer(services, cert_number="12345678Z")
    assert get_customer(customer, uow=services.reader(), actor=csr).blacklisted
    lifted = lift_blacklist_entry(entry.entry_id, uow=services.writer(), actor=supervisor, reason="Court ruling")
    assert lifted.state == "lifted" and lifted.lifted_by == "sam" and lifted.lift_reason == "Court ruling"
    assert hits(services) == []
    assert not get_customer(customer, uow=services.reader(), actor=csr).blacklisted
    with services.reader() as uow:
        [row] = uow.session.execute(select(BlacklistEntry)).scalars().all()
    assert row.lifted_at is not None and row.created_by is not None
    with pytest.raises(Conflict, match="already lifted"):
        lift_blacklist_entry(entry.entry_id, uow=services.writer(), actor=supervisor, reason="Again")
    with pytest.raises(NotFound):
        lift_blacklist_entry(999, uow=services.writer(), actor=supervisor, reason="No such")
    # after lifting, the same person can be listed again
    assert add(services, supervisor, **CERT).state == "live"


def test_a_csr_reads_masked_entries_but_cannot_change_them(services, supervisor, csr):
    entry = add(services, supervisor, **CERT)
    [seen] = list_blacklist(uow=services.reader(), actor=csr)
    assert seen.cert_number == "•••• 678Z" and seen.reason == "Forged documents"
    assert list_blacklist(uow=services.reader(), actor=supervisor)[0].cert_number == "12345678Z"
    with pytest.raises(NotAllowed, match="Supervisor"):
        add(services, csr, cert_type="passport", cert_number="XAB123456", cert_country="ES")
    with pytest.raises(NotAllowed):
        lift_blacklist_entry(entry.entry_id, uow=services.writer(), actor=csr, reason="Mine")
    assert len(list_blacklist(uow=services.reader(), actor=csr)) == 1


def test_every_change_is_audited_without_personal_data_in_clear(services, supervisor):
    entry = add(services, supervisor, **CERT)
    add(services, supervisor, name="Ana Ruiz", birthday=date(1990, 5, 1))
    lift_blacklist_entry(entry.entry_id, uow=services.writer(), actor=supervisor, reason="Court ruling")
    with services.reader() as uow:
        entries = uow.session.execute(
            select(AuditEntry).where(AuditEntry.entity_type == "blacklist").order_by(AuditEntry.id)
        ).scalars()
        audited = [(e.action, e.summary) for e in entries]
    assert [action for action, _ in audited] == ["blacklist.add", "blacklist.add", "blacklist.lift"]
    text = repr(audited).lower()
    assert "12345678z" not in text and "ruiz" not in text and "1990" not in text
    assert audited[0][1]["cert_number"] == "•••• 678Z"


def test_bad_entries_are_refused_field_by_field(services, supervisor):
    with pytest.raises(InvalidInput) as caught:
        add(services, supervisor, name="Ana", reason="")
    assert {"birthday", "reason"} <= set(caught.value.fields)
    with pytest.raises(InvalidInput) as caught:
        add(services, supervisor, cert_type="national_id", cert_number="12345678A", cert_country="ES")
    assert "cert_number" in caught.value.fields  # the check letter is wrong
    with pytest.raises(InvalidInput) as caught:
        add(services, supervisor, **CERT, expires_on=date(2020, 1, 1))
    assert "expires_on" in caught.value.fields
    add(services, supervisor, **CERT)
    with pytest.raises(Conflict, match="already covers"):
        add(services, supervisor, **CERT, severity="warn")


def test_filter_by_text_and_state(services, supervisor):
    first = add(services, supervisor, **CERT, reason="Forged ID")
    add(services, supervisor, name="Ana Ruiz", birthday=date(1990, 5, 1), reason="Unpaid devices")
    lift_blacklist_entry(first.entry_id, uow=services.writer(), actor=supervisor, reason="Ruling")
    assert [e.reason for e in list_blacklist(uow=services.reader(), actor=supervisor, text="ruiz")] == [
        "Unpaid devices"
    ]
    assert [e.reason for e in list_blacklist(uow=services.reader(), actor=supervisor, text="5678")] == ["Forged ID"]
    assert [e.state for e in list_blacklist(uow=services.reader(), actor=supervisor, state="live")] == ["live"]
    assert [e.state for e in list_blacklist(uow=services.reader(), actor=supervisor, state="lifted")] == ["lifted"]


def test_a_fraud_termination_proposes_the_entry(services, supervisor, csr):
    customer = make_customer(services, cert_number="12345678Z", service_number="34612345678")
    result = terminate_customer(customer, services=services, actor=csr, reason="fraud", archive_consent=False)
    proposal = result.blacklist_proposal
    assert proposal is not None and proposal.cert_number == "12345678Z" and proposal.severity == "ban"
    assert customer in proposal.reason
    assert proposal.command().startswith("crm-tui blacklist add --cert-type national_id --cert-number 12345678Z")
    entry = add(
        services,
        supervisor,
        cert_type=proposal.cert_type,
        cert_number=proposal.cert_number,
        cert_country=proposal.cert_country,
        reason=proposal.reason,
    )
    assert entry.state == "live"
    other = make_customer(services, first_name="Pablo", last_name="Nuevo")
    plain = terminate_customer(other, services=services, actor=csr, reason="customer_request", archive_consent=False)
    assert plain.blacklist_proposal is None

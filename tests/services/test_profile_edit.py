"""Edit a profile after registration (issue 13.1) and record an inspected document (13.2): the same
validation as registration, one transaction, a version check, an audit entry with before and after."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from crm_tui.errors import Conflict, DuplicateIdentity, InvalidInput, NotFound
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.identity.document_seen import record_document_seen
from crm_tui.services.identity.near_matches import PossibleDuplicates
from crm_tui.services.identity.profile_edit import (
    StaleEdit,
    editable_profile,
    update_profile,
)
from crm_tui.services.identity.profile_patch import DocumentChange, ProfilePatch
from crm_tui.services.shared.passwords import verify_secret
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.customers import Attachment, AuthenticationInfo, Certificate, Customer, Interaction
from tests.services.test_registration import NOW, REGION, form, register

LATER = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
LOOKS_LIKE_LUCIA = dict(
    first_name="Lucía", last_name="García Pérez", birthday="1988-04-12", email="lucia@example.com", mobile="612345678"
)


@pytest.fixture
def marta(services, csr) -> str:
    """Registered through the registration service: living and billing address, a contact, preferences."""
    registered = register(
        services,
        csr,
        form(
            cert_number="45678912S",
            first_name="Marta",
            last_name="Soler Vidal",
            birthday="1985-09-23",
            email="marta@example.com",
            mobile="699 111 222",
            contacts=[{"contact_type": "emergency", "first_name": "Jordi", "method": "mobile", "value": "677000123"}],
            addresses=[
                {"address_type": "billing", "detail": "Apartado 88", "city": "Valencia", "postal_code": "46080"}
            ],
            preferences={"currency": "EUR", "language": "es", "dnd_channel": "sms"},
        ),
    )
    return registered.customer_id


def edit(services, actor, customer_id, **kw):
    expected = kw.pop("expected_version", None)
    return update_profile(
        customer_id,
        ProfilePatch(**kw),
        uow=services.writer(),
        actor=actor,
        region=REGION,
        expected_version=expected,
        now=LATER,
        data_dir=services.settings.data_dir,
    )


def audit_entries(services, customer_id, action="customer.update"):
    with services.reader() as uow:
        return (
            uow.session.execute(
                select(AuditEntry).where(AuditEntry.entity_id == customer_id, AuditEntry.action == action)
            )
            .scalars()
            .all()
        )


def test_a_customer_who_moved_gets_the_new_living_address_and_keeps_the_billing_one(services, csr, marta):
    opened = editable_profile(marta, uow=services.reader(), actor=csr)
    assert opened.version == 1
    result = edit(
        services, csr, marta, expected_version=1, address="Calle Nueva 7, 1º", city="Madrid", postal_code="28001"
    )
    assert result.version == 2 and result.changed == ["addresses"]
    detail = get_customer(marta, uow=services.reader(), actor=csr)
    assert detail.version == 2
    assert [(a.address_type, a.detail, a.city, a.postal_code) for a in detail.addresses] == [
        ("living", "Calle Nueva 7, 1º", "Madrid", "28001"),
        ("billing", "Apartado 88", "Valencia", "46080"),
    ]
    assert detail.interactions[0].kind == "profile_edit" and "addresses" in detail.interactions[0].summary
    [entry] = audit_entries(services, marta)
    assert entry.summary["version"] == 2
    change = entry.summary["changes"]["addresses"]
    assert change == {"before": "2 item(s)", "after": "2 item(s)"}  # personal: masked, never the street
    assert "Calle Nueva" not in str(entry.summary)


def test_every_group_is_editable_with_the_rules_of_registration(services, csr, marta):
    edit(
        services,
        csr,
        marta,
        email="Marta.New@Example.com",
        mobile="+34 611 222 333",
        nationality="fr",
        title="Mrs",
        contacts=[{"contact_type": "billing", "method": "email", "value": "facturas@example.com"}],
        preferences={"dnd_start": "22:00", "dnd_end": "08:00"},
        language="ca",
        social_accounts=[{"provider": "google", "subject": "marta.s"}],
        service_password="Nuevo-faro-2026",
        security_question="Favourite beach?",
        security_answer="La Malvarrosa",
    )
    detail = get_customer(marta, uow=services.reader(), actor=csr)
    assert (detail.email, detail.mobile, detail.nationality, detail.title) == (
        "marta.new@example.com",
        "34611222333",
        "FR",
        "Mrs",
    )
    assert [(c.contact_type, c.method, c.value) for c in detail.contacts] == [
        ("billing", "email", "facturas@example.com")
    ]
    prefs = detail.preferences
    assert (prefs.language, prefs.dnd_channel, prefs.dnd_start, prefs.dnd_end) == ("ca", "sms", "22:00", "08:00")
    with services.reader() as uow:
        auth = uow.session.execute(select(AuthenticationInfo)).scalar_one()
        assert verify_secret(auth.service_password_hash, "Nuevo-faro-2026")
        assert verify_secret(auth.security_answer_hash, "la malvarrosa")
        assert auth.security_question == "Favourite beach?"
    [entry] = audit_entries(services, marta)
    assert entry.summary["changes"]["email"]["after"] == "•••• .com"
    assert entry.summary["changes"]["service_password"] == {"before": "(set)", "after": "(changed)"}
    assert "Nuevo-faro" not in str(entry.summary)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"email": "marta@"}, "email"),
        ({"birthday": "2020-01-01"}, "birthday"),
        ({"first_name": "M4rta"}, "first_name"),
        ({"service_password": "12345678"}, "service_password"),
        ({"security_question": "Pet?"}, "security_answer"),
        ({"preferences": {"dnd_start": "25:00"}}, "preferences.dnd_start"),
        ({"city": "Madrid", "address": ""}, "address"),
        (
            {
                "documents": [
                    {"action": "renew", "cert_type": "national_id", "cert_number": "45678912S", "cert_country": "ES"}
                ]
            },
            "documents.0.expires_on",
        ),
    ],
)
def test_a_bad_field_is_refused_at_the_field_and_nothing_changes(services, csr, marta, changes, field):
    with pytest.raises(InvalidInput) as caught:
        edit(services, csr, marta, **changes)
    assert field in caught.value.fields
    detail = get_customer(marta, uow=services.reader(), actor=csr)
    assert detail.version == 1 and detail.email == "marta@example.com"
    assert audit_entries(services, marta) == []


def test_an_edit_from_a_stale_view_is_refused_and_the_other_change_is_kept(services, csr, supervisor, marta):
    edit(services, supervisor, marta, expected_version=1, email="first@example.com")
    with pytest.raises(StaleEdit) as caught:
        edit(services, csr, marta, expected_version=1, email="second@example.com")
    assert caught.value.exit_code == 3 and caught.value.extra["current_version"] == 2
    detail = get_customer(marta, uow=services.reader(), actor=csr)
    assert (detail.email, detail.version) == ("first@example.com", 2)
    assert len(audit_entries(services, marta)) == 1


def test_changing_the_name_and_birthday_to_someone_elses_asks_to_confirm_a_different_person(services, csr, marta):
    lucia = register(services, csr, form()).customer_id
    with pytest.raises(PossibleDuplicates) as caught:
        edit(services, csr, marta, **LOOKS_LIKE_LUCIA)
    assert [m["customer_id"] for m in caught.value.extra["near_matches"]] == [lucia]
    assert get_customer(marta, uow=services.reader(), actor=csr).name == "Marta Soler Vidal"
    result = edit(
        services,
        csr,
        marta,
        **LOOKS_LIKE_LUCIA,
        confirmed_different_from=[lucia],
    )
    assert result.near_matches_confirmed == [lucia]
    assert get_customer(marta, uow=services.reader(), actor=csr).name == "Lucía García Pérez"


def test_a_document_of_another_customer_is_refused_as_a_duplicate(services, csr, marta):
    lucia = register(services, csr, form()).customer_id
    with pytest.raises(DuplicateIdentity) as caught:
        edit(services, csr, marta, cert_number="12345678Z")
    assert caught.value.extra["existing_customer_id"] == lucia
    assert get_customer(marta, uow=services.reader(), actor=csr).cert_number == "45678912S"


def test_documents_are_added_renewed_and_retired(services, csr, marta):
    add = DocumentChange(
        action="add", cert_type="passport", cert_number="PA1234567", cert_country="ES", expires_on="2031-05-01"
    )
    edit(services, csr, marta, documents=[add.model_dump()])
    renew = {"action": "renew", "cert_type": "passport", "cert_number": "PA1234567", "cert_country": "ES"}
    edit(services, csr, marta, documents=[renew | {"expires_on": "2036-05-01", "new_number": "PB7654321"}])
    retire = {"action": "retire", "cert_type": "national_id", "cert_number": "45678912S", "cert_country": "ES"}
    edit(services, csr, marta, documents=[retire])
    detail = get_customer(marta, uow=services.reader(), actor=csr)
    assert [
        (c.cert_type, c.cert_number, c.is_primary, c.expires_on, c.retired_at is not None) for c in detail.certificates
    ] == [
        ("passport", "PB7654321", True, date(2036, 5, 1), False),
        ("national_id", "45678912S", False, None, True),
    ]
    assert (detail.cert_type, detail.cert_number) == ("passport", "PB7654321")
    with pytest.raises(InvalidInput) as caught:  # the only live document stays
        retire_passport = {
            "action": "retire",
            "cert_type": "passport",
            "cert_number": "PB7654321",
            "cert_country": "ES",
        }
        edit(services, csr, marta, documents=[retire_passport])
    assert "documents.0.cert_number" in caught.value.fields


def test_an_attachment_is_added_later(services, csr, marta, tmp_path):
    scan = tmp_path / "id-scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned document")
    edit(services, csr, marta, attachments=[str(scan)])
    with services.reader() as uow:
        [row] = uow.session.execute(select(Attachment)).scalars().all()
    assert row.filename == "id-scan.pdf"
    assert (services.settings.data_dir / "attachments").exists() or any(services.settings.data_dir.rglob("*"))


def test_the_document_seen_is_recorded_on_an_interaction_and_shown(services, csr, marta):
    seen = record_document_seen(marta, uow=services.writer(), actor=csr, now=LATER)
    assert (seen.cert_type, seen.last_digits, seen.expired) == ("national_id", "912S", False)
    detail = get_customer(marta, uow=services.reader(), actor=csr)
    assert detail.document_seen_at == LATER
    assert detail.document_seen == "ID inspected: National ID •••• 912S, no expiry date"
    assert detail.interactions[0].kind == "document_seen"
    with services.writer() as uow:
        uow.session.execute(update(Certificate).values(expires_on=date(2026, 1, 31)))
        uow.commit()
    assert record_document_seen(marta, uow=services.writer(), actor=csr, now=LATER).expired
    assert "expired" in get_customer(marta, uow=services.reader(), actor=csr).document_seen


def test_an_unknown_customer_is_not_found(services, csr):
    with pytest.raises(NotFound):
        edit(services, csr, "C0000000018", email="x@example.com")


def test_the_version_moves_by_one_per_edit_only(services, csr, marta):
    edit(services, csr, marta, email="a@example.com")
    edit(services, csr, marta, email="b@example.com")
    with services.reader() as uow:
        assert uow.session.execute(select(Customer.version)).scalar_one() == 3
        kinds = uow.session.execute(select(Interaction.kind).order_by(Interaction.id)).scalars().all()
    assert kinds.count("profile_edit") == 2
    assert NOW < LATER


def test_a_document_added_that_belongs_to_another_customer_is_a_duplicate(services, csr, marta):
    lucia = register(services, csr, form()).customer_id
    add = {"action": "add", "cert_type": "national_id", "cert_number": "12345678Z", "cert_country": "ES"}
    with pytest.raises(DuplicateIdentity):
        edit(services, csr, marta, documents=[add | {"expires_on": "2031-01-01"}])
    detail = get_customer(marta, uow=services.reader(), actor=csr)
    assert [c.cert_number for c in detail.certificates] == ["45678912S"] and detail.version == 1
    assert lucia != marta


def test_an_expired_document_cannot_be_added(services, csr, marta):
    add = {"action": "add", "cert_type": "passport", "cert_number": "PA1234567", "cert_country": "ES"}
    with pytest.raises(InvalidInput) as caught:
        edit(services, csr, marta, documents=[add | {"expires_on": "2020-01-01"}])
    assert caught.value.fields == {"documents.0.expires_on": "Already expired: a live document expires later."}


def test_the_login_name_is_edited_with_the_profile_and_a_taken_one_is_refused(services, csr, marta):
    edit(services, csr, marta, login_name="Marta.Soler")
    assert get_customer(marta, uow=services.reader(), actor=csr).login_name == "marta.soler"
    lucia = register(services, csr, form()).customer_id
    with pytest.raises(Conflict) as caught:
        edit(services, csr, lucia, login_name="MARTA.SOLER")
    assert caught.value.fields == {"login_name": "Taken."}
    assert get_customer(lucia, uow=services.reader(), actor=csr).login_name is None
    edit(services, csr, marta, login_name="")
    assert get_customer(marta, uow=services.reader(), actor=csr).login_name is None

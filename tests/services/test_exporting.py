"""Export: the import format round-trips into another database; TMF629 resources carry the customer."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_tui.config import Settings
from crm_tui.domain import Role
from crm_tui.errors import InvalidInput, NotAllowed
from crm_tui.services import operators
from crm_tui.services.bootstrap import open_services
from crm_tui.services.context import Services
from crm_tui.services.customers.export import export_customers
from crm_tui.services.identity.importing import import_customers
from crm_tui.services.identity.registration import register_customer
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.storage.models.audit import AuditEntry
from tests.conftest import PASSWORD
from tests.factories import make_customer

EXAMPLE = Path(__file__).parents[2] / "data" / "examples" / "customer.json"


def _register_example(services: Services, admin) -> str:  # noqa: ANN001
    form = json.loads(EXAMPLE.read_text())
    form.pop("primary_offering")  # no pools needed: the identity is what is exported
    return register_customer(RegistrationForm(**form), uow=services.writer(), actor=admin, region="ES").customer_id


def _export(services: Services, actor, **options) -> tuple[list[dict], object]:  # noqa: ANN001
    out = io.StringIO()
    report = export_customers(out.write, services=services, actor=actor, **options)
    return [json.loads(line) for line in out.getvalue().splitlines()], report


def test_the_import_format_round_trips_into_another_database(services, admin, tmp_path):
    marta = _register_example(services, admin)
    lucia = register_customer(
        RegistrationForm(
            cert_type="national_id",
            cert_number="12345678Z",
            cert_country="ES",
            first_name="Lucía",
            last_name="García Pérez",
            birthday="1988-04-12",
            mobile="612 345 678",
            service_password="Lucia-secret-2026",
        ),
        uow=services.writer(),
        actor=admin,
        region="ES",
    ).customer_id
    rows, report = _export(services, admin)
    assert report.customers == 2 and [r["customer_id"] for r in rows] == [marta, lucia]
    exported = rows[0]
    assert exported["cert_number"] == "45678912S" and exported["address"] == "Avenida del Puerto 120, 4º A"
    assert exported["contacts"][0]["value"] == "+34 677 000 123" and exported["social_accounts"] == [
        {"provider": "google", "subject": "marta.soler.85"}
    ]
    assert not {"service_password", "security_answer"} & set(exported)  # stored as hashes: never exported

    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    other = open_services(Settings(database_url=f"sqlite:///{tmp_path / 'other.db'}", data_dir=tmp_path / "other"))
    try:
        operators.add_operator("root", PASSWORD, role=Role.ADMIN, uow=other.writer(), actor=None)
        other_admin = operators.sign_in("root", PASSWORD, uow=other.writer())
        imported = import_customers(path, services=other, actor=other_admin)
        assert (imported.created, imported.errors, imported.duplicates) == (2, [], [])
        again, _ = _export(other, other_admin)
    finally:
        other.close()
    strip = lambda row: {k: v for k, v in row.items() if k != "customer_id"}  # noqa: E731 - the target issues its own IDs
    # The target numbers them in the order it writes them (plain rows a batch at once, rows with a social
    # account one by one), not necessarily the file's: compare the people, by their document.
    by_document = lambda found: sorted((strip(r) for r in found), key=lambda r: r["cert_number"])  # noqa: E731
    assert by_document(again) == by_document(rows)


def test_importing_an_export_into_the_same_database_finds_every_customer_already_in(services, admin, tmp_path):
    marta = _register_example(services, admin)
    rows, _ = _export(services, admin)
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = import_customers(path, services=services, actor=admin)
    assert (report.created, report.already_imported, report.refused) == (0, 1, 0)
    changed = tmp_path / "changed.jsonl"
    changed.write_text(path.read_text().replace('"1985-09-23"', '"1985-09-24"'))  # another birthday: not her
    clash = import_customers(changed, services=services, actor=admin)
    assert [d.existing_customer_id for d in clash.duplicates] == [marta]


def test_tmf629_resources(services, admin):
    marta = _register_example(services, admin)
    [resource], report = _export(services, admin, format="tmf629")
    base = "http://localhost:8080"  # CRM_API_BASE_URL's default
    party = "P" + marta[1:]
    assert report.format == "tmf629"
    assert resource["@type"] == "Customer" and resource["id"] == marta
    assert resource["href"] == f"{base}/tmf-api/customerManagement/v4/customer/{marta}"
    assert (resource["name"], resource["status"], resource["statusReason"]) == ("Marta Soler Vidal", "Approved", "idle")
    assert "endDateTime" not in resource["validFor"]
    assert resource["engagedParty"] == {
        "id": party,
        "href": f"{base}/tmf-api/partyManagement/v4/individual/{party}",
        "name": "Marta Soler Vidal",
        "role": "Customer",
        "@referredType": "Individual",
        "@type": "RelatedParty",
    }
    media = [(m["mediumType"], m["characteristic"]) for m in resource["contactMedium"]]
    assert ("email", {"contactType": "personal", "emailAddress": "marta.soler@example.com"}) in media
    assert ("phone", {"contactType": "mobile", "phoneNumber": "+34699111222"}) in media
    assert not any("+34677000123" in str(traits) for _, traits in media)  # her brother is not her own contact medium
    assert resource["relatedParty"] == [
        {
            "id": f"{party}-R1",
            "name": "Jordi Soler",
            "role": "emergency",
            "@referredType": "Individual",
            "@type": "RelatedParty",
        }
    ]
    characteristics = {c["name"]: c for c in resource["characteristic"]}
    assert characteristics["relatedPartyDetail"]["value"] == {
        "relatedPartyId": f"{party}-R1",
        "role": "emergency",
        "title": "Mr",
        "givenName": "Jordi",
        "familyName": "Soler",
        "contactMedium": {
            "mediumType": "phone",
            "characteristic": {"contactType": "mobile", "phoneNumber": "+34677000123"},
        },
    }
    postal = [traits for kind, traits in media if kind == "postalAddress"]
    assert {
        "contactType": "living",
        "street1": "Avenida del Puerto 120, 4º A",
        "city": "Valencia",
        "stateOrProvince": "Comunitat Valenciana",
        "postCode": "46023",
    }.items() <= postal[0].items()
    assert characteristics["birthDate"]["value"] == "1985-09-23" and characteristics["gender"]["value"] == "female"
    assert characteristics["creditLimit"]["valueType"] == "number"
    assert isinstance(characteristics["creditLimit"]["value"], int | float)
    assert characteristics["identification"]["value"] == {
        "identificationType": "national_id",
        "identificationId": "45678912S",
        "issuingCountry": "ES",
        "isPrimary": True,
    }


def test_only_admins_export_and_every_export_is_audited(services, admin, supervisor, csr):
    make_customer(services)
    for actor in (csr, supervisor):
        with pytest.raises(NotAllowed):
            _export(services, actor)
    _export(services, admin, format="tmf629")
    with services.reader() as uow:
        entry = uow.session.execute(select(AuditEntry).where(AuditEntry.action == "customer.export")).scalar_one()
    assert (entry.operator, entry.entity_id) == ("admin", "tmf629")
    assert entry.summary == {"customers": 1, "statuses": ["active", "idle", "suspended", "terminated", "archived"]}


def test_status_filter_and_bad_options(services, admin):
    make_customer(services, status="active")
    suspended = make_customer(services, status="suspended", cert_number="87654321X")
    rows, _ = _export(services, admin, statuses=["suspended"])
    assert [r["customer_id"] for r in rows] == [suspended]
    with pytest.raises(InvalidInput) as bad:
        _export(services, admin, statuses=["merged"])
    assert bad.value.fields == {"status": "Unknown or not exportable."}
    with pytest.raises(InvalidInput):
        _export(services, admin, format="csv")

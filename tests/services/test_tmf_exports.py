"""TMF629 and TMF632 exports hold to the official v4 schemas with every object closed (tests/tmf_schemas.py),
over 300 seeded customers of every kind, and say what a consumer needs (issue 16)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crm_tui.services.customers.export import export_customers
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.orders import Order
from crm_tui.storage.seed import seed_database
from tests.factories import make_customer
from tests.tmf_schemas import problems

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def _export(services, actor, fmt: str) -> list[dict]:
    out = io.StringIO()
    export_customers(out.write, services=services, actor=actor, format=fmt)
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture
def seeded(services, admin):
    seed_database(services.database, customers=300, seed=11, now=NOW)
    return services


def test_300_seeded_customers_are_valid_tmf629_in_strict_mode(seeded, admin):
    resources = _export(seeded, admin, "tmf629")
    assert len(resources) == 300
    broken = {r["id"]: problems("tmf629", "Customer", r) for r in resources}
    assert {k: v for k, v in broken.items() if v} == {}
    with_contacts = [r for r in resources if r.get("relatedParty")]
    assert with_contacts, "the seed gives many customers family or emergency contacts"
    for resource in resources:
        assert resource["href"].startswith("http://localhost:8080/tmf-api/customerManagement/v4/customer/")
        assert resource["engagedParty"]["id"] != resource["id"]
        assert {m["mediumType"] for m in resource.get("contactMedium", [])} <= {"email", "phone", "postalAddress"}
        limit = next(c for c in resource["characteristic"] if c["name"] == "creditLimit")
        assert isinstance(limit["value"], int | float) and limit["valueType"] == "number"
    ended = [r for r in resources if r["status"] == "Terminated"]
    assert ended and all(r["validFor"].get("endDateTime") for r in ended)


def test_300_seeded_parties_are_valid_tmf632_in_strict_mode(seeded, admin):
    parties = _export(seeded, admin, "tmf632")
    assert len(parties) == 300
    broken = {p["id"]: problems("tmf632", p["@type"], p) for p in parties}
    assert {k: v for k, v in broken.items() if v} == {}
    kinds = {p["@type"] for p in parties}
    assert kinds == {"Individual", "Organization"}
    person = next(p for p in parties if p["@type"] == "Individual")
    assert {"givenName", "familyName", "birthDate", "individualIdentification"} <= set(person)
    assert person["birthDate"].endswith("T00:00:00Z")
    assert person["relatedParty"][0]["@referredType"] == "Customer"


def test_the_strict_check_catches_what_the_old_export_did(seeded, admin):
    [resource] = _export(seeded, admin, "tmf629")[:1]
    resource["contactMedium"][0]["characteristic"]["contactName"] = "Jordi Soler"  # the old export's extra key
    resource["validFor"]["endDateTime"] = "2026-11-26"  # a date where the schema wants a date-time
    found = problems("tmf629", "Customer", resource)
    assert any("contactName" in p for p in found) and any("date-time" in p for p in found)


def test_a_terminated_customer_closes_valid_for_with_the_reason(services, admin):
    customer = make_customer(services, status="terminated")
    with services.writer() as uow:
        pk = uow.session.execute(select(Customer.id).where(Customer.customer_id == customer)).scalar_one()
        uow.session.add(
            Order(
                order_number="ORD900000001",
                type="terminate_customer",
                status="closed",
                customer_id=pk,
                payload={"reason": "fraud"},
                closed_at=NOW,
            )
        )
        uow.commit()
    [resource] = _export(services, admin, "tmf629")
    assert resource["status"] == "Terminated" and resource["statusReason"] == "fraud"
    assert resource["validFor"]["endDateTime"] == "2026-11-26T10:00:00Z"
    assert problems("tmf629", "Customer", resource) == []
    [party] = _export(services, admin, "tmf632")
    assert party["@type"] == "Individual" and problems("tmf632", "Individual", party) == []


def test_hrefs_follow_crm_api_base_url(services, admin):
    make_customer(services)
    services.settings.api_base_url = "https://api.example.com/crm"
    [resource] = _export(services, admin, "tmf629")
    assert resource["href"].startswith("https://api.example.com/crm/tmf-api/customerManagement/v4/customer/C")
    assert resource["engagedParty"]["href"].startswith(
        "https://api.example.com/crm/tmf-api/partyManagement/v4/individual/P"
    )

"""Re-establish: a terminated customer comes back with what the archive kept and their history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm_tui.domain import KeyKind
from crm_tui.errors import Conflict, NotFound
from crm_tui.services.customers.profile import get_customer, open_customer
from crm_tui.services.lifecycle import reestablishment as reestablish
from crm_tui.services.lifecycle.termination import terminate_customer
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import NumberPoolEntry
from tests.factories import make_customer, stock_pools

LINE = "34612345678"


@pytest.fixture
def former(services, csr, admin):
    """Lucía had a line, was identified once at the counter, then left (number frozen)."""
    stock_pools(services, admin)
    customer_id = make_customer(services, cert_number="12345678Z", service_number=LINE, email="lucia@example.com")
    from crm_tui.storage.models.customers import Contact

    with services.writer() as uow:
        pk = uow.session.execute(select(Customer.id).where(Customer.customer_id == customer_id)).scalar_one()
        uow.session.add(
            Contact(
                customer_id=pk,
                method="email",
                value="lucia.work@example.com",
                value_normalized="lucia.work@example.com",
            )
        )
        uow.commit()
    open_customer(customer_id, uow=services.writer(), actor=csr, key_kind=KeyKind.NAME)
    return customer_id


def terminate(services, csr, customer_id, consent=True):
    terminate_customer(
        customer_id,
        services=services,
        actor=csr,
        reason="customer_request",
        archive_consent=consent,
        number_mode="freeze",
    )


@pytest.mark.parametrize(
    "key",
    [
        {"customer_id": "ID"},
        {"cert_type": "national_id", "cert_number": "12345678z", "cert_country": "ES"},
        {"former_service_number": "612 345 678"},
    ],
)
def test_found_in_the_archive_by_each_key(services, csr, former, key):
    terminate(services, csr, former)
    key = {k: (former if v == "ID" else v) for k, v in key.items()}
    found = reestablish.find_archived_customer(uow=services.reader(), actor=csr, region="ES", **key)
    assert found.customer_id == former and found.consent
    assert "contacts" in found.kept and "last_name" in found.kept
    assert [(line.service_number, line.recoverable) for line in found.former_lines] == [(LINE, True)]
    assert found.interactions >= 2


def test_restore_with_the_frozen_number_recovered(services, csr, former):
    terminate(services, csr, former)
    assert get_customer(former, uow=services.reader(), actor=csr).contacts == []
    back = reestablish.reestablish_customer(
        uow=services.writer(), actor=csr, region="ES", customer_id=former, offering="OLA-PRE-4G-10"
    )
    assert back.customer_id == former and back.status == "active"
    assert back.service_number == LINE and back.number_recovered
    assert "contacts" in back.restored
    detail = get_customer(former, uow=services.reader(), actor=csr)
    assert detail.status == "active"
    assert [c.value for c in detail.contacts] == ["lucia.work@example.com"]
    assert [s.status for s in detail.subscribers if s.service_number == LINE] == [
        "archived",
        "active",
    ]  # history, then the new line
    kinds = [i.kind for i in detail.interactions]
    assert kinds[0] == "reestablish" and "identify" in kinds and "terminate" in kinds
    with services.reader() as uow:
        number = uow.session.execute(select(NumberPoolEntry).where(NumberPoolEntry.service_number == LINE)).scalar_one()
    assert number.state == "in_use"


def test_a_number_whose_freeze_passed_is_gone_and_a_new_one_is_taken(services, csr, former):
    terminate(services, csr, former)
    with services.writer() as uow:
        number = uow.session.execute(select(NumberPoolEntry).where(NumberPoolEntry.service_number == LINE)).scalar_one()
        number.frozen_until = datetime.now(UTC) - timedelta(days=1)
        uow.session.add(number)
        uow.commit()
    found = reestablish.find_archived_customer(uow=services.reader(), actor=csr, region="ES", customer_id=former)
    assert not found.former_lines[0].recoverable
    back = reestablish.reestablish_customer(
        uow=services.writer(), actor=csr, region="ES", customer_id=former, offering="OLA-PRE-4G-10"
    )
    assert back.service_number != LINE and not back.number_recovered


def test_without_consent_only_the_profile_comes_back(services, csr, former):
    terminate(services, csr, former, consent=False)
    back = reestablish.reestablish_customer(uow=services.writer(), actor=csr, region="ES", customer_id=former)
    assert back.status == "idle" and back.restored == []
    detail = get_customer(former, uow=services.reader(), actor=csr)
    assert detail.contacts == [] and detail.interactions[0].summary.endswith("nothing kept in the archive to restore")


def test_erased_customers_have_nothing_to_restore(services, csr, former):
    terminate(services, csr, former)
    with services.writer() as uow:
        customer = uow.session.execute(select(Customer).where(Customer.customer_id == former)).scalar_one()
        customer.status = "erased"
        uow.session.add(customer)
        uow.commit()
    with pytest.raises(NotFound, match="erased"):
        reestablish.reestablish_customer(uow=services.writer(), actor=csr, region="ES", customer_id=former)


def test_an_active_customer_is_not_re_established(services, csr, former):
    with pytest.raises(Conflict):
        reestablish.reestablish_customer(uow=services.writer(), actor=csr, region="ES", customer_id=former)

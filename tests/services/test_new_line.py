"""A new line for an existing customer: defaults, golden numbers with their fee and receipt, the
registration's checks with holds, the order and its undo, and inventory races (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm_tui.errors import Conflict, ExternalSystemFailed, Held, InvalidInput, NotFound
from crm_tui.services.bootstrap import services_over
from crm_tui.services.identity.held_registrations import decide_held_registration
from crm_tui.services.identity.new_line import add_line
from crm_tui.services.lines.adding import NEW_ACCOUNT, line_options
from crm_tui.services.orders import operations as order_operations
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Account, Contract, NumberPoolEntry, SimCard, Subscriber
from crm_tui.storage.models.money import Charge, Payment
from crm_tui.storage.models.orders import ExternalRequest
from crm_tui.storage.models.outbox import OutboxEvent
from crm_tui.storage.models.queues import QueueItem
from tests.factories import make_customer, sim_card, stock_pools

LINE = "34612345678"
GOLDEN = "34600777777"


@pytest.fixture
def lucia(services, admin):
    stock_pools(services, admin, numbers=5)
    return make_customer(services, cert_number="12345678Z", service_number=LINE)


def lines_of(services, customer_id):
    with services.reader() as uow:
        rows = uow.session.execute(
            select(Subscriber.service_number, Subscriber.status)
            .join(Customer, Customer.id == Subscriber.customer_id)
            .where(Customer.customer_id == customer_id)
            .order_by(Subscriber.id)
        )
        return [tuple(row) for row in rows]


def test_the_options_offer_the_customers_account_the_latest_offering_and_the_pools(services, csr, lucia):
    options = line_options(lucia, uow=services.reader(), actor=csr)
    assert [a.account_id for a in options.accounts] == [options.default_account]
    assert options.accounts[0].lines == 1
    assert options.default_offering == "TEST-4G"  # the offering of her latest line
    assert [(g.service_number, g.fee) for g in options.golden_numbers] == [(GOLDEN, Decimal("49.90"))]
    assert options.next_number == "34600000000" and options.free_numbers == 5 and options.free_sims == 5
    assert {o.code for o in options.offerings} >= {"TEST-4G", "MAR-POST-4G-25", "OLA-PRE-4G-10"}


def test_a_line_with_the_defaults_runs_the_order_and_opens_the_line(services, csr, lucia):
    options = line_options(lucia, uow=services.reader(), actor=csr)
    result = add_line(
        lucia, services=services, actor=csr, offering=options.default_offering, account=options.default_account
    )
    assert result.order.type == "add_line" and result.order.status == "closed"
    assert [s.status for s in result.order.steps] == ["done"] * 5
    assert (result.service_number, result.account_id, result.account_opened) == (
        "34600000000",
        options.default_account,
        False,
    )
    assert result.receipt_number is None and result.paid == 0
    assert lines_of(services, lucia) == [(LINE, "active"), ("34600000000", "active")]
    with services.reader() as uow:
        number = uow.session.execute(
            select(NumberPoolEntry).where(NumberPoolEntry.service_number == "34600000000")
        ).scalar_one()
        sim = uow.session.execute(select(SimCard).where(SimCard.iccid == result.iccid)).scalar_one()
        subscriber = uow.session.execute(
            select(Subscriber).where(Subscriber.service_number == "34600000000")
        ).scalar_one()
        assert (number.state, number.subscriber_id) == ("in_use", subscriber.id)
        assert (sim.state, sim.subscriber_id) == ("in_use", subscriber.id)
        contracts = uow.session.execute(select(Contract).where(Contract.subscriber_id == subscriber.id)).scalars()
        assert [c.duration_months for c in contracts] == [12]
        sent = [tuple(r) for r in uow.session.execute(select(ExternalRequest.system, ExternalRequest.operation))]
        assert set(sent) == {("cbs", "create_subscriber"), ("provisioning", "activate")}
        [event] = uow.session.execute(select(OutboxEvent).where(OutboxEvent.event_type == "subscriber.added")).scalars()
        assert (event.aggregate_id, event.payload["order"]) == ("34600000000", result.order.order_id)
    assert result.order.service_number == "34600000000"  # the order names its line once it exists


def test_a_golden_number_takes_its_fee_with_a_receipt_on_a_new_account(services, csr, lucia):
    with pytest.raises(InvalidInput) as refused:
        add_line(lucia, services=services, actor=csr, offering="MAR-POST-4G-25", service_number="600777777")
    assert "payment_method" in refused.value.fields
    assert lines_of(services, lucia) == [(LINE, "active")]  # nothing taken: one transaction
    result = add_line(
        lucia,
        services=services,
        actor=csr,
        offering="MAR-POST-4G-25",
        account=NEW_ACCOUNT,
        service_number="600 777 777",
        payment_method="card",
        expected_fee=Decimal("49.90"),
    )
    assert (result.service_number, result.fee, result.paid, result.account_opened) == (
        GOLDEN,
        Decimal("49.90"),
        Decimal("49.90"),
        True,
    )
    with services.reader() as uow:
        payment = uow.session.execute(
            select(Payment).where(Payment.receipt_number == result.receipt_number)
        ).scalar_one()
        account = uow.session.execute(select(Account).where(Account.account_code == result.account_id)).scalar_one()
        assert (payment.amount, payment.method, payment.account_id) == (Decimal("49.90"), "card", account.id)
        fee = uow.session.execute(select(Charge).where(Charge.account_id == account.id)).scalar_one()
        assert (fee.kind, fee.status, fee.amount) == ("fee", "paid", Decimal("49.90"))


def test_a_changed_fee_or_a_taken_number_is_a_conflict(services, csr, lucia):
    with pytest.raises(Conflict, match="fee"):
        add_line(
            lucia,
            services=services,
            actor=csr,
            offering="TEST-4G",
            service_number=GOLDEN,
            payment_method="cash",
            expected_fee=Decimal("10.00"),
        )
    add_line(lucia, services=services, actor=csr, offering="TEST-4G", service_number=GOLDEN, payment_method="cash")
    with pytest.raises(Conflict, match="not free") as taken:
        add_line(lucia, services=services, actor=csr, offering="TEST-4G", service_number=GOLDEN, payment_method="cash")
    assert taken.value.fields == {"service_number": "Not free."}
    with pytest.raises(NotFound):
        add_line(lucia, services=services, actor=csr, offering="TEST-4G", service_number="699999999")


def test_a_named_sim_and_a_wrong_account_or_offering_are_checked(services, csr, lucia):
    other = make_customer(services, first_name="Pedro", service_number="34612000001")
    theirs = line_options(other, uow=services.reader(), actor=csr).default_account
    with pytest.raises(InvalidInput) as wrong:
        add_line(lucia, services=services, actor=csr, offering="TEST-4G", account=theirs)
    assert "account" in wrong.value.fields
    mine = line_options(lucia, uow=services.reader(), actor=csr).default_account
    with pytest.raises(InvalidInput, match="prepaid"):
        add_line(lucia, services=services, actor=csr, offering="OLA-PRE-4G-10", account=mine)
    with pytest.raises(InvalidInput, match="offering"):
        add_line(lucia, services=services, actor=csr, offering="NOPE")
    iccid = sim_card(3)[0]
    result = add_line(lucia, services=services, actor=csr, offering="OLA-PRE-4G-10", iccid=iccid)
    assert result.iccid == iccid and result.account_opened
    with pytest.raises(Conflict, match="not free"):
        add_line(lucia, services=services, actor=csr, offering="OLA-PRE-4G-10", iccid=iccid)


def test_a_banned_customer_is_held_and_a_supervisor_gives_the_line(services, csr, supervisor, lucia):
    with services.writer() as uow:
        uow.session.add(
            BlacklistEntry(cert_type="national_id", cert_number="12345678Z", cert_country="ES", reason="Fraud 2024")
        )
        uow.commit()
    with pytest.raises(Held) as held:
        add_line(lucia, services=services, actor=csr, offering="TEST-4G")
    info = held.value.extra["held"]
    assert info["queue"] == "held_registrations" and "Fraud 2024" in info["reason"]
    assert lines_of(services, lucia) == [(LINE, "active")]
    with services.reader() as uow:
        assert (
            uow.session.execute(
                select(func.count()).select_from(NumberPoolEntry).where(NumberPoolEntry.state == "available")
            ).scalar_one()
            == 6
        )
        item = uow.session.get(QueueItem, info["item_id"])
        assert item.payload["kind"] == "add_line" and item.ref_id == lucia
    decision = decide_held_registration(info["item_id"], approve=True, uow=services.writer(), actor=supervisor)
    assert decision.approved and decision.service_number == "34600000000"
    assert lines_of(services, lucia) == [(LINE, "active"), ("34600000000", "active")]


def test_a_postpaid_line_below_the_credit_level_is_held_a_prepaid_one_is_not(services, csr, admin):
    stock_pools(services, admin, numbers=3)
    young = make_customer(services, cert_type="passport", birthday=date(2008, 1, 1))  # 50 - 15 - 10 = 25: level D
    with pytest.raises(Held, match="checks hold"):
        add_line(young, services=services, actor=csr, offering="MAR-POST-4G-25")
    result = add_line(young, services=services, actor=csr, offering="OLA-PRE-4G-10")
    assert result.order.status == "closed"
    with services.reader() as uow:
        assert (
            uow.session.execute(select(Customer.status).where(Customer.customer_id == young)).scalar_one() == "active"
        )


def test_a_failed_step_leaves_the_order_and_cancelling_gives_number_and_sim_back(
    settings, services, csr, supervisor, lucia
):
    failing = services_over(services.database, settings.model_copy(update={"faults": "provisioning.activate:fail"}))
    with pytest.raises(ExternalSystemFailed) as failed:
        add_line(lucia, services=failing, actor=csr, offering="TEST-4G", service_number=GOLDEN, payment_method="cash")
    order_id = failed.value.extra["order_id"]
    assert lines_of(services, lucia) == [(LINE, "active")]
    view, cannot = order_operations.cancel_order(order_id, services=services, actor=supervisor)
    assert view.status == "cancelled" and cannot == []
    with services.reader() as uow:
        number = uow.session.execute(
            select(NumberPoolEntry).where(NumberPoolEntry.service_number == GOLDEN)
        ).scalar_one()
        assert number.state == "available"
        assert (
            uow.session.execute(
                select(func.count()).select_from(SimCard).where(SimCard.state == "available")
            ).scalar_one()
            == 5
        )
        undone = (
            uow.session.execute(
                select(ExternalRequest.operation).where(ExternalRequest.operation == "delete_subscriber")
            )
            .scalars()
            .all()
        )
        assert undone == ["delete_subscriber"]
    again = add_line(
        lucia, services=services, actor=csr, offering="TEST-4G", service_number=GOLDEN, payment_method="cash"
    )
    assert again.order.status == "closed"


def test_a_terminated_customer_gets_no_line(services, csr, admin):
    stock_pools(services, admin, numbers=2)
    gone = make_customer(services, status="terminated")
    with pytest.raises(Conflict, match="terminated"):
        add_line(gone, services=services, actor=csr, offering="TEST-4G")
    with pytest.raises(InvalidInput):
        line_options("C123", uow=services.reader(), actor=csr)

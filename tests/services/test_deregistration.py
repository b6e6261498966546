"""Terminate: a CSR deregisters a line end to end, and the order survives failures and crashes."""

from __future__ import annotations

import multiprocessing
import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm_tui.config import Settings
from crm_tui.errors import (
    Conflict,
    ExternalSystemFailed,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from crm_tui.services.bootstrap import open_services, services_over
from crm_tui.services.context import Services
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.lifecycle.deregistration import (
    decide_penalty_waiver,
    submit_deregistration,
)
from crm_tui.services.lifecycle.deregistration_quote import (
    accept_retention_offer,
    prorated_penalty,
    quote_deregistration,
)
from crm_tui.services.lifecycle.termination import terminate_customer
from crm_tui.services.orders import engine as orders
from crm_tui.services.orders import operations as order_operations
from crm_tui.storage.models.archive import ArchiveRecord
from crm_tui.storage.models.customers import Contact
from crm_tui.storage.models.lines import Account, NumberPoolEntry, SimCard, Subscriber
from crm_tui.storage.models.money import Charge, Payment
from crm_tui.storage.models.orders import ExternalRequest
from crm_tui.storage.models.outbox import OutboxEvent
from crm_tui.storage.models.queues import QueueItem
from tests.factories import make_customer

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
LINE = "34612345678"
EXTERNAL_STEPS = ["cbs.change_state", "provisioning.deactivate", "cbs.deactivate"]


@pytest.fixture
def lucia(services):
    return make_customer(
        services, cert_number="12345678Z", service_number=LINE, outstanding=Decimal("23.45"), email="lucia@example.com"
    )


def with_faults(services: Services, faults: str) -> Services:
    return services_over(services.database, services.settings.model_copy(update={"faults": faults}))


def deregister(services, actor, **options):
    defaults = dict(reason="fee_problem", number_mode="immediate", sim_mode="reuse", payment_method="card", now=NOW)
    defaults.update(options)
    return submit_deregistration(LINE, services=services, actor=actor, **defaults)


def rows(services, model, *where):
    with services.reader() as uow:
        return uow.session.execute(select(model).where(*where)).scalars().all()


def effects_per_key(services) -> dict[tuple[str, str], int]:
    with services.reader() as uow:
        result = uow.session.execute(
            select(ExternalRequest.idempotency_key, ExternalRequest.operation, func.count())
            .where(ExternalRequest.outcome == "ok")
            .group_by(ExternalRequest.idempotency_key, ExternalRequest.operation)
        ).all()
    return {(key, op): n for key, op, n in result}


# --- arithmetic --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2026, 1, 1), Decimal("120.00")),  # the first day: the whole penalty
        (date(2026, 11, 26), Decimal("11.84")),  # 36 of 365 days left: 11.835... rounds half up
        (date(2026, 12, 31), Decimal("0.33")),  # 1 day left
        (date(2027, 1, 1), Decimal("0.00")),  # commitment over
    ],
)
def test_penalty_is_pro_rata_of_the_days_left(today, expected):
    assert prorated_penalty(Decimal("120.00"), date(2026, 1, 1), date(2027, 1, 1), today) == expected


def test_the_quote_shows_basics_contracts_charges_penalty_and_offers(services, csr, lucia):
    quote = quote_deregistration(
        LINE, uow=services.reader(), actor=csr, region="ES", reason="fee_problem", today=NOW.date()
    )
    assert quote.basics.service_number == LINE and quote.basics.customer_id == lucia
    assert quote.basics.primary_offering == "Test 4G 20 GB" and quote.basics.status == "active"
    assert [c.name for c in quote.contracts] == ["12-month commitment"]
    assert quote.outstanding_total == Decimal("23.45") and quote.penalty_total == Decimal("11.84")
    assert quote.total_due == Decimal("35.29")
    assert {o.code for o in quote.offers} == {"FEE-30-6M", "CHEAPER-PLAN"}


# --- the whole flow ----------------------------------------------------------------------------


def test_deregister_immediately_reusing_the_sim(services, csr, lucia):
    result = deregister(services, csr, expected_total=Decimal("35.29"))
    order = result.order
    assert order.status == "closed"
    assert [s.status for s in order.steps] == ["done"] * 6
    assert result.receipt.amount == Decimal("35.29") and result.receipt.method == "card"
    assert sum(line.amount for line in result.receipt.lines) == result.receipt.amount
    [payment] = rows(services, Payment)
    assert payment.amount == Decimal("35.29") and payment.receipt_number == result.receipt.receipt_number
    assert all(c.status == "paid" for c in rows(services, Charge))
    [number] = rows(services, NumberPoolEntry, NumberPoolEntry.service_number == LINE)
    assert number.state == "available" and number.frozen_until is None
    [sim] = rows(services, SimCard)
    assert sim.state == "available"
    [subscriber] = rows(services, Subscriber)
    assert subscriber.status == "archived" and subscriber.status_reason == "fee_problem"
    [archived] = rows(services, ArchiveRecord, ArchiveRecord.kind == "subscriber")
    assert archived.subject_key == LINE and archived.payload["order"] == order.order_id
    assert set(effects_per_key(services).values()) == {1} and len(effects_per_key(services)) == 3
    detail = get_customer(lucia, uow=services.reader(), actor=csr)
    assert detail.status == "idle"
    assert {e.event_type for e in rows(services, OutboxEvent)} == {"subscriber.deactivated"}


def test_deregister_freezing_the_number_and_abandoning_the_sim(services, csr, lucia):
    before = datetime.now(UTC)
    deregister(services, csr, number_mode="freeze", sim_mode="abandon")
    [number] = rows(services, NumberPoolEntry)
    assert number.state == "frozen"
    assert (
        before + timedelta(days=90) - timedelta(minutes=1)
        < number.frozen_until
        < datetime.now(UTC) + timedelta(days=90, minutes=1)
    )
    [sim] = rows(services, SimCard)
    assert sim.state == "abandoned"


def test_a_released_number_serves_a_new_line(services, csr, lucia):
    deregister(services, csr)
    newcomer = make_customer(
        services,
        first_name="Pablo",
        last_name="Nuevo",
        service_number=LINE,
        imsi="214070000000777",
        iccid="8934070000000000023",
    )
    assert get_customer(newcomer, uow=services.reader(), actor=csr).subscribers[0].status == "active"


def test_retention_accepted_ends_the_flow_with_the_offer_applied(services, csr, lucia):
    applied = accept_retention_offer(
        LINE, "CHEAPER-PLAN", uow=services.writer(), actor=csr, region="ES", reason="fee_problem"
    )
    assert applied.offer_code == "CHEAPER-PLAN"
    detail = get_customer(lucia, uow=services.reader(), actor=csr)
    assert detail.subscribers[0].status == "active" and detail.subscribers[0].primary_offering == "Mar 4G 8 GB"
    assert detail.interactions[0].kind == "retention"
    assert rows(services, ExternalRequest) == []


def test_retention_must_be_declined_before_submitting(services, csr, lucia):
    with pytest.raises(InvalidInput) as caught:
        deregister(services, csr, retention="accepted:FEE-30-6M")
    assert "retention" in caught.value.fields


def test_a_changed_amount_stops_the_submit(services, csr, lucia):
    with pytest.raises(Conflict, match="amount changed"):
        deregister(services, csr, expected_total=Decimal("10.00"))
    assert rows(services, Payment) == []


def test_pay_from_the_account_balance(services, csr):
    make_customer(services, service_number=LINE, balance=Decimal("100.00"))
    result = deregister(services, csr, payment_method="account")
    [account] = rows(services, Account)
    assert account.balance == Decimal("100.00") - result.receipt.amount


@pytest.mark.parametrize(
    "mode, refund_rows, moved",
    [("refund", 1, Decimal("0")), ("forfeit", 0, Decimal("0")), ("transfer", 0, Decimal("40.00"))],
)
def test_prepaid_balance_is_refunded_moved_or_forfeited(services, csr, mode, refund_rows, moved):
    customer_id = make_customer(services, service_number=LINE, balance=Decimal("40.00"))
    with services.writer() as uow:
        account = uow.session.execute(select(Account)).scalar_one()
        account.payment_type = "prepaid"
        other = Account(account_code="219999999999", customer_id=account.customer_id, balance=Decimal("0.00"))
        uow.session.add_all([account, other])
        uow.commit()
    balance = "transfer:219999999999" if mode == "transfer" else mode
    result = deregister(services, csr, balance=balance)
    assert result.balance_handling.startswith("€40.00")
    first, second = sorted(rows(services, Account), key=lambda a: a.id)
    assert first.balance == Decimal("0.00") and second.balance == moved
    assert len(rows(services, Charge, Charge.kind == "refund")) == refund_rows
    assert customer_id


def test_a_penalty_waiver_goes_to_the_supervisor(services, csr, supervisor, lucia):
    result = deregister(services, csr, request_waiver=True)
    assert result.receipt.amount == Decimal("23.45")
    [item] = rows(services, QueueItem, QueueItem.queue == "penalty_waivers")
    [penalty] = rows(services, Charge, Charge.kind == "penalty")
    assert penalty.status == "outstanding" and penalty.amount == Decimal("11.84")
    with pytest.raises(NotAllowed):
        decide_penalty_waiver(item.id, approve=True, uow=services.writer(), actor=csr)
    decide_penalty_waiver(item.id, approve=True, uow=services.writer(), actor=supervisor)
    [penalty] = rows(services, Charge, Charge.kind == "penalty")
    assert penalty.status == "waived"


# --- bad input changes nothing ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "options, error, field",
    [
        ({"reason": ""}, InvalidInput, "reason"),
        ({"reason": "other"}, InvalidInput, "note"),
        ({"number_mode": "later"}, InvalidInput, "number_mode"),
        ({"sim_mode": "burn"}, InvalidInput, "sim_mode"),
        ({"payment_method": None}, InvalidInput, "payment_method"),
    ],
)
def test_bad_options_change_nothing(services, csr, lucia, options, error, field):
    with pytest.raises(error) as caught:
        deregister(services, csr, **options)
    assert field in caught.value.fields
    assert rows(services, Payment) == [] and rows(services, ExternalRequest) == []
    assert rows(services, Subscriber)[0].status == "active"


def test_unknown_or_already_deactivated_line(services, csr, lucia):
    with pytest.raises(NotFound):
        submit_deregistration(
            "612000000",
            services=services,
            actor=csr,
            reason="fee_problem",
            number_mode="immediate",
            sim_mode="reuse",
            payment_method="cash",
        )
    deregister(services, csr)
    with pytest.raises(Conflict, match="already archived"):
        deregister(services, csr)


# --- failures, retries, crashes, cancel -----------------------------------------------------------------


@pytest.mark.parametrize("position, step", list(enumerate(EXTERNAL_STEPS, start=1)))
def test_each_external_step_failing_once_then_retried(services, csr, supervisor, lucia, position, step):
    system, operation = step.split(".")
    faulty = with_faults(services, f"{system}.{operation}:fail-once")
    with pytest.raises(ExternalSystemFailed) as caught:
        deregister(faulty, csr)
    assert caught.value.exit_code == 7 and caught.value.extra["failed_step"] == position
    order_id = caught.value.extra["order_id"]
    view = orders.get_order(order_id, uow=services.reader(), actor=csr)
    assert (
        view.status == "failed" and view.failed_step.seq == position and "simulated failure" in view.failed_step.error
    )
    [queued] = rows(services, QueueItem, QueueItem.queue == "failed_orders")
    assert queued.ref_id == order_id and f"step {position}" in queued.reason
    with pytest.raises(NotAllowed):
        order_operations.retry_order(order_id, services=faulty, actor=csr)
    done = order_operations.retry_order(order_id, services=faulty, actor=supervisor)
    assert done.status == "closed" and done.steps[position - 1].attempts == 2
    assert set(effects_per_key(services).values()) == {1} and len(effects_per_key(services)) == 3
    assert rows(services, QueueItem, QueueItem.queue == "failed_orders")[0].status == "done"


def _run_with_crash(url: str, faults: str, actor_id: int) -> None:
    from crm_tui.domain import Role
    from crm_tui.services.shared.views import Actor

    services = open_services(Settings(database_url=url, faults=faults), migrate=False)
    actor = Actor(id=actor_id, username="alice", display_name="Alice", role=Role.CSR)
    submit_deregistration(
        LINE,
        services=services,
        actor=actor,
        reason="fee_problem",
        number_mode="freeze",
        sim_mode="reuse",
        payment_method="cash",
        now=NOW,
    )
    os._exit(0)  # not reached when the fault crashes the process


@pytest.mark.parametrize("step", EXTERNAL_STEPS)
def test_a_crash_at_each_step_then_resume_has_every_effect_once(services, csr, lucia, step):
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_run_with_crash, args=(services.database.url, f"{step}:crash", csr.id))
    child.start()
    child.join(60)
    assert child.exitcode == 86
    [open_order] = orders.list_orders(
        uow=services.reader(), actor=csr, status="running"
    )  # its runner is gone: the lease is free to take
    crashed = next(s for s in open_order.steps if s.name == step)
    assert crashed.status == "pending" and crashed.attempts == 1
    resumed = order_operations.resume_orders(services=services, actor=csr)
    assert [o.status for o in resumed] == ["closed"]
    per_key = effects_per_key(services)
    assert len(per_key) == 3 and set(per_key.values()) == {1}
    assert len(rows(services, ArchiveRecord)) == 1
    [number] = rows(services, NumberPoolEntry)
    assert number.state == "frozen"
    assert len(rows(services, Payment)) == 1


def test_cancel_a_failed_order_undoes_what_it_can(services, csr, supervisor, lucia):
    faulty = with_faults(services, "cbs.deactivate:fail")
    with pytest.raises(ExternalSystemFailed) as caught:
        deregister(faulty, csr)
    view, cannot = order_operations.cancel_order(caught.value.extra["order_id"], services=faulty, actor=supervisor)
    assert view.status == "cancelled" and cannot == []
    assert [s.status for s in view.steps[:3]] == ["undone", "undone", "failed"]
    undo_ops = {r.operation for r in rows(services, ExternalRequest, ExternalRequest.idempotency_key.like("%-undo"))}
    assert undo_ops == {"restore_state", "reactivate"}
    assert rows(services, Subscriber)[0].status == "active"
    with pytest.raises(Conflict):
        order_operations.cancel_order(view.order_id, services=services, actor=supervisor)


def test_malformed_faults_are_refused():
    from crm_tui.services.orders.external import parse_faults

    with pytest.raises(InvalidInput):
        parse_faults("cbs:fail")
    assert parse_faults("cbs.*:fail-once, notify.send:crash")[1].mode == "crash"


# --- terminate the relationship --------------------------------------------------------------------


def _second_line(services, customer_id: str) -> None:
    from crm_tui.storage.models.customers import Customer
    from crm_tui.storage.models.lines import Offering

    with services.writer() as uow:
        customer = uow.session.execute(select(Customer).where(Customer.customer_id == customer_id)).scalar_one()
        account = uow.session.execute(select(Account)).scalar_one()
        offering = uow.session.execute(select(Offering)).scalar_one()
        uow.session.add(
            Subscriber(
                service_number="34612000222",
                iccid="8934070000000000031",
                imsi="214070000000222",
                customer_id=customer.id,
                account_id=account.id,
                offering_id=offering.id,
                status="suspended",
            )
        )
        uow.session.add(
            Contact(
                customer_id=customer.id, method="email", value="old@example.com", value_normalized="old@example.com"
            )
        )
        uow.commit()


@pytest.mark.parametrize("consent", [True, False])
def test_terminate_the_whole_relationship(services, csr, lucia, consent):
    _second_line(services, lucia)
    result = terminate_customer(lucia, services=services, actor=csr, reason="customer_request", archive_consent=consent)
    assert result.order.status == "closed" and sorted(result.lines) == ["34612000222", LINE]
    assert {s.status for s in rows(services, Subscriber)} == {"archived"}
    detail = get_customer(lucia, uow=services.reader(), actor=csr)
    assert detail.status == "terminated" and detail.contacts == []
    [profile] = rows(services, ArchiveRecord, ArchiveRecord.kind == "customer")
    assert profile.consent is consent
    assert ("last_name" in profile.payload) is consent
    assert len(rows(services, ArchiveRecord, ArchiveRecord.kind == "subscriber")) == 2
    events = [e.event_type for e in rows(services, OutboxEvent)]
    assert events.count("subscriber.deactivated") == 2 and "customer.terminated" in events
    with pytest.raises(Conflict):
        terminate_customer(lucia, services=services, actor=csr, reason="customer_request", archive_consent=consent)


def test_terminate_needs_a_known_reason(services, csr, lucia):
    with pytest.raises(InvalidInput):
        terminate_customer(lucia, services=services, actor=csr, reason="bored", archive_consent=True)


def test_a_line_with_an_unfinished_order_is_not_deregistered_twice(services, csr, lucia):
    faulty = with_faults(services, "cbs.deactivate:fail")
    with pytest.raises(ExternalSystemFailed):
        deregister(faulty, csr)
    with pytest.raises(Conflict, match="not finished"):
        deregister(services, csr)
    with pytest.raises(Conflict, match="not finished"):
        terminate_customer(lucia, services=services, actor=csr, reason="customer_request", archive_consent=True)


@pytest.mark.parametrize(
    "number_mode, sim_mode, number_state, sim_state",
    [
        ("immediate", "reuse", "available", "available"),
        ("immediate", "abandon", "available", "abandoned"),
        ("freeze", "reuse", "frozen", "available"),
        ("freeze", "abandon", "frozen", "abandoned"),
    ],
)
def test_each_resource_option_lands_in_the_pools(services, csr, lucia, number_mode, sim_mode, number_state, sim_state):
    deregister(services, csr, number_mode=number_mode, sim_mode=sim_mode)
    [number] = rows(services, NumberPoolEntry)
    [sim] = rows(services, SimCard)
    assert (number.state, sim.state) == (number_state, sim_state)
    assert (number.frozen_until is not None) == (number_mode == "freeze")
    assert sim.subscriber_id is None

"""A new line for an existing customer (eTOM 1.3.4.2.2 "select an existing telecom account"):
account (existing or new), number (a golden one with its fee, a named one, or the pool's next),
SIM, primary offering and its contract.

Order of work, one write transaction: the customer (still served, no whole-customer order open),
the offering and account, the registration's blacklist and credit checks (a ban or a failed credit
check holds the line in the held-registrations queue, exit 4, as registration does), the number
and SIM taken by guarded updates (of sixteen terminals asking for one golden number, one wins), the
fee taken with a receipt, the add-line order. Then the order runs: billing opens the subscription,
the network activates number and SIM, the line is opened, the order closes. A cancelled order gives
the number and SIM back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select

from crm_tui.domain import BlacklistSeverity, ChargeStatus, PaymentType, QueueName
from crm_tui.errors import Conflict, Held, InvalidInput
from crm_tui.i18n import N_, _
from crm_tui.services.context import Services
from crm_tui.services.customers.status import refresh_customer_status
from crm_tui.services.identity.checks import check_blacklist, check_credit
from crm_tui.services.identity.registration_steps import Checks
from crm_tui.services.lines.adding import (
    NEW_ACCOUNT,
    chosen_account,
    chosen_offering,
    give_back_inventory,
    load_customer,
    open_reserved_line,
    reserve_inventory,
)
from crm_tui.services.orders.engine import (
    UNFINISHED,
    OrderView,
    StepContext,
    StepKind,
    create_order,
    run_order,
)
from crm_tui.services.shared import audit, outbox
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.payments import PAYMENT_METHODS, take_payment
from crm_tui.services.shared.permissions import require_signed_in
from crm_tui.services.shared.validation import parse_iccid, parse_service_number
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Address, Certificate, Customer
from crm_tui.storage.models.lines import Account
from crm_tui.storage.models.money import Charge
from crm_tui.storage.models.orders import Order
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.sequences import next_number
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork


class AddLineResult(View):
    customer_id: str
    account_id: str
    account_opened: bool
    service_number: str
    iccid: str
    offering: str
    fee: Decimal
    paid: Decimal
    receipt_number: str | None
    warnings: list[str]
    order: OrderView


def add_line(
    customer_id: str,
    *,
    services: Services,
    actor: Actor,
    offering: str,
    account: str = NEW_ACCOUNT,
    service_number: str | None = None,
    iccid: str | None = None,
    payment_method: str | None = None,
    expected_fee: Decimal | None = None,
    now: datetime | None = None,
    on_progress: Callable[[OrderView], None] | None = None,
) -> AddLineResult:
    """Give an existing customer a new line, or hold it for a supervisor (Held, exit 4).

    `expected_fee` (what the counter showed) refuses with a Conflict when the number's fee changed.
    Raises Conflict when the number or SIM is not free (or was just taken at another terminal).
    """
    require_signed_in(actor, doing=_("add lines"))
    now = now or utcnow()
    settings = services.settings
    wanted_number = parse_service_number(service_number, region=settings.default_region) if service_number else None
    wanted_iccid = parse_iccid(iccid) if iccid else None
    if payment_method and payment_method not in PAYMENT_METHODS:
        raise InvalidInput(
            _("Pay by {methods}.").format(methods=", ".join(PAYMENT_METHODS)),
            fields={"payment_method": _("Choose cash, card or account.")},
        )
    with services.writer() as uow:
        session = uow.session
        customer = load_customer(session, customer_id)
        pending = session.execute(
            select(Order.order_number)
            .where(
                Order.customer_id == customer.id,
                Order.subscriber_id.is_(None),
                Order.status.in_(UNFINISHED),
                Order.type != "add_line",  # another new line opening meanwhile does not stand in the way
            )
            .limit(1)
        ).scalar()
        if pending:
            raise Conflict(
                _("Customer {customer_id} has order {order} in progress; no new line meanwhile.").format(
                    customer_id=customer.customer_id, order=pending
                )
            )
        product = chosen_offering(session, offering)
        paying = chosen_account(session, customer, account, product)
        checks = line_checks(uow, customer, postpaid=product.payment_type == PaymentType.POSTPAID, now=now)
        opened = paying is None
        if paying is None:
            paying = Account(
                account_code=f"21{next_number(session, 'account_code'):09d}",
                customer_id=customer.id,
                payment_type=product.payment_type,
                currency=settings.currency,
                created_at=now,
            )
            session.add(paying)
            session.flush()
        if checks.hold_reasons:
            _hold(uow, customer, product.code, paying, wanted_number, checks, actor=actor, now=now)
        number, sim = reserve_inventory(session, wanted_number=wanted_number, wanted_iccid=wanted_iccid)
        fee = number.fee if number.is_golden else Decimal("0.00")
        if expected_fee is not None and expected_fee != fee:
            raise Conflict(
                _("The fee of {number} is now {fee} {currency}, not {expected}; look at it again.").format(
                    number=number.service_number, fee=fee, currency=paying.currency, expected=expected_fee
                ),
                fields={"service_number": _("Fee changed.")},
            )
        receipt = None
        if fee > 0:
            if payment_method is None:
                raise InvalidInput(
                    _("The golden number costs {fee} {currency}; choose cash, card or account.").format(
                        fee=fee, currency=paying.currency
                    ),
                    fields={"payment_method": _("Choose how the fee is paid.")},
                )
            charge = Charge(
                account_id=paying.id,
                kind="fee",
                description=_("Golden number {number}").format(number=number.service_number),
                amount=fee,
                currency=paying.currency,
                status=ChargeStatus.OUTSTANDING.value,
                created_at=now,
            )
            session.add(charge)
            receipt = take_payment(
                session, paying, amount=fee, method=payment_method, actor=actor, now=now, settles=[charge]
            ).receipt_number
        order = create_order(
            uow,
            order_type="add_line",
            actor=actor,
            customer_pk=customer.id,
            subscriber_pk=None,
            payload={
                "service_number": number.service_number,
                "iccid": sim.iccid,
                "imsi": sim.imsi,
                "offering": product.code,
                "account_id": paying.account_code,
                "customer_id": customer.customer_id,
                "customer_pk": customer.id,
                "offering_pk": product.id,
                "account_pk": paying.id,
                "receipt": receipt,
            },
            now=now,
        )
        capture(
            session,
            customer.id,
            kind="add_line",
            summary=_("New line {number} on {offering}, account {account}").format(
                number=number.service_number, offering=product.name, account=paying.account_code
            )
            + (
                _("; golden number fee {fee} paid, receipt {receipt}").format(fee=fee, receipt=receipt)
                if receipt
                else ""
            )
            + (_("; {count} warning(s)").format(count=len(checks.warnings)) if checks.warnings else ""),
            actor=actor,
            now=now,
        )
        audit.record(
            uow,
            actor,
            "subscriber.add",
            "customer",
            customer.customer_id,
            {
                "order": order.order_number,
                "offering": product.code,
                "account": paying.account_code,
                "account_opened": opened,
                "golden": number.is_golden,
                "fee": str(fee),
                "warnings": len(checks.warnings),
            },
        )
        uow.commit()
        order_number = order.order_number
        result = {
            "customer_id": customer.customer_id,
            "account_id": paying.account_code,
            "account_opened": opened,
            "service_number": number.service_number,
            "iccid": sim.iccid,
            "offering": product.code,
            "fee": fee,
            "paid": fee if receipt else Decimal("0.00"),
            "receipt_number": receipt,
            "warnings": checks.warnings,
        }
    view = run_order(
        order_number,
        database_uow=services.writer,
        externals=services.externals,
        settings=settings,
        actor=actor,
        on_progress=on_progress,
    )
    return AddLineResult(**result, order=view)


def line_checks(uow: UnitOfWork, customer: Customer, *, postpaid: bool, now: datetime) -> Checks:
    """The registration's checks on the customer as stored: blacklist by each document (and by name
    and birthday), credit from the same facts; a ban or a postpaid line below the level holds."""
    session = uow.session
    checks = Checks()
    certificates = session.execute(
        select(Certificate).where(Certificate.customer_id == customer.id).order_by(Certificate.id)
    ).scalars()
    hits = []
    first_cert_type = ""
    for certificate in certificates:
        first_cert_type = first_cert_type or certificate.cert_type
        hits += check_blacklist(
            uow,
            cert_type=certificate.cert_type,
            cert_number=certificate.cert_number,
            cert_country=certificate.cert_country,
            name_search=customer.name_search,
            birthday=customer.birthday,
            now=now,
        )
    for hit in dict.fromkeys(hits):
        if hit.severity == BlacklistSeverity.BAN:
            checks.hold_reasons.append(hit.words())
        else:
            checks.warnings.append(hit.words())
    has_address = session.execute(select(exists().where(Address.customer_id == customer.id))).scalar()
    decision = check_credit(
        birthday=customer.birthday,
        cert_type=first_cert_type,
        has_email=bool(customer.email),
        has_address=bool(has_address),
        blacklist_warning=bool(checks.warnings),
        postpaid=postpaid,
        today=now.date(),
    )
    checks.credit_level, checks.credit_limit = decision.level, decision.limit
    if not decision.passed:
        checks.hold_reasons.append(decision.failure_words())
    return checks


def _hold(
    uow: UnitOfWork,
    customer: Customer,
    offering: str,
    account: Account,
    wanted_number: str | None,
    checks: Checks,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """The line waits in the held-registrations queue (a supervisor approves: the line is given);
    the account is kept; nothing is charged. Commits, then raises Held (exit 4)."""
    session = uow.session
    item = QueueItem(
        queue=QueueName.HELD_REGISTRATIONS.value,
        ref_type="customer",
        ref_id=customer.customer_id,
        reason=_("New line: {reasons}").format(reasons="; ".join(checks.hold_reasons))[:300],
        payload={
            "kind": "add_line",
            "offering": offering,
            "account_code": account.account_code,
            "service_number": wanted_number,
            "warnings": checks.warnings,
        },
        created_at=now,
    )
    session.add(item)
    session.flush()
    capture(session, customer.id, kind="add_line", summary=_("New line held for review"), actor=actor, now=now)
    audit.record(
        uow,
        actor,
        "subscriber.add_held",
        "customer",
        customer.customer_id,
        {"queue": item.queue, "item": item.id, "offering": offering},
    )
    uow.commit()
    raise Held(
        _("The checks hold this line: a supervisor decides in the held-registrations queue."),
        held={"queue": item.queue, "item_id": item.id, "reason": item.reason},
        customer_id=customer.customer_id,
        account_id=account.account_code,
    )


# --- the add-line order's steps -------------------------------------------------------------------


def _reserved(ctx: StepContext) -> None:
    """The number and SIM were taken when the order was made (same transaction): nothing more to do."""


def _give_back(ctx: StepContext) -> None:
    give_back_inventory(
        ctx.uow.session, service_number=ctx.order.payload["service_number"], iccid=ctx.order.payload["iccid"]
    )


def _open_line(ctx: StepContext) -> None:
    subscriber = open_reserved_line(ctx.uow.session, ctx.order.payload, now=ctx.now)
    ctx.order.subscriber_id = subscriber.id


def _close_added(ctx: StepContext) -> None:
    session = ctx.uow.session
    order = ctx.order
    order.status = "closed"
    order.closed_at = ctx.now
    customer = session.get(Customer, order.customer_id)
    refresh_customer_status(session, customer)
    session.add(customer)
    payload: dict[str, Any] = order.payload
    outbox.emit(
        ctx.uow,
        "subscriber.added",
        "subscriber",
        payload["service_number"],
        {"order": order.order_number, "offering": payload["offering"]},
    )


STEPS: tuple[StepKind, ...] = (
    StepKind("line.reserve", N_("Reserve number and SIM"), local=_reserved, undo_local=_give_back),
    StepKind(
        "cbs.create_subscriber",
        N_("Billing: open the subscription"),
        external=("cbs", "create_subscriber"),
        undo_external=("cbs", "delete_subscriber"),
    ),
    StepKind(
        "provisioning.activate",
        N_("Network: activate number and SIM"),
        external=("provisioning", "activate"),
        undo_external=("provisioning", "deactivate"),
    ),
    StepKind(
        "line.open",
        N_("Open the line"),
        local=_open_line,
        cannot_undo=N_("the line exists; deregister it instead"),
    ),
    StepKind("order.close_added", N_("Close the order"), local=_close_added),
)
"""The add-line order's step kinds; `services.bootstrap` registers them with the engine."""

ORDER_TYPES: dict[str, tuple[str, ...]] = {
    "add_line": ("line.reserve", "cbs.create_subscriber", "provisioning.activate", "line.open", "order.close_added"),
}
"""Reserve (made with the order), billing, network, the line, close."""

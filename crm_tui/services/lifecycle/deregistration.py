"""Terminate: the deregistration of a line (BP.CC.SUBMGT.08 "Deactivate Subscriber") and the
termination of a whole customer relationship (eTOM 1.3.4.4), with the clean-up and archive of
1.3.4.2.3.

The flow a CSR follows: identify -> retention offers -> reason and resource options -> the
termination pre-process (outstanding charges, contract penalties) -> the balance pre-process
(prepaid balance refunded, moved or forfeited) -> payment with a receipt -> submit -> the order
runs its steps. The quote is pure arithmetic on stored rows; the submit is one transaction; the
order then runs on the durable engine.

Penalty rule (pro rata): a contract still in commitment costs
`penalty_amount x remaining days / total days of the commitment`, rounded half-up to the cent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from crm_tui.domain import (
    ChargeStatus,
    DeregistrationReason,
    QueueName,
)
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.i18n import _
from crm_tui.present import money_text
from crm_tui.services.context import Services
from crm_tui.services.lifecycle.deregistration_quote import (
    CENT,
    ChargeLine,
    _live_lines_on_account,
    _quote,
    prorated_penalty,
)
from crm_tui.services.lifecycle.order_steps import _line_payload
from crm_tui.services.lines.lookup import load_line
from crm_tui.services.orders.engine import (
    OrderView,
    create_order,
    run_order,
    unfinished_order,
)
from crm_tui.services.shared import audit
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.payments import PAYMENT_METHODS, pay_out_refund, take_payment
from crm_tui.services.shared.permissions import (
    SUPERVISORS,
    require_role,
    require_signed_in,
)
from crm_tui.services.shared.validation import (
    clean_text,
    parse_service_number,
)
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Account, Contract, Subscriber
from crm_tui.storage.models.money import Charge
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

NUMBER_MODES = ("immediate", "freeze")
SIM_MODES = ("reuse", "abandon")


# --- submit --------------------------------------------------------------------------------------


class Receipt(View):
    receipt_number: str
    method: str
    amount: Decimal
    currency: str
    lines: list[ChargeLine]


class DeregistrationResult(View):
    order: OrderView
    receipt: Receipt | None
    balance_handling: str | None
    waiver_item_id: int | None


def _parse_options(
    *, reason: str, note: str, number_mode: str, sim_mode: str, payment_method: str | None, retention: str, balance: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    try:
        DeregistrationReason(reason)
    except ValueError:
        errors["reason"] = _("Choose a deregistration reason.")
    if reason == DeregistrationReason.OTHER and not note.strip():
        errors["note"] = _("Say what the other reason is.")
    if number_mode not in NUMBER_MODES:
        errors["number_mode"] = _("Immediately or freeze.")
    if sim_mode not in SIM_MODES:
        errors["sim_mode"] = _("Reuse or abandon.")
    if payment_method and payment_method not in PAYMENT_METHODS:
        errors["payment_method"] = _("Cash, card or account.")
    if retention != "declined":
        errors["retention"] = _(
            "Record the retention offer as declined before deregistering (or apply the accepted offer)."
        )
    if balance not in ("refund", "forfeit") and not balance.startswith("transfer:"):
        errors["balance"] = _("Refund, forfeit or transfer:ACCOUNT.")
    if errors:
        raise InvalidInput(
            _("Check the deregistration options: {problems}").format(problems="; ".join(errors.values())),
            fields=errors,
        )
    return {"reason": reason, "note": clean_text(note, field="note", max_length=300)}


def submit_deregistration(
    service_number: str,
    *,
    services: Services,
    actor: Actor,
    reason: str,
    number_mode: str,
    sim_mode: str,
    note: str = "",
    retention: str = "declined",
    payment_method: str | None = None,
    balance: str = "refund",
    request_waiver: bool = False,
    expected_total: Decimal | None = None,
    now: datetime | None = None,
    on_progress: Callable[[OrderView], None] | None = None,
) -> DeregistrationResult:
    """Record the decision, take the payment and create the order in one transaction, then run it.

    `expected_total` is what the customer was shown and accepted: if the sum changed since, nothing
    is done (Conflict). Raises ExternalSystemFailed (exit 7) when a step fails; the order stays.
    `on_progress` gets the order after each step (the workbench shows the steps advancing live).
    """
    require_signed_in(actor, doing=_("deregister lines"))
    now = now or utcnow()
    settings = services.settings
    number = parse_service_number(service_number, region=settings.default_region)
    options = _parse_options(
        reason=reason,
        note=note,
        number_mode=number_mode,
        sim_mode=sim_mode,
        payment_method=payment_method,
        retention=retention,
        balance=balance,
    )
    with services.writer() as uow:
        session = uow.session
        line = load_line(uow, number)
        subscriber, customer, account, offering = line.subscriber, line.customer, line.account, line.offering
        pending = unfinished_order(uow, subscriber_pk=subscriber.id) or unfinished_order(
            uow, customer_pk=customer.id, whole_customer=True
        )
        if pending:
            raise Conflict(
                _("Order {order} for this line or customer is not finished; finish or cancel it first.").format(
                    order=pending
                )
            )
        quote = _quote(uow, subscriber, customer, account, offering, reason=reason, today=now.date())
        due = quote.outstanding_total + (Decimal("0.00") if request_waiver else quote.penalty_total)
        if expected_total is not None and expected_total.quantize(CENT) != quote.total_due:
            raise Conflict(
                _("The amount changed since it was shown ({shown} -> {now}); go through the charges again.").format(
                    shown=money_text(expected_total, quote.currency), now=money_text(quote.total_due, quote.currency)
                )
            )
        if due > 0 and not payment_method:
            raise InvalidInput(
                _("{amount} is due; choose how it is paid.").format(amount=money_text(due, quote.currency)),
                fields={"payment_method": _("Cash, card or account.")},
            )
        penalty_charges = []
        for contract in session.execute(
            select(Contract).where(Contract.subscriber_id == subscriber.id, Contract.status == "active")
        ).scalars():
            amount = prorated_penalty(contract.penalty_amount, contract.effective_on, contract.expires_on, now.date())
            contract.status = "terminated"
            session.add(contract)
            if amount > 0:
                charge = Charge(
                    account_id=account.id,
                    subscriber_id=subscriber.id,
                    kind="penalty",
                    description=_("Early termination: {contract}").format(contract=contract.name),
                    amount=amount,
                    currency=account.currency,
                    created_at=now,
                )
                session.add(charge)
                penalty_charges.append(charge)
        session.flush()
        waiver_item = None
        if request_waiver and penalty_charges:
            waiver_item = QueueItem(
                queue=QueueName.PENALTY_WAIVERS,
                ref_type="subscriber",
                ref_id=subscriber.service_number,
                reason=_("Waive {amount} early-termination penalty ({reason})").format(
                    amount=money_text(quote.penalty_total, quote.currency), reason=DeregistrationReason(reason).label
                ),
                payload={"charge_ids": [c.id for c in penalty_charges], "amount": str(quote.penalty_total)},
                created_at=now,
            )
            session.add(waiver_item)
        to_pay = list(
            session.execute(
                select(Charge).where(
                    Charge.id.in_([*(c.id for c in penalty_charges if not request_waiver)])
                    | Charge.id.in_(_outstanding_ids(uow, subscriber, account))
                )
            ).scalars()
        )
        receipt = None
        if due > 0:
            payment = take_payment(
                session, account, amount=due, method=payment_method or "cash", actor=actor, now=now, settles=to_pay
            )
            receipt = Receipt(
                receipt_number=payment.receipt_number,
                method=payment_method or "cash",
                amount=due,
                currency=account.currency,
                lines=[ChargeLine(description=c.description or c.kind, kind=c.kind, amount=c.amount) for c in to_pay],
            )
        balance_note = _handle_balance(uow, customer, account, quote.prepaid_balance, balance, now, actor)
        payload = {
            "service_number": subscriber.service_number,
            "customer_id": customer.customer_id,
            "reason": reason,
            "note": options["note"],
            "number_mode": number_mode,
            "sim_mode": sim_mode,
            "subscribers": [_line_payload(subscriber)],
            "freeze_days": settings.number_freeze_days,
            "receipt": receipt.receipt_number if receipt else None,
        }
        order = create_order(
            uow,
            order_type="deregister",
            actor=actor,
            customer_pk=customer.id,
            subscriber_pk=subscriber.id,
            payload=payload,
            now=now,
        )
        capture(
            session,
            customer.id,
            kind="deregister",
            summary=_("Deregistration of {number} ({reason}); order {order}").format(
                number=subscriber.service_number, reason=DeregistrationReason(reason).label, order=order.order_number
            ),
            actor=actor,
            now=now,
        )
        audit.record(
            uow,
            actor,
            "subscriber.deregister",
            "customer",
            customer.customer_id,
            {
                "subscriber": subscriber.id,
                "order": order.order_number,
                "number_mode": number_mode,
                "sim_mode": sim_mode,
                "paid": str(due),
            },
        )
        uow.commit()
        order_number = order.order_number
        waiver_id = waiver_item.id if waiver_item else None
    view = run_order(
        order_number,
        database_uow=services.writer,
        externals=services.externals,
        settings=settings,
        actor=actor,
        on_progress=on_progress,
    )
    return DeregistrationResult(order=view, receipt=receipt, balance_handling=balance_note, waiver_item_id=waiver_id)


def _outstanding_ids(uow: UnitOfWork, subscriber: Subscriber, account: Account) -> list[int]:
    last_line = _live_lines_on_account(uow, account.id) <= 1
    condition = Charge.subscriber_id == subscriber.id
    if last_line:
        condition = condition | Charge.subscriber_id.is_(None)
    return list(
        uow.session.execute(
            select(Charge.id).where(
                Charge.account_id == account.id,
                Charge.status == ChargeStatus.OUTSTANDING.value,
                Charge.kind != "penalty",
                condition,
            )
        ).scalars()
    )


def _handle_balance(
    uow: UnitOfWork,
    customer: Customer,
    account: Account,
    balance: Decimal,
    mode: str,
    now: datetime,
    actor: Actor | None = None,
) -> str | None:
    """The balance pre-process: a prepaid balance is refunded, moved to another account, or forfeited."""
    if balance <= 0:
        return None
    session = uow.session
    if mode == "refund":
        voucher = pay_out_refund(
            session, account, amount=balance, description=_("Prepaid balance refunded"), actor=actor, now=now
        )
        note = _("{amount} refunded in cash (voucher {voucher})").format(
            amount=money_text(balance, account.currency), voucher=voucher.receipt_number
        )
    elif mode == "forfeit":
        note = _("{amount} forfeited").format(amount=money_text(balance, account.currency))
    else:
        code = mode.split(":", 1)[1].strip()
        target = session.execute(
            select(Account).where(Account.account_code == code, Account.customer_id == customer.id)
        ).scalar_one_or_none()
        if target is None or target.id == account.id:
            raise InvalidInput(
                _("Account {account} is not another account of this customer.").format(account=code),
                fields={"balance": _("Unknown account.")},
            )
        target.balance += balance
        session.add(target)
        note = _("{amount} moved to account {account}").format(
            amount=money_text(balance, account.currency), account=code
        )
    account.balance = Decimal("0.00")
    session.add(account)
    return note


def decide_penalty_waiver(
    item_id: int, *, approve: bool, note: str = "", uow: UnitOfWork, actor: Actor, now: datetime | None = None
) -> None:
    """A supervisor waives the penalty (charges become waived) or refuses (they stay outstanding)."""
    require_role(actor, *SUPERVISORS, doing=_("decide penalty waivers"))
    now = now or utcnow()
    with uow:
        item = uow.session.get(QueueItem, item_id)
        if item is None or item.queue != QueueName.PENALTY_WAIVERS:
            raise NotFound(_("No penalty waiver request {item_id}.").format(item_id=item_id))
        if item.status not in ("open", "claimed"):
            raise Conflict(
                _("Waiver request {item_id} was already {status}.").format(item_id=item_id, status=item.status)
            )
        if approve:
            for charge in uow.session.execute(
                select(Charge).where(Charge.id.in_(item.payload["charge_ids"]))
            ).scalars():
                charge.status = ChargeStatus.WAIVED.value
                uow.session.add(charge)
        item.status = "approved" if approve else "rejected"
        item.decided_by, item.decided_at, item.note, item.version = actor.id, now, note or None, item.version + 1
        uow.session.add(item)
        audit.record(
            uow, actor, "penalty_waiver.approve" if approve else "penalty_waiver.reject", "queue_item", str(item_id)
        )
        uow.commit()

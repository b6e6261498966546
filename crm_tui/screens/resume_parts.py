"""What the Resume screen shows, built without widgets: who may ask for which operation, what is
missing, the checkout, and the sentences of the confirmations and outcomes.

Kept apart from `crm_tui.screens.resume` (the widgets and the flow) so each can be read, and these
tested, on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rich.table import Table
from rich.text import Text

from crm_tui import present
from crm_tui.domain import QueueName, ResumeOperation, Role, SuspensionReason
from crm_tui.i18n import N_, _
from crm_tui.present import local_time, money_text, phone, words
from crm_tui.screens.line_order import PAYMENT_METHODS
from crm_tui.services.lifecycle.resumption import ResumeQuote
from crm_tui.services.orders.engine import OrderView

SUPERVISOR_ROLES = (Role.SUPERVISOR, Role.ADMIN)
EFFECTIVE_MODES = (N_("Immediately"), N_("Reserved"))
"""The effective modes' labels (translated where shown), in the order of their radio buttons."""
IMMEDIATELY, RESERVED = range(len(EFFECTIVE_MODES))


@dataclass(frozen=True)
class ResumeChoices:
    """The form as it stands: who asks, why, when, and how the customer pays."""

    operation: str
    reason: str
    """As typed (the order gets it as typed; the confirmation trims it)."""
    remarks: str
    reserved: bool
    """Effective mode Reserved: the order waits for `effective_date`."""
    effective_date: str
    pay_outstanding: bool
    """The customer pays the outstanding debt now (only when there is some)."""
    payment_method: str | None


def operations_for(role: str) -> tuple[ResumeOperation, ...]:
    """A CSR resumes at the customer's request; administrator and system trigger are for supervisors."""
    if role in SUPERVISOR_ROLES:
        return tuple(ResumeOperation)
    return (ResumeOperation.CUSTOMER_REQUEST,)


def status_details(quote: ResumeQuote) -> str:
    """`Lost or stolen SIM · since 2026-03-10 09:00`: why and since when, in local time."""
    return _("{reason} · since {since}").format(
        reason=words(quote.reason, SuspensionReason), since=local_time(quote.since)
    )


def parse_day(value: str) -> date | None:
    """A date typed in the operator's locale (31/12/2030) or as ISO (2030-12-31), or None when it is not one."""
    try:
        return present.parse_day(value)
    except ValueError:
        return None


def _typed_day(value: str) -> str:
    """The date as the locale writes it (what was typed, when it is not a date)."""
    day = parse_day(value)
    return present.day(day) if day else value


def held_for_supervisor(quote: ResumeQuote | None) -> bool:
    """A CSR on a fraud suspension: submitting sends the request to the supervisor's queue."""
    return bool(quote and quote.needs_supervisor and quote.reason == SuspensionReason.FRAUD)


def amount_due(quote: ResumeQuote, *, pay_outstanding: bool) -> Decimal:
    """The resumption fee, plus the debt when the customer pays it now."""
    return quote.fee + (quote.outstanding if pay_outstanding else Decimal("0.00"))


def missing_fields(quote: ResumeQuote | None, choices: ResumeChoices, *, today: date) -> dict[str, str]:
    """What still stops a submit, by field (empty: ready)."""
    if quote is None:
        return {"operation": _("Wait for the line to load.")}
    missing: dict[str, str] = {}
    if quote.needs_supervisor and not held_for_supervisor(quote):
        missing["operation"] = _(
            "An administrator's suspension is lifted by a supervisor or admin: ask one to sign in."
        )
    if choices.reserved:
        day = parse_day(choices.effective_date)
        if not choices.effective_date:
            missing["effective_date"] = _("Give the date the line resumes, like {example}.").format(
                example=present.day_example()
            )
        elif day is None:
            missing["effective_date"] = _("A date like {example} or 2030-03-01.").format(example=present.day_example())
        elif day <= today:
            missing["effective_date"] = _("A reserved date is after today; for today choose Immediately.")
    if quote.debt_must_be_paid and not choices.pay_outstanding:
        missing["pay_outstanding"] = _("Suspended for debt: the debt is paid before the line resumes.")
    if amount_due(quote, pay_outstanding=choices.pay_outstanding) > 0 and choices.payment_method is None:
        missing["payment_method"] = _("Choose how the customer pays.")
    return missing


def supervisor_notice(quote: ResumeQuote) -> str:
    """Why a supervisor is needed (shown only when one is)."""
    if held_for_supervisor(quote):
        return _(
            "⚠ Needs a supervisor: a fraud suspension is lifted by a supervisor. Submitting sends the request to the supervisor's queue."
        )
    return _("⚠ Needs a supervisor: an administrator's suspension is lifted by a supervisor or admin.")


def confirmation(quote: ResumeQuote, choices: ResumeChoices) -> tuple[str, str]:
    """The confirmation's title and its button: to the supervisor, reserved, or now."""
    number = phone(quote.service_number)
    if held_for_supervisor(quote):
        return _("Ask a supervisor to resume {number}?").format(number=number), _("Send to supervisor")
    if choices.reserved:
        return _("Reserve the resumption of {number} for {day}?").format(
            number=number, day=_typed_day(choices.effective_date)
        ), _("Reserve")
    return _("Resume {number} now?").format(number=number), _("Resume")


def resume_effects(quote: ResumeQuote, choices: ResumeChoices) -> list[str]:
    """Exactly what will happen, in words, with the amount: the confirmation's text."""
    number = phone(quote.service_number)
    reason = choices.reason.strip()
    asked = f"{ResumeOperation(choices.operation).label}" + (f": {reason}" if reason else "")
    suspended = _("{reason}, since {since}").format(
        reason=words(quote.reason, SuspensionReason).lower(), since=local_time(quote.since)
    )
    if held_for_supervisor(quote):
        return [
            _("Request to lift the suspension of {number} ({suspended}); {asked}").format(
                number=number, suspended=suspended, asked=asked
            ),
            _("The request goes to the supervisor's queue ({queue}); nothing is charged").format(
                queue=QueueName.FRAUD_RESUMPTIONS.label
            ),
            _("The line stays suspended until a supervisor decides"),
        ]
    lines = [
        _("Lift the suspension of {number} ({suspended}); {asked}").format(
            number=number, suspended=suspended, asked=asked
        )
    ]
    due = amount_due(quote, pay_outstanding=choices.pay_outstanding)
    if due > 0:
        method = _(dict(PAYMENT_METHODS)[choices.payment_method]).lower()
        parts = [_("resumption fee {amount}").format(amount=money_text(quote.fee, quote.currency))] if quote.fee else []
        if choices.pay_outstanding:
            parts.append(_("outstanding debt {amount}").format(amount=money_text(quote.outstanding, quote.currency)))
        lines.append(
            _("Charge {amount} by {method} now ({parts})").format(
                amount=money_text(due, quote.currency), method=method, parts=" + ".join(parts)
            )
        )
    else:
        lines.append(_("Nothing to charge"))
    if choices.reserved:
        lines.append(
            _("Reserved for {day}: the order waits and runs on that day; it can be cancelled before then").format(
                day=_typed_day(choices.effective_date)
            )
        )
    else:
        lines.append(_("Then the order runs now: billing resumes, the network lifts the bar, the line becomes active"))
    return lines


def cancel_effects(order: OrderView, shop_day: str) -> list[str]:
    """What cancelling a reserved resumption does: the confirmation's text."""
    return [
        _("Order {order}, reserved for {day}, is cancelled: it will not run").format(
            order=order.order_id, day=shop_day
        ),
        _("{number} stays suspended; a new resumption can be asked for at once").format(
            number=phone(order.service_number)
        ),
        _("Anything already paid stays paid: a refund is a separate request"),
    ]


def held_text(held: dict, message: str) -> Text:
    """The request went to the supervisor's queue instead of resuming the line."""
    queue = words(held.get("queue"), QueueName) if held.get("queue") else _("supervisor")
    item = ", " + _("request {item}").format(item=held["item_id"]) if held.get("item_id") else ""
    return Text(
        _(
            "Sent to the supervisor's queue ({queue}{item}). {message} The line stays suspended until a supervisor decides."
        ).format(queue=queue, item=item, message=message)
    )


def checkout_table(quote: ResumeQuote) -> Table:
    """The resumption fee and any debt, money right-aligned with the currency."""
    table = Table(box=None, expand=True, padding=(0, 1), header_style="bold", show_edge=False)
    table.add_column(_("Item"), ratio=3, no_wrap=True)
    table.add_column(_("Note"), ratio=3, no_wrap=True)
    table.add_column(_("Amount"), justify="right", min_width=14, no_wrap=True)
    reason = words(quote.reason, SuspensionReason).lower()
    table.add_row(
        _("Resumption fee"),
        _("after a {reason} suspension").format(reason=reason) if quote.fee else _("none for this suspension"),
        money_text(quote.fee, quote.currency),
    )
    if quote.outstanding > 0:
        must = _("must be paid to resume") if quote.debt_must_be_paid else _("may be paid now")
        table.add_row(_("Outstanding debt"), must, money_text(quote.outstanding, quote.currency))
    return table

"""What the Deregistration screen shows, built without widgets: the steps and choices, the Basic Info
fields, and the stepper, offers, tables and sentences made from the quote and the CSR's choices.

Kept apart from `crm_tui.screens.deregistration` (the widgets and the flow) so each can be read,
and these tested, on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets.option_list import Option

from crm_tui.domain import (
    CustomerType,
    DeregistrationReason,
    OrderStatus,
    PaymentType,
    SubscriberStatus,
)
from crm_tui.i18n import N_, _, ngettext
from crm_tui.present import day, local_time, money_text, phone, text, words
from crm_tui.screens.line_order import PAYMENT_METHODS
from crm_tui.services.lifecycle.deregistration import DeregistrationResult
from crm_tui.services.lifecycle.deregistration_quote import (
    DeregistrationQuote,
    RetentionApplied,
    RetentionOffer,
    SubscriberBasics,
)
from crm_tui.services.orders.engine import OrderView
from crm_tui.widgets.fitted_table import FitColumn

STEPS = (
    N_("Basic info"),
    N_("Reason & retention"),
    N_("Resources"),
    N_("Contracts"),
    N_("Charges"),
    N_("Balance"),
    N_("Payment"),
    N_("Submit"),
)
"""The stepper, in the order of the reference's flow; each step unlocks the next (translated where shown)."""
BASICS, RETENTION, RESOURCES, CONTRACTS, CHARGES, BALANCE, PAYMENT, SUBMIT = range(len(STEPS))

BASIC_INFO: tuple[tuple[str, Callable[[SubscriberBasics], str]], ...] = (
    (N_("Service No."), lambda b: phone(b.service_number)),
    (N_("SIM Card No."), lambda b: b.iccid),
    (
        N_("Status"),
        lambda b: words(b.status, SubscriberStatus) + (f" ({words(b.status_reason)})" if b.status_reason else ""),
    ),
    (N_("Main Account"), lambda b: b.main_account_code),
    ("IMSI", lambda b: b.imsi),
    (N_("Network Type"), lambda b: text(b.network_type)),
    (N_("Primary Offering"), lambda b: b.primary_offering),
    (N_("Payment Type"), lambda b: words(b.payment_type, PaymentType)),
    (N_("User Type"), lambda b: words(b.user_type, CustomerType)),
    (N_("Brand"), lambda b: text(b.brand)),
    (N_("Activation Time"), lambda b: local_time(b.activated_at)),
    (N_("Latest Activation"), lambda b: local_time(b.latest_activation_at)),
    (N_("Valid From"), lambda b: day(b.valid_from)),
    (N_("Expiration Date"), lambda b: day(b.expires_on)),
    (N_("IVR Language"), lambda b: text(b.language)),
    (N_("Written Language"), lambda b: text(b.written_language)),
)
"""The reference's Basic Info panel (label translated where shown, value in words), three pairs a row."""
STATUS_CELL = next(index for index, (label, _value) in enumerate(BASIC_INFO) if label == "Status")
"""Where the line's status sits in the Basic Info panel (it reads Archived once the order closes)."""
REASONS = tuple(DeregistrationReason)
NUMBER_MODES = (("immediate", N_("Immediately")), ("freeze", N_("Freeze")))
SIM_MODES = (("abandon", N_("Abandon")), ("reuse", N_("Reuse")))
BALANCE_MODES = (("refund", N_("Refund")), ("transfer", N_("Move to another account")), ("forfeit", N_("Forfeit")))
"""(value, label translated where shown) of each choice, in the order of their radio buttons."""
DECLINE = "declined"
"""The option id of "the customer declines the offers"."""
CONTRACT_COLUMNS = (
    FitColumn(N_("Contract Name"), priority=0, min_width=20, grow=True),
    FitColumn(N_("Status"), priority=1),
    FitColumn(N_("Offering Name"), priority=3),
    FitColumn(N_("Effective"), priority=5),
    FitColumn(N_("Expiration"), priority=2),
    FitColumn(N_("Duration"), priority=4),
    FitColumn(N_("Prolongation Model"), priority=6),
)
"""The line's contracts; at 80 columns the name, status, expiry and offering stay."""
STEP_FIELDS = (
    (RETENTION, ("reason", "note", "retention")),
    (RESOURCES, ("number_mode", "sim_mode")),
    (CHARGES, ("accept",)),
    (BALANCE, ("balance", "balance_account")),
    (PAYMENT, ("payment_method",)),
)
"""The fields each step waits for: the first step with one missing is the current step."""
SECTION_STEPS = {
    "#section-reason": RETENTION,
    "#section-resources": RESOURCES,
    "#section-contracts": RESOURCES,
    "#section-charges": CHARGES,
    "#section-balance": BALANCE,
    "#section-payment": PAYMENT,
    "#section-submit": SUBMIT,
}
"""The step that unlocks each section (all put away once the flow ends)."""


@dataclass(frozen=True)
class DeregistrationChoices:
    """The form as it stands: what the CSR chose so far (None while not chosen)."""

    reason: str | None
    note: str
    """The other reason, as typed (it goes with the order only for "Other")."""
    answered: bool
    """The customer declined the offers shown for this reason."""
    number_mode: str | None
    sim_mode: str | None
    accepted: bool
    """The customer accepts the outstanding charges and penalties."""
    waiver: bool
    """A supervisor is asked to waive the penalties (only when there are some)."""
    balance_mode: str | None
    balance_account: str | None
    payment_method: str | None

    @property
    def balance(self) -> str | None:
        """ "refund", "forfeit", "transfer:ACCOUNT", or None while not decided."""
        if self.balance_mode != "transfer":
            return self.balance_mode
        return None if self.balance_account is None else f"transfer:{self.balance_account}"


def amount_due(quote: DeregistrationQuote, *, waiver: bool) -> Decimal:
    """What the customer pays now: a penalty sent for waiver is not charged yet."""
    return quote.outstanding_total + (Decimal("0.00") if waiver else quote.penalty_total)


def missing_fields(quote: DeregistrationQuote | None, choices: DeregistrationChoices) -> dict[str, str]:
    """What the CSR still has to do, by field, in flow order (empty: ready to submit)."""
    if quote is None:
        return {"reason": _("Wait for the line to load.")}
    missing: dict[str, str] = {}
    if choices.reason is None:
        missing["reason"] = _("Choose why the customer is leaving.")
    elif choices.reason == DeregistrationReason.OTHER and not choices.note:
        missing["note"] = _("Say what the other reason is.")
    elif not choices.answered:
        missing["retention"] = _("Record the customer's answer to the offers.")
    if choices.number_mode is None:
        missing["number_mode"] = _("Immediately or freeze?")
    if choices.sim_mode is None:
        missing["sim_mode"] = _("Abandon or reuse?")
    if (quote.outstanding or quote.penalties) and not choices.accepted:
        missing["accept"] = _("The customer must accept the charges first.")
    if quote.prepaid_balance > 0 and choices.balance is None:
        field = "balance_account" if choices.balance_mode == "transfer" else "balance"
        missing[field] = _("Choose the account.") if field == "balance_account" else _("Refund, move or forfeit?")
    if amount_due(quote, waiver=choices.waiver) > 0 and choices.payment_method is None:
        missing["payment_method"] = _("Choose how the customer pays.")
    return missing


def current_step(quote: DeregistrationQuote | None, missing: dict[str, str]) -> int:
    """The first step not done yet (SUBMIT when everything is filled in)."""
    if quote is None:
        return BASICS
    return next((step for step, fields in STEP_FIELDS if any(f in missing for f in fields)), SUBMIT)


def stepper_line(stage: int, *, finished: bool, submitting: bool, balance_skipped: bool) -> Text:
    """`✓ Basic info › ▸ 2 Reason & retention › 3 Resources …`: done, current, still to come."""
    line = Text()
    for step, marked in enumerate(STEPS):
        label = _(marked)
        if step:
            line.append(" › ", style="dim")
        skipped = step == BALANCE and balance_skipped
        if finished or step < stage:
            line.append(f"✓ {label}", style="dim strike" if skipped else "green")
        elif step == stage and not submitting:
            line.append(f"▸ {step + 1} {label}", style="bold reverse")
        else:
            line.append(f"{step + 1} {label}", style="dim")
    return line


def total_due_text(quote: DeregistrationQuote, *, waiver: bool) -> Text:
    total = Text.assemble(_("Total due") + " ", (money_text(amount_due(quote, waiver=waiver), quote.currency), "bold"))
    if waiver:
        total.append(
            "  "
            + _("(penalty {amount} awaits the waiver decision)").format(
                amount=money_text(quote.penalty_total, quote.currency)
            ),
            style="italic",
        )
    return total


def customer_line(basics: SubscriberBasics) -> Text:
    """The title row once quoted: the customer's name, ID and the line."""
    return Text.assemble((basics.customer_name, "bold"), f" · {basics.customer_id} · {phone(basics.service_number)}")


def contract_rows(quote: DeregistrationQuote) -> Iterator[tuple[str | Text, ...]]:
    """The CONTRACT LIST's rows (one "No Data." row when there is none)."""
    for c in quote.contracts:
        yield (
            c.name,
            words(c.status),
            c.offering,
            day(c.effective_on),
            day(c.expires_on),
            Text(
                ngettext("{count} month", "{count} months", c.duration_months).format(count=c.duration_months),
                justify="right",
            ),
            words(c.prolongation),
        )
    if not quote.contracts:
        yield (_("No Data."), "", "", "", "", "", "")


def offer_options(quote: DeregistrationQuote | None, *, matched: bool, declined: bool) -> list[Option]:
    """The offers for the chosen reason and the line that declines them (`matched`: the quote's
    offers are for the reason now chosen)."""
    if quote is None or not matched:
        return [
            Option(Text(_("Choose the reason first: the offers depend on it."), style="dim"), id="none", disabled=True)
        ]
    options = [
        Option(Text.assemble(_("Offer:") + " ", (offer.name, "bold"), f"  [{offer.code}]"), id=offer.code)
        for offer in quote.offers
    ]
    decline = (
        _("✓ The customer declined the offers (recorded with the order)")
        if declined
        else _("The customer declines the offers: continue with the deregistration")
    )
    options.append(Option(Text(decline, style="green" if declined else ""), id=DECLINE))
    if not quote.offers:
        options.append(Option(Text(_("No offer matches this reason."), style="dim"), id="none", disabled=True))
    return options


def offer_effects(offer: RetentionOffer, basics: SubscriberBasics, reason: str) -> list[str]:
    """What applying a retention offer does: the confirmation's text."""
    return [
        _("Apply {offer} [{code}] to {number}").format(
            offer=offer.name, code=offer.code, number=phone(basics.service_number)
        ),
        _("The line stays {status}: nothing is deregistered, nothing is charged").format(
            status=words(basics.status, SubscriberStatus).lower()
        ),
        _("Recorded with the reason: {reason}").format(reason=DeregistrationReason(reason).label),
    ]


def offer_applied_text(applied: RetentionApplied) -> Text:
    return Text(
        _(
            "The customer stays: {offer} [{code}] applied to {number} and recorded. Nothing was deregistered. Escape returns to the customer."
        ).format(offer=applied.offer_name, code=applied.offer_code, number=phone(applied.service_number))
    )


def deregistration_effects(
    quote: DeregistrationQuote, choices: DeregistrationChoices, *, freeze_days: int
) -> list[str]:
    """Exactly what will happen, in words, with the totals: the confirmation's text."""
    currency = quote.currency
    due = amount_due(quote, waiver=choices.waiver)
    number = phone(quote.basics.service_number)
    reason = DeregistrationReason(choices.reason).label + (
        f": {choices.note}" if choices.reason == DeregistrationReason.OTHER else ""
    )
    lines = [
        _("Deactivate {number} of {name} ({reason}); the customer declined the offers").format(
            number=number, name=quote.basics.customer_name, reason=reason
        )
    ]
    lines.append(
        ngettext(
            "Number frozen for {days} day, then back to the pool",
            "Number frozen for {days} days, then back to the pool",
            freeze_days,
        ).format(days=freeze_days)
        if choices.number_mode == "freeze"
        else _("Number released to the pool now")
    )
    lines.append(_("SIM back to stock for reuse") if choices.sim_mode == "reuse" else _("SIM abandoned"))
    if quote.contracts:
        count = len(quote.contracts)
        lines.append(_("{count} contract(s) ended").format(count=count))
    if due > 0:
        method = _(dict(PAYMENT_METHODS)[choices.payment_method]).lower()
        parts = (
            [_("outstanding {amount}").format(amount=money_text(quote.outstanding_total, currency))]
            if quote.outstanding_total
            else []
        )
        if quote.penalty_total and not choices.waiver:
            parts.append(_("penalty {amount}").format(amount=money_text(quote.penalty_total, currency)))
        lines.append(
            _("Charge {amount} by {method} ({parts})").format(
                amount=money_text(due, currency), method=method, parts=" + ".join(parts)
            )
        )
    else:
        lines.append(_("Nothing to charge"))
    if choices.waiver:
        lines.append(
            _("Penalty {amount} goes to a supervisor for waiver; charged later if refused").format(
                amount=money_text(quote.penalty_total, currency)
            )
        )
    if quote.prepaid_balance > 0:
        balance = choices.balance
        amount = money_text(quote.prepaid_balance, currency)
        lines.append(
            _("Prepaid balance {amount} refunded").format(amount=amount)
            if balance == "refund"
            else _("Prepaid balance {amount} forfeited").format(amount=amount)
            if balance == "forfeit"
            else _("Prepaid balance {amount} moved to account {account}").format(
                amount=amount, account=balance.split(":", 1)[1]
            )
        )
    lines.append(_("Then the order runs: billing and the network are told, inventory recycled, the line archived"))
    return lines


def submitted_text(result: DeregistrationResult, number: str) -> Text:
    """The outcome of a submitted deregistration, with the balance and any waiver request."""
    order = result.order
    outcome = Text(
        _("{number} deregistered: order {order} {status}.").format(
            number=number, order=order.order_id, status=words(order.status, OrderStatus).lower()
        )
    )
    if result.balance_handling:
        outcome.append(" " + _("Prepaid balance: {handling}.").format(handling=result.balance_handling))
    if result.waiver_item_id:
        outcome.append(
            " " + _("Penalty waiver request {item} waits in the supervisor's queue.").format(item=result.waiver_item_id)
        )
    outcome.append(" " + _("Escape returns to the customer."))
    return outcome


def failure_text(message: str, view: OrderView | None) -> Text:
    """A failed step in words: where the order stopped, where it waits, and any payment taken."""
    failed = view.failed_step if view else None
    if view is not None and failed is not None:
        message = _(
            "Failed at step {seq} ({step}): {error}. Order {order} waits in the failed-orders queue, where a supervisor can retry or cancel it."
        ).format(seq=failed.seq, step=_(failed.label), error=failed.error, order=view.order_id)
    receipt = view.payload.get("receipt") if view else None
    if receipt:
        message += " " + _("The payment is recorded (receipt {receipt}).").format(receipt=receipt)
    return Text(message)


def charges_table(quote: DeregistrationQuote) -> Table:
    """Outstanding charges and pro-rata penalties, money right-aligned with the currency, and the total."""
    table = Table(box=None, expand=True, padding=(0, 1), header_style="bold", show_edge=False)
    table.add_column(_("Item"), ratio=5, no_wrap=True, overflow="ellipsis")
    table.add_column(_("Kind"), ratio=3, no_wrap=True)
    table.add_column(_("Amount"), justify="right", min_width=14, no_wrap=True)
    for charge in quote.outstanding:
        table.add_row(charge.description, _("Outstanding charge"), money_text(charge.amount, quote.currency))
    for penalty in quote.penalties:
        table.add_row(
            _("Early termination: {contract} (until {day})").format(
                contract=penalty.contract, day=day(penalty.expires_on)
            ),
            _("Penalty, pro rata of {amount}").format(amount=money_text(penalty.full_penalty, quote.currency)),
            money_text(penalty.amount, quote.currency),
        )
    table.add_row(Text(_("Total"), style="bold"), "", Text(money_text(quote.total_due, quote.currency), style="bold"))
    return table


def receipt_group(result: DeregistrationResult) -> Group | Text:
    """The receipt's lines and total, or a line saying nothing was charged."""
    receipt = result.receipt
    if not receipt:
        return Text(_("Nothing was charged: no receipt."))
    table = Table.grid(padding=(0, 2))
    table.add_column(min_width=60)
    table.add_column(justify="right", min_width=14)
    for line in receipt.lines:
        table.add_row(line.description, money_text(line.amount, receipt.currency))
    table.add_row(Text(_("Total paid"), style="bold"), Text(money_text(receipt.amount, receipt.currency), style="bold"))
    title = Text.assemble(
        (_("Receipt") + " ", "bold"),
        (receipt.receipt_number, "bold"),
        " · "
        + _("paid by {method}").format(method=_(dict(PAYMENT_METHODS).get(receipt.method, receipt.method)).lower()),
    )
    return Group(title, table)

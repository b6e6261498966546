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

STEPS = ("Basic info", "Reason & retention", "Resources", "Contracts", "Charges", "Balance", "Payment", "Submit")
"""The stepper, in the order of the reference's flow; each step unlocks the next."""
BASICS, RETENTION, RESOURCES, CONTRACTS, CHARGES, BALANCE, PAYMENT, SUBMIT = range(len(STEPS))

BASIC_INFO: tuple[tuple[str, Callable[[SubscriberBasics], str]], ...] = (
    ("Service No.", lambda b: phone(b.service_number)),
    ("SIM Card No.", lambda b: b.iccid),
    (
        "Status",
        lambda b: words(b.status, SubscriberStatus) + (f" ({words(b.status_reason)})" if b.status_reason else ""),
    ),
    ("Main Account", lambda b: b.main_account_code),
    ("IMSI", lambda b: b.imsi),
    ("Network Type", lambda b: text(b.network_type)),
    ("Primary Offering", lambda b: b.primary_offering),
    ("Payment Type", lambda b: words(b.payment_type, PaymentType)),
    ("User Type", lambda b: words(b.user_type, CustomerType)),
    ("Brand", lambda b: text(b.brand)),
    ("Activation Time", lambda b: local_time(b.activated_at)),
    ("Latest Activation", lambda b: local_time(b.latest_activation_at)),
    ("Valid From", lambda b: day(b.valid_from)),
    ("Expiration Date", lambda b: day(b.expires_on)),
    ("IVR Language", lambda b: text(b.language)),
    ("Written Language", lambda b: text(b.written_language)),
)
"""The reference's Basic Info panel (label, value in words), three pairs a row."""
STATUS_CELL = next(index for index, (label, _value) in enumerate(BASIC_INFO) if label == "Status")
"""Where the line's status sits in the Basic Info panel (it reads Archived once the order closes)."""
REASONS = tuple(DeregistrationReason)
NUMBER_MODES = (("immediate", "Immediately"), ("freeze", "Freeze"))
SIM_MODES = (("abandon", "Abandon"), ("reuse", "Reuse"))
BALANCE_MODES = (("refund", "Refund"), ("transfer", "Move to another account"), ("forfeit", "Forfeit"))
DECLINE = "declined"
"""The option id of "the customer declines the offers"."""
CONTRACT_COLUMNS = (
    FitColumn("Contract Name", priority=0, min_width=20, grow=True),
    FitColumn("Status", priority=1),
    FitColumn("Offering Name", priority=3),
    FitColumn("Effective", priority=5),
    FitColumn("Expiration", priority=2),
    FitColumn("Duration", priority=4),
    FitColumn("Prolongation Model", priority=6),
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
        return {"reason": "Wait for the line to load."}
    missing: dict[str, str] = {}
    if choices.reason is None:
        missing["reason"] = "Choose why the customer is leaving."
    elif choices.reason == DeregistrationReason.OTHER and not choices.note:
        missing["note"] = "Say what the other reason is."
    elif not choices.answered:
        missing["retention"] = "Record the customer's answer to the offers."
    if choices.number_mode is None:
        missing["number_mode"] = "Immediately or freeze?"
    if choices.sim_mode is None:
        missing["sim_mode"] = "Abandon or reuse?"
    if (quote.outstanding or quote.penalties) and not choices.accepted:
        missing["accept"] = "The customer must accept the charges first."
    if quote.prepaid_balance > 0 and choices.balance is None:
        field = "balance_account" if choices.balance_mode == "transfer" else "balance"
        missing[field] = "Choose the account." if field == "balance_account" else "Refund, move or forfeit?"
    if amount_due(quote, waiver=choices.waiver) > 0 and choices.payment_method is None:
        missing["payment_method"] = "Choose how the customer pays."
    return missing


def current_step(quote: DeregistrationQuote | None, missing: dict[str, str]) -> int:
    """The first step not done yet (SUBMIT when everything is filled in)."""
    if quote is None:
        return BASICS
    return next((step for step, fields in STEP_FIELDS if any(f in missing for f in fields)), SUBMIT)


def stepper_line(stage: int, *, finished: bool, submitting: bool, balance_skipped: bool) -> Text:
    """`✓ Basic info › ▸ 2 Reason & retention › 3 Resources …`: done, current, still to come."""
    line = Text()
    for step, label in enumerate(STEPS):
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
    total = Text.assemble("Total due ", (money_text(amount_due(quote, waiver=waiver), quote.currency), "bold"))
    if waiver:
        total.append(
            f"  (penalty {money_text(quote.penalty_total, quote.currency)} awaits the waiver decision)", style="italic"
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
            Text(f"{c.duration_months} months", justify="right"),
            words(c.prolongation),
        )
    if not quote.contracts:
        yield ("No Data.", "", "", "", "", "", "")


def offer_options(quote: DeregistrationQuote | None, *, matched: bool, declined: bool) -> list[Option]:
    """The offers for the chosen reason and the line that declines them (`matched`: the quote's
    offers are for the reason now chosen)."""
    if quote is None or not matched:
        return [
            Option(Text("Choose the reason first: the offers depend on it.", style="dim"), id="none", disabled=True)
        ]
    options = [
        Option(Text.assemble("Offer: ", (offer.name, "bold"), f"  [{offer.code}]"), id=offer.code)
        for offer in quote.offers
    ]
    decline = (
        "✓ The customer declined the offers (recorded with the order)"
        if declined
        else "The customer declines the offers: continue with the deregistration"
    )
    options.append(Option(Text(decline, style="green" if declined else ""), id=DECLINE))
    if not quote.offers:
        options.append(Option(Text("No offer matches this reason.", style="dim"), id="none", disabled=True))
    return options


def offer_effects(offer: RetentionOffer, basics: SubscriberBasics, reason: str) -> list[str]:
    """What applying a retention offer does: the confirmation's text."""
    return [
        f"Apply {offer.name} [{offer.code}] to {phone(basics.service_number)}",
        f"The line stays {words(basics.status, SubscriberStatus).lower()}: nothing is deregistered, nothing is charged",
        f"Recorded with the reason: {DeregistrationReason(reason).label}",
    ]


def offer_applied_text(applied: RetentionApplied) -> Text:
    return Text(
        f"The customer stays: {applied.offer_name} [{applied.offer_code}] applied to {phone(applied.service_number)} and recorded. "
        "Nothing was deregistered. Escape returns to the customer."
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
    lines = [f"Deactivate {number} of {quote.basics.customer_name} ({reason}); the customer declined the offers"]
    lines.append(
        f"Number frozen for {freeze_days} days, then back to the pool"
        if choices.number_mode == "freeze"
        else "Number released to the pool now"
    )
    lines.append("SIM back to stock for reuse" if choices.sim_mode == "reuse" else "SIM abandoned")
    if quote.contracts:
        lines.append(f"{len(quote.contracts)} contract(s) ended")
    if due > 0:
        method = dict(PAYMENT_METHODS)[choices.payment_method].lower()
        parts = [f"outstanding {money_text(quote.outstanding_total, currency)}"] if quote.outstanding_total else []
        if quote.penalty_total and not choices.waiver:
            parts.append(f"penalty {money_text(quote.penalty_total, currency)}")
        lines.append(f"Charge {money_text(due, currency)} by {method} ({' + '.join(parts)})")
    else:
        lines.append("Nothing to charge")
    if choices.waiver:
        lines.append(
            f"Penalty {money_text(quote.penalty_total, currency)} goes to a supervisor for waiver; charged later if refused"
        )
    if quote.prepaid_balance > 0:
        balance = choices.balance
        amount = money_text(quote.prepaid_balance, currency)
        lines.append(
            f"Prepaid balance {amount} refunded"
            if balance == "refund"
            else f"Prepaid balance {amount} forfeited"
            if balance == "forfeit"
            else f"Prepaid balance {amount} moved to account {balance.split(':', 1)[1]}"
        )
    lines.append("Then the order runs: billing and the network are told, inventory recycled, the line archived")
    return lines


def submitted_text(result: DeregistrationResult, number: str) -> Text:
    """The outcome of a submitted deregistration, with the balance and any waiver request."""
    order = result.order
    outcome = Text(f"{number} deregistered: order {order.order_id} {words(order.status, OrderStatus).lower()}.")
    if result.balance_handling:
        outcome.append(f" Prepaid balance: {result.balance_handling}.")
    if result.waiver_item_id:
        outcome.append(f" Penalty waiver request {result.waiver_item_id} waits in the supervisor's queue.")
    outcome.append(" Escape returns to the customer.")
    return outcome


def failure_text(message: str, view: OrderView | None) -> Text:
    """A failed step in words: where the order stopped, where it waits, and any payment taken."""
    failed = view.failed_step if view else None
    if view is not None and failed is not None:
        message = (
            f"Failed at step {failed.seq} ({failed.label}): {failed.error}. Order {view.order_id} waits in the "
            "failed-orders queue, where a supervisor can retry or cancel it."
        )
    receipt = view.payload.get("receipt") if view else None
    if receipt:
        message += f" The payment is recorded (receipt {receipt})."
    return Text(message)


def charges_table(quote: DeregistrationQuote) -> Table:
    """Outstanding charges and pro-rata penalties, money right-aligned with the currency, and the total."""
    table = Table(box=None, expand=True, padding=(0, 1), header_style="bold", show_edge=False)
    table.add_column("Item", ratio=5, no_wrap=True, overflow="ellipsis")
    table.add_column("Kind", ratio=3, no_wrap=True)
    table.add_column("Amount", justify="right", min_width=14, no_wrap=True)
    for charge in quote.outstanding:
        table.add_row(charge.description, "Outstanding charge", money_text(charge.amount, quote.currency))
    for penalty in quote.penalties:
        table.add_row(
            f"Early termination: {penalty.contract} (until {day(penalty.expires_on)})",
            f"Penalty, pro rata of {money_text(penalty.full_penalty, quote.currency)}",
            money_text(penalty.amount, quote.currency),
        )
    table.add_row(Text("Total", style="bold"), "", Text(money_text(quote.total_due, quote.currency), style="bold"))
    return table


def receipt_group(result: DeregistrationResult) -> Group | Text:
    """The receipt's lines and total, or a line saying nothing was charged."""
    receipt = result.receipt
    if not receipt:
        return Text("Nothing was charged: no receipt.")
    table = Table.grid(padding=(0, 2))
    table.add_column(min_width=60)
    table.add_column(justify="right", min_width=14)
    for line in receipt.lines:
        table.add_row(line.description, money_text(line.amount, receipt.currency))
    table.add_row(Text("Total paid", style="bold"), Text(money_text(receipt.amount, receipt.currency), style="bold"))
    title = Text.assemble(
        ("Receipt ", "bold"),
        (receipt.receipt_number, "bold"),
        f" · paid by {dict(PAYMENT_METHODS).get(receipt.method, receipt.method).lower()}",
    )
    return Group(title, table)

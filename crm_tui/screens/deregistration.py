"""DEREGISTRATION (BP.CC.SUBMGT.08 Deactivate Subscriber): the CSR walks the customer through leaving,
one step at a time (each unlocks the next), confirms, then watches the order's steps run."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
)
from textual.widgets.option_list import Option

from crm_tui.domain import (
    CustomerType,
    DeregistrationReason,
    OrderStatus,
    PaymentType,
    SubscriberStatus,
)
from crm_tui.errors import CrmError, ExternalSystemFailed
from crm_tui.present import (
    NOTHING,
    day,
    local_time,
    money_text,
    phone,
    text,
    words,
)
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.line_order import PAYMENT_METHODS, LineOrderScreen, pressed
from crm_tui.services.lifecycle.deregistration import (
    DeregistrationResult,
    submit_deregistration,
)
from crm_tui.services.lifecycle.deregistration_quote import (
    DeregistrationQuote,
    RetentionApplied,
    RetentionOffer,
    SubscriberBasics,
    accept_retention_offer,
    quote_deregistration,
)
from crm_tui.services.orders.engine import OrderView
from crm_tui.widgets.form_field import FormField
from crm_tui.widgets.tables import WorkbenchTable

STEPS = ("Basic info", "Reason & retention", "Resources", "Contracts", "Charges", "Balance", "Payment", "Submit")
"""The stepper, in the order of the reference's flow; each step unlocks the next."""
BASICS, RETENTION, RESOURCES, CONTRACTS, CHARGES, BALANCE, PAYMENT, SUBMIT = range(len(STEPS))

BASIC_INFO: tuple[tuple[str, Callable[[SubscriberBasics], str]], ...] = (
    ("Service No.", lambda b: phone(b.service_number)),
    ("SIM Card No.", lambda b: b.iccid),
    ("Status", lambda b: words(b.status, SubscriberStatus) + (f" ({words(b.status_reason)})" if b.status_reason else "")),
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
REASONS = tuple(DeregistrationReason)
NUMBER_MODES = (("immediate", "Immediately"), ("freeze", "Freeze"))
SIM_MODES = (("abandon", "Abandon"), ("reuse", "Reuse"))
BALANCE_MODES = (("refund", "Refund"), ("transfer", "Move to another account"), ("forfeit", "Forfeit"))
DECLINE = "declined"
"""The option id of "the customer declines the offers"."""


class DeregistrationScreen(LineOrderScreen[DeregistrationQuote]):
    """Basic info, reason and retention, resource recycling, contracts, charges, balance, payment, submit."""

    CSS_PATH: ClassVar[list[str]] = ["line_order.tcss", "deregistration.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "submit", "Submit", id="deregister-submit")]
    HEADING = "DEREGISTRATION"
    ID_PREFIX = "dereg"
    LINE_ID = "dereg-customer"
    HIDDEN_WHEN_FINISHED = ("#section-reason", "#section-resources", "#section-contracts", "#section-charges", "#section-balance", "#section-payment", "#section-submit")

    def __init__(self, service_number: str) -> None:
        super().__init__(service_number)
        self.offers_reason: str | None = None
        """The reason the shown offers were matched to (the quote's offers are for it)."""
        self.retention: str | None = None
        """None until the customer answers the offers; then "declined" or "accepted"."""

    @property
    def line_customer_id(self) -> str | None:
        return self.quote.basics.customer_id if self.quote else None

    # -- layout ---------------------------------------------------------------------------------

    def compose_under_title(self) -> ComposeResult:
        yield Static("", id="stepper")

    def compose_sections(self) -> ComposeResult:
        with Vertical(id="section-basics", classes="section"):
            yield Static("BASIC INFO", classes="section-title")
            with Grid(id="basics"):
                for label, _value in BASIC_INFO:
                    yield Static(label, classes="basics-label")
                    yield Static(NOTHING, classes="basics-value", markup=False)
        with Vertical(id="section-reason", classes="section"):
            yield Static("DEREGISTRATION REASON and RETENTION", classes="section-title")
            yield FormField("Why is the customer leaving?", RadioSet(*(r.label for r in REASONS), id="reason", compact=True), name="reason")
            yield FormField("Other reason", Input(id="note", max_length=300, placeholder="In the customer's words"), name="note")
            yield FormField("Offers for this reason: enter applies one; the last line records that the customer declines", OptionList(id="offers"), name="retention")
        with Vertical(id="section-resources", classes="section"):
            yield Static("RESOURCE RECYCLING", classes="section-title")
            with Horizontal(classes="choices"):
                yield FormField("Number Recycling Mode", RadioSet(*(label for _, label in NUMBER_MODES), id="number_mode", compact=True), name="number_mode")
                yield FormField("SIM Card Handling Mode", RadioSet(*(label for _, label in SIM_MODES), id="sim_mode", compact=True), name="sim_mode")
        with Vertical(id="section-contracts", classes="section"):
            yield Static("CONTRACT LIST", classes="section-title")
            yield _info_table("contracts")
        with Vertical(id="section-charges", classes="section"):
            yield Static("TERMINATION PRE-PROCESS: outstanding charges and penalties", classes="section-title")
            yield Static("", id="charges")
            with Horizontal(classes="choices"):
                yield FormField("", Checkbox("Customer accepts these charges", id="accept", compact=True), name="accept")
                yield FormField("", Checkbox("Request penalty waiver (a supervisor decides)", id="waiver", compact=True), name="waiver")
        with Vertical(id="section-balance", classes="section"):
            yield Static("BALANCE PRE-PROCESS", id="balance-title", classes="section-title")
            with Horizontal(classes="choices"):
                yield FormField("Prepaid balance", RadioSet(*(label for _, label in BALANCE_MODES), id="balance", compact=True), name="balance")
                yield FormField("To account", Select([], prompt="Choose the account", id="balance_account"), name="balance_account")
        with Vertical(id="section-payment", classes="section"):
            yield Static("PAYMENT", classes="section-title")
            with Horizontal(classes="choices"):
                yield FormField("Pay by", RadioSet(*(label for _, label in PAYMENT_METHODS), id="payment_method", compact=True), name="payment_method")
                yield Static("", id="total-due")

    def compose_result_extras(self) -> ComposeResult:
        yield Static("", id="receipt")

    def start_flow(self) -> None:
        for hidden in ("#field-note", "#section-balance", "#field-balance_account", "#field-waiver"):
            self.query_one(hidden).display = False
        self.refresh_form()
        self._load_quote(None)

    # -- reading the form -----------------------------------------------------------------------

    @property
    def reason(self) -> str | None:
        index = self.query_one("#reason", RadioSet).pressed_index
        return REASONS[index].value if index >= 0 else None

    @property
    def note(self) -> str:
        return self.query_one("#note", Input).value.strip()

    @property
    def number_mode(self) -> str | None:
        return pressed(self.query_one("#number_mode", RadioSet), NUMBER_MODES)

    @property
    def sim_mode(self) -> str | None:
        return pressed(self.query_one("#sim_mode", RadioSet), SIM_MODES)

    @property
    def waiver(self) -> bool:
        return bool(self.quote and self.quote.penalties) and self.query_one("#waiver", Checkbox).value

    @property
    def balance(self) -> str | None:
        """"refund", "forfeit", "transfer:ACCOUNT", or None while not decided."""
        mode = pressed(self.query_one("#balance", RadioSet), BALANCE_MODES)
        if mode != "transfer":
            return mode
        account = self.query_one("#balance_account", Select).value
        return None if account is Select.NULL else f"transfer:{account}"

    @property
    def amount_due(self) -> Decimal:
        """What the customer pays now: a penalty sent for waiver is not charged yet."""
        if self.quote is None:
            return Decimal("0.00")
        return self.quote.outstanding_total + (Decimal("0.00") if self.waiver else self.quote.penalty_total)

    def missing(self) -> dict[str, str]:
        """What the CSR still has to do, by field, in flow order (empty: ready to submit)."""
        quote = self.quote
        if quote is None:
            return {"reason": "Wait for the line to load."}
        missing: dict[str, str] = {}
        if self.reason is None:
            missing["reason"] = "Choose why the customer is leaving."
        elif self.reason == DeregistrationReason.OTHER and not self.note:
            missing["note"] = "Say what the other reason is."
        elif self.retention != DECLINE or self.offers_reason != self.reason:
            missing["retention"] = "Record the customer's answer to the offers."
        if self.number_mode is None:
            missing["number_mode"] = "Immediately or freeze?"
        if self.sim_mode is None:
            missing["sim_mode"] = "Abandon or reuse?"
        if (quote.outstanding or quote.penalties) and not self.query_one("#accept", Checkbox).value:
            missing["accept"] = "The customer must accept the charges first."
        if quote.prepaid_balance > 0 and self.balance is None:
            field = "balance_account" if pressed(self.query_one("#balance", RadioSet), BALANCE_MODES) == "transfer" else "balance"
            missing[field] = "Choose the account." if field == "balance_account" else "Refund, move or forfeit?"
        if self.amount_due > 0 and self.payment_method is None:
            missing["payment_method"] = "Choose how the customer pays."
        return missing

    def stage(self) -> int:
        """The first step not done yet (SUBMIT when everything is filled in)."""
        if self.quote is None:
            return BASICS
        missing = self.missing()
        for step, fields in (
            (RETENTION, ("reason", "note", "retention")),
            (RESOURCES, ("number_mode", "sim_mode")),
            (CHARGES, ("accept",)),
            (BALANCE, ("balance", "balance_account")),
            (PAYMENT, ("payment_method",)),
        ):
            if any(f in missing for f in fields):
                return step
        return SUBMIT

    # -- the flow -------------------------------------------------------------------------------

    def refresh_form(self) -> None:
        """Unlock the sections up to the current step, update the stepper, totals and the hint."""
        stage = self.stage()
        locked = self.submitting or self.finished
        unlocks = {
            "#section-reason": RETENTION,
            "#section-resources": RESOURCES,
            "#section-contracts": RESOURCES,
            "#section-charges": CHARGES,
            "#section-balance": BALANCE,
            "#section-payment": PAYMENT,
            "#section-submit": SUBMIT,
        }
        for selector, step in unlocks.items():
            self.query_one(selector).disabled = locked or stage < step
        self.query_one("#stepper", Static).update(self._stepper(stage))
        self.query_one("#field-note").display = self.reason == DeregistrationReason.OTHER
        self.query_one("#field-balance_account").display = pressed(self.query_one("#balance", RadioSet), BALANCE_MODES) == "transfer"
        if self.quote is not None:
            self.query_one("#total-due", Static).update(self._total_due_text())
            self.query_one("#charges", Static).display = bool(self.quote.outstanding or self.quote.penalties)
        missing = self.missing()
        for form_field in self.query(".error").results(FormField):
            if form_field.name not in missing:
                form_field.show_error(None)
        hint = next(iter(missing.values()), "Ready: ctrl+s shows what will happen before anything is done.")
        self.query_one("#submit-hint", Static).update(hint)
        self.refresh_bindings()

    def _stepper(self, stage: int) -> Text:
        line = Text()
        for step, label in enumerate(STEPS):
            if step:
                line.append(" › ", style="dim")
            skipped = step == BALANCE and self.quote is not None and self.quote.prepaid_balance <= 0
            if self.finished or step < stage:
                line.append(f"✓ {label}", style="dim strike" if skipped else "green")
            elif step == stage and not self.submitting:
                line.append(f"▸ {step + 1} {label}", style="bold reverse")
            else:
                line.append(f"{step + 1} {label}", style="dim")
        return line

    def _total_due_text(self) -> Text:
        quote = self.quote
        total = Text.assemble("Total due ", (money_text(self.amount_due, quote.currency), "bold"))
        if self.waiver:
            total.append(f"  (penalty {money_text(quote.penalty_total, quote.currency)} awaits the waiver decision)", style="italic")
        return total

    def _advance_focus(self) -> None:
        """After a choice, go to the first thing still to do (or to SUBMIT): enter picks and moves on."""
        missing = self.missing()
        if not missing:
            self.query_one("#submit", Button).focus()
            return
        field = next(iter(missing))
        self.query_one(f"#field-{field}", FormField).control.focus()

    @on(RadioSet.Changed, "#reason")
    def _reason_chosen(self, event: RadioSet.Changed) -> None:
        self.retention = None
        self.refresh_form()
        self._load_quote(self.reason)

    @on(Input.Changed, "#note")
    def _note_changed(self) -> None:
        self.refresh_form()

    @on(Input.Submitted, "#note")
    def _note_done(self) -> None:
        self._advance_focus()

    @on(RadioSet.Changed, "#number_mode, #sim_mode, #balance, #payment_method")
    @on(Checkbox.Changed, "#accept")
    @on(Select.Changed, "#balance_account")
    def _chosen(self) -> None:
        self.refresh_form()
        self._advance_focus()

    @on(Checkbox.Changed, "#waiver")
    def _waiver_changed(self) -> None:
        self.refresh_form()

    @on(OptionList.OptionSelected, "#offers")
    def _offer_answered(self, event: OptionList.OptionSelected) -> None:
        if event.option_id == DECLINE:
            self.retention = DECLINE
            self.query_one("#field-retention", FormField).show_error(None)
            self._show_offers()
            self.refresh_form()
            self._advance_focus()
            return
        offer = next((o for o in self.quote.offers if o.code == event.option_id), None) if self.quote else None
        if offer is not None:
            self._confirm_offer(offer)

    # -- loading --------------------------------------------------------------------------------

    def _load_quote(self, reason: str | None) -> None:
        app = self.workbench
        actor = app.actor
        services = app.services
        number = self.service_number

        def quote() -> DeregistrationQuote:
            return quote_deregistration(number, uow=services.reader(), actor=actor, region=services.settings.default_region, reason=reason)

        busy = self.query_one("#offers") if self.quote is not None else self.flow
        self.call_service(quote, lambda result: self._show_quote(result, reason), group="deregistration-quote", description="Quote the deregistration", busy=busy)

    def _show_quote(self, quote: DeregistrationQuote, reason: str | None) -> None:
        first = self.quote is None
        self.quote = quote
        self.offers_reason = reason
        if first:
            self._show_basics(quote)
            self._show_contracts(quote)
            self.query_one("#reason", RadioSet).focus()
        self._show_charges(quote)
        self._show_offers()
        self.refresh_form()
        if reason is not None and reason == self.reason and self.retention is None:
            self.query_one("#offers", OptionList).focus()

    def _show_basics(self, quote: DeregistrationQuote) -> None:
        basics = quote.basics
        self.query_one("#dereg-customer", Static).update(Text.assemble((basics.customer_name, "bold"), f" · {basics.customer_id} · {phone(basics.service_number)}"))
        for (_label, value), cell in zip(BASIC_INFO, self.query(".basics-value").results(Static), strict=True):
            cell.update(value(basics))

    def _show_contracts(self, quote: DeregistrationQuote) -> None:
        table = self.query_one("#contracts", WorkbenchTable)
        table.add_columns("Contract Name", "Status", "Offering Name", "Effective", "Expiration", "Duration", "Prolongation Model")
        for c in quote.contracts:
            table.add_row(c.name, words(c.status), c.offering, day(c.effective_on), day(c.expires_on), Text(f"{c.duration_months} months", justify="right"), words(c.prolongation))
        if not quote.contracts:
            table.add_row("No Data.", "", "", "", "", "", "")

    def _show_charges(self, quote: DeregistrationQuote) -> None:
        self.query_one("#charges", Static).update(_charges_table(quote))
        self.query_one("#field-waiver").display = bool(quote.penalties)
        self.query_one("#field-accept").display = bool(quote.outstanding or quote.penalties)
        balance_shown = quote.prepaid_balance > 0
        self.query_one("#section-balance").display = balance_shown
        if balance_shown:
            self.query_one("#balance-title", Static).update(f"BALANCE PRE-PROCESS: prepaid balance {money_text(quote.prepaid_balance, quote.currency)}")
            self.query_one("#balance_account", Select).set_options((code, code) for code in quote.other_accounts)
            if not quote.other_accounts:
                list(self.query_one("#balance", RadioSet).query(RadioButton))[1].disabled = True

    def _show_offers(self) -> None:
        offers = self.query_one("#offers", OptionList)
        quote = self.quote
        highlighted = offers.highlighted
        offers.clear_options()
        if quote is None or self.reason is None or self.offers_reason != self.reason:
            offers.add_option(Option(Text("Choose the reason first: the offers depend on it.", style="dim"), id="none", disabled=True))
            return
        for offer in quote.offers:
            offers.add_option(Option(Text.assemble("Offer: ", (offer.name, "bold"), f"  [{offer.code}]"), id=offer.code))
        decline = "✓ The customer declined the offers (recorded with the order)" if self.retention == DECLINE else "The customer declines the offers: continue with the deregistration"
        offers.add_option(Option(Text(decline, style="green" if self.retention == DECLINE else ""), id=DECLINE))
        if not quote.offers:
            offers.add_option(Option(Text("No offer matches this reason.", style="dim"), id="none", disabled=True))
        if highlighted is not None and highlighted < offers.option_count:
            offers.highlighted = highlighted

    # -- retention accepted ---------------------------------------------------------------------

    def _confirm_offer(self, offer: RetentionOffer) -> None:
        basics = self.quote.basics
        lines = [
            f"Apply {offer.name} [{offer.code}] to {phone(basics.service_number)}",
            f"The line stays {words(basics.status, SubscriberStatus).lower()}: nothing is deregistered, nothing is charged",
            f"Recorded with the reason: {DeregistrationReason(self.reason).label}",
        ]

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._accept_offer(offer)

        self.app.push_screen(ConfirmModal(f"The customer stays with an offer: {phone(basics.service_number)}", lines, confirm_label="Apply offer"), answered)

    def _accept_offer(self, offer: RetentionOffer) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        number, reason = self.quote.basics.service_number, self.reason
        self.submitting = True
        self.refresh_form()

        def accept() -> RetentionApplied:
            return accept_retention_offer(number, offer.code, uow=services.writer(), actor=actor, region=services.settings.default_region, reason=reason)

        self.call_service(accept, self._offer_applied, group="deregistration-submit", description="Apply the retention offer")

    def _offer_applied(self, applied: RetentionApplied) -> None:
        self.submitting, self.finished, self.changed = False, True, True
        self.retention = "accepted"
        self.show_outcome(
            Text(f"The customer stays: {applied.offer_name} [{applied.offer_code}] applied to {phone(applied.service_number)} and recorded. Nothing was deregistered. Escape returns to the customer.")
            , "good",
        )

    # -- submit ---------------------------------------------------------------------------------

    def confirmation(self) -> tuple[str, str]:
        return f"Deregister {phone(self.quote.basics.service_number)}?", "Deregister"

    def effects(self) -> list[str]:
        """Exactly what will happen, in words, with the totals: the confirmation's text."""
        quote = self.quote
        currency = quote.currency
        freeze_days = self.workbench.services.settings.number_freeze_days
        number = phone(quote.basics.service_number)
        reason = DeregistrationReason(self.reason).label + (f": {self.note}" if self.reason == DeregistrationReason.OTHER else "")
        lines = [f"Deactivate {number} of {quote.basics.customer_name} ({reason}); the customer declined the offers"]
        lines.append(f"Number frozen for {freeze_days} days, then back to the pool" if self.number_mode == "freeze" else "Number released to the pool now")
        lines.append("SIM back to stock for reuse" if self.sim_mode == "reuse" else "SIM abandoned")
        if quote.contracts:
            lines.append(f"{len(quote.contracts)} contract(s) ended")
        if self.amount_due > 0:
            method = dict(PAYMENT_METHODS)[self.payment_method].lower()
            parts = [f"outstanding {money_text(quote.outstanding_total, currency)}"] if quote.outstanding_total else []
            if quote.penalty_total and not self.waiver:
                parts.append(f"penalty {money_text(quote.penalty_total, currency)}")
            lines.append(f"Charge {money_text(self.amount_due, currency)} by {method} ({' + '.join(parts)})")
        else:
            lines.append("Nothing to charge")
        if self.waiver:
            lines.append(f"Penalty {money_text(quote.penalty_total, currency)} goes to a supervisor for waiver; charged later if refused")
        if quote.prepaid_balance > 0:
            balance = self.balance
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

    def submit_order(self) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        quote = self.quote
        options = {
            "reason": self.reason,
            "note": self.note if self.reason == DeregistrationReason.OTHER else "",
            "number_mode": self.number_mode,
            "sim_mode": self.sim_mode,
            "retention": DECLINE,
            "payment_method": self.payment_method if self.amount_due > 0 else None,
            "balance": self.balance or "refund",
            "request_waiver": self.waiver,
            "expected_total": quote.total_due,
        }

        def submit(progress: Callable[[OrderView], None]) -> DeregistrationResult:
            return submit_deregistration(quote.basics.service_number, services=services, actor=actor, on_progress=progress, **options)

        self.run_line_order(submit, self._submitted, starting="Submitting: payment and order…", group="deregistration-submit", description="Deregister the line")

    def show_progress(self, view: OrderView) -> None:
        """Each step the engine finishes: something is written, and a running order says so."""
        self.changed = True
        super().show_progress(view)
        if view.status == OrderStatus.OPEN:
            self.show_outcome(Text(f"Order {view.order_id} is running…"), "")

    def _submitted(self, result: DeregistrationResult) -> None:
        self.submitting, self.finished, self.changed = False, True, True
        self.show_progress(result.order)
        order = result.order
        number = phone(self.quote.basics.service_number)
        outcome = Text(f"{number} deregistered: order {order.order_id} {words(order.status, OrderStatus).lower()}.")
        if result.balance_handling:
            outcome.append(f" Prepaid balance: {result.balance_handling}.")
        if result.waiver_item_id:
            outcome.append(f" Penalty waiver request {result.waiver_item_id} waits in the supervisor's queue.")
        outcome.append(" Escape returns to the customer.")
        self.show_outcome(outcome, "good" if order.status == OrderStatus.CLOSED else "")
        if order.status == OrderStatus.CLOSED:
            status_cell = self.query(".basics-value").results(Static)
            next(cell for (label, _value), cell in zip(BASIC_INFO, status_cell) if label == "Status").update(SubscriberStatus.ARCHIVED.label)
        receipt = self.query_one("#receipt", Static)
        receipt.update(_receipt(result) if result.receipt else Text("Nothing was charged: no receipt."))

    def failed_in_place(self, error: CrmError) -> bool:
        """An external system failing is shown in place (the order waits in the queue); others toast."""
        if isinstance(error, ExternalSystemFailed):
            self.finished, self.changed = True, True
            view = self.progress.view
            failed = view.failed_step if view else None
            if view is None or failed is None:
                message = error.message
            else:
                message = (
                    f"Failed at step {failed.seq} ({failed.label}): {failed.error}. Order {view.order_id} waits in the "
                    "failed-orders queue, where a supervisor can retry or cancel it."
                )
            receipt = view.payload.get("receipt") if view else None
            if receipt:
                message += f" The payment is recorded (receipt {receipt})."
            self.show_outcome(Text(message), "error")
            return True
        return False


def _info_table(name: str) -> WorkbenchTable:
    """A table to read, not to visit: tab goes past it."""
    table = WorkbenchTable(id=name, show_cursor=False)
    table.can_focus = False
    return table


def _charges_table(quote: DeregistrationQuote) -> Table:
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


def _receipt(result: DeregistrationResult) -> Group:
    receipt = result.receipt
    table = Table.grid(padding=(0, 2))
    table.add_column(min_width=60)
    table.add_column(justify="right", min_width=14)
    for line in receipt.lines:
        table.add_row(line.description, money_text(line.amount, receipt.currency))
    table.add_row(Text("Total paid", style="bold"), Text(money_text(receipt.amount, receipt.currency), style="bold"))
    title = Text.assemble(("Receipt ", "bold"), (receipt.receipt_number, "bold"), f" · paid by {dict(PAYMENT_METHODS).get(receipt.method, receipt.method).lower()}")
    return Group(title, table)


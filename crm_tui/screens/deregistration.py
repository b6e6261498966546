"""DEREGISTRATION (BP.CC.SUBMGT.08 Deactivate Subscriber): the CSR walks the customer through leaving,
one step at a time (each unlocks the next), confirms, then watches the order's steps run.

Over 400 lines on purpose: what is built without widgets lives in deregistration_parts.py and the
shared layout in line_order.py; what stays is the screen's widgets and its step-by-step flow, which
reads as one (each handler unlocks the next section)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

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

from crm_tui.domain import DeregistrationReason, OrderStatus, SubscriberStatus
from crm_tui.errors import CrmError, ExternalSystemFailed
from crm_tui.i18n import N_, _
from crm_tui.present import NOTHING, money_text, phone
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.deregistration_parts import (
    BALANCE_MODES,
    BASIC_INFO,
    CONTRACT_COLUMNS,
    DECLINE,
    NUMBER_MODES,
    REASONS,
    SECTION_STEPS,
    SIM_MODES,
    STATUS_CELL,
    DeregistrationChoices,
    amount_due,
    charges_table,
    contract_rows,
    current_step,
    customer_line,
    deregistration_effects,
    failure_text,
    missing_fields,
    offer_applied_text,
    offer_effects,
    offer_options,
    receipt_group,
    stepper_line,
    submitted_text,
    total_due_text,
)
from crm_tui.screens.line_order import PAYMENT_METHODS, LineOrderScreen, pressed
from crm_tui.services.lifecycle.deregistration import (
    DeregistrationResult,
    submit_deregistration,
)
from crm_tui.services.lifecycle.deregistration_quote import (
    DeregistrationQuote,
    RetentionApplied,
    RetentionOffer,
    accept_retention_offer,
    quote_deregistration,
)
from crm_tui.services.orders.engine import OrderView
from crm_tui.widgets.fitted_table import FittedTable
from crm_tui.widgets.form_field import FREE_TEXT, FormField
from crm_tui.widgets.text_input import TextInput


class DeregistrationScreen(LineOrderScreen[DeregistrationQuote]):
    """Basic info, reason and retention, resource recycling, contracts, charges, balance, payment, submit."""

    CSS_PATH: ClassVar[list[str]] = ["line_order.tcss", "deregistration.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Submit"),
            tooltip=N_("shows what will happen; enter confirms"),
            id="deregister-submit",
        )
    ]
    HELP_TITLE = N_("Deregistration")
    WORKFLOW = (
        N_("Choose the reason (enter), then the customer's answer to the offers: end, enter declines them."),
        N_("Enter on each choice takes it and moves on: number, SIM, accepting charges (space), payment."),
        N_("ctrl+s shows exactly what will happen; enter confirms; the order's steps then run here."),
    )
    MORE_KEYS = (
        ("↑ ↓ ← →", N_("move between the choices of a question")),
        ("enter / space", N_("take the choice under the cursor and go to the next question")),
    )
    HEADING = N_("DEREGISTRATION")
    ID_PREFIX = "dereg"
    LINE_ID = "dereg-customer"
    HIDDEN_WHEN_FINISHED = tuple(SECTION_STEPS)

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
            yield Static(_("BASIC INFO"), classes="section-title")
            with Grid(id="basics"):
                for label, _value in BASIC_INFO:
                    yield Static(_(label), classes="basics-label")
                    yield Static(NOTHING, classes="basics-value", markup=False)
        with Vertical(id="section-reason", classes="section"):
            yield Static(_("DEREGISTRATION REASON and RETENTION"), classes="section-title")
            yield FormField(
                _("Why is the customer leaving?"),
                RadioSet(*(r.label for r in REASONS), id="reason", compact=True),
                name="reason",
            )
            yield FormField(
                _("Other reason"),
                TextInput(id="note", max_length=300, placeholder=_("In the customer's words"), classes=FREE_TEXT),
                name="note",
            )
            yield FormField(
                _("Offers for this reason: enter applies one; the last line records that the customer declines"),
                OptionList(id="offers"),
                name="retention",
            )
        with Vertical(id="section-resources", classes="section"):
            yield Static(_("RESOURCE RECYCLING"), classes="section-title")
            with Horizontal(classes="choices"):
                yield FormField(
                    _("Number Recycling Mode"),
                    RadioSet(*(_(label) for _mode, label in NUMBER_MODES), id="number_mode", compact=True),
                    name="number_mode",
                )
                yield FormField(
                    _("SIM Card Handling Mode"),
                    RadioSet(*(_(label) for _mode, label in SIM_MODES), id="sim_mode", compact=True),
                    name="sim_mode",
                )
        with Vertical(id="section-contracts", classes="section"):
            yield Static(_("CONTRACT LIST"), classes="section-title")
            yield _info_table("contracts")
        with Vertical(id="section-charges", classes="section"):
            yield Static(_("TERMINATION PRE-PROCESS: outstanding charges and penalties"), classes="section-title")
            yield Static("", id="charges")
            with Horizontal(classes="choices"):
                yield FormField(
                    "", Checkbox(_("Customer accepts these charges"), id="accept", compact=True), name="accept"
                )
                yield FormField(
                    "",
                    Checkbox(_("Request penalty waiver (a supervisor decides)"), id="waiver", compact=True),
                    name="waiver",
                )
        with Vertical(id="section-balance", classes="section"):
            yield Static(_("BALANCE PRE-PROCESS"), id="balance-title", classes="section-title")
            with Horizontal(classes="choices"):
                yield FormField(
                    _("Prepaid balance"),
                    RadioSet(*(_(label) for _mode, label in BALANCE_MODES), id="balance", compact=True),
                    name="balance",
                )
                yield FormField(
                    _("To account"),
                    Select([], prompt=_("Choose the account"), id="balance_account"),
                    name="balance_account",
                )
        with Vertical(id="section-payment", classes="section"):
            yield Static(_("PAYMENT"), classes="section-title")
            with Horizontal(classes="choices"):
                yield FormField(
                    _("Pay by"),
                    RadioSet(*(_(label) for _slug, label in PAYMENT_METHODS), id="payment_method", compact=True),
                    name="payment_method",
                )
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
    def waiver(self) -> bool:
        return bool(self.quote and self.quote.penalties) and self.query_one("#waiver", Checkbox).value

    @property
    def amount_due(self) -> Decimal:
        """What the customer pays now: a penalty sent for waiver is not charged yet."""
        return Decimal("0.00") if self.quote is None else amount_due(self.quote, waiver=self.waiver)

    @property
    def choices(self) -> DeregistrationChoices:
        """The form as it stands, read from its fields."""
        account = self.query_one("#balance_account", Select).value
        return DeregistrationChoices(
            reason=self.reason,
            note=self.query_one("#note", Input).value.strip(),
            answered=self.retention == DECLINE and self.offers_reason == self.reason,
            number_mode=pressed(self.query_one("#number_mode", RadioSet), NUMBER_MODES),
            sim_mode=pressed(self.query_one("#sim_mode", RadioSet), SIM_MODES),
            accepted=self.query_one("#accept", Checkbox).value,
            waiver=self.waiver,
            balance_mode=pressed(self.query_one("#balance", RadioSet), BALANCE_MODES),
            balance_account=None if account is Select.NULL else str(account),
            payment_method=self.payment_method,
        )

    def missing(self) -> dict[str, str]:
        return missing_fields(self.quote, self.choices)

    # -- the flow -------------------------------------------------------------------------------

    def refresh_form(self) -> None:
        """Unlock the sections up to the current step, update the stepper, totals and the hint."""
        missing = self.missing()
        stage = current_step(self.quote, missing)
        locked = self.submitting or self.finished
        for selector, step in SECTION_STEPS.items():
            self.query_one(selector).disabled = locked or stage < step
        balance_skipped = self.quote is not None and self.quote.prepaid_balance <= 0
        self.query_one("#stepper", Static).update(
            stepper_line(stage, finished=self.finished, submitting=self.submitting, balance_skipped=balance_skipped)
        )
        self.query_one("#field-note").display = self.reason == DeregistrationReason.OTHER
        self.query_one("#field-balance_account").display = (
            pressed(self.query_one("#balance", RadioSet), BALANCE_MODES) == "transfer"
        )
        if self.quote is not None:
            self.query_one("#total-due", Static).update(total_due_text(self.quote, waiver=self.waiver))
            self.query_one("#charges", Static).display = bool(self.quote.outstanding or self.quote.penalties)
        for form_field in self.query(".error").results(FormField):
            if form_field.name not in missing:
                form_field.show_error(None)
        hint = next(iter(missing.values()), _("Ready: ctrl+s shows what will happen before anything is done."))
        self.query_one("#submit-hint", Static).update(hint)
        self.refresh_bindings()

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
            return quote_deregistration(
                number, uow=services.reader(), actor=actor, region=services.settings.default_region, reason=reason
            )

        busy = self.query_one("#offers") if self.quote is not None else self.flow
        self.call_service(
            quote,
            lambda result: self._show_quote(result, reason),
            group="deregistration-quote",
            description="Quote the deregistration",  # i18n: not for people
            busy=busy,
        )

    def _show_quote(self, quote: DeregistrationQuote, reason: str | None) -> None:
        first = self.quote is None
        self.quote = quote
        self.offers_reason = reason
        if first:
            self._show_basics(quote)
            self._show_contracts(quote)
            reason_set = self.query_one("#reason", RadioSet)
            reason_set.focus(scroll_visible=False)
            # scrolled into view once the filled sections are laid out: scrolled at once, the form went
            # to where the reasons were while empty and hid the customer's basic info at 80x24
            self.call_after_refresh(reason_set.scroll_visible)
        self._show_charges(quote)
        self._show_offers()
        self.refresh_form()
        if reason is not None and reason == self.reason and self.retention is None:
            self.query_one("#offers", OptionList).focus()

    def _show_basics(self, quote: DeregistrationQuote) -> None:
        basics = quote.basics
        self.query_one("#dereg-customer", Static).update(customer_line(basics))
        for (_label, value), cell in zip(BASIC_INFO, self.query(".basics-value").results(Static), strict=True):
            cell.update(value(basics))

    def _show_contracts(self, quote: DeregistrationQuote) -> None:
        table = self.query_one("#contracts", FittedTable)
        table.set_columns(CONTRACT_COLUMNS)
        table.set_rows((None, row) for row in contract_rows(quote))

    def _show_charges(self, quote: DeregistrationQuote) -> None:
        self.query_one("#charges", Static).update(charges_table(quote))
        self.query_one("#field-waiver").display = bool(quote.penalties)
        self.query_one("#field-accept").display = bool(quote.outstanding or quote.penalties)
        balance_shown = quote.prepaid_balance > 0
        self.query_one("#section-balance").display = balance_shown
        if balance_shown:
            self.query_one("#balance-title", Static).update(
                _("BALANCE PRE-PROCESS: prepaid balance {amount}").format(
                    amount=money_text(quote.prepaid_balance, quote.currency)
                )
            )
            self.query_one("#balance_account", Select).set_options((code, code) for code in quote.other_accounts)
            if not quote.other_accounts:
                list(self.query_one("#balance", RadioSet).query(RadioButton))[1].disabled = True

    def _show_offers(self) -> None:
        offers = self.query_one("#offers", OptionList)
        highlighted = offers.highlighted
        matched = self.reason is not None and self.offers_reason == self.reason
        offers.clear_options()
        offers.add_options(offer_options(self.quote, matched=matched, declined=self.retention == DECLINE))
        if matched and highlighted is not None and highlighted < offers.option_count:
            offers.highlighted = highlighted

    # -- retention accepted ---------------------------------------------------------------------

    def _confirm_offer(self, offer: RetentionOffer) -> None:
        basics = self.quote.basics
        lines = offer_effects(offer, basics, self.reason)

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._accept_offer(offer)

        self.app.push_screen(
            ConfirmModal(
                _("The customer stays with an offer: {number}").format(number=phone(basics.service_number)),
                lines,
                confirm_label=_("Apply offer"),
            ),
            answered,
        )

    def _accept_offer(self, offer: RetentionOffer) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        number, reason = self.quote.basics.service_number, self.reason
        self.submitting = True
        self.refresh_form()

        def accept() -> RetentionApplied:
            return accept_retention_offer(
                number,
                offer.code,
                uow=services.writer(),
                actor=actor,
                region=services.settings.default_region,
                reason=reason,
            )

        self.call_service(
            accept,
            self._offer_applied,
            group="deregistration-submit",
            description="Apply the retention offer",  # i18n: not for people
        )

    def _offer_applied(self, applied: RetentionApplied) -> None:
        self.submitting, self.finished, self.changed = False, True, True
        self.retention = "accepted"
        self.show_outcome(offer_applied_text(applied), "good")

    # -- submit ---------------------------------------------------------------------------------

    def confirmation(self) -> tuple[str, str]:
        return _("Deregister {number}?").format(number=phone(self.quote.basics.service_number)), _("Deregister")

    def effects(self) -> list[str]:
        return deregistration_effects(
            self.quote, self.choices, freeze_days=self.workbench.services.settings.number_freeze_days
        )

    def submit_order(self) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        quote, choices = self.quote, self.choices
        options = {
            "reason": choices.reason,
            "note": choices.note if choices.reason == DeregistrationReason.OTHER else "",
            "number_mode": choices.number_mode,
            "sim_mode": choices.sim_mode,
            "retention": DECLINE,
            "payment_method": choices.payment_method if self.amount_due > 0 else None,
            "balance": choices.balance or "refund",
            "request_waiver": choices.waiver,
            "expected_total": quote.total_due,
        }

        def submit(progress: Callable[[OrderView], None]) -> DeregistrationResult:
            return submit_deregistration(
                quote.basics.service_number, services=services, actor=actor, on_progress=progress, **options
            )

        self.run_line_order(
            submit,
            self._submitted,
            starting=_("Submitting: payment and order…"),
            group="deregistration-submit",
            description="Deregister the line",  # i18n: not for people
        )

    def show_progress(self, view: OrderView) -> None:
        """Each step the engine finishes: something is written, and a running order says so."""
        self.changed = True
        super().show_progress(view)
        if view.status in (OrderStatus.OPEN, OrderStatus.RUNNING):
            self.show_outcome(Text(_("Order {order} is running…").format(order=view.order_id)), "")

    def _submitted(self, result: DeregistrationResult) -> None:
        self.submitting, self.finished, self.changed = False, True, True
        self.show_progress(result.order)
        order = result.order
        self.show_outcome(
            submitted_text(result, phone(self.quote.basics.service_number)),
            "good" if order.status == OrderStatus.CLOSED else "",
        )
        if order.status == OrderStatus.CLOSED:
            list(self.query(".basics-value").results(Static))[STATUS_CELL].update(SubscriberStatus.ARCHIVED.label)
        self.query_one("#receipt", Static).update(receipt_group(result))

    def failed_in_place(self, error: CrmError) -> bool:
        """An external system failing is shown in place (the order waits in the queue); others toast."""
        if isinstance(error, ExternalSystemFailed):
            self.finished, self.changed = True, True
            self.show_outcome(failure_text(error.message, self.progress.view), "error")
            return True
        return False


def _info_table(name: str) -> FittedTable:
    """A table to read, not to visit: tab goes past it; its columns fit the width."""
    table = FittedTable(id=name, show_cursor=False)
    table.can_focus = False
    return table

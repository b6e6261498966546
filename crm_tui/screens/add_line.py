"""ADD LINE: a new line for the customer on the view (`n`): account (one of theirs or a new one),
primary offering and its contract, number (the pool's next, or a golden one with its fee), SIM,
the fee paid with a receipt; a confirmation, then the add-line order with its steps live.

Everything starts on the counter's defaults (the account that pays like the offering, the offering
of the customer's latest line, the pool's next number, the next SIM): ctrl+s and enter add a line.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, RadioSet, Select, Static

from crm_tui.domain import OrderStatus
from crm_tui.errors import CrmError, ExternalSystemFailed, Held
from crm_tui.present import money_text, phone, words
from crm_tui.screens.line_order import PAYMENT_METHODS, LineOrderScreen
from crm_tui.services.identity.new_line import AddLineResult, add_line
from crm_tui.services.lines.adding import NEW_ACCOUNT, LineOptions, OfferingChoice, line_options
from crm_tui.services.orders.engine import OrderView, get_order
from crm_tui.widgets.form_field import FormField

POOL = "pool"
"""The number choice "the pool's next ordinary number" (ctrl+n)."""

FORM_SECTIONS = ("#section-line", "#section-checkout", "#section-submit")


class AddLineScreen(LineOrderScreen[LineOptions]):
    """ACCOUNT / OFFERING; NUMBER / SIM; CHECKOUT; then the order."""

    CSS_PATH: ClassVar[list[str]] = ["line_order.tcss", "add_line.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Submit", tooltip="shows what will happen; enter confirms", id="add-line-submit"),
        Binding(
            "ctrl+n", "pool_number", "Next number", tooltip="the pool's next ordinary number", id="add-line-pool-number"
        ),
    ]
    HELP_TITLE = "Add line"
    WORKFLOW = (
        "The form starts on the defaults: the customer's account, the offering of their latest line, the pool's next number and SIM.",
        "Change what the customer asks for: a golden number (its fee is paid here), another offering, a new account, the SIM handed over.",
        "ctrl+n goes back to the pool's next number; ctrl+s shows what will happen; enter confirms.",
    )
    HEADING = "ADD LINE"
    ID_PREFIX = "add-line"
    LINE_ID = "add-line-customer"

    def __init__(self, customer_id: str) -> None:
        super().__init__(customer_id)
        self.customer_id = customer_id
        """The customer who takes the line."""
        self.result: AddLineResult | None = None

    @property
    def line_customer_id(self) -> str | None:
        return self.customer_id

    # -- layout ---------------------------------------------------------------------------------

    def compose_sections(self) -> ComposeResult:
        with Vertical(id="section-line", classes="section"):
            yield Static("ACCOUNT / OFFERING", classes="section-title")
            with Horizontal(classes="row"):
                yield FormField(
                    "Account", Select([("New account", NEW_ACCOUNT)], allow_blank=False, id="account"), name="account"
                )
                yield FormField(
                    "Primary offering", Select([("Loading…", "")], allow_blank=False, id="offering"), name="offering"
                )
            yield Static("", id="contract", markup=False)
            yield Static("NUMBER / SIM", classes="section-title")
            with Horizontal(classes="row"):
                yield FormField(
                    "Service number (ctrl+n: the pool's next)",
                    Select([("Loading…", "")], allow_blank=False, id="service_number"),
                    name="service_number",
                )
                yield FormField(
                    "SIM card (ICCID)", Input(id="iccid", max_length=22, placeholder="next in stock"), name="iccid"
                )
        with Vertical(id="section-checkout", classes="section"):
            yield Static("CHECKOUT", classes="section-title")
            with Horizontal(classes="row"):
                yield FormField(
                    "Pay by",
                    RadioSet(*(label for _, label in PAYMENT_METHODS), id="payment_method", compact=True),
                    name="payment_method",
                )
                yield Static("", id="total-due")

    def start_flow(self) -> None:
        self.query_one("#field-payment_method").display = False
        self.refresh_form()
        app = self.workbench
        actor, services, customer_id = app.actor, app.services, self.customer_id
        self.call_service(
            lambda: line_options(customer_id, uow=services.reader(), actor=actor),
            self._show_options,
            group="add-line-options",
            description="Load accounts, offerings and numbers",
            busy=self.flow,
        )

    def _show_options(self, options: LineOptions) -> None:
        self.quote = options
        self.query_one(f"#{self.LINE_ID}", Static).update(
            Text.assemble(("Customer ", ""), (options.customer_id, "bold"), f" · {options.customer_name}")
        )
        currency = self.workbench.services.settings.currency
        accounts = [
            (
                f"{a.account_id} · {a.payment_type} · {a.lines} line{'s' if a.lines != 1 else ''}",
                a.account_id,
            )
            for a in options.accounts
        ]
        account = self.query_one("#account", Select)
        account.set_options([*accounts, ("New account", NEW_ACCOUNT)])
        account.value = options.default_account
        offering = self.query_one("#offering", Select)
        offering.set_options(
            [
                (f"{o.name} · {o.payment_type} · {money_text(o.monthly_fee, currency)}/month", o.code)
                for o in options.offerings
            ]
        )
        if options.default_offering:
            offering.value = options.default_offering
        pool = (
            f"Pool's next: {phone(options.next_number)} ({options.free_numbers} free)"
            if options.next_number
            else "The pool is empty"
        )
        number = self.query_one("#service_number", Select)
        number.set_options(
            [
                (pool, POOL),
                *(
                    (f"{phone(g.service_number)} · golden · {money_text(g.fee, currency)}", g.service_number)
                    for g in options.golden_numbers
                ),
            ]
        )
        number.value = POOL
        self.query_one("#iccid", Input).placeholder = f"next in stock ({options.free_sims} free)"
        self.refresh_form()
        account.focus()

    # -- reading the form -----------------------------------------------------------------------

    def _value(self, selector: str) -> str:
        value = self.query_one(selector, Select).value
        return "" if value is Select.NULL else str(value)

    @property
    def offering(self) -> OfferingChoice | None:
        code = self._value("#offering")
        return next((o for o in self.quote.offerings if o.code == code), None) if self.quote else None

    @property
    def wanted_number(self) -> str | None:
        value = self._value("#service_number")
        return None if value in ("", POOL) else value

    @property
    def fee(self) -> Decimal:
        wanted = self.wanted_number
        if self.quote is None or wanted is None:
            return Decimal("0.00")
        return next((g.fee for g in self.quote.golden_numbers if g.service_number == wanted), Decimal("0.00"))

    def missing(self) -> dict[str, str]:
        if self.quote is None:
            return {"offering": "Loading…"}
        missing: dict[str, str] = {}
        if self.offering is None:
            missing["offering"] = "Choose the primary offering."
        if self.wanted_number is None and not self.quote.next_number:
            missing["service_number"] = "The pool is empty: choose a golden number or ask an admin to stock numbers."
        if self.fee > 0 and self.payment_method is None:
            missing["payment_method"] = "Choose how the golden number's fee is paid."
        return missing

    # -- the form -------------------------------------------------------------------------------

    def refresh_form(self) -> None:
        locked = self.submitting or self.finished or self.quote is None
        for selector in FORM_SECTIONS:
            self.query_one(selector).disabled = locked
        currency = self.workbench.services.settings.currency
        offering = self.offering
        if offering is not None:
            self.query_one("#contract", Static).update(
                f"Contract: {offering.contract}"
                + (f" · penalty {money_text(offering.penalty_amount, currency)}" if offering.commitment_months else "")
                + f" · {offering.network_type}"
            )
        fee = self.fee
        self.query_one("#field-payment_method").display = fee > 0
        self.query_one("#total-due", Static).update(
            Text.assemble("Total due now ", (money_text(fee, currency), "bold"))
        )
        missing = self.missing()
        for form_field in self.query(".error").results(FormField):
            if form_field.name not in missing:
                form_field.show_error(None)
        if self.submitting:
            hint = "Working…"
        elif self.finished:
            hint = "Done: escape returns to the customer."
        else:
            hint = next(iter(missing.values()), "Ready: ctrl+s shows what will happen before anything is done.")
        self.query_one("#submit-hint", Static).update(hint)
        self.refresh_bindings()

    @on(Select.Changed, "#offering")
    def _offering_chosen(self) -> None:
        offering = self.offering
        if self.quote is not None and offering is not None and not self.submitting:
            account = self.query_one("#account", Select)
            current = next((a for a in self.quote.accounts if a.account_id == self._value("#account")), None)
            if current is None or current.payment_type != offering.payment_type:
                account.value = self.quote.account_for(offering.code)
        self.refresh_form()

    @on(Select.Changed, "#service_number")
    def _number_chosen(self) -> None:
        """A golden number: its fee is paid next, so the cursor goes to "Pay by"."""
        self.refresh_form()
        if self.fee > 0 and self.payment_method is None:
            self.query_one("#payment_method", RadioSet).focus()

    @on(Select.Changed, "#account")
    @on(RadioSet.Changed, "#payment_method")
    def _changed(self) -> None:
        self.refresh_form()

    @on(Input.Submitted, "#iccid")
    def _last_field(self) -> None:
        """Enter on the SIM submits, unless a fee still needs paying."""
        if self.fee > 0:
            self.query_one("#payment_method", RadioSet).focus()
        else:
            self.action_submit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "pool_number":
            return self.quote is not None and not (self.submitting or self.finished)
        return super().check_action(action, parameters)

    def action_pool_number(self) -> None:
        self.query_one("#service_number", Select).value = POOL
        self.refresh_form()

    # -- submit ---------------------------------------------------------------------------------

    def confirmation(self) -> tuple[str, str]:
        return f"Add a line for {self.customer_id}?", "Add line"

    def effects(self) -> list[str]:
        quote, offering = self.quote, self.offering
        currency = self.workbench.services.settings.currency
        account = self._value("#account")
        number = phone(self.wanted_number) if self.wanted_number else f"{phone(quote.next_number)} (the pool's next)"
        iccid = self.query_one("#iccid", Input).value.strip()
        lines = [
            f"Number {number}; SIM {iccid or 'the next in stock'}.",
            f"{offering.name}: {money_text(offering.monthly_fee, currency)} a month; {offering.contract.lower()}.",
            "A new account is opened." if account == NEW_ACCOUNT else f"Billed to account {account}.",
        ]
        if self.fee > 0:
            lines.append(
                f"Golden number fee {money_text(self.fee, currency)} paid by {words(self.payment_method)}, with a receipt."
            )
        lines.append("Blacklist and credit are checked; billing and the network then activate the line.")
        return lines

    def submit_order(self) -> None:
        app = self.workbench
        actor, services, customer_id = app.actor, app.services, self.customer_id
        options = {
            "offering": self.offering.code,
            "account": self._value("#account"),
            "service_number": self.wanted_number,
            "iccid": self.query_one("#iccid", Input).value.strip() or None,
            "payment_method": self.payment_method if self.fee > 0 else None,
            "expected_fee": self.fee if self.wanted_number else None,
        }

        def submit(progress: Callable[[OrderView], None]) -> AddLineResult:
            return add_line(customer_id, services=services, actor=actor, on_progress=progress, **options)

        starting = "Submitting: checks, payment and order…" if self.fee > 0 else "Submitting: checks and order…"
        self.run_line_order(
            submit, self._submitted, starting=starting, group="add-line-submit", description="Add a line"
        )

    def _submitted(self, result: AddLineResult) -> None:
        self.submitting, self.finished, self.changed, self.result = False, True, True, result
        order = result.order
        self.show_progress(order)
        currency = self.workbench.services.settings.currency
        paid = (
            f" Paid {money_text(result.paid, currency)}, receipt {result.receipt_number}."
            if result.receipt_number
            else ""
        )
        warned = "".join(f" {w}." for w in result.warnings)
        opened = " (new account)" if result.account_opened else ""
        self.show_outcome(
            Text(
                f"{phone(result.service_number)} added on account {result.account_id}{opened}: order {order.order_id} "
                f"{words(order.status, OrderStatus).lower()}.{paid}{warned} Escape returns to the customer."
            ),
            "good" if order.status == OrderStatus.CLOSED else "",
        )
        self.refresh_form()

    def failed_in_place(self, error: CrmError) -> bool:
        """Held (the supervisor's queue) and a failed step are shown in place; the rest at the fields."""
        if isinstance(error, Held):
            self.finished, self.changed = True, True
            held = error.extra.get("held") or {}
            self.show_outcome(
                Text(f"{error.message} Queue item {held.get('item_id')}: {held.get('reason', '')}. Escape returns."),
                "held",
            )
            return True
        if isinstance(error, ExternalSystemFailed):
            self.finished, self.changed = True, True
            self.show_outcome(Text(error.message), "error")
            order_id = error.extra.get("order_id")
            if order_id:
                app = self.workbench
                actor, services = app.actor, app.services
                self.call_service(
                    lambda: get_order(order_id, uow=services.reader(), actor=actor),
                    self.show_progress,
                    group="add-line-order",
                    description="Load the order",
                )
            return True
        return False

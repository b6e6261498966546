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

from crm_tui.domain import OrderStatus, PaymentType
from crm_tui.errors import CrmError, ExternalSystemFailed, Held
from crm_tui.i18n import N_, _, ngettext
from crm_tui.present import money_text, phone, words
from crm_tui.screens.line_order import PAYMENT_METHODS, LineOrderScreen
from crm_tui.services.identity.new_line import AddLineResult, add_line
from crm_tui.services.lines.adding import NEW_ACCOUNT, LineOptions, OfferingChoice, line_options
from crm_tui.services.orders.engine import OrderView, get_order
from crm_tui.widgets.form_field import FormField
from crm_tui.widgets.text_input import TextInput

POOL = "pool"
"""The number choice "the pool's next ordinary number" (ctrl+n)."""

FORM_SECTIONS = ("#section-line", "#section-checkout", "#section-submit")


class AddLineScreen(LineOrderScreen[LineOptions]):
    """ACCOUNT / OFFERING; NUMBER / SIM; CHECKOUT; then the order."""

    CSS_PATH: ClassVar[list[str]] = ["line_order.tcss", "add_line.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s", "submit", N_("Submit"), tooltip=N_("shows what will happen; enter confirms"), id="add-line-submit"
        ),
        Binding(
            "ctrl+n",
            "pool_number",
            N_("Next number"),
            tooltip=N_("the pool's next ordinary number"),
            id="add-line-pool-number",
        ),
    ]
    HELP_TITLE = N_("Add line")
    WORKFLOW = (
        N_(
            "The form starts on the defaults: the customer's account, the offering of their latest line, the pool's next number and SIM."
        ),
        N_(
            "Change what the customer asks for: a golden number (its fee is paid here), another offering, a new account, the SIM handed over."
        ),
        N_("ctrl+n goes back to the pool's next number; ctrl+s shows what will happen; enter confirms."),
    )
    HEADING = N_("ADD LINE")
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
            yield Static(_("ACCOUNT / OFFERING"), classes="section-title")
            with Horizontal(classes="row"):
                yield FormField(
                    _("Account"),
                    Select([(_("New account"), NEW_ACCOUNT)], allow_blank=False, id="account"),
                    name="account",
                )
                yield FormField(
                    _("Primary offering"),
                    Select([(_("Loading…"), "")], allow_blank=False, id="offering"),
                    name="offering",
                )
            yield Static("", id="contract", markup=False)
            yield Static(_("NUMBER / SIM"), classes="section-title")
            with Horizontal(classes="row"):
                yield FormField(
                    _("Service number (ctrl+n: the pool's next)"),
                    Select([(_("Loading…"), "")], allow_blank=False, id="service_number"),
                    name="service_number",
                )
                yield FormField(
                    _("SIM card (ICCID)"),
                    TextInput(id="iccid", max_length=22, placeholder=_("next in stock")),
                    name="iccid",
                )
        with Vertical(id="section-checkout", classes="section"):
            yield Static(_("CHECKOUT"), classes="section-title")
            with Horizontal(classes="row"):
                yield FormField(
                    _("Pay by"),
                    RadioSet(*(_(label) for _slug, label in PAYMENT_METHODS), id="payment_method", compact=True),
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
            description="Load accounts, offerings and numbers",  # i18n: not for people
            busy=self.flow,
        )

    def _show_options(self, options: LineOptions) -> None:
        self.quote = options
        self.query_one(f"#{self.LINE_ID}", Static).update(
            Text.assemble((_("Customer") + " ", ""), (options.customer_id, "bold"), f" · {options.customer_name}")
        )
        currency = self.workbench.services.settings.currency
        accounts = [
            (
                f"{a.account_id} · {words(a.payment_type, PaymentType)} · "
                + ngettext("{count} line", "{count} lines", a.lines).format(count=a.lines),
                a.account_id,
            )
            for a in options.accounts
        ]
        account = self.query_one("#account", Select)
        account.set_options([*accounts, (_("New account"), NEW_ACCOUNT)])
        account.value = options.default_account
        offering = self.query_one("#offering", Select)
        offering.set_options(
            [
                (
                    f"{o.name} · {words(o.payment_type, PaymentType)} · "
                    + _("{fee}/month").format(fee=money_text(o.monthly_fee, currency)),
                    o.code,
                )
                for o in options.offerings
            ]
        )
        if options.default_offering:
            offering.value = options.default_offering
        pool = (
            _("Pool's next: {number} ({count} free)").format(
                number=phone(options.next_number), count=options.free_numbers
            )
            if options.next_number
            else _("The pool is empty")
        )
        number = self.query_one("#service_number", Select)
        number.set_options(
            [
                (pool, POOL),
                *(
                    (
                        _("{number} · golden · {fee}").format(
                            number=phone(g.service_number), fee=money_text(g.fee, currency)
                        ),
                        g.service_number,
                    )
                    for g in options.golden_numbers
                ),
            ]
        )
        number.value = POOL
        self.query_one("#iccid", Input).placeholder = _("next in stock ({count} free)").format(count=options.free_sims)
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
            return {"offering": _("Loading…")}
        missing: dict[str, str] = {}
        if self.offering is None:
            missing["offering"] = _("Choose the primary offering.")
        if self.wanted_number is None and not self.quote.next_number:
            missing["service_number"] = _("The pool is empty: choose a golden number or ask an admin to stock numbers.")
        if self.fee > 0 and self.payment_method is None:
            missing["payment_method"] = _("Choose how the golden number's fee is paid.")
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
                _("Contract: {contract}").format(contract=offering.contract)
                + (
                    " · " + _("penalty {amount}").format(amount=money_text(offering.penalty_amount, currency))
                    if offering.commitment_months
                    else ""
                )
                + f" · {offering.network_type}"
            )
        fee = self.fee
        self.query_one("#field-payment_method").display = fee > 0
        self.query_one("#total-due", Static).update(
            Text.assemble(_("Total due now") + " ", (money_text(fee, currency), "bold"))
        )
        missing = self.missing()
        for form_field in self.query(".error").results(FormField):
            if form_field.name not in missing:
                form_field.show_error(None)
        if self.submitting:
            hint = _("Working…")
        elif self.finished:
            hint = _("Done: escape returns to the customer.")
        else:
            hint = next(iter(missing.values()), _("Ready: ctrl+s shows what will happen before anything is done."))
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
        return _("Add a line for {customer_id}?").format(customer_id=self.customer_id), _("Add line")

    def effects(self) -> list[str]:
        quote, offering = self.quote, self.offering
        currency = self.workbench.services.settings.currency
        account = self._value("#account")
        number = (
            phone(self.wanted_number)
            if self.wanted_number
            else _("{number} (the pool's next)").format(number=phone(quote.next_number))
        )
        iccid = self.query_one("#iccid", Input).value.strip()
        lines = [
            _("Number {number}; SIM {iccid}.").format(number=number, iccid=iccid or _("the next in stock")),
            _("{offering}: {fee} a month; {contract}.").format(
                offering=offering.name,
                fee=money_text(offering.monthly_fee, currency),
                contract=offering.contract.lower(),
            ),
            _("A new account is opened.")
            if account == NEW_ACCOUNT
            else _("Billed to account {account}.").format(account=account),
        ]
        if self.fee > 0:
            lines.append(
                _("Golden number fee {fee} paid by {method}, with a receipt.").format(
                    fee=money_text(self.fee, currency),
                    method=_(words(self.payment_method)),  # "Cash", "Card", "Account": marked in line_order and here
                )
            )
        lines.append(_("Blacklist and credit are checked; billing and the network then activate the line."))
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

        starting = _("Submitting: checks, payment and order…") if self.fee > 0 else _("Submitting: checks and order…")
        self.run_line_order(
            submit,
            self._submitted,
            starting=starting,
            group="add-line-submit",
            description="Add a line",  # i18n: not for people
        )

    def _submitted(self, result: AddLineResult) -> None:
        self.submitting, self.finished, self.changed, self.result = False, True, True, result
        order = result.order
        self.show_progress(order)
        currency = self.workbench.services.settings.currency
        paid = (
            " "
            + _("Paid {amount}, receipt {receipt}.").format(
                amount=money_text(result.paid, currency), receipt=result.receipt_number
            )
            if result.receipt_number
            else ""
        )
        warned = "".join(f" {w}." for w in result.warnings)
        opened = " " + _("(new account)") if result.account_opened else ""
        self.show_outcome(
            Text(
                _(
                    "{number} added on account {account}{opened}: order {order} {status}.{paid}{warned} Escape returns to the customer."
                ).format(
                    number=phone(result.service_number),
                    account=result.account_id,
                    opened=opened,
                    order=order.order_id,
                    status=words(order.status, OrderStatus).lower(),
                    paid=paid,
                    warned=warned,
                )
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
                Text(
                    _("{message} Queue item {item}: {reason}. Escape returns.").format(
                        message=error.message, item=held.get("item_id"), reason=held.get("reason", "")
                    )
                ),
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
                    description="Load the order",  # i18n: not for people
                )
            return True
        return False

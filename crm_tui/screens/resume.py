"""RESUME (BP.CC.SUBMGT.07 Resuming Subscriber): why and since when a line is suspended, who asks to
lift it, now or on a date, what it costs; a confirmation, then the resume order (or its reservation).

Over 400 lines on purpose: the operations, choices and sentences live in resume_parts.py and the
shared layout in line_order.py; what stays is the screen's widgets and its flow, which reads as one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import (
    Checkbox,
    Input,
    RadioButton,
    RadioSet,
    Select,
    Static,
)

from crm_tui import present
from crm_tui.domain import OrderStatus, ResumeOperation, SubscriberStatus
from crm_tui.errors import CrmError, ExternalSystemFailed, Held
from crm_tui.i18n import N_, _
from crm_tui.present import NOTHING, money_text, phone, words
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.line_order import PAYMENT_METHODS, LineOrderScreen
from crm_tui.screens.resume_parts import (
    EFFECTIVE_MODES,
    IMMEDIATELY,
    RESERVED,
    ResumeChoices,
    amount_due,
    cancel_effects,
    checkout_table,
    confirmation,
    held_for_supervisor,
    held_text,
    missing_fields,
    operations_for,
    resume_effects,
    status_details,
    supervisor_notice,
)
from crm_tui.services.lifecycle.resumption import (
    ResumeQuote,
    ResumeResult,
    resume_quote,
    resume_subscriber,
)
from crm_tui.services.orders.engine import OrderView, get_order
from crm_tui.services.orders.operations import cancel_order
from crm_tui.widgets.form_field import FREE_TEXT, FormField
from crm_tui.widgets.text_input import TextInput

FORM_SECTIONS = ("#section-options", "#section-checkout", "#section-submit")


class ResumeScreen(LineOrderScreen[ResumeQuote]):
    """SERVICE NO. / STATUS / STATUS DETAILS; OPERATION OPTIONS; CHECKOUT; then the order."""

    CSS_PATH: ClassVar[list[str]] = ["line_order.tcss", "resume.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s", "submit", N_("Submit"), tooltip=N_("shows what will happen; enter confirms"), id="resume-submit"
        ),
        Binding(
            "x",
            "cancel_reservation",
            N_("Cancel reservation"),
            tooltip=N_("a resumption reserved for a later date"),
            id="resume-cancel-reservation",
        ),
    ]
    HELP_TITLE = N_("Resume")
    WORKFLOW = (
        N_("Choose why the line comes back and say it in the customer's words."),
        N_("Immediately, or reserved for a date; pay the resumption fee and any debt the screen shows."),
        N_("ctrl+s shows what will happen; enter confirms; x cancels a reserved resumption."),
    )
    HEADING = N_("RESUME")
    ID_PREFIX = "resume"
    LINE_ID = "resume-line"

    def __init__(self, service_number: str) -> None:
        super().__init__(service_number)
        self.reserved: OrderView | None = None
        """The line's reserved resumption, waiting for its date (x cancels it)."""

    @property
    def line_customer_id(self) -> str | None:
        return self.quote.customer_id if self.quote else None

    # -- layout ---------------------------------------------------------------------------------

    def compose_sections(self) -> ComposeResult:
        operations = operations_for(self.workbench.actor.role)
        with Vertical(id="section-status", classes="section"):
            yield Static(_("SERVICE NO. / STATUS"), classes="section-title")
            with Grid(id="status-grid"):
                yield Static(_("Service No."), classes="status-label")
                yield Static(NOTHING, id="service-value", markup=False)
                yield Static(_("Status"), classes="status-label")
                yield Static(NOTHING, id="status-value", markup=False)
                yield Static(_("Status Details"), classes="status-label")
                yield Static(NOTHING, id="details-value", markup=False)
            yield Static("", id="supervisor-notice", markup=False)
        with Vertical(id="section-options", classes="section"):
            yield Static(_("OPERATION OPTIONS"), classes="section-title")
            with Horizontal(classes="row"):
                yield FormField(
                    _("Operation Type"),
                    Select(
                        [(op.label, op.value) for op in operations],
                        value=ResumeOperation.CUSTOMER_REQUEST.value,
                        allow_blank=False,
                        id="operation",
                    ),
                    name="operation",
                )
                yield FormField(
                    _("Reason"),
                    TextInput(
                        id="reason",
                        max_length=200,
                        placeholder=_("In the customer's words, e.g. back from travelling"),
                        classes=FREE_TEXT,
                    ),
                    name="reason",
                )
            with Horizontal(classes="row"):
                yield FormField(
                    _("Effective Mode"),
                    RadioSet(
                        RadioButton(_(EFFECTIVE_MODES[IMMEDIATELY]), value=True),
                        RadioButton(_(EFFECTIVE_MODES[RESERVED])),
                        id="effective_mode",
                        compact=True,
                    ),
                    name="effective_mode",
                )
                yield FormField(
                    _("Effective Date (reserved only)"),
                    TextInput(
                        id="effective_date",
                        max_length=10,
                        placeholder=present.day_example(),
                        disabled=True,
                        classes=FREE_TEXT,  # a date is typed with `/` (31/12/2030), not a jump to the identify box
                    ),
                    name="effective_date",
                )
            yield FormField(
                _("Remarks"),
                TextInput(
                    id="remarks",
                    max_length=300,
                    placeholder=_("Anything the next colleague should know"),
                    classes=FREE_TEXT,
                ),
                name="remarks",
            )
        with Vertical(id="section-checkout", classes="section"):
            yield Static(_("CHECKOUT"), classes="section-title")
            yield Static("", id="checkout")
            yield FormField(
                "",
                Checkbox(_("Pay the outstanding debt now"), id="pay_outstanding", compact=True),
                name="pay_outstanding",
            )
            with Horizontal(classes="row"):
                yield FormField(
                    _("Pay by"),
                    RadioSet(*(_(label) for _slug, label in PAYMENT_METHODS), id="payment_method", compact=True),
                    name="payment_method",
                )
                yield Static("", id="total-due")

    def start_flow(self) -> None:
        for hidden in ("#field-pay_outstanding", "#field-payment_method"):
            self.query_one(hidden).display = False
        self.refresh_form()
        self._load()

    # -- reading the form -----------------------------------------------------------------------

    @property
    def operation(self) -> str:
        value = self.query_one("#operation", Select).value
        return ResumeOperation.CUSTOMER_REQUEST.value if value is Select.NULL else str(value)

    @property
    def reserved_mode(self) -> bool:
        return self.query_one("#effective_mode", RadioSet).pressed_index == RESERVED

    @property
    def effective_date(self) -> str:
        return self.query_one("#effective_date", Input).value.strip()

    @property
    def pay_outstanding(self) -> bool:
        return bool(self.quote and self.quote.outstanding > 0) and self.query_one("#pay_outstanding", Checkbox).value

    @property
    def amount_due(self) -> Decimal:
        """The resumption fee, plus the debt when the customer pays it now."""
        return Decimal("0.00") if self.quote is None else amount_due(self.quote, pay_outstanding=self.pay_outstanding)

    @property
    def choices(self) -> ResumeChoices:
        """The form as it stands, read from its fields."""
        return ResumeChoices(
            operation=self.operation,
            reason=self.query_one("#reason", Input).value,
            remarks=self.query_one("#remarks", Input).value,
            reserved=self.reserved_mode,
            effective_date=self.effective_date,
            pay_outstanding=self.pay_outstanding,
            payment_method=self.payment_method,
        )

    def today(self) -> date:
        """Today in the shop's time zone, by the workbench clock."""
        return self.workbench.clock().astimezone(ZoneInfo(self.workbench.services.settings.timezone)).date()

    def missing(self) -> dict[str, str]:
        return missing_fields(self.quote, self.choices, today=self.today())

    # -- the form -------------------------------------------------------------------------------

    def refresh_form(self) -> None:
        """Lock or unlock the sections, enable the date for Reserved, update the totals and the hint."""
        locked = self.submitting or self.finished or self.quote is None
        for selector in FORM_SECTIONS:
            self.query_one(selector).disabled = locked
        self.query_one("#effective_date", Input).disabled = locked or not self.reserved_mode
        quote = self.quote
        if quote is not None:
            self.query_one("#field-pay_outstanding").display = quote.outstanding > 0
            self.query_one("#field-payment_method").display = self.amount_due > 0
            self.query_one("#checkout", Static).update(checkout_table(quote))
            self.query_one("#total-due", Static).update(
                Text.assemble(_("Total due") + " ", (money_text(self.amount_due, quote.currency), "bold"))
            )
        missing = self.missing()
        for form_field in self.query(".error").results(FormField):
            if form_field.name not in missing:
                form_field.show_error(None)
        if self.submitting:
            hint = _("Working…")
        elif self.finished:
            hint = (
                _("Done: escape returns to the customer.")
                if self.reserved is None
                else _("x cancels the reservation; escape returns to the customer.")
            )
        elif held_for_supervisor(quote) and not missing:
            hint = _("Ready: ctrl+s sends the request to the supervisor's queue.")
        else:
            hint = next(iter(missing.values()), _("Ready: ctrl+s shows what will happen before anything is done."))
        self.query_one("#submit-hint", Static).update(hint)
        self.refresh_bindings()

    @on(RadioSet.Changed, "#effective_mode")
    def _mode_chosen(self) -> None:
        self.refresh_form()
        if self.reserved_mode:
            self.query_one("#effective_date", Input).focus()

    @on(Input.Changed, "#effective_date")
    @on(Checkbox.Changed, "#pay_outstanding")
    @on(RadioSet.Changed, "#payment_method")
    @on(Select.Changed, "#operation")
    def _changed(self) -> None:
        self.refresh_form()

    @on(Input.Submitted, "#reason, #effective_date")
    def _next_field(self) -> None:
        self.focus_next()

    @on(Input.Submitted, "#remarks")
    def _last_field(self) -> None:
        """Enter on the last field submits (UX.md)."""
        self.action_submit()

    # -- loading --------------------------------------------------------------------------------

    def _load(self) -> None:
        app = self.workbench
        actor, services, number = app.actor, app.services, self.service_number

        def load() -> tuple[ResumeQuote, OrderView | None]:
            quote = resume_quote(number, uow=services.reader(), actor=actor, region=services.settings.default_region)
            pending = (
                get_order(quote.pending_order, uow=services.reader(), actor=actor) if quote.pending_order else None
            )
            return quote, pending

        self.call_service(
            load,
            self._show_quote,
            group="resume-quote",
            description="Quote the resumption",  # i18n: not for people
            busy=self.flow,
        )

    def _show_quote(self, loaded: tuple[ResumeQuote, OrderView | None]) -> None:
        quote, pending = loaded
        self.quote = quote
        self.query_one("#resume-line", Static).update(
            Text.assemble((_("Customer") + " ", ""), (quote.customer_id, "bold"), f" · {phone(quote.service_number)}")
        )
        self.query_one("#service-value", Static).update(phone(quote.service_number))
        self.query_one("#status-value", Static).update(words(quote.status, SubscriberStatus))
        self.query_one("#details-value", Static).update(status_details(quote))
        notice = self.query_one("#supervisor-notice", Static)
        notice.display = quote.needs_supervisor
        if quote.needs_supervisor:
            notice.update(supervisor_notice(quote))
        self.finished = pending is not None
        if pending is not None:
            self._show_pending(pending)
        self.refresh_form()
        if not self.finished:
            self.query_one("#reason", Input).focus()

    def _show_pending(self, order: OrderView) -> None:
        """The line already has an order waiting: a reserved resumption (x cancels it) or an unfinished one."""
        self.show_progress(order)
        if order.status == OrderStatus.RESERVED and order.type == "resume":
            self.reserved = order
            self.show_outcome(
                Text(
                    _(
                        "Reserved for {day}: order {order} resumes the line on that day. x cancels the reservation."
                    ).format(day=self._shop_day(order), order=order.order_id)
                ),
                "good",
            )
        else:
            self.show_outcome(
                Text(
                    _(
                        "Order {order} is {status}: a supervisor retries or cancels it before the line can resume."
                    ).format(order=order.order_id, status=words(order.status, OrderStatus).lower())
                ),
                "error",
            )

    def _shop_day(self, order: OrderView) -> str:
        return present.day(order.effective_at)

    # -- submit ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_reservation":
            return self.reserved is not None and not self.submitting
        return super().check_action(action, parameters)

    def confirmation(self) -> tuple[str, str]:
        return confirmation(self.quote, self.choices)

    def effects(self) -> list[str]:
        return resume_effects(self.quote, self.choices)

    def submit_order(self) -> None:
        app = self.workbench
        actor, services, quote, choices = app.actor, app.services, self.quote, self.choices
        options = {
            "operation": choices.operation,
            "reason": choices.reason,
            "remarks": choices.remarks,
            "effective_date": present.iso_day(choices.effective_date) if choices.reserved else None,
            "payment_method": choices.payment_method if self.amount_due > 0 else None,
            "pay_outstanding": choices.pay_outstanding,
        }

        def submit(progress: Callable[[OrderView], None]) -> ResumeResult:
            return resume_subscriber(
                quote.service_number, services=services, actor=actor, on_progress=progress, **options
            )

        starting = _("Submitting: payment and order…") if self.amount_due > 0 else _("Submitting the order…")
        self.run_line_order(
            submit,
            self._submitted,
            starting=starting,
            group="resume-submit",
            description="Resume the line",  # i18n: not for people
        )

    def _submitted(self, result: ResumeResult) -> None:
        self.submitting, self.finished, self.changed = False, True, True
        order, quote = result.order, self.quote
        number = phone(quote.service_number)
        paid = (
            " "
            + _("Paid {amount}, receipt {receipt}.").format(
                amount=money_text(result.paid, quote.currency), receipt=result.receipt_number
            )
            if result.receipt_number
            else ""
        )
        self.show_progress(order)
        if order.status == OrderStatus.RESERVED:
            self.reserved = order
            self.show_outcome(
                Text(
                    _(
                        "Reserved for {day}: order {order} resumes {number} on that day.{paid} x cancels the reservation; escape returns."
                    ).format(day=self._shop_day(order), order=order.order_id, number=number, paid=paid)
                ),
                "good",
            )
        else:
            if order.status == OrderStatus.CLOSED:
                self.query_one("#status-value", Static).update(SubscriberStatus.ACTIVE.label)
                self.query_one("#details-value", Static).update(
                    _("Resumed · {operation}").format(operation=ResumeOperation(self.operation).label)
                )
            self.show_outcome(
                Text(
                    _("{number} resumed: order {order} {status}.{paid} Escape returns to the customer.").format(
                        number=number, order=order.order_id, status=words(order.status, OrderStatus).lower(), paid=paid
                    )
                ),
                "good" if order.status == OrderStatus.CLOSED else "",
            )
        self.refresh_form()

    def failed_in_place(self, error: CrmError) -> bool:
        """Held (sent to the supervisor) and a failed step are shown in place; the rest toast."""
        if isinstance(error, Held):
            self.finished, self.changed = True, True
            self.show_outcome(held_text(error.extra.get("held") or {}, error.message), "held")
            return True
        if isinstance(error, ExternalSystemFailed):
            self.finished, self.changed = True, True
            self.show_outcome(Text(error.message), "error")
            order_id = error.extra.get("order_id")
            if order_id:
                self._load_order(order_id)
            return True
        return False

    def _load_order(self, order_id: str) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        self.call_service(
            lambda: get_order(order_id, uow=services.reader(), actor=actor),
            self.show_progress,
            group="resume-order",
            description="Load the order",  # i18n: not for people
        )

    # -- cancelling a reservation ---------------------------------------------------------------

    def action_cancel_reservation(self) -> None:
        order = self.reserved
        if order is None or self.submitting:
            return
        lines = cancel_effects(order, self._shop_day(order))
        self.app.push_screen(
            ConfirmModal(
                _("Cancel the reserved resumption {order}?").format(order=order.order_id),
                lines,
                confirm_label=_("Cancel reservation"),
            ),
            self._cancel_confirmed,
        )

    def _cancel_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed or self.reserved is None:
            return
        app = self.workbench
        actor, services, order_id = app.actor, app.services, self.reserved.order_id
        self.submitting = True
        self.refresh_form()
        self.call_service(
            lambda: cancel_order(order_id, services=services, actor=actor),
            self._cancelled,
            group="resume-cancel",
            description="Cancel the reserved resumption",  # i18n: not for people
        )

    def _cancelled(self, outcome: tuple[OrderView, list[str]]) -> None:
        view, cannot = outcome
        self.submitting, self.finished, self.changed, self.reserved = False, False, True, None
        self.show_progress(view)
        note = (" " + " ".join(cannot)) if cannot else ""
        self.show_outcome(
            Text(
                _("Reservation cancelled: order {order} {status}; the line stays suspended.{note}").format(
                    order=view.order_id, status=words(view.status, OrderStatus).lower(), note=note
                )
            ),
            "good",
        )
        self.query_one("#effective_date", Input).value = ""
        self.refresh_form()
        self.query_one("#reason", Input).focus()

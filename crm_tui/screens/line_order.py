"""What the line-order screens (deregistration, resume) share: the title row with the line, the SUBMIT
row, the ORDER panel with the outcome and the order's live step progress, the confirmation before
anything is done, failures shown in place, and the way back to the customer (reloaded if changed).

A subclass composes its own sections and says what is missing, what will happen and how to submit;
the suspend and terminate modals share only `run_order`, the worker that reports each finished step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, RadioSet, Static

from crm_tui.errors import CrmError
from crm_tui.i18n import N_, _
from crm_tui.present import phone
from crm_tui.screens.base import ServiceScreen, WorkbenchScreen
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.services.orders.engine import OrderView
from crm_tui.widgets.order_progress import OrderProgress

QuoteT = TypeVar("QuoteT")
ResultT = TypeVar("ResultT")

PAYMENT_METHODS = (("cash", N_("Cash")), ("card", N_("Card")), ("account", N_("Account balance")))
"""How the customer pays at the counter (slug, label translated where shown), in the order the "Pay by"
buttons show them."""


def pressed(radio_set: RadioSet, choices: tuple[tuple[str, str], ...]) -> str | None:
    """The slug of the pressed button, or None while nothing is chosen."""
    index = radio_set.pressed_index
    return choices[index][0] if index >= 0 else None


def run_order(
    screen: ServiceScreen,
    start: Callable[[Callable[[OrderView], None]], ResultT],
    then: Callable[[ResultT], object],
    *,
    on_progress: Callable[[OrderView], None] | None,
    group: str,
    description: str,
) -> None:
    """Run an order in a worker: `start(progress)` calls the service, `on_progress` sees each finished
    step on the UI thread (the screen's progress advances live), `then` gets the result."""
    app = screen.app

    def progress(view: OrderView) -> None:
        if on_progress is not None:
            app.call_from_thread(on_progress, view)

    screen.call_service(lambda: start(progress), then, group=group, description=description)


class LineOrderScreen(WorkbenchScreen, Generic[QuoteT]):
    """A form about one line, a confirmation that states what will happen, then the order and its steps."""

    CSS_PATH = "line_order.tcss"
    AUTO_FOCUS = ""
    HEADING: ClassVar[str] = ""
    """The screen's name at the left of the title row (marked with N_(), translated where shown)."""
    ID_PREFIX: ClassVar[str] = ""
    """The title row is #<prefix>-title and the scrolling form #<prefix>-flow (tests know them)."""
    LINE_ID: ClassVar[str] = ""
    """The id of the title row's line (later the customer and the line, once quoted)."""
    HIDDEN_WHEN_FINISHED: ClassVar[tuple[str, ...]] = ()
    """Sections put away when the flow ends, so only the outcome is left to read."""

    def __init__(self, service_number: str) -> None:
        super().__init__()
        self.service_number = service_number
        """The line, as given (national or E.164)."""
        self.quote: QuoteT | None = None
        """What the services said about the line, as last loaded (None until then)."""
        self.submitting = False
        """A call that writes is running: the form is locked."""
        self.finished = False
        """The flow ended: only escape (and the screen's own follow-ups) is left."""
        self.changed = False
        """Something was written: the customer view is reloaded on the way back."""

    # -- what a subclass says -------------------------------------------------------------------

    def compose_under_title(self) -> ComposeResult:
        """Between the title row and the form (the deregistration's stepper)."""
        yield from ()

    def compose_sections(self) -> ComposeResult:
        """The screen's own sections, above SUBMIT."""
        yield from ()

    def compose_result_extras(self) -> ComposeResult:
        """Below the order's progress (the deregistration's receipt)."""
        yield from ()

    def start_flow(self) -> None:
        """After mounting: hide what waits for later, fill the form, start loading the quote."""

    def refresh_form(self) -> None:
        """Lock or unlock the sections, update totals and the hint (after every change)."""

    def missing(self) -> dict[str, str]:
        """What still stops a submit, by field name (empty: ready)."""
        raise NotImplementedError

    def confirmation(self) -> tuple[str, str]:
        """The confirmation's title and its confirm button's label."""
        raise NotImplementedError

    def effects(self) -> list[str]:
        """Exactly what will happen, in words, with the totals: the confirmation's text."""
        raise NotImplementedError

    def submit_order(self) -> None:
        """Confirmed: send the order (usually through `run_line_order`)."""
        raise NotImplementedError

    def failed_in_place(self, error: CrmError) -> bool:
        """A failure of the submitted call that the outcome panel explains; True when shown."""
        return False

    @property
    def line_customer_id(self) -> str | None:
        """The line's customer once quoted: that customer's view is reloaded on the way back."""
        return None

    # -- layout ---------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        number = phone(self.service_number) if self.service_number.isdigit() else self.service_number
        with Horizontal(id=f"{self.ID_PREFIX}-title", classes="line-order-title"):
            yield Static(_(self.HEADING), classes="screen-title")
            yield Static(number, id=self.LINE_ID, classes="line-order-line", markup=False)
        yield from self.compose_under_title()
        with VerticalScroll(id=f"{self.ID_PREFIX}-flow", classes="line-order-flow"):
            yield from self.compose_sections()
            with Horizontal(id="section-submit", classes="section"):
                yield Button(_("SUBMIT (ctrl+s)"), id="submit", variant="primary", compact=True)
                yield Static("", id="submit-hint")
            with Vertical(id="section-result", classes="section"):
                yield Static(_("ORDER"), classes="section-title")
                yield Static("", id="outcome")
                yield OrderProgress(id="progress")
                yield from self.compose_result_extras()

    def on_mount(self) -> None:
        for hidden in ("#section-result", "#progress"):
            self.query_one(hidden).display = False
        self.start_flow()

    @property
    def flow(self) -> VerticalScroll:
        """The scrolling form (busy while the quote loads)."""
        return self.query_one(f"#{self.ID_PREFIX}-flow", VerticalScroll)

    @property
    def payment_method(self) -> str | None:
        return pressed(self.query_one("#payment_method", RadioSet), PAYMENT_METHODS)

    # -- submit ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit":
            return not (self.submitting or self.finished) and self.quote is not None
        return True

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        if self.submitting or self.finished or self.quote is None:
            return
        missing = self.missing()
        if missing:
            self.show_field_errors(missing)
            self.notify(next(iter(missing.values())), title=_("Not ready to submit"), severity="warning")
            return
        self.show_field_errors({})
        title, label = self.confirmation()
        self.app.push_screen(ConfirmModal(title, self.effects(), confirm_label=label), self._confirmed)

    def _confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self.submit_order()

    def run_line_order(
        self,
        start: Callable[[Callable[[OrderView], None]], ResultT],
        then: Callable[[ResultT], object],
        *,
        starting: str,
        group: str,
        description: str,
    ) -> None:
        """Lock the form, say the order is on its way, run it; its steps show as they finish."""
        self.submitting = True
        self.refresh_form()
        self.show_outcome(Text(starting), "")
        run_order(self, start, then, on_progress=self.show_progress, group=group, description=description)

    # -- the ORDER panel ------------------------------------------------------------------------

    @property
    def progress(self) -> OrderProgress:
        return self.query_one("#progress", OrderProgress)

    def show_progress(self, view: OrderView) -> None:
        """The order's steps as last reported (from the worker, through call_from_thread)."""
        progress = self.progress
        progress.display = True
        progress.show(view)

    def show_outcome(self, message: Text, css: str) -> None:
        """The outcome in words, coloured by `css` ("good", "error", "held" or ""), scrolled into view."""
        section = self.query_one("#section-result")
        section.display = True
        outcome = self.query_one("#outcome", Static)
        outcome.set_classes(css)
        outcome.update(message)
        if self.finished and self.HIDDEN_WHEN_FINISHED:
            for selector in self.HIDDEN_WHEN_FINISHED:
                self.query_one(selector).display = False
            self.refresh_form()
        self.call_after_refresh(self.flow.scroll_to_widget, section)

    def show_error(self, error: CrmError) -> bool:
        """A failure of the submitted call is explained in place; before the quote, in place too."""
        was_submitting, self.submitting = self.submitting, False
        if was_submitting and self.failed_in_place(error):
            self.refresh_form()
            return True
        if self.quote is None:
            self.show_outcome(Text(_("{message} Escape goes back.").format(message=error.message)), "error")
        self.refresh_form()
        return False

    # -- leaving --------------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.submitting:
            self.notify(_("The order is running; the screen stays until it finishes."), title=_("Please wait"))
            return
        if self.identify_box.input.has_focus and self.identify_box.input.value:
            self.identify_box.input.value = ""
            return
        app = self.workbench
        customer_id = self.line_customer_id
        app.go_back()
        if self.changed and customer_id and getattr(app.screen, "customer_id", None) == customer_id:
            app.open_customer(customer_id, key_kind=None, record=False)

"""The Supervisor Queues screen's modals: the note an action is recorded with, and an order's steps."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from crm_tui.i18n import N_, _
from crm_tui.services.orders.engine import OrderView
from crm_tui.widgets.order_progress import OrderProgress
from crm_tui.widgets.text_input import TextInput


class NoteModal(ModalScreen[str | None]):
    """Why the supervisor acts, for the record (optional): enter acts, escape cancels."""

    CSS_PATH = "queues.tcss"
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), tooltip=N_("nothing is done"), id="note-cancel")]
    AUTO_FOCUS = "#note-input"

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title
        """The action and its item, e.g. "Dismiss possible duplicate Pair 3"."""

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box"):
            yield Static(self.title_text, id="note-title", markup=False)
            yield TextInput(placeholder=_("Note (optional): why"), max_length=500, id="note-input")
            yield Static(_("enter: go ahead · escape: cancel"), id="note-hint")

    @on(Input.Submitted, "#note-input")
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class OrderStepsModal(ModalScreen[None]):
    """A failed or reserved order's steps: what ran, what failed and why; escape closes."""

    CSS_PATH = "queues.tcss"
    BINDINGS = [Binding("escape", "close", N_("Close"), tooltip=N_("back to the queue"), id="order-close")]

    def __init__(self, view: OrderView, reason: str) -> None:
        super().__init__()
        self.view = view
        self.reason = reason
        """The queue item's reason, above the steps."""

    def compose(self) -> ComposeResult:
        with Vertical(id="order-box"):
            yield Static(self.reason, id="order-reason", markup=False)
            yield OrderProgress(self.view, id="order-steps")
            yield Static(_("a retry · r cancel from the queue · escape: close"), id="order-hint")

    def action_close(self) -> None:
        self.dismiss(None)

"""The confirmation every destructive or money step asks for (UX.md): what will happen, then enter or escape."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from crm_tui.i18n import N_, _


class ConfirmModal(ModalScreen[bool]):
    """States exactly what will happen (one line each) and the totals; enter confirms, escape cancels."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; background: $background 60%; }
    ConfirmModal > #confirm-box {
        width: 100; max-width: 96%; height: auto; padding: 1 2; border: thick $error; background: $surface;
    }
    ConfirmModal #confirm-title { text-style: bold; color: $accent; padding-bottom: 1; }
    ConfirmModal #confirm-lines { padding-bottom: 1; }
    ConfirmModal #confirm-buttons { height: 3; align-horizontal: right; }
    ConfirmModal #confirm-buttons > Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("enter", "confirm", N_("Confirm"), tooltip=N_("do it, as the lines above say"), id="confirm"),
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("nothing is done"), id="cancel"),
    ]
    AUTO_FOCUS = "#confirm"

    def __init__(self, title: str, lines: list[str], *, confirm_label: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        """What is being confirmed, e.g. "Deregister +34 612 34 56 78"."""
        self.lines = lines
        """Each effect in words, in the order it happens."""
        self.confirm_label = confirm_label or _("Confirm")
        """The confirm button's word (the caller's, translated by it; "Confirm" when none)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.title_text, id="confirm-title", markup=False)
            yield Static("\n".join(f"• {line}" for line in self.lines), id="confirm-lines", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(_("{label} (enter)").format(label=self.confirm_label), id="confirm", variant="error")
                yield Button(_("Cancel (esc)"), id="cancel")

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

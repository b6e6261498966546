"""The identify box (UX.md "One box, any key"): type whatever the customer hands over, press Enter."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, Static


class IdentifyBox(Horizontal):
    """One input for any key; Enter posts `IdentifyBox.Submitted`; answers show beside it."""

    DEFAULT_CSS = """
    IdentifyBox { height: auto; padding: 0 1; background: $boost; }
    IdentifyBox > Label { padding: 1 1 0 0; text-style: bold; }
    IdentifyBox > Input { width: 3fr; }
    IdentifyBox > #identify-message { width: 2fr; padding: 1 1 0 1; color: $text-muted; }
    IdentifyBox.error > #identify-message { color: $text-error; }
    IdentifyBox.error > Input, IdentifyBox.error > Input:focus { border: tall $error; }
    """

    PLACEHOLDER = "Customer ID, phone, IMSI, ICCID, document, email or name"

    class Submitted(Message):
        """The CSR asked to identify a customer by `key`."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def compose(self) -> ComposeResult:
        yield Label("Identify")
        yield Input(placeholder=self.PLACEHOLDER, id="identify-input", max_length=200)
        yield Static("", id="identify-message")

    @property
    def input(self) -> Input:
        return self.query_one("#identify-input", Input)

    @on(Input.Submitted, "#identify-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.show_message(None)
        self.post_message(self.Submitted(event.value))

    @on(Input.Changed, "#identify-input")
    def _changed(self, event: Input.Changed) -> None:
        if event.value.startswith("/"):
            # `/` is the key that brings the CSR here; pressed again in the box it is not part of any
            # customer key (no ID, number, document, email or name starts with it).
            event.input.value = event.value.lstrip("/")
            return
        if self.has_class("error"):
            self.show_message(None)

    def show_message(self, message: str | None, *, error: bool = False) -> None:
        """A short answer beside the box ("No customer matches"); errors in the error colour."""
        self.set_class(error and bool(message), "error")
        self.query_one("#identify-message", Static).update(message or "")

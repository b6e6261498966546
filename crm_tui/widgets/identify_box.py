"""The identify box (UX.md "One box, any key"): type whatever the customer hands over, press Enter."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from crm_tui.i18n import N_, _
from crm_tui.widgets.form_field import FREE_TEXT
from crm_tui.widgets.text_input import TextInput


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

    PLACEHOLDER = N_("Customer ID, phone, IMSI, ICCID, document, email or name")

    class Submitted(Message):
        """The CSR asked to identify a customer by `key`."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def compose(self) -> ComposeResult:
        yield Label(_("Identify"))
        yield TextInput(placeholder=_(self.PLACEHOLDER), id="identify-input", max_length=200)
        yield Static("", id="identify-message")

    @property
    def input(self) -> Input:
        return self.query_one("#identify-input", Input)

    @on(Input.Submitted, "#identify-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.show_message(None)
        # `/` never reaches the box by typing (it is the key that brings the CSR here); a pasted one
        # is not part of any customer key either.
        self.post_message(self.Submitted(event.value.lstrip("/")))

    @on(Input.Changed, "#identify-input")
    def _changed(self) -> None:
        # Never write the value back here: keys typed meanwhile would be overwritten (issue 17).
        if self.has_class("error"):
            self.show_message(None)

    def show_message(self, message: str | None, *, error: bool = False) -> None:
        """A short answer beside the box ("No customer matches"); errors in the error colour."""
        self.set_class(error and bool(message), "error")
        self.query_one("#identify-message", Static).update(message or "")


def identify_input(screen: Screen) -> Input | None:
    """The identify box's input on `screen`, if it has one (not the sign-in screen or a modal).

    Asked on every focus move (the footer checks whether `/` jumps): the box is one of the screen's own
    children, so only those are looked at, not every field of a long form."""
    for child in screen.children:
        if isinstance(child, IdentifyBox):
            found = child.query("#identify-input")
            return found.first(Input) if found else None
    return None


def slash_jumps(app: App[object]) -> bool:
    """Does `/` jump to the identify box here? Not in a password or free-text field (typed there), not
    where the focused table or the screen gives `/` a meaning of its own (filter), not without a box."""
    screen = app.screen
    if identify_input(screen) is None:
        return False
    focused = app.focused
    if isinstance(focused, Input) and (focused.password or focused.has_class(FREE_TEXT)):
        return False
    return not any(node is not app and "slash" in bindings.key_to_bindings for node, bindings in screen._binding_chain)

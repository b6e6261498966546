"""The one form piece: a label, its control and the error message under it."""

from __future__ import annotations

from collections.abc import Mapping

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label, Static

FREE_TEXT = "free-text"
"""The class of an Input whose text may hold a `/` (an address, a note, a reason, a file path): there `/`
is typed; in every other field of a signed-in screen it jumps to the identify box (ctrl+f always does)."""


class FormField(Vertical):
    """A labelled control (`Input`, `Select`, ...) whose errors show right under it."""

    DEFAULT_CSS = """
    FormField { height: auto; }
    FormField > .field-label { color: $text-muted; padding: 0 1; }
    FormField > .field-error { display: none; color: $text-error; padding: 0 1; }
    FormField.error > .field-error { display: block; }
    FormField.error > Input, FormField.error > Input:focus, FormField.error > Select > SelectCurrent {
        border: tall $error;
    }
    """

    def __init__(self, label: str, control: Widget, *, name: str) -> None:
        super().__init__(id=f"field-{name}", name=name)
        self.label = label
        self.control = control

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="field-label")
        yield self.control
        yield Static("", classes="field-error")

    def show_error(self, message: str | None) -> None:
        """Show `message` under the control, or clear it with None."""
        self.set_class(bool(message), "error")
        self.query_one(".field-error", Static).update(message or "")


def show_field_errors(root: Widget, errors: Mapping[str, str]) -> bool:
    """Put each error under its field in `root`, clear the others, focus the first bad one.

    Returns True when at least one error found its field.
    """
    first: FormField | None = None
    for form_field in root.query(FormField):
        message = errors.get(form_field.name or "")
        form_field.show_error(message)
        if message and first is None:
            first = form_field
    if first is not None:
        first.control.focus()
    return first is not None

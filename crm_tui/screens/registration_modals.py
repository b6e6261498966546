"""The Registration screen's modals: picking a file to attach, and the result of a registration
(the new customer's ID, account and line, or why the line is held)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from crm_tui.domain import CreditLevel, CustomerStatus
from crm_tui.i18n import N_, _
from crm_tui.present import money_text, phone, words
from crm_tui.services.identity.registration import RegistrationResult
from crm_tui.widgets.form_field import FormField
from crm_tui.widgets.text_input import TextInput


class UploadModal(ModalScreen[str | None]):
    """Pick a file to attach: type its path (Enter adds it) or choose it in the folder tree."""

    DEFAULT_CSS = """
    UploadModal { align: center middle; background: $background 60%; }
    UploadModal > #upload-box { width: 90; height: 30; padding: 1 2; border: round $primary; background: $surface; }
    UploadModal #upload-title { text-style: bold; color: $accent; padding-bottom: 1; }
    UploadModal #upload-tree { height: 1fr; }
    UploadModal #upload-buttons { height: 3; align-horizontal: right; }
    UploadModal #upload-buttons > Button { margin-left: 1; }
    """

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), tooltip=N_("no file is added"), id="upload-cancel")]
    AUTO_FOCUS = "#upload-path"

    def compose(self) -> ComposeResult:
        from pathlib import Path

        from textual.widgets import DirectoryTree

        with Vertical(id="upload-box"):
            yield Static(_("UPLOAD: scanned document or signed form (PDF, PNG or JPEG)"), id="upload-title")
            yield FormField(
                _("File path"),
                TextInput(placeholder="~/scans/dni-front.pdf", id="upload-path"),  # i18n: not for people
                name="upload_path",
            )
            yield DirectoryTree(Path.home(), id="upload-tree")
            with Horizontal(id="upload-buttons"):
                yield Button(_("Add (enter)"), id="upload-add", variant="primary")
                yield Button(_("Cancel (esc)"), id="upload-cancel")

    @on(Input.Submitted, "#upload-path")
    @on(Button.Pressed, "#upload-add")
    def _add(self) -> None:
        path = self.query_one("#upload-path", Input).value.strip()
        if not path:
            self.query_one("#field-upload_path", FormField).show_error(_("Type a path or pick a file below."))
            return
        self.dismiss(path)

    def on_directory_tree_file_selected(self, event: Any) -> None:
        self.query_one("#upload-path", Input).value = str(event.path)
        self.query_one("#upload-path", Input).focus()

    @on(Button.Pressed, "#upload-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class RegistrationResultModal(ModalScreen[bool]):
    """The new customer's ID, account and line, the warnings, or why the line is held;
    enter opens the customer, escape starts a new registration."""

    DEFAULT_CSS = """
    RegistrationResultModal { align: center middle; background: $background 60%; }
    RegistrationResultModal > #result-box { width: 90; height: auto; padding: 1 2; border: thick $success; background: $surface; }
    RegistrationResultModal > #result-box.held { border: thick $warning; }
    RegistrationResultModal #result-title { text-style: bold; color: $text-success; padding-bottom: 1; }
    RegistrationResultModal .held #result-title { color: $text-warning; }
    RegistrationResultModal #result-grid { grid-size: 2; grid-columns: 18 1fr; grid-rows: 1; height: auto; }
    RegistrationResultModal .result-label { color: $text-muted; }
    RegistrationResultModal .result-value { text-style: bold; }
    RegistrationResultModal #result-held { color: $text-warning; padding-top: 1; }
    RegistrationResultModal .result-warning { color: $text-warning; padding-top: 1; }
    RegistrationResultModal #result-buttons { height: 3; margin-top: 1; }
    RegistrationResultModal #result-buttons > Button { margin-right: 2; }
    """

    BINDINGS = [
        Binding(
            "escape",
            "new",
            N_("New registration"),
            tooltip=N_("an empty form for the next customer"),
            id="result-new",
        ),
    ]
    AUTO_FOCUS = "#result-open"

    def __init__(self, result: RegistrationResult, currency: str) -> None:
        super().__init__()
        self.result = result
        self.currency = currency

    def compose(self) -> ComposeResult:
        result = self.result
        held = result.held is not None
        with Vertical(id="result-box", classes="held" if held else ""):
            title = _("REGISTERED · LINE HELD FOR REVIEW") if held else _("REGISTERED")
            yield Static(title, id="result-title")
            # (id, label, value): the ids stay English whatever the language (tests and CSS find them)
            rows = [
                ("customer-id", _("Customer ID"), result.customer_id),
                ("status", _("Status"), words(result.status, CustomerStatus)),
                ("account", _("Account"), result.account_code or _("— (no line taken)")),
                (
                    "service-number",
                    _("Service number"),
                    phone(result.service_number) if result.service_number else (_("— (held)") if held else "—"),
                ),
                (
                    "credit-level",
                    _("Credit level"),
                    _("{level} · limit {limit}").format(
                        level=words(result.credit_level, CreditLevel),
                        limit=money_text(result.credit_limit, self.currency),
                    ),
                ),
            ]
            if result.near_matches_confirmed:
                confirmed = ", ".join(result.near_matches_confirmed)
                rows.append(("different-from", _("Different from"), confirmed))  # i18n: not for people (the id)
            with Grid(id="result-grid"):
                for key, label, value in rows:
                    yield Static(label, classes="result-label")
                    yield Static(value, classes="result-value", markup=False, id=f"result-{key}")
            if result.held is not None:
                yield Static(
                    Text.assemble(
                        (_("Held for review: "), "bold"),
                        result.held.reason,
                        "\n"
                        + _("A supervisor decides in the Held registrations queue; the line is given when approved."),
                    ),
                    id="result-held",
                )
            for warning in result.warnings:
                yield Static(Text(f"⚠ {warning}"), classes="result-warning")
            with Horizontal(id="result-buttons"):
                yield Button(
                    _("Open customer {customer_id} (enter)").format(customer_id=result.customer_id),
                    id="result-open",
                    variant="primary",
                )
                yield Button(_("New registration (esc)"), id="result-new")

    @on(Button.Pressed, "#result-open")
    def _open(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#result-new")
    def action_new(self) -> None:
        self.dismiss(False)

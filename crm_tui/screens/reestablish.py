"""RE-ESTABLISH CUSTOMER RELATIONSHIP (eTOM 1.3.4.3): find a former customer in the archive, see what
was kept, and bring them back under the same customer ID, with a line on the former number if it is
still frozen for them."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Select, Static

from crm_tui.domain import CertType, CustomerStatus, KeyKind
from crm_tui.errors import CrmError, NotFound
from crm_tui.present import NOTHING, local_time, phone, words
from crm_tui.screens.base import WorkbenchScreen
from crm_tui.screens.registration_parts import offering_choices
from crm_tui.services.lifecycle.reestablishment import (
    ArchivedCustomer,
    Reestablished,
    find_archived_customer,
    reestablish_customer,
)
from crm_tui.widgets.form_field import FormField
from crm_tui.widgets.tables import WorkbenchTable

KEY_FIELDS = ("customer_id", "cert_type", "cert_number", "cert_country", "former_service_number")
"""The archive's search keys, as the services name them (and the form's fields)."""


def _when(value: str | None) -> str:
    """An archived ISO time as local time (the archive keeps text)."""
    if not value:
        return NOTHING
    try:
        return local_time(datetime.fromisoformat(value))
    except ValueError:
        return value


class ReestablishScreen(WorkbenchScreen):
    """Search the archive by customer ID, certificate or former service number; what was kept; restore."""

    DEFAULT_CSS = """
    ReestablishScreen #reestablish-flow { height: 1fr; padding: 0 1; }
    ReestablishScreen .section { height: auto; }
    ReestablishScreen .section-title { text-style: bold; color: $accent; height: 1; margin-top: 1; }
    ReestablishScreen .section:disabled .section-title { color: $text-disabled; }
    ReestablishScreen #archive-keys { grid-size: 5; grid-columns: 18 24 20 10 1fr; grid-rows: auto; grid-gutter: 0 1; height: auto; }
    ReestablishScreen #find-row { height: 1; }
    ReestablishScreen #find-hint, ReestablishScreen #restore-hint { width: 1fr; padding: 0 2; color: $text-muted; }
    ReestablishScreen #kept { height: auto; }
    ReestablishScreen #former-lines { height: auto; max-height: 8; }
    ReestablishScreen #restore-row { height: auto; }
    ReestablishScreen #field-offering { width: 80; }
    ReestablishScreen #field-recover_number { width: 1fr; }
    ReestablishScreen #field-recover_number > .field-label { display: none; }
    ReestablishScreen Checkbox { background: transparent; margin-top: 1; }
    ReestablishScreen #section-submit { height: 1; margin-top: 1; }
    ReestablishScreen #outcome { height: auto; padding: 1 1 0 1; }
    ReestablishScreen #outcome.error { color: $text-error; text-style: bold; }
    ReestablishScreen #outcome.good { color: $text-success; text-style: bold; }
    """
    BINDINGS = [
        Binding("ctrl+s", "restore", "Restore", tooltip="bring the former customer back", id="reestablish-restore")
    ]
    HELP_TITLE = "Re-establish a former customer"
    WORKFLOW = (
        "Find the former customer in the archive by one key: customer ID, document or former number.",
        "Check what was kept; choose a primary offering and whether to recover the old number.",
        "ctrl+s restores the relationship and opens the customer.",
    )
    AUTO_FOCUS = ""

    def __init__(self, fill: dict[str, str] | None = None) -> None:
        super().__init__()
        self.fill = {k.replace("-", "_"): v for k, v in (fill or {}).items() if k.replace("-", "_") in KEY_FIELDS}
        """Keys to search at once (from the customer view, a launch or the palette)."""
        self.found: ArchivedCustomer | None = None
        """The former customer as found in the archive."""
        self.found_by: dict[str, str] = {}
        """The keys that found them: the restore uses the same."""
        self.busy = False
        """A call is running: ctrl+s waits."""

    # -- layout ---------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        region = self.workbench.services.settings.default_region
        currency = self.workbench.services.settings.currency
        yield Static("RE-ESTABLISH CUSTOMER RELATIONSHIP", classes="screen-title")
        with VerticalScroll(id="reestablish-flow"):
            with Vertical(id="section-find", classes="section"):
                yield Static("FIND IN THE ARCHIVE: one key is enough", classes="section-title")
                with Grid(id="archive-keys"):
                    yield FormField(
                        "Customer ID",
                        Input(id="customer_id", max_length=20, placeholder="C000000001…"),
                        name="customer_id",
                    )
                    yield FormField(
                        "Certificate type",
                        Select(
                            [(t.label, t.value) for t in CertType],
                            value=next(iter(CertType)).value,
                            allow_blank=False,
                            id="cert_type",
                        ),
                        name="cert_type",
                    )
                    yield FormField("Certificate number", Input(id="cert_number", max_length=40), name="cert_number")
                    yield FormField(
                        "Country", Input(id="cert_country", value=region, max_length=2), name="cert_country"
                    )
                    yield FormField(
                        "Former service number",
                        Input(id="former_service_number", max_length=20, placeholder="612 345 678"),
                        name="former_service_number",
                    )
                with Horizontal(id="find-row"):
                    yield Button("FIND (enter)", id="find", compact=True)
                    yield Static("Type a key and press enter.", id="find-hint")
            with Vertical(id="section-kept", classes="section"):
                yield Static("WHAT WAS KEPT", classes="section-title")
                yield Static("", id="kept", markup=False)
                table = WorkbenchTable(id="former-lines", show_cursor=False)
                table.can_focus = False
                table.add_columns("Former Service Number", "Offering", "Deactivated", "Number")
                yield table
            with Vertical(id="section-restore", classes="section"):
                yield Static("RESTORE", classes="section-title")
                with Horizontal(id="restore-row"):
                    yield FormField(
                        "Offering for a new line (optional)",
                        Select(
                            offering_choices(currency),
                            id="offering",
                            prompt="No line now: the customer comes back idle",
                        ),
                        name="offering",
                    )
                    yield FormField(
                        "",
                        Checkbox("Recover the former number", id="recover_number", value=True),
                        name="recover_number",
                    )
                with Horizontal(id="section-submit"):
                    yield Button("RESTORE (ctrl+s)", id="restore", variant="primary", compact=True)
                    yield Static("", id="restore-hint")
            yield Static("", id="outcome")

    def on_mount(self) -> None:
        self.query_one("#section-kept").display = False
        self.query_one("#section-restore").disabled = True
        for name, value in self.fill.items():
            self.query_one(f"#{name}").value = value
        if self.fill:
            self.action_find()
        else:
            self.query_one("#customer_id", Input).focus()

    # -- finding --------------------------------------------------------------------------------

    def keys(self) -> dict[str, str]:
        """The typed keys; the certificate counts only with its number."""
        values = {
            name: self.query_one(f"#{name}", Input).value.strip()
            for name in ("customer_id", "cert_number", "cert_country", "former_service_number")
        }
        cert_type = self.query_one("#cert_type", Select).value
        values["cert_type"] = str(cert_type)
        if not values["cert_number"]:
            values["cert_type"] = values["cert_country"] = ""
        return {k: v for k, v in values.items() if v}

    @on(Input.Submitted, "#customer_id, #cert_number, #cert_country, #former_service_number")
    @on(Button.Pressed, "#find")
    def action_find(self) -> None:
        keys = self.keys()
        if not keys:
            self.show_field_errors(
                {"customer_id": "Give the customer ID, the certificate, or the former service number."}
            )
            return
        self.show_field_errors({})
        app = self.workbench
        actor, services = app.actor, app.services
        region = services.settings.default_region
        self.busy = True
        self.call_service(
            lambda: find_archived_customer(uow=services.reader(), actor=actor, region=region, **keys),
            lambda found: self._show_found(found, keys),
            group="archive-find",
            description="Find the former customer in the archive",
            busy=self.query_one("#section-find"),
        )

    def _show_found(self, found: ArchivedCustomer, keys: dict[str, str]) -> None:
        self.busy = False
        self.found, self.found_by = found, keys
        self._show_outcome(Text(""), "")
        self.query_one("#section-kept").display = True
        kept = ", ".join(words(k) for k in found.kept) or "nothing (no consent to archive the profile)"
        self.query_one("#kept", Static).update(
            Text.assemble(
                (found.name, "bold"),
                f" · {found.customer_id} · {words(found.status, CustomerStatus)}\n",
                ("Consent to archive: ", "dim"),
                "yes" if found.consent else "no",
                ("   Past interactions: ", "dim"),
                str(found.interactions),
                ("\nKept: ", "dim"),
                kept,
            )
        )
        table = self.query_one("#former-lines", WorkbenchTable)
        table.clear()
        for line in found.former_lines:
            mark = (
                Text("✓ recoverable", style="green")
                if line.recoverable
                else Text("gone: a new number from the pool", style="dim")
            )
            table.add_row(phone(line.service_number), line.offering or NOTHING, _when(line.deactivated_at), mark)
        if not found.former_lines:
            table.add_row("No former lines.", "", "", "")
        recoverable = any(line.recoverable for line in found.former_lines)
        checkbox = self.query_one("#recover_number", Checkbox)
        checkbox.value = recoverable
        checkbox.disabled = not recoverable
        self.query_one("#section-restore").disabled = False
        self.query_one("#restore-hint", Static).update(
            f"ctrl+s brings {found.name} back under {found.customer_id}; with an offering, on a new line."
        )
        self.query_one("#offering", Select).focus()

    # -- restoring ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "restore":
            return self.found is not None and not self.busy
        return True

    @on(Button.Pressed, "#restore")
    def action_restore(self) -> None:
        if self.found is None or self.busy:
            return
        app = self.workbench
        actor, services = app.actor, app.services
        region = services.settings.default_region
        offering = self.query_one("#offering", Select).value
        options = dict(
            self.found_by,
            offering="" if offering is Select.NULL else str(offering),
            recover_number=self.query_one("#recover_number", Checkbox).value,
        )
        self.busy = True
        self.refresh_bindings()
        self.call_service(
            lambda: reestablish_customer(uow=services.writer(), actor=actor, region=region, **options),
            self._restored,
            group="archive-restore",
            description="Re-establish the customer relationship",
            busy=self.query_one("#section-restore"),
        )

    def _restored(self, back: Reestablished) -> None:
        self.busy = False
        restored = ", ".join(words(r) for r in back.restored) or "nothing from the archive"
        line = ""
        if back.service_number:
            line = f"; line {phone(back.service_number)}" + (
                " (former number recovered)" if back.number_recovered else " (a new number)"
            )
        self.notify(
            f"{back.customer_id} is {words(back.status, CustomerStatus).lower()} again{line}. Restored: {restored}.",
            title="Relationship re-established",
        )
        self.workbench.open_customer(back.customer_id, key_kind=KeyKind.CUSTOMER_ID, record=False)

    def show_error(self, error: CrmError) -> bool:
        """Not in the archive, or erased: said in place, the keys stay for another try."""
        self.busy = False
        self.refresh_bindings()
        if isinstance(error, NotFound):
            erased = "erased" in error.message
            message = (
                f"Nothing to restore: {error.message}"
                if erased
                else f"{error.message} Check the key, or try another one."
            )
            self.found = None
            self.query_one("#section-kept").display = False
            self.query_one("#section-restore").disabled = True
            self._show_outcome(Text(message), "error")
            return True
        return False

    def _show_outcome(self, message: Text, css: str) -> None:
        outcome = self.query_one("#outcome", Static)
        outcome.set_classes(css)
        outcome.update(message)

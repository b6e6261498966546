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
from crm_tui.i18n import N_, _
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
from crm_tui.widgets.text_input import TextInput

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
        Binding(
            "ctrl+s", "restore", N_("Restore"), tooltip=N_("bring the former customer back"), id="reestablish-restore"
        )
    ]
    HELP_TITLE = N_("Re-establish a former customer")
    WORKFLOW = (
        N_("Find the former customer in the archive by one key: customer ID, document or former number."),
        N_("Check what was kept; choose a primary offering and whether to recover the old number."),
        N_("ctrl+s restores the relationship and opens the customer."),
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
        yield Static(_("RE-ESTABLISH CUSTOMER RELATIONSHIP"), classes="screen-title")
        with VerticalScroll(id="reestablish-flow"):
            with Vertical(id="section-find", classes="section"):
                yield Static(_("FIND IN THE ARCHIVE: one key is enough"), classes="section-title")
                with Grid(id="archive-keys"):
                    yield FormField(
                        _("Customer ID"),
                        TextInput(id="customer_id", max_length=20, placeholder="C000000001…"),
                        name="customer_id",
                    )
                    yield FormField(
                        _("Certificate type"),
                        Select(
                            [(t.label, t.value) for t in CertType],
                            value=next(iter(CertType)).value,
                            allow_blank=False,
                            id="cert_type",
                        ),
                        name="cert_type",
                    )
                    yield FormField(
                        _("Certificate number"), TextInput(id="cert_number", max_length=40), name="cert_number"
                    )
                    yield FormField(
                        _("Country"), TextInput(id="cert_country", value=region, max_length=2), name="cert_country"
                    )
                    yield FormField(
                        _("Former service number"),
                        TextInput(id="former_service_number", max_length=20, placeholder="612 345 678"),
                        name="former_service_number",
                    )
                with Horizontal(id="find-row"):
                    yield Button(_("FIND (enter)"), id="find", compact=True)
                    yield Static(_("Type a key and press enter."), id="find-hint")
            with Vertical(id="section-kept", classes="section"):
                yield Static(_("WHAT WAS KEPT"), classes="section-title")
                yield Static("", id="kept", markup=False)
                table = WorkbenchTable(id="former-lines", show_cursor=False)
                table.can_focus = False
                table.add_columns(_("Former Service Number"), _("Offering"), _("Deactivated"), _("Number"))
                yield table
            with Vertical(id="section-restore", classes="section"):
                yield Static(_("RESTORE"), classes="section-title")
                with Horizontal(id="restore-row"):
                    yield FormField(
                        _("Offering for a new line (optional)"),
                        Select(
                            offering_choices(currency),
                            id="offering",
                            prompt=_("No line now: the customer comes back idle"),
                        ),
                        name="offering",
                    )
                    yield FormField(
                        "",
                        Checkbox(_("Recover the former number"), id="recover_number", value=True),
                        name="recover_number",
                    )
                with Horizontal(id="section-submit"):
                    yield Button(_("RESTORE (ctrl+s)"), id="restore", variant="primary", compact=True)
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
                {"customer_id": _("Give the customer ID, the certificate, or the former service number.")}
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
            description="Find the former customer in the archive",  # i18n: not for people
            busy=self.query_one("#section-find"),
        )

    def _show_found(self, found: ArchivedCustomer, keys: dict[str, str]) -> None:
        self.busy = False
        self.found, self.found_by = found, keys
        self._show_outcome(Text(""), "")
        self.query_one("#section-kept").display = True
        kept = ", ".join(words(k) for k in found.kept) or _("nothing (no consent to archive the profile)")
        self.query_one("#kept", Static).update(
            Text.assemble(
                (found.name, "bold"),
                f" · {found.customer_id} · {words(found.status, CustomerStatus)}\n",
                (_("Consent to archive:") + " ", "dim"),
                _("yes") if found.consent else _("no"),
                ("   " + _("Past interactions:") + " ", "dim"),
                str(found.interactions),
                ("\n" + _("Kept:") + " ", "dim"),
                kept,
            )
        )
        table = self.query_one("#former-lines", WorkbenchTable)
        table.clear()
        for line in found.former_lines:
            mark = (
                Text(_("✓ recoverable"), style="green")
                if line.recoverable
                else Text(_("gone: a new number from the pool"), style="dim")
            )
            table.add_row(phone(line.service_number), line.offering or NOTHING, _when(line.deactivated_at), mark)
        if not found.former_lines:
            table.add_row(_("No former lines."), "", "", "")
        recoverable = any(line.recoverable for line in found.former_lines)
        checkbox = self.query_one("#recover_number", Checkbox)
        checkbox.value = recoverable
        checkbox.disabled = not recoverable
        self.query_one("#section-restore").disabled = False
        self.query_one("#restore-hint", Static).update(
            _("ctrl+s brings {name} back under {customer_id}; with an offering, on a new line.").format(
                name=found.name, customer_id=found.customer_id
            )
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
            description="Re-establish the customer relationship",  # i18n: not for people
            busy=self.query_one("#section-restore"),
        )

    def _restored(self, back: Reestablished) -> None:
        self.busy = False
        restored = ", ".join(words(r) for r in back.restored) or _("nothing from the archive")
        line = ""
        if back.service_number:
            line = (
                _("; line {number} (former number recovered)")
                if back.number_recovered
                else _("; line {number} (a new number)")
            ).format(number=phone(back.service_number))
        self.notify(
            _("{customer_id} is {status} again{line}. Restored: {restored}.").format(
                customer_id=back.customer_id,
                status=words(back.status, CustomerStatus).lower(),
                line=line,
                restored=restored,
            ),
            title=_("Relationship re-established"),
        )
        self.workbench.open_customer(back.customer_id, key_kind=KeyKind.CUSTOMER_ID, record=False)

    def show_error(self, error: CrmError) -> bool:
        """Not in the archive, or erased: said in place, the keys stay for another try."""
        self.busy = False
        self.refresh_bindings()
        if isinstance(error, NotFound):
            erased = bool(error.extra.get("erased"))  # the service says so (its words are translated)
            message = (
                _("Nothing to restore: {message}").format(message=error.message)
                if erased
                else _("{message} Check the key, or try another one.").format(message=error.message)
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

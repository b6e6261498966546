"""EDIT PROFILE (issue 13.1): every group the Registration form captures, filled with the customer's
record, saved with the rules of registration against the version the CSR opened.

The groups are `customer_form.CustomerForm` (the same widget as Registration); above them the ID
documents as rows: New adds one (the same type and number as a live one renews it with the new
expiry), Delete retires the one under the cursor. ctrl+s saves from anywhere; ctrl+l jumps to the
living address (its text selected, so typing replaces it). A change made at another terminal since
the form opened is refused: the form says so and opens again with the record as it is now.

Over 400 lines on purpose: filling, reading back and saving are one flow over the same fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Input, RadioButton, RadioSet, Select, Static

from crm_tui import present
from crm_tui.domain import CertType, CustomerType
from crm_tui.errors import CrmError
from crm_tui.i18n import N_, _
from crm_tui.present import words
from crm_tui.screens.base import WorkbenchScreen
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.customer_form import RADIOS, CustomerForm, read_value, read_values, translated
from crm_tui.screens.registration_modals import UploadModal
from crm_tui.screens.registration_parts import attachment_row, registration_form, screen_errors
from crm_tui.services.identity.attachments import CheckedFile, check_file
from crm_tui.services.identity.near_matches import PossibleDuplicates
from crm_tui.services.identity.profile_edit import (
    EditableProfile,
    ProfileUpdate,
    StaleEdit,
    editable_profile,
    update_profile,
)
from crm_tui.services.identity.profile_patch import ProfilePatch
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.widgets.editable_rows import EditableRows, RowField, RowFormModal
from crm_tui.widgets.form_field import FormField

DOCUMENT_COLUMNS = (
    RowField("cert_type", N_("Type"), tuple((t.label, t.value) for t in CertType), default="passport", width=22),
    RowField("cert_number", N_("Number"), placeholder=N_("as printed"), required=True, width=16),
    RowField(
        "cert_country",
        N_("Country"),
        placeholder="ES",  # i18n: not for people (a country code)
        default="ES",
        required=True,
        width=8,
    ),
    RowField("expires_on", N_("Expires"), placeholder=present.day_example, width=12),
)
"""An ID document row; the modal that adds one asks the same fields (`translated` where shown)."""
NOT_SENT = ("type", "primary_offering", "service_number", "account_id", "cert_type", "cert_number", "cert_country")
"""Registration's fields that an edit does not take from this form (documents are rows; the line is not here)."""


def document_row(cert_type: str, number: str, country: str, expires: Any, state: str) -> dict[str, str]:
    return {
        "cert_type": cert_type,
        "cert_number": number,
        "cert_country": country,
        "expires_on": expires.isoformat() if expires else "",
        "state": state,
    }


class ProfileEditScreen(WorkbenchScreen):
    """The customer's record in the Registration form's groups; ctrl+s saves, version-checked."""

    CSS_PATH = ["registration.tcss", "profile_edit.tcss"]
    AUTO_FOCUS = "#documents-table"
    BINDINGS = [
        Binding("ctrl+s", "save", N_("Save"), tooltip=N_("save the changes, from any field"), id="save-profile"),
        Binding(
            "ctrl+l",
            "living_address",
            N_("Living address"),
            tooltip=N_("jump to the living address, its text selected to type over"),
            id="jump-living-address",
        ),
    ]
    HELP_TITLE = N_("Edit profile")
    WORKFLOW = (
        N_("Every group of Registration, filled with the customer's record: change what changed."),
        N_("ctrl+l jumps to the living address; Documents: New adds or renews, Delete retires."),
        N_("ctrl+s saves (a change at another terminal meanwhile is refused and the form reloads); esc leaves."),
    )

    def __init__(self, profile: EditableProfile, *, name: str) -> None:
        super().__init__()
        self.profile = profile
        self.customer_name = name
        self._blank: dict[str, Any] = {}
        self._living: dict[str, str] = {}
        self._confirmed: list[str] = []
        """Near matches the CSR confirmed as other people (after a save asked)."""

    def compose_body(self) -> ComposeResult:
        settings = self.workbench.services.settings
        kind = "organization" if self.profile.form.type == CustomerType.ORGANIZATION else "individual"
        with VerticalScroll(id="profile-form", classes=kind, can_focus=False):
            yield Static(
                _("EDIT PROFILE  {name} · {customer_id} · version {version}").format(
                    name=self.customer_name, customer_id=self.profile.customer_id, version=self.profile.version
                ),
                classes="screen-title",
                markup=False,
            )
            yield FormField(
                "",
                EditableRows(_("ID DOCUMENTS"), translated(DOCUMENT_COLUMNS), new_label=_("New"), id="documents"),
                name="documents",
            )
            yield CustomerForm(currency=settings.currency, id="customer-form")
            with Horizontal(id="profile-buttons"):
                yield Button(_("SAVE (ctrl+s)"), id="save", variant="primary")
                yield Button(_("BACK (esc)"), id="back")

    def on_mount(self) -> None:
        self._fill()
        self.call_after_refresh(self._remember_blank)

    def _remember_blank(self) -> None:
        self._blank = read_values(self)

    # -- filling ---------------------------------------------------------------------------------

    def _fill(self) -> None:
        form = self.profile.form
        values = form.model_dump(exclude={"contacts", "addresses", "preferences", "social_accounts", "attachments"})
        addresses = list(form.addresses)
        living = next((a for a in addresses if a.address_type == "living"), None)
        if living is not None:
            addresses.remove(living)
            values |= {"address": living.detail, "city": living.city, "postal_code": living.postal_code}
            self._living = {"region": living.region}
        id_address = next((a for a in addresses if a.address_type == "id"), None)
        if id_address is not None:
            addresses.remove(id_address)
            values["id_address"] = id_address.detail
        prefs = form.preferences
        if prefs is not None:
            values |= {
                "currency": prefs.currency,
                "pref_language": prefs.language,
                "language": prefs.language,
                "written_language": prefs.written_language,
                "dnd_channel": prefs.dnd_channel,
                "dnd_days": prefs.dnd_days,
                "dnd_start": prefs.dnd_start,
                "dnd_end": prefs.dnd_end,
            }
        if form.social_accounts:
            values |= {
                "social_provider": form.social_accounts[0].provider,
                "social_subject": form.social_accounts[0].subject,
            }
        for name, value in values.items():
            self._set(name, value)
        for rows, items in (("#contacts", form.contacts), ("#addresses", addresses)):
            for item in items:
                self.query_one(rows, EditableRows).add_row(item.model_dump())
        documents = self.query_one("#documents", EditableRows)
        for d in self.profile.documents:
            if d.retired_at is None:
                state = "primary" if d.is_primary else "live"
                documents.add_row(document_row(d.cert_type, d.cert_number, d.cert_country, d.expires_on, state))
        if self.profile.has_service_password:
            self.query_one("#service_password", Input).placeholder = _("unchanged unless typed")
            self.query_one("#service_password_confirm", Input).placeholder = _("unchanged unless typed")
        self.query_one("#security_answer", Input).placeholder = _("unchanged unless typed")

    def _set(self, name: str, value: Any) -> None:
        if not isinstance(value, str) or not value:
            return
        found = self.query(f"#{name}")
        if not found:
            return
        control = found.first()
        if isinstance(control, Input):
            control.value = value
        elif isinstance(control, Select):
            try:
                control.value = value
            except Exception:  # noqa: BLE001 - a stored value the choices lack is left unset
                pass
        elif isinstance(control, RadioSet) and value.lower() in RADIOS.get(name, ()):
            control.query(RadioButton)[RADIOS[name].index(value.lower())].value = True

    # -- reading ----------------------------------------------------------------------------------

    def _value(self, name: str) -> str:
        if name == "customer_type":
            return self.profile.form.type
        if name in ("primary_offering", "service_number", "cert_type", "cert_number", "cert_country"):
            return ""
        return read_value(self, name)

    def _form(self) -> RegistrationForm:
        return registration_form(
            self._value,
            different_from=self._confirmed,
            contacts=self.query_one("#contacts", EditableRows).rows,
            addresses=self.query_one("#addresses", EditableRows).rows,
            attachments=[row for row in self.query_one("#attachments", EditableRows).rows if row.get("path")],
        )

    def patch(self) -> ProfilePatch:
        """What the form holds, as a patch: the service works out what changed and checks it whole."""
        values = self._form().model_dump(exclude=set(NOT_SENT))
        values["region"] = self._living.get("region", "")
        # One stored language, two boxes (IVR and default): the one the CSR changed wins.
        loaded = self.profile.form.preferences.language if self.profile.form.preferences else ""
        spoken, default = values.pop("language"), read_value(self, "pref_language")
        values["preferences"]["language"] = spoken if spoken != loaded else default
        values["preferences"]["written_language"] = values.pop("written_language")
        if not values["service_password"]:
            values.pop("service_password")
            values.pop("service_password_confirm")
        if not values["security_answer"]:
            values.pop("security_answer")
            values.pop("security_question")
        values["documents"] = self._document_changes()
        return ProfilePatch(**values)

    def _document_changes(self) -> list[dict[str, Any]]:
        """Rows added (a live document's key again: a renewal), then live documents deleted (retired)."""
        rows = self.query_one("#documents", EditableRows).rows
        live = {(d.cert_type, d.cert_number, d.cert_country): d for d in self.profile.documents if d.retired_at is None}
        kept = {(r["cert_type"], r["cert_number"], r["cert_country"]) for r in rows if r.get("state")}
        changes: list[dict[str, Any]] = []
        for row in rows:
            if row.get("state"):
                continue
            key = (row["cert_type"], row["cert_number"].upper().replace(" ", ""), row["cert_country"].upper())
            action = "renew" if key in live else "add"
            changes.append(
                {
                    "action": action,
                    "cert_type": row["cert_type"],
                    "cert_number": row["cert_number"],
                    "cert_country": row["cert_country"],
                    "expires_on": present.iso_day(row.get("expires_on", "")),
                }
            )
        for key in live:
            if key not in kept:
                changes.append({"action": "retire", "cert_type": key[0], "cert_number": key[1], "cert_country": key[2]})
        return changes

    def has_changes(self) -> bool:
        return read_values(self) != self._blank

    # -- keys -------------------------------------------------------------------------------------

    def action_living_address(self) -> None:
        self.reveal_and_focus(self.query_one("#address", Input))

    def reveal_and_focus(self, widget: Widget) -> None:
        """Focus `widget`, opening MORE ▾ first when it is behind it."""
        more = self.query_one("#more", Collapsible)
        if more.collapsed and widget in more.query("*"):
            more.collapsed = False
            self.call_after_refresh(widget.focus)
            return
        widget.focus()

    @on(Input.Changed, "#profile-form Input")
    @on(Select.Changed, "#profile-form Select")
    @on(RadioSet.Changed, "#profile-form RadioSet")
    def _fixed(self, event: Input.Changed | Select.Changed | RadioSet.Changed) -> None:
        parent = event.control.parent
        if isinstance(parent, FormField) and parent.has_class("error"):
            parent.show_error(None)

    @on(EditableRows.NewRequested, "#documents")
    def _new_document(self, event: EditableRows.NewRequested) -> None:
        def added(values: dict[str, str] | None) -> None:
            if values:
                event.rows.add_row(values)
            event.rows.focus()

        self.app.push_screen(RowFormModal(_("ADD OR RENEW A DOCUMENT"), translated(DOCUMENT_COLUMNS)), added)

    @on(EditableRows.NewRequested, "#attachments")
    def _upload(self, event: EditableRows.NewRequested) -> None:
        self.app.push_screen(UploadModal(), self._file_chosen)

    def _file_chosen(self, path: str | None) -> None:
        rows = self.query_one("#attachments", EditableRows)
        if not path:
            rows.focus()
            return
        actor = self.workbench.actor

        def added(checked: CheckedFile) -> None:
            rows.add_row(attachment_row(checked, uploaded_by=actor.username if actor else ""))
            rows.focus()

        self.call_service(
            lambda: check_file(path, field="attachments"),
            added,
            group="check-file",
            description=_("Check attachment"),
        )

    # -- save ---------------------------------------------------------------------------------------

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if not self.has_changes() and not self._confirmed:
            self.notify(_("The profile is as it was: nothing saved."), title=_("Nothing changed"))
            self.workbench.go_back()
            return
        try:
            patch = self.patch()
        except ValueError as error:  # a row the patch model refuses: said at the form, never a crash
            self.notify(str(error).splitlines()[0], title=_("Check the fields"), severity="error")
            return
        app = self.workbench
        services, actor, settings = app.services, app.actor, app.services.settings
        customer_id, version = self.profile.customer_id, self.profile.version
        now = app.clock().astimezone(UTC)
        self.call_service(
            lambda: update_profile(
                customer_id,
                patch,
                uow=services.writer(),
                actor=actor,
                region=settings.default_region,
                expected_version=version,
                min_age=settings.min_customer_age,
                now=now,
                data_dir=settings.data_dir,
            ),
            self._saved,
            group="profile-save",
            description=_("Save the profile"),
            busy=self.query_one("#profile-buttons"),
        )

    def _saved(self, result: ProfileUpdate) -> None:
        changed = ", ".join(words(c) for c in result.changed) or _("nothing")
        self.notify(
            _("Saved (version {version}): {changed}.").format(version=result.version, changed=changed),
            title=_("Profile changed"),
        )
        for warning in result.warnings:
            self.notify(warning, title=_("Blacklist"), severity="warning")
        self.workbench.go_back()
        self.workbench.open_customer(result.customer_id, key_kind=None, record=False)

    def show_error(self, error: CrmError) -> bool:
        """A stale edit reloads the form with the record as it is now; near matches are named to confirm."""
        if isinstance(error, StaleEdit):
            self.notify(error.message, title=error.title, severity="error", timeout=10)
            self._reload()
            return True
        if isinstance(error, PossibleDuplicates):
            matches = error.extra.get("near_matches", [])
            names = ", ".join(f"{m['customer_id']} {m['name']}" for m in matches)

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._confirmed = [m["customer_id"] for m in matches]
                    self.action_save()

            self.app.push_screen(
                ConfirmModal(
                    _("Someone looks like the changed identity"),
                    [names, _("Save only if each of them is a different person.")],
                    confirm_label=_("Different people: save"),
                ),
                confirmed,
            )
            return True
        return False

    def show_field_errors(self, errors: Mapping[str, str]) -> bool:
        """The service's field names to this form's fields (documents to the documents' rows)."""
        documents = {k: v for k, v in errors.items() if k.startswith("documents")}
        rest = {k: v for k, v in errors.items() if not k.startswith("documents")}
        placed = screen_errors(rest, self._form(), self.query_one("#attachments", EditableRows).rows)
        for name, row in placed.rows.items():
            self.query_one(f"#{name}", EditableRows).table.move_cursor(row=row)
        messages = dict(placed.messages)
        if documents:
            messages["documents"] = " ".join(dict.fromkeys(documents.values()))
        more = self.query_one("#more", Collapsible)
        if any(more.query(f"#field-{name}") for name in messages):
            more.collapsed = False
        return super().show_field_errors(messages)

    def _reload(self) -> None:
        services, actor, customer_id = self.workbench.services, self.workbench.actor, self.profile.customer_id

        def reopened(profile: EditableProfile) -> None:
            self.app.switch_screen(ProfileEditScreen(profile, name=self.customer_name))

        self.call_service(
            lambda: editable_profile(customer_id, uow=services.reader(), actor=actor),
            reopened,
            group="profile-edit-open",
            description=_("Open the profile again"),
        )

    # -- back -------------------------------------------------------------------------------------

    @on(Button.Pressed, "#back")
    def back_pressed(self) -> None:
        self.action_back()

    def unsaved_work(self) -> tuple[str, list[str]] | None:
        if not self.has_changes():
            return None
        return _("Leave without saving?"), [_("What you changed on this form is thrown away.")]

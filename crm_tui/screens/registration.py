"""REGISTRATION (Establish New Customer Identity, eTOM 1.3.4.2.2): the whole form by keyboard,
Check before identity, and the result (customer ID, account, line, or held for review).

The screen keeps the flow; the certificate section and Check's panel are in `registration_certificate`,
the customer's groups in `customer_form`, what is worked out without widgets in `registration_parts`,
the upload and result modals in `registration_modals`, how enter and ctrl+up/down move in `registration_keys`.

Over 400 lines on purpose: it is the flow (layout, reacting to the CSR, Check, Submit, Back), each part
short; what could leave it has left."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Input, RadioSet, Select, Static

from crm_tui.domain import CertType, CustomerType
from crm_tui.errors import CrmError, DuplicateIdentity, InvalidInput
from crm_tui.i18n import N_, _
from crm_tui.screens.base import WorkbenchScreen
from crm_tui.screens.customer_form import CustomerForm, form_field, read_value, read_values
from crm_tui.screens.registration_certificate import (
    CheckResult,
    NearMatchList,
    ServiceNumberSelect,
    certificate_section,
)
from crm_tui.screens.registration_keys import next_on_path, section_start
from crm_tui.screens.registration_modals import RegistrationResultModal, UploadModal
from crm_tui.screens.registration_parts import (
    CHECK_CLEAR,
    CHECK_MISSING,
    CheckOutcome,
    attachment_row,
    check_registration,
    golden_number_choices,
    offering_choices,
    registration_form,
    screen_errors,
)
from crm_tui.services.identity.attachments import CheckedFile, check_file
from crm_tui.services.identity.near_matches import NearMatch, PossibleDuplicates
from crm_tui.services.identity.registration import RegistrationResult, register_customer
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.services.lines.inventory import FreeNumber, free_numbers
from crm_tui.services.shared.validation import parse_service_number
from crm_tui.widgets.editable_rows import EditableRows
from crm_tui.widgets.form_field import FormField


class RegistrationScreen(WorkbenchScreen):
    """Certificate, basic info (MORE ▾), attachments, contacts, addresses, user info, preferences,
    authentication and an optional primary offering; Check (ctrl+k) and Submit (ctrl+s)."""

    CSS_PATH = "registration.tcss"
    AUTO_FOCUS = "#cert_number"
    BINDINGS = [
        Binding("ctrl+s", "submit", N_("Submit"), tooltip=N_("register, from any field"), id="submit-registration"),
        Binding(
            "ctrl+k",
            "check",
            N_("Check"),
            priority=True,
            tooltip=N_("is this person a customer already?"),
            id="check-identity",
        ),
        Binding(
            "ctrl+n",
            "next_number",
            N_("Next number"),
            tooltip=N_("take the next free number of the pool (again: the one after)"),
            id="next-free-number",
        ),
        Binding(
            "ctrl+down",
            "section(1)",
            N_("Next section"),
            show=False,
            tooltip=N_("skip the rest of this section"),
            id="next-section",
        ),
        Binding(
            "ctrl+up",
            "section(-1)",
            N_("Previous section"),
            show=False,
            tooltip=N_("back one section"),
            id="previous-section",
        ),
    ]
    HELP_TITLE = N_("Registration")
    WORKFLOW = (
        N_("Type the document number, enter, the customer's name, enter: enter goes to the next required field."),
        N_("Birthday, service password twice, then the primary offering for a line (ctrl+n: the next free number)."),
        N_("ctrl+k checks the person is not a customer already; ctrl+s registers; errors take you to the field."),
    )
    MORE_KEYS = (
        ("enter", N_("in a field: the next required field still empty (then the offering, then SUBMIT)")),
        ("tab / shift+tab", N_("every field in turn, optional ones too")),
    )

    def __init__(self, *, fill: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._fill = {key.replace("-", "_"): value for key, value in (fill or {}).items()}
        self._blank: dict[str, Any] = {}
        self._submitted: RegistrationForm | None = None
        self._ordinary: list[str] = []
        """The next free ordinary numbers (+E.164), for ctrl+n."""

    # -- layout ---------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        settings = self.workbench.services.settings
        with VerticalScroll(id="registration-form", classes="individual", can_focus=False):
            yield Static(_("REGISTRATION"), classes="screen-title")
            yield from certificate_section(default_region=settings.default_region)

            yield CustomerForm(currency=settings.currency, id="customer-form")

            yield Static(_("PRIMARY OFFERING"), classes="section-title")
            with Grid(classes="form-grid"):
                yield form_field(
                    _("Primary Offering (optional)"),
                    Select(
                        offering_choices(settings.currency),
                        prompt=_("None: register without a line"),
                        id="primary_offering",
                    ),
                    name="primary_offering",
                    classes="span-3",
                )

            with Horizontal(id="registration-buttons"):
                yield Button(_("SUBMIT (ctrl+s)"), id="submit", variant="primary")
                yield Button(_("BACK (esc)"), id="back")

    def on_mount(self) -> None:
        services = self.workbench.services

        def numbers() -> list[FreeNumber]:
            golden = free_numbers(uow=services.reader(), golden=True, limit=50)
            return golden + free_numbers(uow=services.reader(), golden=False, limit=20)

        self.call_service(numbers, self._numbers_loaded, group="free-numbers", description=_("Free numbers"))
        self.call_after_refresh(self._remember_blank)

    def _remember_blank(self) -> None:
        self._blank = self._values()
        if self._fill:
            fill, self._fill = self._fill, {}
            self.fill(fill)

    def _numbers_loaded(self, numbers: list[FreeNumber]) -> None:
        currency = self.workbench.services.settings.currency
        golden = [n for n in numbers if n.is_golden]
        self._ordinary = [f"+{n.service_number}" for n in numbers if not n.is_golden]
        self.query_one(ServiceNumberSelect).offer_golden(golden_number_choices(golden, currency))

    def action_next_number(self) -> None:
        """ctrl+n: the next free ordinary number of the pool as the service number (pressed again: the next)."""
        if not self._ordinary:
            self.notify(_("No free ordinary number in the pool: the line waits for stock."), title=_("No number"))
            return
        picker = self.query_one(ServiceNumberSelect)
        current = picker.value if isinstance(picker.value, str) else ""
        following = self._ordinary.index(current) + 1 if current in self._ordinary else 0
        number = self._ordinary[following % len(self._ordinary)]
        picker.offer(number)
        picker.value = number

    # -- reading and filling the form ---------------------------------------------------------

    def _value(self, name: str) -> str:
        return read_value(self, name)

    def _values(self) -> dict[str, Any]:
        return read_values(self)

    def has_data(self) -> bool:
        """Did the CSR type or add anything (Back asks before throwing it away)?"""
        return self._values() != self._blank

    def registration_form(self) -> RegistrationForm:
        """The form as the registration service takes it."""
        return registration_form(
            self._value,
            different_from=self.check_result.different_from,
            contacts=self.query_one("#contacts", EditableRows).rows,
            addresses=self.query_one("#addresses", EditableRows).rows,
            attachments=self.query_one("#attachments", EditableRows).rows,
        )

    def fill(self, values: Mapping[str, str]) -> None:
        """Fields from `crm-tui open register --cert-number ... --name ...` (keys with - or _)."""
        wanted = {key.replace("-", "_"): value for key, value in values.items() if value}
        name = wanted.pop("name", "")
        if name:
            wanted.setdefault("customer_name", name)
        for key, value in wanted.items():
            try:
                control = self.query_one(f"#{key}")
            except Exception:  # noqa: BLE001 - a field this screen does not have is ignored
                continue
            if isinstance(control, Input):
                control.value = value
            elif isinstance(control, Select):
                if key == "service_number":
                    value = self._offer_number(value)
                try:
                    control.value = value
                except Exception:  # noqa: BLE001 - an unknown choice is left unset
                    pass
        self._apply_quick_name()
        if wanted.get("cert_type") == CertType.COMPANY_REGISTRATION:
            self.query_one("#customer_type", Select).value = CustomerType.ORGANIZATION.value

    def _offer_number(self, raw: str) -> str:
        """A number given at launch joins the picker's choices (the service checks it is free)."""
        try:
            value = "+" + parse_service_number(raw, region=self.workbench.services.settings.default_region)
        except InvalidInput:
            value = raw
        self.query_one(ServiceNumberSelect).offer(value)
        return value

    def reset_form(self) -> None:
        """Back to an empty form for the next customer."""
        self.app.switch_screen(RegistrationScreen())

    def _apply_quick_name(self) -> None:
        """The Customer Name box fills the names that are still empty: first word first name, rest last name
        (for an organization, the legal name)."""
        quick = self._value("customer_name").strip()
        if not quick:
            return
        if self._value("customer_type") == CustomerType.ORGANIZATION:
            if not self._value("organization_name").strip():
                self.query_one("#organization_name", Input).value = quick
            return
        if self._value("first_name").strip() or self._value("last_name").strip():
            return
        first, _space, last = quick.partition(" ")
        self.query_one("#first_name", Input).value = first
        self.query_one("#last_name", Input).value = last.strip()

    # -- reacting to the CSR ------------------------------------------------------------------

    @on(Input.Submitted, "#registration-form Input")
    def _enter(self, event: Input.Submitted) -> None:
        """Enter goes to the next required field still empty (the counter's path), then the offering, then SUBMIT."""
        event.stop()
        if event.input.id == "customer_name":
            self._apply_quick_name()
        target = next_on_path(self, event.input)
        if target is None:
            self.query_one("#submit", Button).focus()
        else:
            self.reveal_and_focus(target)

    @on(Select.Changed, "#primary_offering")
    def _offering_chosen(self, event: Select.Changed) -> None:
        """An offering taken: SUBMIT is next (enter registers)."""
        if event.select.has_focus and event.value is not Select.NULL:
            self.query_one("#submit", Button).focus()

    def reveal_and_focus(self, widget: Widget) -> None:
        """Focus `widget`, opening MORE ▾ first when it is behind it."""
        more = self.query_one("#more", Collapsible)
        if more.collapsed and widget in more.query("*"):
            more.collapsed = False
            self.call_after_refresh(widget.focus)
            return
        widget.focus()

    def action_section(self, step: int) -> None:
        """ctrl+down / ctrl+up: the first field of the next (or previous) section."""
        target = section_start(self, self.focused, step)
        if target is not None:
            self.reveal_and_focus(target)

    @on(Input.Changed, "#registration-form Input")
    @on(Select.Changed, "#registration-form Select")
    @on(RadioSet.Changed, "#registration-form RadioSet")
    def _fixed(self, event: Input.Changed | Select.Changed | RadioSet.Changed) -> None:
        """A field's error goes away as soon as the CSR changes it."""
        parent = event.control.parent
        if isinstance(parent, FormField) and parent.has_class("error"):
            parent.show_error(None)

    @on(Input.Blurred, "#customer_name")
    def _quick_name(self) -> None:
        self._apply_quick_name()

    @on(Select.Changed, "#customer_type")
    def _customer_type(self, event: Select.Changed) -> None:
        organization = event.value == CustomerType.ORGANIZATION
        form = self.query_one("#registration-form")
        form.set_class(organization, "organization")
        form.set_class(not organization, "individual")
        cert_type = self.query_one("#cert_type", Select)
        if organization and cert_type.value != CertType.COMPANY_REGISTRATION:
            cert_type.value = CertType.COMPANY_REGISTRATION.value
        elif not organization and cert_type.value == CertType.COMPANY_REGISTRATION:
            cert_type.value = CertType.NATIONAL_ID.value

    @on(Select.Changed, "#cert_type")
    def _cert_type(self, event: Select.Changed) -> None:
        organization = event.value == CertType.COMPANY_REGISTRATION
        customer_type = self.query_one("#customer_type", Select)
        wanted = CustomerType.ORGANIZATION if organization else CustomerType.INDIVIDUAL
        if customer_type.value != wanted:
            customer_type.value = wanted.value
        self.check_result.forget_existing()

    @on(Input.Changed, "#cert_number, #cert_country")
    def _certificate_changed(self) -> None:
        self.check_result.forget_existing()

    # -- Check ----------------------------------------------------------------------------------

    @property
    def check_result(self) -> CheckResult:
        return self.query_one(CheckResult)

    @on(Button.Pressed, "#check")
    def action_check(self) -> None:
        """Is this person already a customer (same certificate), or does someone look like them?"""
        self._apply_quick_name()
        form = self.registration_form()
        app = self.workbench
        services, actor, today = app.services, app.actor, app.clock().date()
        self.call_service(
            lambda: check_registration(form, services=services, actor=actor, today=today),
            self._checked,
            group="check",
            description=_("Check identity"),
            busy=self.query_one("#check", Button),
        )

    def _checked(self, outcome: CheckOutcome) -> None:
        check = outcome.check
        if check.existing_customer_id:
            self.show_field_errors({})
            self.check_result.show_existing(check.existing_customer_id)
            self.notify(
                _("Customer {customer_id} already has this certificate.").format(
                    customer_id=check.existing_customer_id
                ),
                title=_("Already a customer"),
                severity="warning",
            )
            return
        if check.near_matches:
            self.show_field_errors({})
            self.check_result.show_near_matches(check.near_matches)
            return
        if outcome.missing:
            self.check_result.say(_(CHECK_MISSING))
            self.show_field_errors(outcome.missing)
            return
        self.show_field_errors({})
        self.check_result.say(_(CHECK_CLEAR), good=True)

    @on(Button.Pressed, "#open-existing")
    def _open_existing(self) -> None:
        if self.check_result.existing_customer_id:
            self.workbench.open_customer(self.check_result.existing_customer_id, key_kind=None, record=False)

    @on(NearMatchList.OpenRequested)
    def _open_match(self, event: NearMatchList.OpenRequested) -> None:
        self.workbench.open_customer(event.customer_id, key_kind=None, record=False)

    # -- attachments (contacts and addresses: the CustomerForm) -----------------------------------------------

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
            self.show_field_errors({})
            rows.add_row(attachment_row(checked, uploaded_by=actor.username if actor else ""))
            rows.focus()

        self.call_service(
            lambda: check_file(path, field="attachments"),
            added,
            group="check-file",
            description=_("Check attachment"),
            busy=rows,
        )

    # -- Submit ----------------------------------------------------------------------------------

    @on(Button.Pressed, "#submit")
    def action_submit(self) -> None:
        self._apply_quick_name()
        form = self.registration_form()
        self._submitted = form
        app = self.workbench
        services, actor, settings = app.services, app.actor, app.services.settings
        now = app.clock().astimezone(UTC)
        self.call_service(
            lambda: register_customer(
                form,
                uow=services.writer(),
                actor=actor,
                region=settings.default_region,
                currency=settings.currency,
                timezone=settings.timezone,
                min_age=settings.min_customer_age,
                now=now,
                data_dir=settings.data_dir,
            ),
            self._registered,
            group="register",
            description=_("Register customer"),
            busy=self.query_one("#registration-buttons"),
        )

    def _registered(self, result: RegistrationResult) -> None:
        self.show_field_errors({})
        currency = self.workbench.services.settings.currency

        def then(open_customer: bool | None) -> None:
            if open_customer:
                self.workbench.open_customer(result.customer_id, key_kind=None, record=False)
            else:
                self.reset_form()

        self.app.push_screen(RegistrationResultModal(result, currency), then)

    def show_error(self, error: CrmError) -> bool:
        """The same certificate offers the existing customer; near matches are listed to confirm."""
        if isinstance(error, DuplicateIdentity) and error.extra.get("existing_customer_id"):
            self.check_result.show_existing(str(error.extra["existing_customer_id"]))
        elif isinstance(error, PossibleDuplicates):
            self.check_result.show_near_matches(
                [NearMatch.model_validate(m) for m in error.extra.get("near_matches", [])]
            )
        return False

    def show_field_errors(self, errors: Mapping[str, str]) -> bool:
        """Service field names (`contacts.0.value`, `preferences.dnd_end`) to this screen's fields;
        a bad field behind MORE ▾ opens it first."""
        form = self._submitted or self.registration_form()
        placed = screen_errors(errors, form, self.query_one("#attachments", EditableRows).rows)
        for name, row in placed.rows.items():
            self.query_one(f"#{name}", EditableRows).table.move_cursor(row=row)
        more = self.query_one("#more", Collapsible)
        if any(more.query(f"#field-{name}") for name in placed.messages):
            more.collapsed = False
        return super().show_field_errors(placed.messages)

    # -- Back ------------------------------------------------------------------------------------

    @on(Button.Pressed, "#back")
    def back_pressed(self) -> None:
        self.action_back()

    def unsaved_work(self) -> tuple[str, list[str]] | None:
        if not self.has_data():
            return None
        return _("Leave the registration?"), [
            _("What you typed on this form is thrown away."),
            _("Nobody is registered."),
        ]

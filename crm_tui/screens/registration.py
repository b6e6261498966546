"""REGISTRATION (Establish New Customer Identity, eTOM 1.3.4.2.2): the whole form by keyboard,
Check before identity, and the result (customer ID, account, line, or held for review)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Collapsible,
    Input,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
    Static,
)
from textual.widgets.selection_list import Selection

from crm_tui.domain import (
    CertType,
    CreditLevel,
    CustomerStatus,
    CustomerType,
    Gender,
    PaymentType,
)
from crm_tui.errors import CrmError, DuplicateIdentity, InvalidInput
from crm_tui.present import money_text, phone, words
from crm_tui.screens.base import WorkbenchScreen
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.identity.attachments import CheckedFile, check_file
from crm_tui.services.identity.near_matches import (
    IdentityCheck,
    NearMatch,
    PossibleDuplicates,
    check_identity,
)
from crm_tui.services.identity.registration import RegistrationResult, register_customer
from crm_tui.services.identity.registration_form import (
    AddressInput,
    ContactInput,
    PreferenceInput,
    RegistrationForm,
    SocialAccountInput,
)
from crm_tui.services.lines.inventory import FreeNumber, free_numbers
from crm_tui.services.shared.catalog import catalog_entries
from crm_tui.services.shared.validation import parse_service_number
from crm_tui.widgets.editable_rows import EditableRows, RowField, RowFormModal
from crm_tui.widgets.form_field import FormField

LANGUAGES = (
    ("Spanish", "es"),
    ("Catalan", "ca"),
    ("Basque", "eu"),
    ("Galician", "gl"),
    ("English", "en"),
    ("French", "fr"),
    ("German", "de"),
    ("Portuguese", "pt"),
    ("Italian", "it"),
    ("Romanian", "ro"),
    ("Arabic", "ar"),
    ("Chinese", "zh"),
)
TITLES = (("Mr", "mr"), ("Mrs", "mrs"), ("Ms", "ms"))
CHANNELS = (("SMS", "sms"), ("Email", "email"), ("Phone call", "phone"), ("Letter", "letter"))
DAYS = (("Every day", "mon-sun"), ("Monday to Friday", "mon-fri"), ("Weekends", "sat-sun"))
SOCIAL_PROVIDERS = (("Google", "google"), ("Facebook", "facebook"), ("Apple", "apple"), ("X", "x"))
CURRENCIES = ("EUR", "USD", "GBP", "CHF")

CONTACT_COLUMNS = (
    RowField(
        "contact_type",
        "Contact Type",
        (
            ("Primary", "primary"),
            ("Legal representative", "legal_representative"),
            ("Emergency", "emergency"),
            ("Billing", "billing"),
        ),
        default="primary",
        width=20,
    ),
    RowField("first_name", "First Name", width=12),
    RowField("middle_name", "Middle Name", width=11),
    RowField("last_name", "Last Name", width=16),
    RowField("title", "Title", TITLES, width=5),
    RowField(
        "method",
        "Contact Method",
        (("Mobile", "mobile"), ("Email", "email"), ("Landline", "landline"), ("Social", "social")),
        default="mobile",
        width=14,
    ),
    RowField("value", "Value", placeholder="number, email or account", required=True, width=24),
)
ADDRESS_COLUMNS = (
    RowField("region", "Region", placeholder="province", width=14),
    RowField("city", "City", width=14),
    RowField("detail", "Detailed Address", placeholder="street, number, floor", required=True, width=30),
    RowField("postal_code", "Postal Code", width=11),
    RowField(
        "address_type",
        "Address Type",
        (("Living", "living"), ("Billing", "billing"), ("Delivery", "delivery"), ("ID address", "id")),
        default="billing",
        width=12,
    ),
    RowField("contact_point", "Contact Point", placeholder="who or where to ask", width=18),
)
ATTACHMENT_COLUMNS = (
    RowField("filename", "File", width=40),
    RowField("size", "Size", width=10),
    RowField(
        "media_type",
        "Type",
        (("PDF", "application/pdf"), ("PNG image", "image/png"), ("JPEG image", "image/jpeg")),
        width=12,
    ),
    RowField("uploaded_by", "Uploaded By", width=16),
)

RADIOS: dict[str, tuple[str, ...]] = {"gender": tuple(g.value for g in Gender), "title": tuple(v for _, v in TITLES)}
"""RadioSet fields: the value of each button, in order."""
CERTIFICATE_FIELDS = frozenset({"cert_type", "cert_number", "cert_country"})
ROW_LISTS = {"contacts": CONTACT_COLUMNS, "addresses": ADDRESS_COLUMNS}
SCREEN_FIELD_ALIASES = {
    "preferences.currency": "currency",
    "preferences.language": "pref_language",
    "preferences.written_language": "written_language",
    "preferences.dnd_channel": "dnd_channel",
    "preferences.dnd_days": "dnd_days",
    "preferences.dnd_start": "dnd_start",
    "preferences.dnd_end": "dnd_end",
}


@dataclass(frozen=True)
class _CheckOutcome:
    """What Check found, and the fields still missing for a near-match search (if any)."""

    check: IdentityCheck
    missing: dict[str, str] = field(default_factory=dict)


class NearMatchList(SelectionList[str]):
    """Existing customers who look like this person: space ticks "a different person"; o opens one."""

    BINDINGS = [Binding("o", "open_match", "Open match", id="open-match")]

    class OpenRequested(Message):
        def __init__(self, customer_id: str) -> None:
            super().__init__()
            self.customer_id = customer_id

    def action_open_match(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.OpenRequested(str(self.get_option_at_index(self.highlighted).value)))


class RegistrationScreen(WorkbenchScreen):
    """Certificate, basic info (MORE ▾), attachments, contacts, addresses, user info, preferences,
    authentication and an optional primary offering; Check (ctrl+k) and Submit (ctrl+s)."""

    CSS_PATH = "registration.tcss"
    AUTO_FOCUS = "#cert_type"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit", id="submit-registration"),
        Binding("ctrl+k", "check", "Check", priority=True, id="check-identity"),
    ]

    def __init__(self, *, fill: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._fill = {key.replace("-", "_"): value for key, value in (fill or {}).items()}
        self._blank: dict[str, Any] = {}
        self._submitted: RegistrationForm | None = None
        self._existing_customer_id: str | None = None
        self._number_options: list[tuple[str, str]] = []
        """(label, +E.164) of the golden numbers on offer, and any number given at launch."""

    # -- layout ---------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        settings = self.workbench.services.settings
        with VerticalScroll(id="registration-form", classes="individual", can_focus=False):
            yield Static("REGISTRATION", classes="screen-title")
            yield Static("CERTIFICATE INFO", classes="section-title")
            with Grid(classes="form-grid"):
                yield FormField(
                    "Certificate Type *",
                    Select(
                        [c for c in CertType.choices()],
                        value=CertType.NATIONAL_ID.value,
                        allow_blank=False,
                        id="cert_type",
                    ),
                    name="cert_type",
                )
                yield _input("cert_number", "Certificate Number *", "from the document")
                yield _input("cert_country", "Issuing Country *", "ES", value=settings.default_region, max_length=2)
                yield FormField(
                    "Customer Type",
                    Select(
                        CustomerType.choices(),
                        value=CustomerType.INDIVIDUAL.value,
                        allow_blank=False,
                        id="customer_type",
                    ),
                    name="type",
                )
                yield _field(
                    "Service Number",
                    Select([], prompt="Next free number", allow_blank=True, id="service_number"),
                    name="service_number",
                    classes="span-2",
                )
                yield _input("customer_name", "Customer Name", "fills the names below")
                with Vertical(classes="grid-button"):
                    yield Button("Check (ctrl+k)", id="check")
            with Vertical(id="check-result"):
                yield Static("", id="check-message")
                yield Button("", id="open-existing", variant="warning")
                yield NearMatchList(id="near-matches")

            with Horizontal(classes="section-title-line"):
                yield Static("BASIC INFO", classes="section-title")
            with Grid(classes="form-grid"):
                yield _input("last_name", "Last Name *", "", classes="individual-only")
                yield _input("middle_name", "Middle Name", "", classes="individual-only")
                yield _input("first_name", "First Name *", "", classes="individual-only")
                yield _input("nationality", "Nationality", "ES, FR, GB…", max_length=2, classes="individual-only")
                yield _input("organization_name", "Legal Name *", "as registered", classes="organization-only span-4")
                yield _field(
                    "Gender",
                    _radios("gender", [g.label for g in Gender]),
                    name="gender",
                    classes="individual-only span-2",
                )
                yield _field(
                    "Title", _radios("title", [label for label, _ in TITLES]), name="title", classes="individual-only"
                )
                yield _input("birthplace", "Birthplace", "", classes="individual-only")
            with Collapsible(title="MORE ▾", collapsed=True, id="more"):
                with Grid(classes="form-grid"):
                    yield _input("birthday", "Birthday *", "YYYY-MM-DD", max_length=10, classes="individual-only")
                    yield _input("email", "Email", "name@example.com")
                    yield _input("mobile", "Mobile", "612 345 678")
                    yield _input("social_id", "Social ID", "")
                    yield _input("address", "Living Address", "street, number, floor", classes="span-2")
                    yield _input("city", "City", "")
                    yield _input("postal_code", "Postal Code", "", max_length=10)
                    yield _input("id_address", "ID Address", "as printed on the document", classes="span-2")
                    yield _input("belief", "Belief (optional)", "")

            yield FormField(
                "",
                EditableRows("ATTACHMENT LIST", ATTACHMENT_COLUMNS, new_label="Upload", id="attachments"),
                name="attachments",
            )
            yield FormField("", EditableRows("CONTACT INFO", CONTACT_COLUMNS, id="contacts"), name="contacts")
            yield FormField("", EditableRows("ADDRESS INFO", ADDRESS_COLUMNS, id="addresses"), name="addresses")

            yield Static("USER INFO", classes="section-title")
            with Grid(classes="form-grid"):
                yield _input("service_password", "Service Password *", "8+ characters", password=True)
                yield _input("service_password_confirm", "Confirm Password *", "", password=True)
                yield FormField("IVR Language", Select(LANGUAGES, prompt="—", id="language"), name="language")
                yield FormField(
                    "Written Language", Select(LANGUAGES, prompt="—", id="written_language"), name="written_language"
                )

            yield Static("PREFERENCES", classes="section-title")
            with Grid(classes="form-grid"):
                currencies = list(dict.fromkeys((settings.currency, *CURRENCIES)))
                yield FormField(
                    "Currency",
                    Select([(c, c) for c in currencies], value=settings.currency, allow_blank=False, id="currency"),
                    name="currency",
                )
                yield FormField(
                    "Default Language", Select(LANGUAGES, prompt="—", id="pref_language"), name="pref_language"
                )
                yield FormField(
                    "Do-not-disturb: Channel", Select(CHANNELS, prompt="—", id="dnd_channel"), name="dnd_channel"
                )
                yield FormField("Allowed Days", Select(DAYS, prompt="—", id="dnd_days"), name="dnd_days")
                yield _input("dnd_start", "Quiet From", "HH:MM", max_length=5)
                yield _input("dnd_end", "Quiet Until", "HH:MM", max_length=5)

            yield Static("AUTHENTICATION", classes="section-title")
            with Grid(classes="form-grid"):
                yield _input("security_question", "Security Question", "e.g. first pet's name?", classes="span-2")
                yield _input("security_answer", "Answer", "", classes="span-2")
                yield FormField(
                    "Social Account", Select(SOCIAL_PROVIDERS, prompt="—", id="social_provider"), name="social_provider"
                )
                yield _input("social_subject", "Social Account Name", "user name at the provider", classes="span-2")

            yield Static("PRIMARY OFFERING", classes="section-title")
            with Grid(classes="form-grid"):
                yield _field(
                    "Primary Offering (optional)",
                    Select(
                        _offering_choices(settings.currency),
                        prompt="None: register without a line",
                        id="primary_offering",
                    ),
                    name="primary_offering",
                    classes="span-3",
                )

            with Horizontal(id="registration-buttons"):
                yield Button("SUBMIT (ctrl+s)", id="submit", variant="primary")
                yield Button("BACK (esc)", id="back")

    def on_mount(self) -> None:
        self._show_check_result(message="")
        services = self.workbench.services
        self.call_service(
            lambda: free_numbers(uow=services.reader(), golden=True, limit=50),
            self._numbers_loaded,
            group="free-numbers",
            description="Free golden numbers",
        )
        self.call_after_refresh(self._remember_blank)

    def _remember_blank(self) -> None:
        self._blank = self._values()
        if self._fill:
            fill, self._fill = self._fill, {}
            self.fill(fill)

    def _numbers_loaded(self, numbers: list[FreeNumber]) -> None:
        currency = self.workbench.services.settings.currency
        golden = [
            (f"{phone(n.service_number)} · golden · {money_text(n.fee, currency)}", f"+{n.service_number}")
            for n in numbers
        ]
        known = {value for _, value in golden}
        self._number_options = [option for option in self._number_options if option[1] not in known] + golden
        select = self.query_one("#service_number", Select)
        wanted = select.value
        select.set_options(self._number_options)
        if wanted is not Select.NULL:
            select.value = wanted

    # -- reading and filling the form ---------------------------------------------------------

    def _value(self, name: str) -> str:
        control = self.query_one(f"#{name}")
        if isinstance(control, Select):
            return "" if control.value is Select.NULL else str(control.value)
        if isinstance(control, RadioSet):
            index = control.pressed_index
            return RADIOS[name][index] if index >= 0 else ""
        assert isinstance(control, Input)
        return control.value

    def _values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            form_field.control.id: self._value(form_field.control.id)
            for form_field in self.query(FormField)
            if form_field.control.id and not isinstance(form_field.control, EditableRows)
        }
        for rows in self.query(EditableRows):
            values[rows.id or ""] = rows.rows
        return values

    def has_data(self) -> bool:
        """Did the CSR type or add anything (Back asks before throwing it away)?"""
        return self._values() != self._blank

    def registration_form(self) -> RegistrationForm:
        """The form as the registration service takes it."""
        v = self._value
        organization = v("customer_type") == CustomerType.ORGANIZATION
        person = {
            name: ("" if organization else v(name))
            for name in (
                "first_name",
                "middle_name",
                "last_name",
                "gender",
                "title",
                "nationality",
                "birthplace",
                "birthday",
            )
        }
        preferences = PreferenceInput(
            currency=v("currency"),
            language=v("pref_language"),
            dnd_channel=v("dnd_channel"),
            dnd_days=v("dnd_days"),
            dnd_start=v("dnd_start"),
            dnd_end=v("dnd_end"),
        )
        social = (
            [SocialAccountInput(provider=v("social_provider"), subject=v("social_subject"))]
            if v("social_provider") or v("social_subject").strip()
            else []
        )
        return RegistrationForm(
            type=v("customer_type"),
            cert_type=v("cert_type"),
            cert_number=v("cert_number"),
            cert_country=v("cert_country"),
            organization_name=v("organization_name") if organization else "",
            **person,
            email=v("email"),
            mobile=v("mobile"),
            address=v("address"),
            city=v("city"),
            postal_code=v("postal_code"),
            id_address=v("id_address"),
            social_id=v("social_id"),
            belief=v("belief"),
            language=v("language"),
            written_language=v("written_language"),
            service_password=v("service_password"),
            service_password_confirm=v("service_password_confirm"),
            security_question=v("security_question"),
            security_answer=v("security_answer"),
            primary_offering=v("primary_offering"),
            service_number=v("service_number"),
            confirmed_different_from=list(self.query_one(NearMatchList).selected),
            contacts=[ContactInput(**row) for row in self.query_one("#contacts", EditableRows).rows],
            addresses=[AddressInput(**row) for row in self.query_one("#addresses", EditableRows).rows],
            preferences=preferences,
            social_accounts=social,
            attachments=[row["path"] for row in self.query_one("#attachments", EditableRows).rows],
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
        if value not in {v for _, v in self._number_options}:
            self._number_options.insert(0, (phone(value.lstrip("+")) if value.startswith("+") else value, value))
            self.query_one("#service_number", Select).set_options(self._number_options)
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
        first, _, last = quick.partition(" ")
        self.query_one("#first_name", Input).value = first
        self.query_one("#last_name", Input).value = last.strip()

    # -- reacting to the CSR ------------------------------------------------------------------

    @on(Input.Submitted, "#registration-form Input")
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        inputs = [i for i in self.query("#registration-form Input").results(Input) if i.display and i.focusable]
        if inputs and event.input is inputs[-1]:
            self.action_submit()
        else:
            self.focus_next()

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
        self._forget_existing()

    @on(Input.Changed, "#cert_number, #cert_country")
    def _certificate_changed(self) -> None:
        self._forget_existing()

    # -- Check ----------------------------------------------------------------------------------

    @on(Button.Pressed, "#check")
    def action_check(self) -> None:
        """Is this person already a customer (same certificate), or does someone look like them?"""
        self._apply_quick_name()
        form = self.registration_form()
        app = self.workbench
        services, actor, settings = app.services, app.actor, app.services.settings
        today = app.clock().date()

        def check() -> _CheckOutcome:
            try:
                return _CheckOutcome(
                    check_identity(
                        form,
                        uow=services.reader(),
                        actor=actor,
                        region=settings.default_region,
                        today=today,
                        min_age=settings.min_customer_age,
                    )
                )
            except InvalidInput as error:
                if CERTIFICATE_FIELDS & error.fields.keys():
                    raise
                # The rest of the form is not ready: the exact certificate can still be looked up.
                query = CustomerQuery(
                    cert_type=form.cert_type, cert_number=form.cert_number, cert_country=form.cert_country
                )
                page = search_customers(
                    query, uow=services.reader(), actor=actor, region=settings.default_region, page_size=1
                )
                owner = page.customers[0].customer_id if page.customers else None
                return _CheckOutcome(
                    IdentityCheck(existing_customer_id=owner, near_matches=[]),
                    missing={} if owner else dict(error.fields),
                )

        self.call_service(
            check, self._checked, group="check", description="Check identity", busy=self.query_one("#check", Button)
        )

    def _checked(self, outcome: _CheckOutcome) -> None:
        check = outcome.check
        if check.existing_customer_id:
            self.show_field_errors({})
            self._show_existing(check.existing_customer_id)
            self.notify(
                f"Customer {check.existing_customer_id} already has this certificate.",
                title="Already a customer",
                severity="warning",
            )
            return
        if check.near_matches:
            self.show_field_errors({})
            self._show_near_matches(check.near_matches)
            return
        if outcome.missing:
            self._show_check_result(
                message="No customer has this certificate. To look for near matches too, fill the fields marked below."
            )
            self.show_field_errors(outcome.missing)
            return
        self.show_field_errors({})
        self._show_check_result(message="No customer has this certificate and nobody looks alike: go on.", good=True)

    def _show_existing(self, customer_id: str) -> None:
        self._existing_customer_id = customer_id
        self._show_check_result(
            message=f"This certificate belongs to customer {customer_id}: a second identity is not possible.", bad=True
        )
        button = self.query_one("#open-existing", Button)
        button.label = f"Open customer {customer_id} (enter)"
        button.display = True
        button.focus()

    def _show_near_matches(self, matches: list[NearMatch]) -> None:
        listing = self.query_one(NearMatchList)
        ticked = set(listing.selected)
        listing.clear_options()
        listing.add_options([Selection(_near_match_line(m), m.customer_id, m.customer_id in ticked) for m in matches])
        count = len(matches)
        self._show_check_result(
            message=f"{count} existing customer{'s' if count != 1 else ''} look{'s' if count == 1 else ''} like this person. "
            "Tick each one that is a different person (space) to go on; o opens one.",
            bad=True,
        )
        listing.display = True
        listing.highlighted = 0
        listing.focus()

    def _show_check_result(self, *, message: str, good: bool = False, bad: bool = False) -> None:
        text = self.query_one("#check-message", Static)
        text.update(message)
        text.display = bool(message)
        text.set_class(good, "good")
        text.set_class(bad, "bad")
        self.query_one("#open-existing").display = False
        listing = self.query_one(NearMatchList)
        listing.display = listing.option_count > 0

    def _forget_existing(self) -> None:
        if self._existing_customer_id is not None:
            self._existing_customer_id = None
            self._show_check_result(message="")

    @on(Button.Pressed, "#open-existing")
    def _open_existing(self) -> None:
        if self._existing_customer_id:
            self.workbench.open_customer(self._existing_customer_id, key_kind=None, record=False)

    @on(NearMatchList.OpenRequested)
    def _open_match(self, event: NearMatchList.OpenRequested) -> None:
        self.workbench.open_customer(event.customer_id, key_kind=None, record=False)

    # -- rows: attachments, contacts, addresses -----------------------------------------------

    @on(EditableRows.NewRequested, "#contacts")
    def _new_contact(self, event: EditableRows.NewRequested) -> None:
        self.app.push_screen(
            RowFormModal("NEW CONTACT", CONTACT_COLUMNS), lambda values: self._row_added(event.rows, values)
        )

    @on(EditableRows.NewRequested, "#addresses")
    def _new_address(self, event: EditableRows.NewRequested) -> None:
        self.app.push_screen(
            RowFormModal("NEW ADDRESS", ADDRESS_COLUMNS), lambda values: self._row_added(event.rows, values)
        )

    def _row_added(self, rows: EditableRows, values: dict[str, str] | None) -> None:
        if values:
            rows.add_row(values)
            rows.focus()
        else:
            rows.query_one(".rows-new", Button).focus()

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
            rows.add_row(
                {
                    "path": str(checked.source),
                    "filename": checked.filename,
                    "size": _size(checked.size_bytes),
                    "media_type": checked.media_type,
                    "uploaded_by": actor.username if actor else "",
                }
            )
            rows.focus()

        self.call_service(
            lambda: check_file(path, field="attachments"),
            added,
            group="check-file",
            description="Check attachment",
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
            description="Register customer",
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
            self._show_existing(str(error.extra["existing_customer_id"]))
        elif isinstance(error, PossibleDuplicates):
            self._show_near_matches([NearMatch.model_validate(m) for m in error.extra.get("near_matches", [])])
        return False

    def show_field_errors(self, errors: Mapping[str, str]) -> bool:
        """Service field names (`contacts.0.value`, `preferences.dnd_end`) to this screen's fields;
        a bad field behind MORE ▾ opens it first."""
        mapped = self._screen_errors(errors)
        more = self.query_one("#more", Collapsible)
        if any(more.query(f"#field-{name}") for name in mapped):
            more.collapsed = False
        return super().show_field_errors(mapped)

    def _screen_errors(self, errors: Mapping[str, str]) -> dict[str, str]:
        form = self._submitted or self.registration_form()
        mapped: dict[str, str] = {}
        for key, message in errors.items():
            name, message = self._screen_field(key, message, form)
            mapped.setdefault(name, message)
        return mapped

    def _screen_field(self, key: str, message: str, form: RegistrationForm) -> tuple[str, str]:
        if key in SCREEN_FIELD_ALIASES:
            return SCREEN_FIELD_ALIASES[key], message
        parts = key.split(".")
        if parts[0] == "social_accounts":
            return "social_subject", message
        if parts[0] == "attachments":
            rows = self.query_one("#attachments", EditableRows).rows
            index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
            if 0 <= index < len(rows):
                return "attachments", f"{rows[index]['filename']}: {message}"
            return "attachments", message
        if parts[0] in ROW_LISTS and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if parts[0] == "addresses":
                # The service puts the living address first and the ID address last among the addresses.
                if form.address:
                    if index == 0:
                        return ("address" if parts[2] == "detail" else "postal_code"), message
                    index -= 1
                if form.id_address and index == len(form.addresses):
                    return "id_address", message
            label = next((c.label for c in ROW_LISTS[parts[0]] if c.name == parts[2]), parts[2])
            self.query_one(f"#{parts[0]}", EditableRows).table.move_cursor(row=index)
            return parts[0], f"Row {index + 1}, {label}: {message}"
        return key, message

    # -- Back ------------------------------------------------------------------------------------

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        if self.identify_box.input.has_focus and self.identify_box.input.value:
            self.identify_box.input.value = ""
            return
        if not self.has_data():
            self.workbench.go_back()
            return

        def leave(confirmed: bool | None) -> None:
            if confirmed:
                self.workbench.go_back()

        self.app.push_screen(
            ConfirmModal(
                "Leave the registration?",
                ["What you typed on this form is thrown away.", "Nobody is registered."],
                confirm_label="Leave",
            ),
            leave,
        )


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

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="upload-cancel")]
    AUTO_FOCUS = "#upload-path"

    def compose(self) -> ComposeResult:
        from pathlib import Path

        from textual.widgets import DirectoryTree

        with Vertical(id="upload-box"):
            yield Static("UPLOAD: scanned document or signed form (PDF, PNG or JPEG)", id="upload-title")
            yield FormField(
                "File path", Input(placeholder="~/scans/dni-front.pdf", id="upload-path"), name="upload_path"
            )
            yield DirectoryTree(Path.home(), id="upload-tree")
            with Horizontal(id="upload-buttons"):
                yield Button("Add (enter)", id="upload-add", variant="primary")
                yield Button("Cancel (esc)", id="upload-cancel")

    @on(Input.Submitted, "#upload-path")
    @on(Button.Pressed, "#upload-add")
    def _add(self) -> None:
        path = self.query_one("#upload-path", Input).value.strip()
        if not path:
            self.query_one("#field-upload_path", FormField).show_error("Type a path or pick a file below.")
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
        Binding("escape", "new", "New registration", id="result-new"),
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
            title = "REGISTERED · LINE HELD FOR REVIEW" if held else "REGISTERED"
            yield Static(title, id="result-title")
            rows = [
                ("Customer ID", result.customer_id),
                ("Status", words(result.status, CustomerStatus)),
                ("Account", result.account_code or "— (no line taken)"),
                (
                    "Service number",
                    phone(result.service_number) if result.service_number else ("— (held)" if held else "—"),
                ),
                (
                    "Credit level",
                    f"{words(result.credit_level, CreditLevel)} · limit {money_text(result.credit_limit, self.currency)}",
                ),
            ]
            if result.near_matches_confirmed:
                rows.append(("Different from", ", ".join(result.near_matches_confirmed)))
            with Grid(id="result-grid"):
                for label, value in rows:
                    yield Static(label, classes="result-label")
                    yield Static(
                        value, classes="result-value", markup=False, id=f"result-{label.lower().replace(' ', '-')}"
                    )
            if result.held is not None:
                yield Static(
                    Text.assemble(
                        ("Held for review: ", "bold"),
                        result.held.reason,
                        "\nA supervisor decides in the Held registrations queue; the line is given when approved.",
                    ),
                    id="result-held",
                )
            for warning in result.warnings:
                yield Static(Text(f"⚠ {warning}"), classes="result-warning")
            with Horizontal(id="result-buttons"):
                yield Button(f"Open customer {result.customer_id} (enter)", id="result-open", variant="primary")
                yield Button("New registration (esc)", id="result-new")

    @on(Button.Pressed, "#result-open")
    def _open(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#result-new")
    def action_new(self) -> None:
        self.dismiss(False)


def _field(label: str, control: Widget, *, name: str, classes: str = "") -> FormField:
    form_field = FormField(label, control, name=name)
    form_field.add_class(*classes.split())
    return form_field


def _input(
    name: str,
    label: str,
    placeholder: str,
    *,
    value: str = "",
    password: bool = False,
    max_length: int = 200,
    classes: str = "",
) -> FormField:
    return _field(
        label,
        Input(value=value, placeholder=placeholder, password=password, max_length=max_length, id=name),
        name=name,
        classes=classes,
    )


def _radios(name: str, labels: list[str]) -> RadioSet:
    return RadioSet(*(RadioButton(label) for label in labels), id=name)


def _offering_choices(currency: str) -> list[tuple[str, str]]:
    choices = []
    for entry in catalog_entries():
        commitment = f"{entry['commitment_months']} months" if int(entry["commitment_months"]) else "no commitment"
        fee = money_text(Decimal(entry["monthly_fee"]), currency)
        choices.append(
            (
                f"{entry['name']} · {words(entry['payment_type'], PaymentType)} · {fee}/month · {commitment}",
                entry["code"],
            )
        )
    return choices


def _near_match_line(match: NearMatch) -> Text:
    agree = ", ".join(match.agree) or "—"
    return Text.assemble(
        (f"{match.customer_id}  ", "bold"),
        (f"{match.name[:28]:<28}  ", ""),
        (f"{words(match.status, CustomerStatus):<10}  ", ""),
        (f"score {match.score:.2f}  ", "bold"),
        f"agree: {agree}",
    )


def _size(size_bytes: int) -> str:
    if size_bytes < 1024:
        return f"{size_bytes} B"
    if size_bytes < 1024 * 1024:
        return f"{size_bytes / 1024:.1f} KB"
    return f"{size_bytes / (1024 * 1024):.1f} MB"

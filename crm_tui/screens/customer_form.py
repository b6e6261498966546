"""The groups of fields a customer's record has, as one widget: basic info (with MORE ▾), attachments,
contacts, addresses, user info, preferences and authentication; and the reader of any form's fields.

Registration composes it between its certificate and its primary offering; editing a profile needs
the same groups, so they live here once. The widget adds a contact or an address through the row form
itself; attachments are uploaded by the screen that holds it (`EditableRows.NewRequested` from
`#attachments` bubbles up to it). Its look (section titles, the four-column grids, MORE ▾,
`.individual-only` / `.organization-only`) is in `registration.tcss`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Input, RadioButton, RadioSet, Select, Static

from crm_tui import present
from crm_tui.domain import Gender
from crm_tui.i18n import N_, _
from crm_tui.widgets.editable_rows import EditableRows, RowField, RowFormModal
from crm_tui.widgets.form_field import FREE_TEXT, FormField
from crm_tui.widgets.text_input import TextInput

LANGUAGE_CODES = ("es", "ca", "eu", "gl", "en", "fr", "de", "pt", "it", "ro", "ar", "zh")
"""The languages offered in the selects, named in the operator's language (`present.language_choices`)."""
TITLES = ((N_("Mr"), "mr"), (N_("Mrs"), "mrs"), (N_("Ms"), "ms"))
CHANNELS = (("SMS", "sms"), (N_("Email"), "email"), (N_("Phone call"), "phone"), (N_("Letter"), "letter"))
DAYS = ((N_("Every day"), "mon-sun"), (N_("Monday to Friday"), "mon-fri"), (N_("Weekends"), "sat-sun"))
SOCIAL_PROVIDERS = (("Google", "google"), ("Facebook", "facebook"), ("Apple", "apple"), ("X", "x"))
CURRENCIES = ("EUR", "USD", "GBP", "CHF")
"""The (label, value) constants here and the row fields below are marked with N_(): `choices` and
`translated` put them in the operator's language when a form is composed."""

CONTACT_COLUMNS = (
    RowField(
        "contact_type",
        N_("Contact Type"),
        (
            (N_("Primary"), "primary"),
            (N_("Legal representative"), "legal_representative"),
            (N_("Emergency"), "emergency"),
            (N_("Billing"), "billing"),
        ),
        default="primary",
        width=20,
    ),
    RowField("first_name", N_("First Name"), width=12),
    RowField("middle_name", N_("Middle Name"), width=11),
    RowField("last_name", N_("Last Name"), width=16),
    RowField("title", N_("Title"), TITLES, width=5),
    RowField(
        "method",
        N_("Contact Method"),
        ((N_("Mobile"), "mobile"), (N_("Email"), "email"), (N_("Landline"), "landline"), (N_("Social"), "social")),
        default="mobile",
        width=14,
    ),
    RowField("value", N_("Value"), placeholder=N_("number, email or account"), required=True, width=24),
)
ADDRESS_COLUMNS = (
    RowField("region", N_("Region"), placeholder=N_("province"), width=14),
    RowField("city", N_("City"), width=14),
    RowField("detail", N_("Detailed Address"), placeholder=N_("street, number, floor"), required=True, width=30),
    RowField("postal_code", N_("Postal Code"), width=11),
    RowField(
        "address_type",
        N_("Address Type"),
        ((N_("Living"), "living"), (N_("Billing"), "billing"), (N_("Delivery"), "delivery"), (N_("ID address"), "id")),
        default="billing",
        width=12,
    ),
    RowField("contact_point", N_("Contact Point"), placeholder=N_("who or where to ask"), width=18),
)
ATTACHMENT_COLUMNS = (
    RowField("filename", N_("File"), width=40),
    RowField("size", N_("Size"), width=10),
    RowField(
        "media_type",
        N_("Type"),
        (("PDF", "application/pdf"), (N_("PNG image"), "image/png"), (N_("JPEG image"), "image/jpeg")),
        width=12,
    ),
    RowField("uploaded_by", N_("Uploaded By"), width=16),
)


def choices(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(label, value) pairs with their labels in the operator's language."""
    return [(_(label), value) for label, value in pairs]


def translated(fields: Sequence[RowField]) -> tuple[RowField, ...]:
    """Row fields with their label, placeholder and choices in the operator's language."""
    return tuple(
        replace(
            spec,
            label=_(spec.label),
            placeholder=_(spec.placeholder),
            choices=choices(spec.choices) if spec.choices else spec.choices,
        )
        for spec in fields
    )


RADIOS: dict[str, tuple[str, ...]] = {"gender": tuple(g.value for g in Gender), "title": tuple(v for _l, v in TITLES)}
"""RadioSet fields: the value of each button, in order."""
ROW_LISTS = {"contacts": CONTACT_COLUMNS, "addresses": ADDRESS_COLUMNS}
"""The row lists a CSR adds to with the row form, by widget ID."""


class CustomerForm(Vertical):
    """Basic info (MORE ▾), attachments, contacts, addresses, user info, preferences and authentication."""

    DEFAULT_CSS = "CustomerForm { height: auto; }"

    def __init__(self, *, currency: str, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.currency = currency
        """The shop's currency: the first choice of the preferred currency, and the default."""

    def compose(self) -> ComposeResult:
        yield from basic_info()
        yield from row_lists()
        yield from user_info()
        yield from preferences(self.currency)
        yield from authentication()

    def value(self, name: str) -> str:
        """One field's value, as the services take it."""
        return read_value(self, name)

    @on(EditableRows.NewRequested, "#contacts")
    def _new_contact(self, event: EditableRows.NewRequested) -> None:
        self.app.push_screen(
            RowFormModal(_("NEW CONTACT"), translated(CONTACT_COLUMNS)),
            lambda values: self._row_added(event.rows, values),
        )

    @on(EditableRows.NewRequested, "#addresses")
    def _new_address(self, event: EditableRows.NewRequested) -> None:
        self.app.push_screen(
            RowFormModal(_("NEW ADDRESS"), translated(ADDRESS_COLUMNS)),
            lambda values: self._row_added(event.rows, values),
        )

    def _row_added(self, rows: EditableRows, values: dict[str, str] | None) -> None:
        if values:
            rows.add_row(values)
            rows.focus()
        else:
            rows.query_one(".rows-new", Button).focus()


# -- the groups, each a compose helper ----------------------------------------------------------------


def basic_info() -> ComposeResult:
    """Names, gender, title, birthplace; behind MORE ▾ birthday, email, mobile, addresses, belief."""
    with Horizontal(classes="section-title-line"):
        yield Static(_("BASIC INFO"), classes="section-title")
    with Grid(classes="form-grid"):
        yield text_field("last_name", _("Last Name *"), "", classes="individual-only")
        yield text_field("middle_name", _("Middle Name"), "", classes="individual-only")
        yield text_field("first_name", _("First Name *"), "", classes="individual-only")
        yield text_field("nationality", _("Nationality"), "ES, FR, GB…", max_length=2, classes="individual-only")
        yield text_field("organization_name", _("Legal Name *"), _("as registered"), classes="organization-only span-4")
        yield form_field(
            _("Gender"),
            radio_set("gender", [g.label for g in Gender]),
            name="gender",
            classes="individual-only span-2",
        )
        yield form_field(
            _("Title"),
            radio_set("title", [_(label) for label, _value in TITLES]),
            name="title",
            classes="individual-only",
        )
        yield text_field("birthplace", _("Birthplace"), "", classes="individual-only")
    with Collapsible(title=_("MORE ▾"), collapsed=True, id="more"):
        with Grid(classes="form-grid"):
            yield text_field(
                "birthday",
                _("Birthday *"),
                present.day_example(),
                max_length=10,
                classes="individual-only",
                free_text=True,
            )  # free text: a date is typed with `/` (31/12/1988), not a jump to the identify box
            yield text_field("email", _("Email"), _("name@example.com"))
            yield text_field("mobile", _("Mobile"), "612 345 678")
            yield text_field("social_id", _("Social ID"), "")
            yield text_field(
                "address", _("Living Address"), _("street, number, floor"), classes="span-2", free_text=True
            )
            yield text_field("city", _("City"), "")
            yield text_field("postal_code", _("Postal Code"), "", max_length=10)
            yield text_field(
                "id_address", _("ID Address"), _("as printed on the document"), classes="span-2", free_text=True
            )
            yield text_field("belief", _("Belief (optional)"), "", free_text=True)


def row_lists() -> ComposeResult:
    """The attachment, contact and address lists."""
    yield FormField(
        "",
        EditableRows(_("ATTACHMENT LIST"), translated(ATTACHMENT_COLUMNS), new_label=_("Upload"), id="attachments"),
        name="attachments",
    )
    yield FormField(
        "",
        EditableRows(_("CONTACT INFO"), translated(CONTACT_COLUMNS), new_label=_("New"), id="contacts"),
        name="contacts",
    )
    yield FormField(
        "",
        EditableRows(_("ADDRESS INFO"), translated(ADDRESS_COLUMNS), new_label=_("New"), id="addresses"),
        name="addresses",
    )


def user_info() -> ComposeResult:
    """The service password (twice) and the IVR and written languages."""
    yield Static(_("USER INFO"), classes="section-title")
    with Grid(classes="form-grid"):
        yield text_field("service_password", _("Service Password *"), _("8+ characters"), password=True)
        yield text_field("service_password_confirm", _("Confirm Password *"), "", password=True)
        yield FormField(
            _("IVR Language"),
            Select(present.language_choices(LANGUAGE_CODES), prompt="—", id="language"),
            name="language",
        )
        yield FormField(
            _("Written Language"),
            Select(present.language_choices(LANGUAGE_CODES), prompt="—", id="written_language"),
            name="written_language",
        )


def preferences(currency: str) -> ComposeResult:
    """Currency, default language and do-not-disturb (channel, days, quiet hours)."""
    yield Static(_("PREFERENCES"), classes="section-title")
    with Grid(classes="form-grid"):
        currencies = list(dict.fromkeys((currency, *CURRENCIES)))
        yield FormField(
            _("Currency"),
            Select([(c, c) for c in currencies], value=currency, allow_blank=False, id="currency"),
            name="currency",
        )
        yield FormField(
            _("Default Language"),
            Select(present.language_choices(LANGUAGE_CODES), prompt="—", id="pref_language"),
            name="pref_language",
        )
        yield FormField(
            _("Do-not-disturb: Channel"), Select(choices(CHANNELS), prompt="—", id="dnd_channel"), name="dnd_channel"
        )
        yield FormField(_("Allowed Days"), Select(choices(DAYS), prompt="—", id="dnd_days"), name="dnd_days")
        yield text_field("dnd_start", _("Quiet From"), _("HH:MM"), max_length=5)
        yield text_field("dnd_end", _("Quiet Until"), _("HH:MM"), max_length=5)


def authentication() -> ComposeResult:
    """The security question and answer, a social account and the optional login name."""
    yield Static(_("AUTHENTICATION"), classes="section-title")
    with Grid(classes="form-grid"):
        yield text_field(
            "security_question",
            _("Security Question"),
            _("e.g. first pet's name?"),
            classes="span-2",
            free_text=True,
        )
        yield text_field("security_answer", _("Answer"), "", classes="span-2", free_text=True)
        yield FormField(
            _("Social Account"), Select(SOCIAL_PROVIDERS, prompt="—", id="social_provider"), name="social_provider"
        )
        yield text_field("social_subject", _("Social Account Name"), _("user name at the provider"), classes="span-2")
        yield text_field("login_name", _("Login Name"), _("optional: lucia.garcia"), max_length=32)


# -- fields -----------------------------------------------------------------------------------------


def form_field(label: str, control: Widget, *, name: str, classes: str = "") -> FormField:
    """A labelled control with extra classes (`span-2`, `individual-only`)."""
    field = FormField(label, control, name=name)
    field.add_class(*classes.split())
    return field


def text_field(
    name: str,
    label: str,
    placeholder: str,
    *,
    value: str = "",
    password: bool = False,
    max_length: int = 200,
    classes: str = "",
    free_text: bool = False,
) -> FormField:
    """A labelled Input whose ID is the field's name; `free_text` where a `/` is typed (an address), not a jump."""
    control = TextInput(value=value, placeholder=placeholder, password=password, max_length=max_length, id=name)
    control.set_class(free_text, FREE_TEXT)
    return form_field(label, control, name=name, classes=classes)


def radio_set(name: str, labels: list[str]) -> RadioSet:
    """One button a label; RADIOS[name] holds their values."""
    return RadioSet(*(RadioButton(label) for label in labels), id=name)


# -- reading ----------------------------------------------------------------------------------------


def read_value(root: DOMNode, name: str) -> str:
    """The value of the control with ID `name` under `root`: "" for no choice, a RadioSet's value from RADIOS."""
    control = root.query_one(f"#{name}")
    if isinstance(control, Select):
        return "" if control.value is Select.NULL else str(control.value)
    if isinstance(control, RadioSet):
        index = control.pressed_index
        return RADIOS[name][index] if index >= 0 else ""
    assert isinstance(control, Input)
    return control.value


def read_values(root: DOMNode) -> dict[str, Any]:
    """Every field under `root` by ID, the row lists as their rows: compared to tell if anything was typed."""
    values: dict[str, Any] = {
        field.control.id: read_value(root, field.control.id)
        for field in root.query(FormField)
        if field.control.id and not isinstance(field.control, EditableRows)
    }
    for rows in root.query(EditableRows):
        values[rows.id or ""] = rows.rows
    return values

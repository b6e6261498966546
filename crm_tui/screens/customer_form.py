"""The groups of fields a customer's record has, as one widget: basic info (with MORE ▾), attachments,
contacts, addresses, user info, preferences and authentication; and the reader of any form's fields.

Registration composes it between its certificate and its primary offering; editing a profile needs
the same groups, so they live here once. The widget adds a contact or an address through the row form
itself; attachments are uploaded by the screen that holds it (`EditableRows.NewRequested` from
`#attachments` bubbles up to it). Its look (section titles, the four-column grids, MORE ▾,
`.individual-only` / `.organization-only`) is in `registration.tcss`.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Input, RadioButton, RadioSet, Select, Static

from crm_tui import present
from crm_tui.domain import Gender
from crm_tui.widgets.editable_rows import EditableRows, RowField, RowFormModal
from crm_tui.widgets.form_field import FREE_TEXT, FormField

LANGUAGE_CODES = ("es", "ca", "eu", "gl", "en", "fr", "de", "pt", "it", "ro", "ar", "zh")
"""The languages offered in the selects, named in the operator's language (`present.language_choices`)."""
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


# -- the groups, each a compose helper ----------------------------------------------------------------


def basic_info() -> ComposeResult:
    """Names, gender, title, birthplace; behind MORE ▾ birthday, email, mobile, addresses, belief."""
    with Horizontal(classes="section-title-line"):
        yield Static("BASIC INFO", classes="section-title")
    with Grid(classes="form-grid"):
        yield text_field("last_name", "Last Name *", "", classes="individual-only")
        yield text_field("middle_name", "Middle Name", "", classes="individual-only")
        yield text_field("first_name", "First Name *", "", classes="individual-only")
        yield text_field("nationality", "Nationality", "ES, FR, GB…", max_length=2, classes="individual-only")
        yield text_field("organization_name", "Legal Name *", "as registered", classes="organization-only span-4")
        yield form_field(
            "Gender",
            radio_set("gender", [g.label for g in Gender]),
            name="gender",
            classes="individual-only span-2",
        )
        yield form_field(
            "Title", radio_set("title", [label for label, _ in TITLES]), name="title", classes="individual-only"
        )
        yield text_field("birthplace", "Birthplace", "", classes="individual-only")
    with Collapsible(title="MORE ▾", collapsed=True, id="more"):
        with Grid(classes="form-grid"):
            yield text_field(
                "birthday",
                "Birthday *",
                present.day_example(),
                max_length=10,
                classes="individual-only",
                free_text=True,
            )  # free text: a date is typed with `/` (31/12/1988), not a jump to the identify box
            yield text_field("email", "Email", "name@example.com")
            yield text_field("mobile", "Mobile", "612 345 678")
            yield text_field("social_id", "Social ID", "")
            yield text_field("address", "Living Address", "street, number, floor", classes="span-2", free_text=True)
            yield text_field("city", "City", "")
            yield text_field("postal_code", "Postal Code", "", max_length=10)
            yield text_field("id_address", "ID Address", "as printed on the document", classes="span-2", free_text=True)
            yield text_field("belief", "Belief (optional)", "", free_text=True)


def row_lists() -> ComposeResult:
    """The attachment, contact and address lists."""
    yield FormField(
        "",
        EditableRows("ATTACHMENT LIST", ATTACHMENT_COLUMNS, new_label="Upload", id="attachments"),
        name="attachments",
    )
    yield FormField("", EditableRows("CONTACT INFO", CONTACT_COLUMNS, id="contacts"), name="contacts")
    yield FormField("", EditableRows("ADDRESS INFO", ADDRESS_COLUMNS, id="addresses"), name="addresses")


def user_info() -> ComposeResult:
    """The service password (twice) and the IVR and written languages."""
    yield Static("USER INFO", classes="section-title")
    with Grid(classes="form-grid"):
        yield text_field("service_password", "Service Password *", "8+ characters", password=True)
        yield text_field("service_password_confirm", "Confirm Password *", "", password=True)
        yield FormField(
            "IVR Language", Select(present.language_choices(LANGUAGE_CODES), prompt="—", id="language"), name="language"
        )
        yield FormField(
            "Written Language",
            Select(present.language_choices(LANGUAGE_CODES), prompt="—", id="written_language"),
            name="written_language",
        )


def preferences(currency: str) -> ComposeResult:
    """Currency, default language and do-not-disturb (channel, days, quiet hours)."""
    yield Static("PREFERENCES", classes="section-title")
    with Grid(classes="form-grid"):
        currencies = list(dict.fromkeys((currency, *CURRENCIES)))
        yield FormField(
            "Currency",
            Select([(c, c) for c in currencies], value=currency, allow_blank=False, id="currency"),
            name="currency",
        )
        yield FormField(
            "Default Language",
            Select(present.language_choices(LANGUAGE_CODES), prompt="—", id="pref_language"),
            name="pref_language",
        )
        yield FormField("Do-not-disturb: Channel", Select(CHANNELS, prompt="—", id="dnd_channel"), name="dnd_channel")
        yield FormField("Allowed Days", Select(DAYS, prompt="—", id="dnd_days"), name="dnd_days")
        yield text_field("dnd_start", "Quiet From", "HH:MM", max_length=5)
        yield text_field("dnd_end", "Quiet Until", "HH:MM", max_length=5)


def authentication() -> ComposeResult:
    """The security question and answer, a social account and the optional login name."""
    yield Static("AUTHENTICATION", classes="section-title")
    with Grid(classes="form-grid"):
        yield text_field(
            "security_question", "Security Question", "e.g. first pet's name?", classes="span-2", free_text=True
        )
        yield text_field("security_answer", "Answer", "", classes="span-2", free_text=True)
        yield FormField(
            "Social Account", Select(SOCIAL_PROVIDERS, prompt="—", id="social_provider"), name="social_provider"
        )
        yield text_field("social_subject", "Social Account Name", "user name at the provider", classes="span-2")
        yield text_field("login_name", "Login Name", "optional: lucia.garcia", max_length=32)


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
    control = Input(value=value, placeholder=placeholder, password=password, max_length=max_length, id=name)
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

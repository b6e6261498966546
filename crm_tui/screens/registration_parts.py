"""What the Registration screen works out without widgets: the form as the service takes it, what Check
asks and says, the choices (offerings, golden numbers), the lines (a near match, an attachment) and
where each of the service's field errors belongs on the screen.

Kept apart from `crm_tui.screens.registration` (the widgets and the flow) so each can be read, and
these tested, on their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from rich.text import Text

from crm_tui import present
from crm_tui.domain import CustomerStatus, CustomerType, PaymentType
from crm_tui.errors import InvalidInput
from crm_tui.i18n import N_, _, ngettext
from crm_tui.present import money_text, phone, words
from crm_tui.screens.customer_form import ROW_LISTS
from crm_tui.services.context import Services
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.identity.attachments import CheckedFile
from crm_tui.services.identity.near_matches import IdentityCheck, NearMatch, check_identity
from crm_tui.services.identity.registration_form import (
    AddressInput,
    ContactInput,
    PreferenceInput,
    RegistrationForm,
    SocialAccountInput,
)
from crm_tui.services.lines.inventory import FreeNumber
from crm_tui.services.shared.catalog import catalog_entries
from crm_tui.services.shared.views import Actor

CERTIFICATE_FIELDS = frozenset({"cert_type", "cert_number", "cert_country"})
"""The fields Check needs to look the certificate up; the rest only to look for near matches."""
SCREEN_FIELD_ALIASES = {
    "preferences.currency": "currency",
    "preferences.language": "pref_language",
    "preferences.written_language": "written_language",
    "preferences.dnd_channel": "dnd_channel",
    "preferences.dnd_days": "dnd_days",
    "preferences.dnd_start": "dnd_start",
    "preferences.dnd_end": "dnd_end",
}
"""The service's names of the preference fields, to this screen's."""

PERSON_FIELDS = ("first_name", "middle_name", "last_name", "gender", "title", "nationality", "birthplace", "birthday")
"""Left empty for an organization, whatever the hidden fields hold."""
CHECK_MISSING = N_("No customer has this certificate. To look for near matches too, fill the fields marked below.")
CHECK_CLEAR = N_("No customer has this certificate and nobody looks alike: go on.")
"""What Check says (marked here, translated where shown)."""


# -- the form ----------------------------------------------------------------------------------------


def registration_form(
    value: Callable[[str], str],
    *,
    different_from: Sequence[str],
    contacts: Sequence[Mapping[str, str]],
    addresses: Sequence[Mapping[str, str]],
    attachments: Sequence[Mapping[str, str]],
) -> RegistrationForm:
    """The form as the registration service takes it, from each field's `value` and the row lists."""
    v = value
    organization = v("customer_type") == CustomerType.ORGANIZATION
    person = {name: ("" if organization else v(name)) for name in PERSON_FIELDS}
    person["birthday"] = present.iso_day(person["birthday"])
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
        login_name=v("login_name"),
        service_password=v("service_password"),
        service_password_confirm=v("service_password_confirm"),
        security_question=v("security_question"),
        security_answer=v("security_answer"),
        primary_offering=v("primary_offering"),
        service_number=v("service_number"),
        confirmed_different_from=list(different_from),
        contacts=[ContactInput(**row) for row in contacts],
        addresses=[AddressInput(**row) for row in addresses],
        preferences=preferences,
        social_accounts=social,
        attachments=[row["path"] for row in attachments],
    )


# -- Check -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckOutcome:
    """What Check found, and the fields still missing for a near-match search (if any)."""

    check: IdentityCheck
    missing: dict[str, str] = field(default_factory=dict)


def check_registration(form: RegistrationForm, *, services: Services, actor: Actor, today: date) -> CheckOutcome:
    """Is this person already a customer (same certificate), or does someone look like them? With only
    the certificate filled, the certificate is still looked up and the rest is said to be missing."""
    settings = services.settings
    try:
        return CheckOutcome(
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
        query = CustomerQuery(cert_type=form.cert_type, cert_number=form.cert_number, cert_country=form.cert_country)
        page = search_customers(query, uow=services.reader(), actor=actor, region=settings.default_region, page_size=1)
        owner = page.customers[0].customer_id if page.customers else None
        return CheckOutcome(
            IdentityCheck(existing_customer_id=owner, near_matches=[]),
            missing={} if owner else dict(error.fields),
        )


def existing_message(customer_id: str) -> str:
    return _("This certificate belongs to customer {customer_id}: a second identity is not possible.").format(
        customer_id=customer_id
    )


def near_matches_message(count: int) -> str:
    looks = ngettext(
        "{count} existing customer looks like this person.", "{count} existing customers look like this person.", count
    ).format(count=count)
    return looks + " " + _("Tick each one that is a different person (space) to go on; o opens one.")


def near_match_line(match: NearMatch) -> Text:
    """One row of the near-match list: ID, name, status, score and the fields that agree."""
    agree = ", ".join(match.agree) or "—"
    return Text.assemble(
        (f"{match.customer_id}  ", "bold"),
        (f"{match.name[:28]:<28}  ", ""),
        (f"{words(match.status, CustomerStatus):<10}  ", ""),
        (_("score {score}").format(score=f"{match.score:.2f}") + "  ", "bold"),
        _("agree: {fields}").format(fields=agree),
    )


# -- choices and rows --------------------------------------------------------------------------------


def offering_choices(currency: str) -> list[tuple[str, str]]:
    """(label, code) of every primary offering: name, payment type, monthly fee, commitment."""
    choices = []
    for entry in catalog_entries():
        months = int(entry["commitment_months"])
        commitment = (
            ngettext("{count} month", "{count} months", months).format(count=months) if months else _("no commitment")
        )
        fee = money_text(Decimal(entry["monthly_fee"]), currency)
        choices.append(
            (
                _("{name} · {payment_type} · {fee}/month · {commitment}").format(
                    name=entry["name"],
                    payment_type=words(entry["payment_type"], PaymentType),
                    fee=fee,
                    commitment=commitment,
                ),
                entry["code"],
            )
        )
    return choices


def golden_number_choices(numbers: Sequence[FreeNumber], currency: str) -> list[tuple[str, str]]:
    """(label, +E.164) of the golden numbers on offer, with their fee."""
    return [
        (
            _("{number} · golden · {fee}").format(number=phone(n.service_number), fee=money_text(n.fee, currency)),
            f"+{n.service_number}",
        )
        for n in numbers
    ]


def attachment_row(checked: CheckedFile, *, uploaded_by: str) -> dict[str, str]:
    """A checked file as a row of the attachment list (the path is kept for the service)."""
    return {
        "path": str(checked.source),
        "filename": checked.filename,
        "size": file_size(checked.size_bytes),
        "media_type": checked.media_type,
        "uploaded_by": uploaded_by,
    }


def file_size(size_bytes: int) -> str:
    """Bytes in the biggest unit that keeps a whole number in front: "812 B", "1.5 KB", "3.2 MB"."""
    if size_bytes < 1024:
        return f"{size_bytes} B"
    if size_bytes < 1024 * 1024:
        return f"{size_bytes / 1024:.1f} KB"
    return f"{size_bytes / (1024 * 1024):.1f} MB"


# -- field errors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenErrors:
    """The service's field errors placed on the screen."""

    messages: dict[str, str]
    """The message under each of the screen's fields (the first one a field got)."""
    rows: dict[str, int]
    """The row of a contact or address list to put the cursor on, by list ID."""


def screen_errors(
    errors: Mapping[str, str], form: RegistrationForm, attachments: Sequence[Mapping[str, str]]
) -> ScreenErrors:
    """Service field names (`contacts.0.value`, `preferences.dnd_end`) to this screen's fields."""
    messages: dict[str, str] = {}
    rows: dict[str, int] = {}
    for key, message in errors.items():
        name, message, row = _screen_field(key, message, form, attachments)
        messages.setdefault(name, message)
        if row is not None:
            rows[name] = row
    return ScreenErrors(messages, rows)


def _screen_field(
    key: str, message: str, form: RegistrationForm, attachments: Sequence[Mapping[str, str]]
) -> tuple[str, str, int | None]:
    if key in SCREEN_FIELD_ALIASES:
        return SCREEN_FIELD_ALIASES[key], message, None
    parts = key.split(".")
    if parts[0] == "social_accounts":
        return "social_subject", message, None
    if parts[0] == "attachments":
        index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1
        if 0 <= index < len(attachments):
            return "attachments", f"{attachments[index]['filename']}: {message}", None
        return "attachments", message, None
    if parts[0] in ROW_LISTS and len(parts) == 3 and parts[1].isdigit():
        index = int(parts[1])
        if parts[0] == "addresses":
            # The service puts the living address first and the ID address last among the addresses.
            if form.address:
                if index == 0:
                    return ("address" if parts[2] == "detail" else "postal_code"), message, None
                index -= 1
            if form.id_address and index == len(form.addresses):
                return "id_address", message, None
        label = next((_(c.label) for c in ROW_LISTS[parts[0]] if c.name == parts[2]), parts[2])
        return parts[0], _("Row {row}, {field}: {message}").format(row=index + 1, field=label, message=message), index
    return key, message, None

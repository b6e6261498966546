"""The registration form: what a CSR or a script hands in, and its validation into a ValidRegistration.

Over 400 lines on purpose: the form's fields and validate_registration read together, each field's
rule next to the others it depends on (type, certificate, birthday, contacts, addresses).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from crm_tui.domain import (
    CertType,
    CustomerType,
    Gender,
)
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.services.customers.matching import (
    ADDRESS_SEP,
    Profile,
)
from crm_tui.services.identity.attachments import (
    CheckedFile,
    check_file,
)
from crm_tui.services.shared.certificates import parse_certificate
from crm_tui.services.shared.passwords import MIN_SERVICE_PASSWORD as MIN_SERVICE_PASSWORD
from crm_tui.services.shared.passwords import service_password_problem
from crm_tui.services.shared.validation import (
    clean_text,
    field_label,
    normalize_name,
    parse_country,
    parse_currency,
    parse_email,
    parse_language,
    parse_login_name,
    parse_mobile,
    parse_phone,
)

ADDRESS_TEXT = ("detail", "city", "region", "postal_code", "country", "contact_point")
"""An address's free-text parts: each checked (no control characters, a length) and stored trimmed."""
NAME_PUNCTUATION = frozenset(" '’.-")
"""Besides letters and their combining marks (a name typed decomposed, as macOS and some exports do)."""
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
CONTACT_METHODS = ("mobile", "email", "landline", "social")
TITLES = ("mr", "mrs", "ms", "dr")


def _is_name(value: str) -> bool:
    """Letters (any script), combining marks, spaces, apostrophes, dots and hyphens; a mark never first."""
    categories = [unicodedata.category(ch)[0] for ch in value]
    allowed = all(kind in "LM" or ch in NAME_PUNCTUATION for ch, kind in zip(value, categories, strict=True))
    return allowed and categories[0] != "M" and any(kind == "L" for kind in categories)


# --- the form --------------------------------------------------------------------------------


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactInput(_Input):
    contact_type: str = "primary"
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    title: str = ""
    method: str = "mobile"
    value: str = ""


class AddressInput(_Input):
    address_type: str = "living"
    region: str = ""
    city: str = ""
    detail: str = ""
    postal_code: str = ""
    country: str = ""
    contact_point: str = ""


class PreferenceInput(_Input):
    currency: str = ""
    language: str = ""
    written_language: str = ""
    dnd_channel: str = ""
    dnd_days: str = ""
    dnd_start: str = ""
    dnd_end: str = ""


class SocialAccountInput(_Input):
    provider: str
    subject: str


class RegistrationForm(_Input):
    """One customer in the import format of CLI.md (empty string = absent), plus screen-only fields."""

    type: str = "individual"
    cert_type: str = ""
    cert_number: str = ""
    cert_country: str = ""
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    organization_name: str = ""
    gender: str = ""
    title: str = ""
    nationality: str = ""
    birthplace: str = ""
    birthday: str = ""
    email: str = ""
    mobile: str = ""
    address: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    id_address: str = ""
    social_id: str = ""
    belief: str = ""
    language: str = ""
    written_language: str = ""
    login_name: str = ""
    """Optional sign-in name (letters, digits, . _ -; 3 to 32), unique whatever its case."""
    service_password: str = ""
    service_password_confirm: str | None = None
    security_question: str = ""
    security_answer: str = ""
    primary_offering: str = ""
    account_id: str = ""
    service_number: str = ""
    confirmed_different_from: list[str] = Field(default_factory=list)
    contacts: list[ContactInput] = Field(default_factory=list)
    addresses: list[AddressInput] = Field(default_factory=list)
    preferences: PreferenceInput | None = None
    social_accounts: list[SocialAccountInput] = Field(default_factory=list)
    attachments: list[str] = Field(default_factory=list)
    """Paths of files to attach (scanned document, signed form)."""


@dataclass(frozen=True)
class ValidRegistration:
    """A form that passed every field check, in stored form."""

    form: RegistrationForm
    type: CustomerType
    cert_type: CertType
    cert_number: str
    cert_country: str
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    organization_name: str | None
    display_name: str
    name_search: str
    gender: str | None
    title: str | None
    nationality: str | None
    birthplace: str | None
    birthday: date | None
    email: str | None
    mobile: str | None
    service_number: str | None
    login_name: str | None
    contacts: list[tuple[ContactInput, str]]
    addresses: list[AddressInput]
    security_answer_normalized: str | None
    files: list[CheckedFile]
    incomplete: tuple[str, ...] = ()
    """Why the record is kept incomplete (`keep_incomplete` only): a missing or improbable birthday,
    left empty. Empty for every registration at the counter."""

    def profile(self) -> Profile:
        contacts = {c for c in (self.email, self.mobile) if c} | {value for _, value in self.contacts}
        address = ADDRESS_SEP.join(normalize_name(a.detail) for a in self.addresses)
        return Profile(self.name_search, self.birthday, frozenset({self.cert_number}), frozenset(contacts), address)


def validate_registration(
    form: RegistrationForm,
    *,
    region: str,
    today: date,
    min_age: int = 16,
    require_password: bool = True,
    keep_incomplete: bool = False,
) -> ValidRegistration:
    """Every field checked, all errors at once (each under its field), nothing touched in storage.

    `keep_incomplete` (an import of legacy records, an edit of such a record): a person's missing or
    improbable birthday (in the future, older than 120) is no error; the birthday is left empty and
    the reason is in `incomplete`. A malformed date or one under the minimum age is still refused."""
    errors: dict[str, str] = {}
    messages: list[str] = []
    incomplete: list[str] = []

    def fail(field: str, at_field: str, message: str | None = None) -> None:
        errors.setdefault(field, at_field)
        messages.append(message or _("{field}: {problem}").format(field=field_label(field), problem=at_field))

    def text(field: str, value: str, *, max_length: int = 100) -> str | None:
        try:
            cleaned = clean_text(value, field=field, max_length=max_length)
        except InvalidInput as error:
            fail(field, error.fields[field], error.message)
            return None
        return cleaned or None

    def name(field: str, value: str) -> str | None:
        cleaned = text(field, value)
        if cleaned and not _is_name(cleaned):
            fail(field, _("Letters, spaces, apostrophes and hyphens only."))
            return None
        return cleaned

    try:
        kind = CustomerType(form.type.lower() or "individual")
    except ValueError:
        kind = CustomerType.INDIVIDUAL
        fail("type", _("Individual or organization."))
    cert_type, cert_number, cert_country = CertType.PASSPORT, "", ""
    try:
        cert_type, cert_number, cert_country = parse_certificate(form.cert_type, form.cert_number, form.cert_country)
    except InvalidInput as error:
        for field, message in error.fields.items():
            fail(field, message)
        messages.append(error.message)

    first, middle, last = (
        name("first_name", form.first_name),
        name("middle_name", form.middle_name),
        name("last_name", form.last_name),
    )
    organization = text("organization_name", form.organization_name, max_length=200)
    if kind == CustomerType.INDIVIDUAL:
        if not first and "first_name" not in errors:
            fail("first_name", _("Required."))
        if not last and "last_name" not in errors:
            fail("last_name", _("Required."))
        if cert_type == CertType.COMPANY_REGISTRATION:
            fail("cert_type", _("A person registers with a personal document."))
    else:
        if not organization and "organization_name" not in errors:
            fail("organization_name", _("Required: the legal name."))
        if form.cert_type and cert_type != CertType.COMPANY_REGISTRATION and "cert_type" not in errors:
            fail("cert_type", _("An organization registers with its company registration."))

    gender = None
    if form.gender:
        try:
            gender = Gender(form.gender.lower()).value
        except ValueError:
            fail("gender", _("Male, female or unknown."))
    title = None
    if form.title:
        if form.title.lower().rstrip(".") in TITLES:
            title = form.title.lower().rstrip(".").capitalize()
        else:
            fail("title", _("Mr, Mrs, Ms or Dr."))
    nationality = None
    if form.nationality:
        try:
            nationality = parse_country(form.nationality, field="nationality")
        except InvalidInput as error:
            fail("nationality", error.fields["nationality"])

    birthday = None
    if form.birthday:
        try:
            birthday = date.fromisoformat(form.birthday)
        except ValueError:
            fail("birthday", _("A date as YYYY-MM-DD."))
        else:
            age = today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))
            if birthday > today and keep_incomplete:
                birthday = None
                incomplete.append(_("Birthday in the future: left empty, the record is flagged incomplete."))
            elif birthday > today:
                fail("birthday", _("Cannot be in the future."))
            elif age > 120 and keep_incomplete:
                birthday = None
                incomplete.append(_("Birthday older than 120 years: left empty, the record is flagged incomplete."))
            elif age < min_age:
                fail("birthday", _("The customer must be at least {min_age}.").format(min_age=min_age))
            elif age > 120:
                fail("birthday", _("Older than 120: check the year."))
    elif kind == CustomerType.INDIVIDUAL and keep_incomplete:
        incomplete.append(_("No birthday: the record is flagged incomplete."))
    elif kind == CustomerType.INDIVIDUAL:
        fail("birthday", _("Required for a person."))

    email = None
    if form.email:
        try:
            email = parse_email(form.email)
        except InvalidInput as error:
            fail("email", error.fields["email"], error.message)
    mobile = None
    if form.mobile:
        try:
            if kind == CustomerType.INDIVIDUAL:  # a person's mobile is a mobile; a company's may be its switchboard
                mobile = parse_mobile(form.mobile, region=region, field="mobile")
            else:
                mobile = parse_phone(form.mobile, region=region, field="mobile")
        except InvalidInput as error:
            fail("mobile", error.fields["mobile"], error.message)
    service_number = None
    if form.service_number:
        try:
            service_number = parse_mobile(form.service_number, region=region, field="service_number", home_only=True)
        except InvalidInput as error:
            fail("service_number", error.fields["service_number"], error.message)
        if not form.primary_offering:
            fail("primary_offering", _("Choose the offering for the chosen number."))

    for field in ("language", "written_language"):
        value = getattr(form, field)
        if value:
            try:
                parse_language(value, field=field)
            except InvalidInput as error:
                fail(field, error.fields[field], error.message)

    login_name = None
    if form.login_name:
        try:
            login_name = parse_login_name(form.login_name)
        except InvalidInput as error:
            fail("login_name", error.fields["login_name"], error.message)

    _check_service_password(form, fail, require_password=require_password, cert_number=cert_number, birthday=birthday)
    answer = None
    if bool(form.security_question) != bool(form.security_answer):
        fail(
            "security_answer" if form.security_question else "security_question",
            _("Give both the question and its answer."),
        )
    elif form.security_answer:
        text("security_question", form.security_question, max_length=200)
        answer = normalize_name(form.security_answer)
        if len(answer) < 2:
            fail("security_answer", _("At least 2 characters."))

    contacts: list[tuple[ContactInput, str]] = []
    for index, contact in enumerate(form.contacts):
        field = f"contacts.{index}.value"
        if contact.method not in CONTACT_METHODS:
            fail(f"contacts.{index}.method", _("Mobile, email, landline or social."))
            continue
        try:
            if contact.method == "email":
                normalized = parse_email(contact.value, field=field)
            elif contact.method == "mobile":
                normalized = parse_mobile(contact.value, region=region, field=field)
            elif contact.method == "landline":
                normalized = parse_phone(contact.value, region=region, field=field)
            else:
                normalized = clean_text(contact.value, field=field, max_length=128).lower()
                if not normalized:
                    raise InvalidInput(_("Required."), fields={field: _("Required.")})
        except InvalidInput as error:
            fail(field, error.fields[field], error.message)
            continue
        names = {
            part: name(f"contacts.{index}.{part}", getattr(contact, part)) or ""
            for part in ("first_name", "middle_name", "last_name")
        }
        contacts.append((contact.model_copy(update=names), normalized))

    addresses = list(form.addresses)
    if form.address:
        addresses.insert(
            0,
            AddressInput(
                address_type="living",
                detail=form.address,
                city=form.city,
                region=form.region,
                postal_code=form.postal_code,
                country=cert_country if cert_country == region else "",
            ),
        )
    elif form.city.strip() or form.region.strip() or form.postal_code.strip():
        fail("address", _("Give the street with the city, region or postal code."))
    if form.id_address:
        addresses.append(AddressInput(address_type="id", detail=form.id_address))
    cleaned_addresses = []
    for index, address in enumerate(addresses):
        parts = {
            part: text(f"addresses.{index}.{part}", getattr(address, part), max_length=300 if part == "detail" else 100)
            or ""
            for part in ADDRESS_TEXT
        }
        if not address.detail.strip():
            fail(f"addresses.{index}.detail", _("Required."))
        if parts["country"]:
            try:
                parts["country"] = parse_country(parts["country"], field=f"addresses.{index}.country")
            except InvalidInput as error:
                fail(f"addresses.{index}.country", error.fields[f"addresses.{index}.country"], error.message)
        if parts["postal_code"] and not re.fullmatch(r"[A-Za-z0-9 \-]{3,10}", parts["postal_code"]):
            fail(f"addresses.{index}.postal_code", _("3 to 10 letters and digits."))
        cleaned_addresses.append(address.model_copy(update=parts))
    addresses = cleaned_addresses
    if form.preferences:
        checks = (("currency", parse_currency), ("language", parse_language), ("written_language", parse_language))
        for field, check in checks:
            value = getattr(form.preferences, field)
            if value:
                try:
                    check(value, field=f"preferences.{field}")
                except InvalidInput as error:
                    fail(f"preferences.{field}", error.fields[f"preferences.{field}"], error.message)
        for field in ("dnd_start", "dnd_end"):
            value = getattr(form.preferences, field)
            if value and not HHMM.fullmatch(value):
                fail(f"preferences.{field}", _("A time as HH:MM."))
        if bool(form.preferences.dnd_start) != bool(form.preferences.dnd_end):
            fail("preferences.dnd_end", _("Give the start and the end of the quiet hours."))
    for index, social in enumerate(form.social_accounts):
        if not social.provider or not social.subject:
            fail(f"social_accounts.{index}.subject", _("Provider and account are both needed."))
    for field in ("birthplace", "social_id", "belief"):
        text(field, getattr(form, field))
    if form.account_id:
        fail("account_id", _("A new customer has no account yet; leave empty to open one."))
    files: list[CheckedFile] = []
    for index, raw_path in enumerate(form.attachments):
        try:
            files.append(check_file(raw_path, field=f"attachments.{index}"))
        except InvalidInput as error:
            fail(f"attachments.{index}", error.fields[f"attachments.{index}"], error.message)

    if errors:
        raise InvalidInput(" ".join(dict.fromkeys(messages)), fields=errors)

    if kind == CustomerType.INDIVIDUAL:
        display = " ".join(p for p in (first, middle, last) if p)
    else:
        display = organization or ""
    return ValidRegistration(
        form=form,
        type=kind,
        cert_type=cert_type,
        cert_number=cert_number,
        cert_country=cert_country,
        first_name=first,
        middle_name=middle,
        last_name=last,
        organization_name=organization,
        display_name=display,
        name_search=normalize_name(display),
        gender=gender,
        title=title,
        nationality=nationality,
        birthplace=form.birthplace or None,
        birthday=birthday,
        email=email,
        mobile=mobile,
        service_number=service_number,
        login_name=login_name,
        contacts=contacts,
        addresses=addresses,
        security_answer_normalized=answer,
        files=files,
        incomplete=tuple(incomplete),
    )


def _check_service_password(
    form: RegistrationForm,
    fail: Callable[..., None],
    *,
    require_password: bool,
    cert_number: str,
    birthday: date | None,
) -> None:
    password = form.service_password
    if not password:
        if require_password:
            fail("service_password", _("Required: the customer chooses a service password."))
        return
    if form.service_password_confirm is not None and form.service_password_confirm != password:
        fail("service_password_confirm", _("Does not match the password."))
    problem = service_password_problem(
        password, cert_number=cert_number, birthday=birthday, names=(form.first_name, form.last_name)
    )
    if problem:
        fail("service_password", problem, _("The service password is too easy to guess."))

"""Normalising and checking the keys a customer hands over. Pure functions, no database.

Each `parse_*` returns the canonical stored form or raises `InvalidInput` naming the field. Each
field's rule is its field's library, in this one place: email-validator (syntax; deliverability
off, a shop counter may be offline), pycountry (ISO 3166 countries, ISO 639 languages, ISO 4217
currencies), phonenumbers (`is_valid_number` and the number's type, not only "possible"),
python-stdnum (IMSI, Luhn). Service passwords: `crm_tui.services.shared.passwords`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
import pycountry
from stdnum import imsi as stdnum_imsi
from stdnum import luhn

from crm_tui.errors import InvalidInput
from crm_tui.i18n import N_, _
from crm_tui.identifiers import (
    customer_id_for as customer_id_for,  # re-exported for the services' callers
)
from crm_tui.identifiers import normalize_name as normalize_name

MAX_TEXT = 200
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
"""Looks like an email address: how the identify box recognises the key (`parse_email` validates one)."""
CERT_PATTERN = re.compile(r"^[A-Z0-9]{3,40}$")
CUSTOMER_ID_PATTERN = re.compile(r"^C\d{10}$")
LOGIN_NAME_PATTERN = re.compile(r"^[a-z0-9._-]{3,32}$")
"""A customer's login name, stored lower-case: letters, digits, dot, underscore, hyphen; 3 to 32."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters (line breaks, tabs, escape codes) and the bidirectional overrides and isolates
that can make a name display as something else: refused, never silently dropped."""


def clean_text(value: str, *, field: str, max_length: int = MAX_TEXT) -> str:
    """Trim the ends; refuse control characters and text direction overrides, and what is too long.

    What passes is stored exactly as typed (less the surrounding spaces)."""
    value = value.strip()
    if _CONTROL.search(value):
        raise InvalidInput(
            _(
                "{field} has a control character (a line break, tab, escape code or text direction "
                "override); type it on one line, as plain text."
            ).format(field=field_label(field)),
            fields={field: _("No control characters.")},
        )
    if len(value) > max_length:
        raise InvalidInput(
            _("{field} is too long (at most {max_length} characters).").format(
                field=field_label(field), max_length=max_length
            ),
            fields={field: _("At most {max_length} characters.").format(max_length=max_length)},
        )
    return value


def parse_name_query(value: str, *, field: str = "name") -> str:
    value = normalize_name(clean_text(value, field=field))
    if len(value) < 2:
        raise InvalidInput(_("Type at least 2 letters of the name."), fields={field: _("At least 2 letters.")})
    return value


def parse_cert_number(value: str, *, field: str = "cert_number") -> str:
    """Certificate numbers are compared without spaces, dashes, dots or case."""
    value = re.sub(r"[\s\-./]", "", clean_text(value, field=field)).upper()
    if not CERT_PATTERN.fullmatch(value):
        raise InvalidInput(
            _("A certificate number has 3 to 40 letters and digits."),
            fields={field: _("Letters and digits only, 3 to 40 of them.")},
        )
    return value


NOT_COUNTRIES = {
    "UK": N_("UK is not an ISO country code: the United Kingdom is GB."),
    "EU": N_("The EU is not a country: give the member state, like ES or FR."),
    "EL": N_("EL is not an ISO country code: Greece is GR."),
}
"""Codes people type that ISO 3166 reserves but are not countries, with what to type instead."""
MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
LANGUAGE_TAG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{2}))?$")


def parse_country(value: str, *, field: str = "cert_country") -> str:
    """An ISO 3166-1 alpha-2 country that exists (pycountry): `XX`, `UK`, `EU` are refused."""
    value = clean_text(value, field=field).upper()
    if not re.fullmatch(r"[A-Z]{2}", value):
        raise InvalidInput(
            _("A country is its two-letter ISO code, like ES or GB."), fields={field: _("Two letters, like ES.")}
        )
    if value in NOT_COUNTRIES:
        raise InvalidInput(_(NOT_COUNTRIES[value]), fields={field: _(NOT_COUNTRIES[value])})
    if pycountry.countries.get(alpha_2=value) is None:
        raise InvalidInput(
            _("{code} is not a country (ISO 3166): like ES, GB, MA or CO.").format(code=value),
            fields={field: _("No such country code.")},
        )
    return value


def parse_language(value: str, *, field: str = "language") -> str:
    """An ISO 639 language (`es`, `en`, `ast`), optionally with its country (`es-ES`): `qq` is refused."""
    match = LANGUAGE_TAG.fullmatch(clean_text(value, field=field))
    if match is None:
        raise InvalidInput(
            _("A language is its ISO code, like es or en."), fields={field: _("A language code like es or en.")}
        )
    code, territory = match.group(1).lower(), match.group(2)
    known = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    if known is None:
        raise InvalidInput(
            _("{code} is not a language (ISO 639): like es, en, ca or ro.").format(code=code),
            fields={field: _("No such language code.")},
        )
    if territory is None:
        return code
    return f"{code}-{parse_country(territory, field=field)}"


def parse_currency(value: str, *, field: str = "currency") -> str:
    """An ISO 4217 currency code (`EUR`, `USD`): `dollars` is refused."""
    value = clean_text(value, field=field).upper()
    if not re.fullmatch(r"[A-Z]{3}", value) or pycountry.currencies.get(alpha_3=value) is None:
        raise InvalidInput(
            _("A currency is its three-letter ISO code, like EUR or USD."), fields={field: _("An ISO code like EUR.")}
        )
    return value


def _phone(value: str, *, region: str, field: str) -> phonenumbers.PhoneNumber:
    text = clean_text(value, field=field)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise InvalidInput(
            _("That is not a phone number."),
            fields={field: _("A national number ({region}) or +country code and number.").format(region=region)},
        )
    return number


def _stored(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def parse_service_number(value: str, *, region: str, field: str = "service_number") -> str:
    """A phone number, national or +E.164, to the stored form: E.164 digits without the plus.

    For looking up what is stored (possible numbers); new numbers go through `parse_phone` or `parse_mobile`."""
    return _stored(_phone(value, region=region, field=field))


def parse_phone(value: str, *, region: str, field: str = "landline") -> str:
    """A number that exists in its country's numbering plan (`is_valid_number`), of any type."""
    number = _phone(value, region=region, field=field)
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            _("That number does not exist in its country's numbering plan."),
            fields={field: _("Not a valid number: check the digits.")},
        )
    return _stored(number)


def parse_mobile(value: str, *, region: str, field: str = "mobile", home_only: bool = False) -> str:
    """A valid mobile number (`+34 500 000 000` is possible but not valid: refused).

    `home_only`: a mobile of `region` itself, as a line of this operator's (a service number) must be."""
    number = _phone(value, region=region, field=field)
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            _("That number does not exist in its country's numbering plan."),
            fields={field: _("Not a valid mobile number: check the digits.")},
        )
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise InvalidInput(
            _("That is a valid number but not a mobile one."), fields={field: _("A mobile number, like 612 34 56 78.")}
        )
    if home_only and phonenumbers.region_code_for_number(number) != region:
        raise InvalidInput(
            _("A service number is a mobile number of {region}.").format(region=region),
            fields={field: _("A {region} mobile number.").format(region=region)},
        )
    return _stored(number)


def parse_imsi(value: str, *, field: str = "imsi") -> str:
    digits = re.sub(r"\s", "", clean_text(value, field=field))
    if not is_imsi(digits):
        raise InvalidInput(
            _("An IMSI has 15 digits starting with a known country and network code."),
            fields={field: _("15 digits, known MCC and MNC.")},
        )
    return digits


def is_imsi(digits: str) -> bool:
    """python-stdnum's IMSI check (`stdnum.imsi.is_valid`: 14 or 15 digits, a mobile country code its
    numbering database knows), with the database asked once per country code instead of once per
    IMSI: that walk costs about 50 us, as much again as a lookup by IMSI at a counter. The same answer
    for every input (tests/services/test_field_validation.py)."""
    number = stdnum_imsi.compact(digits)
    return number.isascii() and number.isdigit() and len(number) in (14, 15) and _known_mcc(number[:3])


@lru_cache(maxsize=1024)
def _known_mcc(mcc: str) -> bool:
    return stdnum_imsi.is_valid(mcc + "0" * 12)


def is_iccid(digits: str) -> bool:
    return bool(re.fullmatch(r"89\d{16,18}", digits)) and luhn.is_valid(digits)


def parse_iccid(value: str, *, field: str = "iccid") -> str:
    digits = re.sub(r"\s", "", clean_text(value, field=field))
    if not is_iccid(digits):
        raise InvalidInput(
            _("An ICCID has 18 to 20 digits, starts with 89 and ends with a check digit."),
            fields={field: _("18-20 digits from 89, valid check digit.")},
        )
    return digits


EMAIL_REASONS = (
    N_("An email address cannot have two periods in a row."),
    N_("An email address must have an @-sign."),
    N_("There must be something before the @-sign."),
    N_("There must be something after the @-sign."),
    N_("The part after the @-sign is not valid. It should have a period."),
    N_("The part after the @-sign is not valid. It is not within a valid top-level domain."),
    N_("The part after the @-sign is a special-use or reserved name that cannot be used with email."),
    N_("An email address cannot have a period and a hyphen next to each other."),
    N_("The email address contains invalid characters before the @-sign."),
    N_("The email address contains an invalid character."),
    N_("There can't be anything after the email address."),
)
"""email-validator's reasons for the mistakes typed at a counter, in its own words (it has no catalogue):
marked here so that `_()` gives them in the operator's language; any other reason stays as it says it."""


def parse_email(value: str, *, field: str = "email", deliverability: bool = False) -> str:
    """A syntactically valid address (email-validator: `a@b..com` refused), stored lower-cased.

    `deliverability` also asks DNS whether the domain takes mail: off by default, a counter may be offline."""
    from email_validator import EmailNotValidError, validate_email  # listed in tests/test_architecture.py

    value = clean_text(value, field=field, max_length=254)
    try:
        checked = validate_email(value, check_deliverability=deliverability)
    except EmailNotValidError as error:
        raise InvalidInput(
            _("That is not an email address: {error}").format(error=_(str(error))),
            fields={field: _("Like name@example.com.")},
        ) from None
    return checked.normalized.lower()


PLAIN_EMAIL = re.compile(r"[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def plain_email(value: str) -> str | None:
    """The stored form of a plain ASCII address (letters, digits, `._%+-`, a dotted domain), without
    asking email-validator: its lower case, which is what `parse_email` gives such an address when it
    accepts it (tests/services/test_field_validation.py). None for anything else. For lookups: an
    address found is one `parse_email` accepted when it was stored; one not found is then checked in
    full (`parse_email`), so a bad one is still refused with its reason."""
    value = value.strip()
    return value.lower() if PLAIN_EMAIL.fullmatch(value) else None


def parse_login_name(value: str, *, field: str = "login_name") -> str:
    """The stored (lower-case) login name; at least one letter, so it is never taken for a number."""
    value = clean_text(value, field=field, max_length=64).lower()
    if not LOGIN_NAME_PATTERN.fullmatch(value) or not any(ch.isalpha() for ch in value):
        raise InvalidInput(
            _("A login name is 3 to 32 letters, digits, dots, underscores or hyphens, with at least one letter."),
            fields={field: _("3-32 of a-z 0-9 . _ - (a letter among them).")},
        )
    if is_customer_id(value):
        raise InvalidInput(
            _("A login name cannot look like a customer ID."), fields={field: _("Looks like a customer ID.")}
        )
    return value


SOCIAL_KEY = re.compile(r"^(?:(?P<provider>[A-Za-z]{1,16}):)?@?(?P<handle>[^\s:@][^\s:]{0,127})$")
"""A social account as a customer hands it over: `@handle`, `handle` or `provider:handle`."""


def parse_social(value: str, *, field: str = "social") -> str:
    """`provider:handle` (provider lower-case) or `handle`, without a leading @."""
    value = clean_text(value, field=field, max_length=150)
    found = SOCIAL_KEY.fullmatch(value)
    if not found:
        raise InvalidInput(
            _("A social account is @handle or provider:handle."),
            fields={field: _("Like @marta.soler or google:marta.")},
        )
    provider = (found["provider"] or "").lower()
    return f"{provider}:{found['handle']}" if provider else found["handle"]


def split_social(parsed: str) -> tuple[str | None, str]:
    """(provider or None, handle) of a value from `parse_social`."""
    provider, colon, handle = parsed.partition(":")
    return (provider, handle) if colon else (None, parsed)


def is_customer_id(value: str) -> bool:
    value = value.strip().upper()
    return bool(CUSTOMER_ID_PATTERN.fullmatch(value)) and luhn.is_valid(value[1:])


def read_customer_id(value: str, *, field: str = "customer_id") -> str:
    """A customer ID's stored form (C and ten digits, spaces dropped) without its check digit's test:
    for lookups, as `plain_email`. An ID found is one this product issued, so its check digit is right;
    one not found is then checked in full (`parse_customer_id`), so a mistyped digit is still named."""
    value = clean_text(value, field=field).upper().replace(" ", "")
    if not CUSTOMER_ID_PATTERN.fullmatch(value):
        raise InvalidInput(_("A customer ID is C and ten digits."), fields={field: _("C and ten digits.")})
    return value


def parse_customer_id(value: str, *, field: str = "customer_id") -> str:
    value = read_customer_id(value, field=field)
    if not luhn.is_valid(value[1:]):
        raise InvalidInput(
            _("That customer ID has a wrong check digit: a mistyped digit?"),
            fields={field: _("Check digit does not match.")},
        )
    return value


def mask(value: str | None, *, keep: int = 4) -> str | None:
    """`•••• 4821`: looks masked, never blank."""
    if not value:
        return value
    return "•••• " + value[-keep:] if len(value) > keep else "••••"


FIELD_LABELS = {
    "first_name": N_("First name"),
    "middle_name": N_("Middle name"),
    "last_name": N_("Last name"),
    "organization_name": N_("Organization name"),
    "name": N_("Name"),
    "type": N_("Type"),
    "cert_type": N_("Cert type"),
    "cert_number": N_("Cert number"),
    "cert_country": N_("Cert country"),
    "gender": N_("Gender"),
    "title": N_("Title"),
    "nationality": N_("Nationality"),
    "birthplace": N_("Birthplace"),
    "birthday": N_("Birthday"),
    "email": N_("Email"),
    "mobile": N_("Mobile"),
    "landline": N_("Landline"),
    "address": N_("Address"),
    "city": N_("City"),
    "region": N_("Region"),
    "postal_code": N_("Postal code"),
    "id_address": N_("Id address"),
    "social_id": N_("Social id"),
    "belief": N_("Belief"),
    "language": N_("Language"),
    "written_language": N_("Written language"),
    "login_name": N_("Login name"),
    "service_password": N_("Service password"),
    "service_password_confirm": N_("Service password confirm"),
    "security_question": N_("Security question"),
    "security_answer": N_("Security answer"),
    "primary_offering": N_("Primary offering"),
    "account_id": N_("Account id"),
    "service_number": N_("Service number"),
    "customer_id": N_("Customer id"),
    "contacts": N_("Contacts"),
    "addresses": N_("Addresses"),
    "preferences": N_("Preferences"),
    "social_accounts": N_("Social accounts"),
    "attachments": N_("Attachments"),
    "documents": N_("Documents"),
    "key": N_("Key"),
    "filter": N_("Filter"),
    "note": N_("Note"),
    "reason": N_("Reason"),
    "receipt": N_("Receipt"),
    "remarks": N_("Remarks"),
    "requested_by": N_("Requested by"),
    "legal_ground": N_("Legal ground"),
}
"""The words of the fields people type in, for messages that name a field (the English is the field's
name with spaces, capitalised; a field without an entry is named so in every language)."""


def field_label(field: str) -> str:
    """`first_name` -> "First name", in the current language."""
    label = FIELD_LABELS.get(field)
    return _(label) if label else field.replace("_", " ").capitalize()


def field_words(field: str) -> str:
    """`first_name` -> "first name", in the current language, for the middle of a sentence."""
    label = FIELD_LABELS.get(field)
    return _(label).lower() if label else field.replace("_", " ")

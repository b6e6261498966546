"""Certificate numbers checked by type and issuing country, with python-stdnum wherever it knows the
country's document (national ID checksums, Spanish NIE and CIF), and a format check otherwise."""

from __future__ import annotations

import re
from types import ModuleType

from stdnum.exceptions import ValidationError
from stdnum.util import get_cc_module

from crm_tui.domain import CertType
from crm_tui.errors import InvalidInput
from crm_tui.i18n import N_, _, current_language
from crm_tui.services.shared.validation import parse_cert_number, parse_country

# (type, country) -> the stdnum module name that validates it; "*" means any country.
_STDNUM: dict[tuple[CertType, str], str] = {
    (CertType.NATIONAL_ID, "ES"): "dni",
    (CertType.NATIONAL_ID, "PT"): "cc",
    (CertType.NATIONAL_ID, "IT"): "codicefiscale",
    (CertType.NATIONAL_ID, "FR"): "nir",
    (CertType.NATIONAL_ID, "DE"): "idnr",
    (CertType.NATIONAL_ID, "RO"): "cnp",
    (CertType.NATIONAL_ID, "CN"): "ric",
    (CertType.NATIONAL_ID, "NL"): "bsn",
    (CertType.NATIONAL_ID, "BE"): "nn",
    (CertType.NATIONAL_ID, "SE"): "personnummer",
    (CertType.NATIONAL_ID, "PL"): "pesel",
    (CertType.NATIONAL_ID, "BR"): "cpf",
    (CertType.NATIONAL_ID, "MX"): "curp",
    (CertType.NATIONAL_ID, "AR"): "dni",
    (CertType.RESIDENCE_PERMIT, "ES"): "nie",
    (CertType.DRIVING_LICENCE, "ES"): "dni",
    (CertType.COMPANY_REGISTRATION, "ES"): "cif",
}
_FORMATS: dict[CertType, tuple[re.Pattern[str], str]] = {
    CertType.PASSPORT: (re.compile(r"^[A-Z0-9]{6,9}$"), N_("6 to 9 letters and digits")),
    CertType.NATIONAL_ID: (re.compile(r"^[A-Z0-9]{5,20}$"), N_("5 to 20 letters and digits")),
    CertType.DRIVING_LICENCE: (re.compile(r"^[A-Z0-9]{5,20}$"), N_("5 to 20 letters and digits")),
    CertType.RESIDENCE_PERMIT: (re.compile(r"^[A-Z0-9]{5,20}$"), N_("5 to 20 letters and digits")),
    CertType.COMPANY_REGISTRATION: (re.compile(r"^[A-Z0-9]{4,20}$"), N_("4 to 20 letters and digits")),
}


def document_words(kind: CertType) -> str:
    """A document type's words inside a sentence ("this national id"): lower-cased, but a language
    whose words for it are an acronym keeps the capitals ("este DNI", "permiso de residencia (NIE)")."""
    label = kind.label
    if current_language() == "en":
        return label.lower()
    return " ".join(word if word.strip("()").isupper() else word.lower() for word in label.split(" "))


def stdnum_module(cert_type: CertType, country: str) -> ModuleType | None:
    name = _STDNUM.get((cert_type, country))
    return get_cc_module(country.lower(), name) if name else None


def parse_certificate(cert_type: str, number: str, country: str) -> tuple[CertType, str, str]:
    """(type, number, country) normalised: number without spaces, dashes or case; all errors at once."""
    errors: dict[str, str] = {}
    messages: list[str] = []
    try:
        kind = CertType((cert_type or "").strip().lower())
    except ValueError:
        kind = None
        errors["cert_type"] = _("Choose a certificate type.")
        messages.append(_("Choose a certificate type."))
    try:
        country_code = parse_country(country or "")
    except InvalidInput as error:
        country_code = ""
        errors.update(error.fields)
        messages.append(error.message)
    try:
        normalized = parse_cert_number(number or "")
    except InvalidInput as error:
        normalized = ""
        errors.update(error.fields)
        messages.append(error.message)
    if kind and country_code and normalized:
        module = stdnum_module(kind, country_code)
        if module is not None:
            try:
                normalized = module.compact(module.validate(normalized)).upper()
            except ValidationError:
                message = _(
                    "Not a valid {document} number for {country}: check the digits and the check letter."
                ).format(document=document_words(kind), country=country_code)
                errors["cert_number"] = _("The check digit or format does not match.")
                messages.append(message)
        else:
            pattern, words = _FORMATS[kind]
            if not pattern.fullmatch(normalized):
                errors["cert_number"] = _("A {document} has {rule}.").format(
                    document=document_words(kind), rule=_(words)
                )
                messages.append(
                    _("A {document} number has {rule}.").format(document=document_words(kind), rule=_(words))
                )
    if errors:
        raise InvalidInput(" ".join(messages), fields=errors)
    assert kind is not None
    return kind, normalized, country_code

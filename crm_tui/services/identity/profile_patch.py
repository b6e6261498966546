"""A change to a profile (issue 13.1) before any storage: the patch in the import format's shape, laid
over the stored profile as one registration form (so `validate_registration` checks the whole, as at
registration), the document changes checked, and the comparable state the changed list and the
audit's before/after are built from. `profile_edit` runs it inside the write transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm_tui.domain import CertType
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.services.identity.registration_form import (
    AddressInput,
    ContactInput,
    PreferenceInput,
    RegistrationForm,
    SocialAccountInput,
    ValidRegistration,
)
from crm_tui.services.shared.certificates import parse_certificate
from crm_tui.services.shared.validation import mask

PERSONAL = frozenset(
    {
        "first_name",
        "middle_name",
        "last_name",
        "birthday",
        "email",
        "mobile",
        "cert_number",
        "birthplace",
        "social_id",
        "belief",
        "login_name",
        "contacts",
        "addresses",
        "social_accounts",
        "documents",
    }
)
"""Changes whose values the audit keeps masked (it says that they changed, and the last characters)."""
IDENTITY = ("first_name", "middle_name", "last_name", "organization_name", "birthday", "cert_type", "cert_number")
"""Changing any of these re-runs the near-match check, as registration does."""
PREFERENCE_COLUMNS = ("currency", "language", "written_language", "dnd_channel", "dnd_days", "dnd_start", "dnd_end")


class _Patch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DocumentChange(_Patch):
    """Add, renew or retire one ID document of the customer."""

    action: Literal["add", "renew", "retire"]
    cert_type: str
    cert_number: str
    cert_country: str
    expires_on: str = ""
    """YYYY-MM-DD: the expiry of the document added, or the renewed one's new expiry."""
    new_number: str = ""
    """Renew only: the renewed document's number, when it changed."""
    primary: bool = False
    """Add only: the new document becomes the one the customer is identified by."""


class ProfilePatch(_Patch):
    """A change to a profile in the import format's shape (README "Registering customers from scripts"):
    a key left out (None) is unchanged; lists replace the whole list; `preferences` changes the keys given.

    `address`, `city`, `region`, `postal_code` replace the living address; `id_address` the ID address;
    `attachments` adds files; `documents` adds, renews or retires documents."""

    cert_type: str | None = None
    cert_number: str | None = None
    cert_country: str | None = None
    first_name: str | None = None
    middle_name: str | None = None
    last_name: str | None = None
    organization_name: str | None = None
    gender: str | None = None
    title: str | None = None
    nationality: str | None = None
    birthplace: str | None = None
    birthday: str | None = None
    email: str | None = None
    mobile: str | None = None
    address: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    id_address: str | None = None
    social_id: str | None = None
    belief: str | None = None
    login_name: str | None = None
    language: str | None = None
    written_language: str | None = None
    service_password: str | None = None
    service_password_confirm: str | None = None
    security_question: str | None = None
    security_answer: str | None = None
    confirmed_different_from: list[str] = Field(default_factory=list)
    contacts: list[ContactInput] | None = None
    addresses: list[AddressInput] | None = None
    preferences: PreferenceInput | None = None
    social_accounts: list[SocialAccountInput] | None = None
    attachments: list[str] = Field(default_factory=list)
    documents: list[DocumentChange] = Field(default_factory=list)


# --- the patch over the form -------------------------------------------------------------------


def apply_patch(current: RegistrationForm, patch: ProfilePatch, *, stored_question: str = "") -> RegistrationForm:
    """The profile with the patch laid over it, as a registration form to validate whole (secrets only
    when the patch gives them; a new answer alone keeps the stored question)."""
    given = patch.model_dump(exclude_none=True, exclude={"contacts", "addresses", "preferences", "social_accounts"})
    form = current.model_copy(update={"service_password": "", "security_question": "", "security_answer": ""})
    addresses = list(patch.addresses) if patch.addresses is not None else list(current.addresses)
    living = {k: given.pop(k) for k in ("address", "city", "region", "postal_code") if k in given}
    if living:
        old = next((a for a in addresses if a.address_type == "living"), None)
        if old is not None:
            addresses.remove(old)
        living = {
            "address": living.get("address", old.detail if old else ""),
            "city": living.get("city", old.city if old else ""),
            "region": living.get("region", old.region if old else ""),
            "postal_code": living.get("postal_code", old.postal_code if old else ""),
        }
    if "id_address" in given:
        old_id = next((a for a in addresses if a.address_type == "id"), None)
        if old_id is not None:
            addresses.remove(old_id)
    preferences = (current.preferences or PreferenceInput()).model_copy(
        update={
            **({"language": given.pop("language")} if "language" in given else {}),
            **({"written_language": given.pop("written_language")} if "written_language" in given else {}),
            **(patch.preferences.model_dump(include=patch.preferences.model_fields_set) if patch.preferences else {}),
        }
    )
    given.pop("documents", None)
    update: dict[str, Any] = {
        **given,
        **living,
        "addresses": addresses,
        "preferences": preferences,
        "contacts": list(patch.contacts) if patch.contacts is not None else current.contacts,
        "social_accounts": list(patch.social_accounts)
        if patch.social_accounts is not None
        else current.social_accounts,
    }
    if patch.security_question is None and patch.security_answer is not None:
        update["security_question"] = stored_question
    return form.model_copy(update=update)


def check_documents(changes: list[DocumentChange], today: date) -> list[tuple[DocumentChange, CertType, str, str]]:
    errors: dict[str, str] = {}
    checked = []
    for index, change in enumerate(changes):
        try:
            kind, number, country = parse_certificate(change.cert_type, change.cert_number, change.cert_country)
        except InvalidInput as error:
            errors.update({f"documents.{index}.{field}": message for field, message in error.fields.items()})
            continue
        if change.expires_on:
            try:
                expires = date.fromisoformat(change.expires_on)
            except ValueError:
                errors[f"documents.{index}.expires_on"] = _("A date as YYYY-MM-DD.")
            else:
                if change.action != "retire" and expires < today:
                    errors[f"documents.{index}.expires_on"] = _("Already expired: a live document expires later.")
        elif change.action == "renew":
            errors[f"documents.{index}.expires_on"] = _("Required: the renewed document's expiry.")
        if change.new_number and change.action != "renew":
            errors[f"documents.{index}.new_number"] = _("Only a renewal changes the number.")
        checked.append((change, kind, number, country))
    if errors:
        raise InvalidInput(
            _("Check the documents: {problems}").format(problems=" ".join(sorted(set(errors.values())))), fields=errors
        )
    return checked


# --- what changed ------------------------------------------------------------------------------


def state_of(valid: ValidRegistration, form: RegistrationForm) -> dict[str, Any]:
    """The comparable values of a validated form: what the audit and the changed list are built from."""
    prefs = form.preferences or PreferenceInput()
    return {
        "first_name": valid.first_name,
        "middle_name": valid.middle_name,
        "last_name": valid.last_name,
        "organization_name": valid.organization_name,
        "gender": valid.gender,
        "title": valid.title,
        "nationality": valid.nationality,
        "birthplace": valid.birthplace,
        "birthday": valid.birthday.isoformat() if valid.birthday else None,
        "email": valid.email,
        "mobile": valid.mobile,
        "social_id": form.social_id or None,
        "belief": form.belief or None,
        "login_name": valid.login_name,
        "cert_type": valid.cert_type.value,
        "cert_number": valid.cert_number,
        "cert_country": valid.cert_country,
        "contacts": [
            [c.contact_type, c.first_name, c.middle_name, c.last_name, c.title.lower(), c.method, normalized]
            for c, normalized in valid.contacts
        ],
        "addresses": [
            [a.address_type, a.region, a.city, a.detail, a.postal_code, a.country, a.contact_point]
            for a in valid.addresses
        ],
        "preferences": {k: getattr(prefs, k) or None for k in PREFERENCE_COLUMNS},
        "social_accounts": sorted([s.provider.lower(), s.subject] for s in form.social_accounts),
    }


def masked(field: str, value: Any) -> Any:
    if field not in PERSONAL or value in (None, "", []):
        return value
    if isinstance(value, list):
        return f"{len(value)} item(s)"
    return mask(str(value))

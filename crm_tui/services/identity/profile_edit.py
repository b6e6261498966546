"""Edit a customer's profile after registration (issue 13.1): every group registration captures, with
the same validation, version-checked, audited with before and after.

In the identity room rather than customers/: an edit runs the registration form's validation and the
near-match check, which live here (customers/ sits below identity in the layers of LAYOUT.md).

Order of work: secrets hashed first (no transaction held); then one write transaction: the customer
read, the version guard (`UPDATE customers SET version = version + 1 WHERE id = ? AND version = ?`,
which on PostgreSQL also holds the row, on SQLite runs under the write lock), the profile as a
registration form with the patch laid over it, `validate_registration` on the whole, the near-match
and exact-owner checks when an identity field changed, the rows that changed, the interaction and
one audit entry with each change's before and after (personal values masked). A second terminal that
opened the same version gets `StaleEdit` (exit 3) and nothing of its change is written.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from crm_tui.domain import CertType, CustomerStatus
from crm_tui.errors import Conflict, DuplicateIdentity, InvalidInput, NotFound
from crm_tui.present import day
from crm_tui.services.customers.profile import DOCUMENT_SEEN
from crm_tui.services.identity.attachments import record_attachment
from crm_tui.services.identity.checks import check_blacklist
from crm_tui.services.identity.near_matches import PossibleDuplicates, existing_owner, find_near_matches
from crm_tui.services.identity.registration_form import (
    AddressInput,
    ContactInput,
    PreferenceInput,
    RegistrationForm,
    SocialAccountInput,
    ValidRegistration,
    validate_registration,
)
from crm_tui.services.shared import audit
from crm_tui.services.shared.certificates import parse_certificate
from crm_tui.services.shared.files import FilePlacement
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.passwords import hash_secret
from crm_tui.services.shared.permissions import require_signed_in
from crm_tui.services.shared.validation import mask, normalize_name, parse_customer_id
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models import (
    Address,
    AuthenticationInfo,
    Certificate,
    Contact,
    Customer,
    Preference,
    SocialAccount,
)
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork, unique_violation_table

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
        "contacts",
        "addresses",
        "social_accounts",
        "documents",
    }
)
"""Changes whose values the audit keeps masked (it says that they changed, and the last characters)."""
IDENTITY = ("first_name", "middle_name", "last_name", "organization_name", "birthday", "cert_type", "cert_number")
"""Changing any of these re-runs the near-match check, as registration does."""
CUSTOMER_COLUMNS = (
    "first_name",
    "middle_name",
    "last_name",
    "organization_name",
    "display_name",
    "gender",
    "title",
    "nationality",
    "birthplace",
    "birthday",
    "email",
    "mobile",
    "social_id",
    "belief",
)
PREFERENCE_COLUMNS = ("currency", "language", "written_language", "dnd_channel", "dnd_days", "dnd_start", "dnd_end")


class StaleEdit(Conflict):
    """Another terminal changed the customer since this one opened it."""

    title = "Changed elsewhere"
    code = "stale_edit"


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


class DocumentView(View):
    cert_type: str
    cert_number: str
    cert_country: str
    is_primary: bool
    expires_on: date | None
    retired_at: datetime | None


class EditableProfile(View):
    """The profile as the edit form shows it: the registration form's fields, the version opened."""

    customer_id: str
    version: int
    form: RegistrationForm
    documents: list[DocumentView]
    has_service_password: bool


class ProfileUpdate(View):
    customer_id: str
    version: int
    changed: list[str]
    warnings: list[str]
    near_matches_confirmed: list[str]


class DocumentSeen(View):
    customer_id: str
    cert_type: str
    last_digits: str
    expires_on: date | None
    expired: bool
    seen_at: datetime


# --- reading ---------------------------------------------------------------------------------


def _customer(uow: UnitOfWork, customer_id: str) -> Customer:
    customer = uow.session.execute(select(Customer).where(Customer.customer_id == customer_id)).scalar_one_or_none()
    if customer is None or customer.status == CustomerStatus.ERASED:
        raise NotFound(f"No customer {customer_id}.")
    if customer.status == CustomerStatus.MERGED:
        raise Conflict(f"Customer {customer_id} was merged into another; edit the survivor.")
    return customer


def _documents(uow: UnitOfWork, pk: int) -> list[Certificate]:
    return list(
        uow.session.execute(
            select(Certificate)
            .where(Certificate.customer_id == pk)
            .order_by(Certificate.retired_at.is_not(None), Certificate.is_primary.desc(), Certificate.id)
        ).scalars()
    )


def _current_form(uow: UnitOfWork, customer: Customer, documents: list[Certificate]) -> RegistrationForm:
    """The stored profile as a registration form (every address in `addresses`, secrets blank)."""
    session, pk = uow.session, customer.id
    primary = next((d for d in documents if d.retired_at is None), None)
    contacts = session.execute(select(Contact).where(Contact.customer_id == pk).order_by(Contact.id)).scalars()
    addresses = session.execute(select(Address).where(Address.customer_id == pk).order_by(Address.id)).scalars()
    socials = session.execute(
        select(SocialAccount).where(SocialAccount.customer_id == pk).order_by(SocialAccount.id)
    ).scalars()
    preference = session.execute(select(Preference).where(Preference.customer_id == pk)).scalar_one_or_none()
    return RegistrationForm(
        type=customer.type,
        cert_type=primary.cert_type if primary else "",
        cert_number=primary.cert_number if primary else "",
        cert_country=primary.cert_country if primary else "",
        first_name=customer.first_name or "",
        middle_name=customer.middle_name or "",
        last_name=customer.last_name or "",
        organization_name=customer.organization_name or "",
        gender=customer.gender or "",
        title=customer.title or "",
        nationality=customer.nationality or "",
        birthplace=customer.birthplace or "",
        birthday=customer.birthday.isoformat() if customer.birthday else "",
        email=customer.email or "",
        mobile=f"+{customer.mobile}" if customer.mobile else "",
        social_id=customer.social_id or "",
        belief=customer.belief or "",
        contacts=[
            ContactInput(
                contact_type=c.contact_type,
                first_name=c.first_name or "",
                middle_name=c.middle_name or "",
                last_name=c.last_name or "",
                title=(c.title or "").lower(),
                method=c.method,
                value=c.value,
            )
            for c in contacts
        ],
        addresses=[
            AddressInput(
                address_type=a.address_type,
                region=a.region or "",
                city=a.city or "",
                detail=a.detail,
                postal_code=a.postal_code or "",
                country=a.country or "",
                contact_point=a.contact_point or "",
            )
            for a in addresses
        ],
        preferences=PreferenceInput(
            currency=preference.currency,
            language=preference.language or "",
            written_language=preference.written_language or "",
            dnd_channel=preference.dnd_channel or "",
            dnd_days=preference.dnd_days or "",
            dnd_start=preference.dnd_start or "",
            dnd_end=preference.dnd_end or "",
        )
        if preference
        else None,
        social_accounts=[SocialAccountInput(provider=s.provider, subject=s.subject) for s in socials],
    )


def _document_view(d: Certificate) -> DocumentView:
    return DocumentView(
        cert_type=d.cert_type,
        cert_number=d.cert_number,
        cert_country=d.cert_country,
        is_primary=d.is_primary and d.retired_at is None,
        expires_on=d.expires_on,
        retired_at=d.retired_at,
    )


def editable_profile(customer_id: str, *, uow: UnitOfWork, actor: Actor) -> EditableProfile:
    """What the edit form opens with, and the version it will be checked against."""
    require_signed_in(actor, doing="edit customers")
    customer_id = parse_customer_id(customer_id)
    with uow:
        customer = _customer(uow, customer_id)
        documents = _documents(uow, customer.id or 0)
        auth = uow.session.execute(
            select(AuthenticationInfo).where(AuthenticationInfo.customer_id == customer.id)
        ).scalar_one_or_none()
        form = _current_form(uow, customer, documents)
        if auth and auth.security_question:
            form = form.model_copy(update={"security_question": auth.security_question})
        return EditableProfile(
            customer_id=customer.customer_id,
            version=customer.version,
            form=form,
            documents=[_document_view(d) for d in documents],
            has_service_password=bool(auth and auth.service_password_hash),
        )


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


def _documents_checked(changes: list[DocumentChange], today: date) -> list[tuple[DocumentChange, CertType, str, str]]:
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
                errors[f"documents.{index}.expires_on"] = "A date as YYYY-MM-DD."
            else:
                if change.action != "retire" and expires < today:
                    errors[f"documents.{index}.expires_on"] = "Already expired: a live document expires later."
        elif change.action == "renew":
            errors[f"documents.{index}.expires_on"] = "Required: the renewed document's expiry."
        if change.new_number and change.action != "renew":
            errors[f"documents.{index}.new_number"] = "Only a renewal changes the number."
        checked.append((change, kind, number, country))
    if errors:
        raise InvalidInput("Check the documents: " + " ".join(sorted(set(errors.values()))), fields=errors)
    return checked


# --- what changed ------------------------------------------------------------------------------


def _state(valid: ValidRegistration, form: RegistrationForm) -> dict[str, Any]:
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


def _masked(field: str, value: Any) -> Any:
    if field not in PERSONAL or value in (None, "", []):
        return value
    if isinstance(value, list):
        return f"{len(value)} item(s)"
    return mask(str(value))


# --- the edit ----------------------------------------------------------------------------------


def update_profile(
    customer_id: str,
    patch: ProfilePatch,
    *,
    uow: UnitOfWork,
    actor: Actor,
    region: str,
    expected_version: int | None = None,
    min_age: int = 16,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> ProfileUpdate:
    """Change what the patch gives, checked as registration checks it; one transaction, one audit entry.

    Raises InvalidInput (field errors, all at once), StaleEdit (the customer changed since
    `expected_version`), DuplicateIdentity (the new document belongs to someone else),
    PossibleDuplicates (the new identity looks like other customers: confirm with
    `confirmed_different_from`), NotFound.
    """
    require_signed_in(actor, doing="edit customers")
    customer_id = parse_customer_id(customer_id)
    now = now or utcnow()
    password_hash = hash_secret(patch.service_password) if patch.service_password else None
    answer_hash = hash_secret(normalize_name(patch.security_answer)) if patch.security_answer else None
    documents_checked = _documents_checked(patch.documents, now.date())
    if patch.attachments and data_dir is None:
        raise InvalidInput("Attachments need a data folder.", fields={"attachments.0": "No data folder configured."})
    placement = FilePlacement(data_dir) if data_dir is not None else None
    try:
        with uow:
            result = _update(
                uow,
                customer_id,
                patch,
                documents_checked,
                actor=actor,
                region=region,
                expected_version=expected_version,
                min_age=min_age,
                now=now,
                password_hash=password_hash,
                answer_hash=answer_hash,
                placement=placement,
            )
            uow.commit()
            return result
    except BaseException as error:
        if placement is not None:
            placement.undo()
        if isinstance(error, IntegrityError) and unique_violation_table(error) == "certificates":
            raise DuplicateIdentity(
                "That document is registered to another customer.", fields={"cert_number": "Already registered."}
            ) from None
        if isinstance(error, IntegrityError) and unique_violation_table(error) is not None:
            raise StaleEdit("Another terminal changed the same data a moment ago; open it again.") from None
        raise


def _stale(customer_id: str, seen: int, now_at: int) -> StaleEdit:
    return StaleEdit(
        f"Customer {customer_id} was changed at another terminal since you opened it (version {seen}, now {now_at}); "
        "nothing was saved: open it again and redo the change.",
        expected_version=seen,
        current_version=now_at,
    )


def _update(
    uow: UnitOfWork,
    customer_id: str,
    patch: ProfilePatch,
    documents_checked: list[tuple[DocumentChange, CertType, str, str]],
    *,
    actor: Actor,
    region: str,
    expected_version: int | None,
    min_age: int,
    now: datetime,
    password_hash: str | None,
    answer_hash: str | None,
    placement: FilePlacement | None,
) -> ProfileUpdate:
    session = uow.session
    customer = _customer(uow, customer_id)
    pk = customer.id or 0
    seen = customer.version if expected_version is None else expected_version
    won = session.execute(
        update(Customer)
        .where(Customer.id == pk, Customer.version == seen)
        .values(version=seen + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if won != 1:
        current = session.execute(select(Customer.version).where(Customer.id == pk)).scalar_one()
        raise _stale(customer_id, seen, current)
    session.refresh(customer)

    documents = _documents(uow, pk)
    current = _current_form(uow, customer, documents)
    stored_question = session.execute(
        select(AuthenticationInfo.security_question).where(AuthenticationInfo.customer_id == pk)
    ).scalar()
    form = apply_patch(current, patch, stored_question=stored_question or "")
    today = now.date()
    before_valid = _valid_quietly(current, region, today)
    valid = validate_registration(form, region=region, today=today, min_age=min_age, require_password=False)
    before = _state(before_valid, current) if before_valid else {}
    after = _state(valid, form)
    changes = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
    if password_hash:
        changes["service_password"] = ("(set)", "(changed)")
    if answer_hash or patch.security_question is not None:
        changes["security_question"] = ("(set)", "(changed)")
    for index, (change, kind, number, country) in enumerate(documents_checked):
        changes[f"documents.{index}"] = (None, f"{change.action} {kind.value} {mask(number)} {country}")
    if patch.attachments:
        changes["attachments"] = (None, f"{len(patch.attachments)} added")

    warnings: list[str] = []
    confirmed: list[str] = []
    new_documents = any(change.action == "add" or change.new_number for change, *_ in documents_checked)
    if any(k in changes for k in IDENTITY) or new_documents:
        confirmed = _check_identity(uow, valid, customer, patch)
        hits = check_blacklist(
            uow,
            cert_type=valid.cert_type.value,
            cert_number=valid.cert_number,
            cert_country=valid.cert_country,
            name_search=valid.name_search,
            birthday=valid.birthday,
            now=now,
        )
        warnings = [f"Blacklist {hit.severity} ({hit.matched_on}): {hit.reason}" for hit in hits]

    _write_customer(customer, valid, form)
    session.add(customer)
    if {"cert_type", "cert_number", "cert_country"} & changes.keys():
        primary = next((d for d in documents if d.retired_at is None), None)
        if primary is None:
            primary = Certificate(customer_id=pk, is_primary=True, created_at=now)
            documents.append(primary)
        primary.cert_type, primary.cert_number, primary.cert_country = (
            valid.cert_type.value,
            valid.cert_number,
            valid.cert_country,
        )
        session.add(primary)
    if "contacts" in changes:
        session.execute(delete(Contact).where(Contact.customer_id == pk))
        for contact, normalized in valid.contacts:
            session.add(
                Contact(
                    customer_id=pk,
                    contact_type=contact.contact_type or "primary",
                    first_name=contact.first_name or None,
                    middle_name=contact.middle_name or None,
                    last_name=contact.last_name or None,
                    title=contact.title or None,
                    method=contact.method,
                    value=contact.value,
                    value_normalized=normalized,
                )
            )
    if "addresses" in changes:
        session.execute(delete(Address).where(Address.customer_id == pk))
        for address in valid.addresses:
            session.add(
                Address(
                    customer_id=pk,
                    address_type=address.address_type or "living",
                    region=address.region or None,
                    city=address.city or None,
                    detail=address.detail,
                    postal_code=address.postal_code or None,
                    country=address.country or None,
                    contact_point=address.contact_point or None,
                )
            )
    if "preferences" in changes:
        _write_preferences(uow, pk, form.preferences or PreferenceInput())
    if "social_accounts" in changes:
        _write_social(uow, pk, form.social_accounts, now)
    if password_hash or answer_hash or patch.security_question is not None:
        _write_secrets(uow, pk, password_hash, form.security_question if answer_hash else None, answer_hash)
    _apply_documents(uow, pk, documents, documents_checked, now)
    for checked in valid.files:
        record_attachment(uow, pk, checked, actor=actor)
    session.flush()

    changed = sorted(k.split(".")[0] for k in changes)
    changed = list(dict.fromkeys(changed))
    capture(
        session,
        pk,
        kind="profile_edit",
        summary="Profile changed: " + (", ".join(c.replace("_", " ") for c in changed) or "nothing"),
        actor=actor,
        now=now,
    )
    audit.record(
        uow,
        actor,
        "customer.update",
        "customer",
        customer_id,
        {
            "version": seen + 1,
            "changes": {
                field: {"before": _masked(field.split(".")[0], old), "after": _masked(field.split(".")[0], new)}
                for field, (old, new) in changes.items()
            },
            "confirmed_different_from": confirmed,
            "warnings": len(warnings),
        },
    )
    if placement is not None:
        for checked in valid.files:  # in place only now, just before the commit: a refusal leaves no copy
            placement.place(checked)
    return ProfileUpdate(
        customer_id=customer_id,
        version=seen + 1,
        changed=changed,
        warnings=warnings,
        near_matches_confirmed=confirmed,
    )


def _valid_quietly(form: RegistrationForm, region: str, today: date) -> ValidRegistration | None:
    """The stored profile under today's rules; None when old data fails them (then every field counts as changed)."""
    try:
        return validate_registration(form, region=region, today=today, min_age=0, require_password=False)
    except InvalidInput:
        return None


def _check_identity(uow: UnitOfWork, valid: ValidRegistration, customer: Customer, patch: ProfilePatch) -> list[str]:
    """As registration: the document has no other owner; near matches (others than this customer) confirmed."""
    owner = existing_owner(uow, valid)
    if owner and owner != customer.customer_id:
        raise DuplicateIdentity(
            f"This {valid.cert_type.label.lower()} is already registered as customer {owner}.",
            fields={"cert_number": "Already registered."},
            existing_customer_id=owner,
        )
    near = [m for m in find_near_matches(uow, valid) if m.customer_id != customer.customer_id]
    confirmed = {c.strip().upper() for c in patch.confirmed_different_from}
    unconfirmed = [m for m in near if m.customer_id not in confirmed]
    if unconfirmed:
        raise PossibleDuplicates(
            f"{len(unconfirmed)} existing customer(s) look like the changed identity; "
            "confirm it is a different person to save.",
            near_matches=[m.model_dump(mode="json") for m in unconfirmed],
        )
    return [m.customer_id for m in near]


def _write_customer(customer: Customer, valid: ValidRegistration, form: RegistrationForm) -> None:
    values = {
        "first_name": valid.first_name,
        "middle_name": valid.middle_name,
        "last_name": valid.last_name,
        "organization_name": valid.organization_name,
        "display_name": valid.display_name,
        "name_search": valid.name_search,
        "gender": valid.gender,
        "title": valid.title,
        "nationality": valid.nationality,
        "birthplace": valid.birthplace,
        "birthday": valid.birthday,
        "email": valid.email,
        "mobile": valid.mobile,
        "social_id": form.social_id or None,
        "belief": form.belief or None,
    }
    for name, value in values.items():
        setattr(customer, name, value)


def _write_preferences(uow: UnitOfWork, pk: int, prefs: PreferenceInput) -> None:
    row = uow.session.execute(select(Preference).where(Preference.customer_id == pk)).scalar_one_or_none()
    row = row or Preference(customer_id=pk)
    row.currency = (prefs.currency or row.currency or "EUR").upper()
    for name in PREFERENCE_COLUMNS[1:]:
        setattr(row, name, getattr(prefs, name) or None)
    uow.session.add(row)


def _write_social(uow: UnitOfWork, pk: int, socials: list[SocialAccountInput], now: datetime) -> None:
    session = uow.session
    for index, social in enumerate(socials):
        owner = session.execute(
            select(Customer.customer_id)
            .join(SocialAccount, SocialAccount.customer_id == Customer.id)
            .where(
                SocialAccount.provider == social.provider.lower(),
                SocialAccount.subject == social.subject,
                SocialAccount.customer_id != pk,
            )
        ).scalar()
        if owner:
            raise Conflict(
                f"The {social.provider} account {social.subject} is already linked to customer {owner}.",
                fields={f"social_accounts.{index}.subject": f"Already linked to {owner}."},
                existing_customer_id=owner,
            )
    session.execute(delete(SocialAccount).where(SocialAccount.customer_id == pk))
    session.flush()
    for social in socials:
        session.add(
            SocialAccount(customer_id=pk, provider=social.provider.lower(), subject=social.subject, linked_at=now)
        )


def _write_secrets(
    uow: UnitOfWork, pk: int, password_hash: str | None, question: str | None, answer_hash: str | None
) -> None:
    row = uow.session.execute(
        select(AuthenticationInfo).where(AuthenticationInfo.customer_id == pk)
    ).scalar_one_or_none() or AuthenticationInfo(customer_id=pk)
    if password_hash:
        row.service_password_hash = password_hash
        row.failed_attempts, row.locked_at = 0, None
    if answer_hash:
        row.security_question, row.security_answer_hash = question, answer_hash
    uow.session.add(row)


def _apply_documents(
    uow: UnitOfWork,
    pk: int,
    documents: list[Certificate],
    changes: list[tuple[DocumentChange, CertType, str, str]],
    now: datetime,
) -> None:
    """Add, renew (new expiry, maybe a new number) or retire (kept as history) each document asked."""
    session = uow.session
    for index, (change, kind, number, country) in enumerate(changes):
        field = f"documents.{index}.cert_number"
        expires = date.fromisoformat(change.expires_on) if change.expires_on else None
        mine = next(
            (
                d
                for d in documents
                if (d.cert_type, d.cert_number, d.cert_country) == (kind.value, number, country)
                and d.retired_at is None
            ),
            None,
        )
        if change.action == "add":
            if mine is not None:
                raise InvalidInput("The customer holds this document already.", fields={field: "Already theirs."})
            if change.primary:
                for d in documents:
                    d.is_primary = False
                    session.add(d)
            added = Certificate(
                customer_id=pk,
                cert_type=kind.value,
                cert_number=number,
                cert_country=country,
                is_primary=change.primary or not any(d.retired_at is None for d in documents),
                expires_on=expires,
                created_at=now,
            )
            session.add(added)
            documents.append(added)
            continue
        if mine is None:
            raise InvalidInput("The customer holds no such live document.", fields={field: "Not theirs, or retired."})
        if change.action == "renew":
            mine.expires_on = expires
            if change.new_number:
                _, new_number, _ = parse_certificate(kind.value, change.new_number, country)
                mine.cert_number = new_number
        else:
            live = [d for d in documents if d.retired_at is None and d is not mine]
            if not live:
                raise InvalidInput(
                    "The customer's only live document cannot be retired: add the new one first.",
                    fields={field: "Their only document."},
                )
            mine.retired_at = now
            if mine.is_primary:
                mine.is_primary = False
                live[0].is_primary = True
                session.add(live[0])
        session.add(mine)
        session.flush()


# --- the document seen (issue 13.2) --------------------------------------------------------------


def record_document_seen(
    customer_id: str, *, uow: UnitOfWork, actor: Actor, now: datetime | None = None
) -> DocumentSeen:
    """The CSR inspected the customer's ID document in person: an interaction with its type, last digits
    and expiry (an expired document is said so), and an audit entry."""
    require_signed_in(actor, doing="record an inspected document")
    customer_id = parse_customer_id(customer_id)
    now = now or utcnow()
    with uow:
        customer = _customer(uow, customer_id)
        live = [d for d in _documents(uow, customer.id or 0) if d.retired_at is None]
        if not live:
            raise Conflict(f"Customer {customer_id} has no live ID document to inspect; add one by editing.")
        document = live[0]
        expired = document.expires_on is not None and document.expires_on < now.date()
        label = CertType(document.cert_type).label
        last = document.cert_number[-4:]
        expiry = f"expired {day(document.expires_on)}" if expired else f"expires {day(document.expires_on)}"
        capture(
            uow.session,
            customer.id or 0,
            kind=DOCUMENT_SEEN,
            summary=f"ID inspected: {label} •••• {last}, {expiry if document.expires_on else 'no expiry date'}",
            actor=actor,
            now=now,
        )
        audit.record(
            uow,
            actor,
            "customer.document_seen",
            "customer",
            customer_id,
            {"cert_type": document.cert_type, "last_digits": last, "expired": expired},
        )
        uow.commit()
        return DocumentSeen(
            customer_id=customer_id,
            cert_type=document.cert_type,
            last_digits=last,
            expires_on=document.expires_on,
            expired=expired,
            seen_at=now,
        )

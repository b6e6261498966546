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

Beside it: the patch and what changed (`profile_patch`, no storage), the rows written
(`profile_rows`), the ID inspected (`document_seen`). Over 400 lines on purpose: what is left is
the transaction in its order (read, guard, validate, check, write, record), read as one.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from crm_tui.domain import BlacklistSeverity, CertType, CustomerStatus
from crm_tui.errors import Conflict, DuplicateIdentity, InvalidInput, NotFound
from crm_tui.i18n import N_, _
from crm_tui.services.identity.attachments import record_attachment
from crm_tui.services.identity.checks import check_blacklist
from crm_tui.services.identity.near_matches import PossibleDuplicates, existing_owner, find_near_matches
from crm_tui.services.identity.profile_patch import (
    IDENTITY,
    DocumentChange,
    ProfilePatch,
    apply_patch,
    check_documents,
    masked,
    state_of,
)
from crm_tui.services.identity.profile_rows import (
    apply_documents,
    write_customer,
    write_preferences,
    write_secrets,
    write_social,
)
from crm_tui.services.identity.registration_form import (
    AddressInput,
    ContactInput,
    PreferenceInput,
    RegistrationForm,
    SocialAccountInput,
    ValidRegistration,
    validate_registration,
)
from crm_tui.services.shared import audit, outbox
from crm_tui.services.shared.certificates import document_words
from crm_tui.services.shared.files import FilePlacement
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.passwords import hash_secret
from crm_tui.services.shared.permissions import require_signed_in
from crm_tui.services.shared.validation import field_words, mask, normalize_name, parse_customer_id
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import (
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


class StaleEdit(Conflict):
    """Another terminal changed the customer since this one opened it."""

    title = N_("Changed elsewhere")
    code = "stale_edit"


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


# --- reading ---------------------------------------------------------------------------------


def load_customer(uow: UnitOfWork, customer_id: str) -> Customer:
    customer = uow.session.execute(select(Customer).where(Customer.customer_id == customer_id)).scalar_one_or_none()
    if customer is None or customer.status == CustomerStatus.ERASED:
        raise NotFound(_("No customer {customer_id}.").format(customer_id=customer_id))
    if customer.status == CustomerStatus.MERGED:
        raise Conflict(
            _("Customer {customer_id} was merged into another; edit the survivor.").format(customer_id=customer_id)
        )
    return customer


def customer_documents(uow: UnitOfWork, pk: int) -> list[Certificate]:
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
        login_name=customer.login_name or "",
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
    require_signed_in(actor, doing=_("edit customers"))
    customer_id = parse_customer_id(customer_id)
    with uow:
        customer = load_customer(uow, customer_id)
        documents = customer_documents(uow, customer.id or 0)
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
    require_signed_in(actor, doing=_("edit customers"))
    customer_id = parse_customer_id(customer_id)
    now = now or utcnow()
    password_hash = hash_secret(patch.service_password) if patch.service_password else None
    answer_hash = hash_secret(normalize_name(patch.security_answer)) if patch.security_answer else None
    documents_checked = check_documents(patch.documents, now.date())
    if patch.attachments and data_dir is None:
        raise InvalidInput(
            _("Attachments need a data folder."), fields={"attachments.0": _("No data folder configured.")}
        )
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
                _("That document is registered to another customer."),
                fields={"cert_number": _("Already registered.")},
            ) from None
        if isinstance(error, IntegrityError) and unique_violation_table(error) is not None:
            raise StaleEdit(_("Another terminal changed the same data a moment ago; open it again.")) from None
        raise


def _stale(customer_id: str, seen: int, now_at: int) -> StaleEdit:
    return StaleEdit(
        _(
            "Customer {customer_id} was changed at another terminal since you opened it (version {seen}, now {now}); "
            "nothing was saved: open it again and redo the change."
        ).format(customer_id=customer_id, seen=seen, now=now_at),
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
    customer = load_customer(uow, customer_id)
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

    documents = customer_documents(uow, pk)
    current = _current_form(uow, customer, documents)
    stored_question = session.execute(
        select(AuthenticationInfo.security_question).where(AuthenticationInfo.customer_id == pk)
    ).scalar()
    form = apply_patch(current, patch, stored_question=stored_question or "")
    today = now.date()
    before_valid = _valid_quietly(current, region, today, keep_incomplete=customer.incomplete)
    # An incomplete legacy record (issue 14.5) stays editable without its birthday; a birthday given
    # is checked as at the counter, and a valid one clears the flag.
    valid = validate_registration(
        form,
        region=region,
        today=today,
        min_age=min_age,
        require_password=False,
        keep_incomplete=customer.incomplete and not form.birthday,
    )
    before = state_of(before_valid, current) if before_valid else {}
    after = state_of(valid, form)
    changes = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
    if customer.incomplete and not valid.incomplete:
        changes["incomplete"] = (True, False)
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
        warnings = [
            (
                _("Blacklist ban ({matched_on}): {reason}")
                if hit.severity == BlacklistSeverity.BAN
                else _("Blacklist warn ({matched_on}): {reason}")
            ).format(matched_on=hit.matched_words, reason=hit.reason)
            for hit in hits
        ]

    if valid.login_name and valid.login_name != customer.login_name:
        holder = session.execute(
            select(Customer.customer_id).where(Customer.login_name == valid.login_name, Customer.id != customer.id)
        ).scalar()
        if holder:
            raise Conflict(
                _("The login name {login_name} is taken by customer {customer_id}; choose another.").format(
                    login_name=valid.login_name, customer_id=holder
                ),
                fields={"login_name": _("Taken.")},
            )
    write_customer(customer, valid, form)
    customer.incomplete = bool(valid.incomplete)
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
        write_preferences(uow, pk, form.preferences or PreferenceInput())
    if "social_accounts" in changes:
        write_social(uow, pk, form.social_accounts, now)
    if password_hash or answer_hash or patch.security_question is not None:
        write_secrets(uow, pk, password_hash, form.security_question if answer_hash else None, answer_hash)
    apply_documents(uow, pk, documents, documents_checked, now)
    for checked in valid.files:
        record_attachment(uow, pk, checked, actor=actor)
    session.flush()

    changed = sorted(k.split(".")[0] for k in changes)
    changed = list(dict.fromkeys(changed))
    capture(
        session,
        pk,
        kind="profile_edit",
        summary=_("Profile changed: {fields}").format(
            fields=", ".join(field_words(c) for c in changed) or _("nothing")
        ),
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
                field: {"before": masked(field.split(".")[0], old), "after": masked(field.split(".")[0], new)}
                for field, (old, new) in changes.items()
            },
            "confirmed_different_from": confirmed,
            "warnings": len(warnings),
        },
    )
    reach = [k for k in ("email", "mobile") if k in changes]
    if reach:  # the customer hears of it at the old address as well as the new (issue 18: a hijack shows)
        previous = {k: before[k] for k in reach if before.get(k)}
        outbox.emit(uow, "customer.contact_changed", "customer", customer_id, {"changed": reach, "previous": previous})
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


def _valid_quietly(
    form: RegistrationForm, region: str, today: date, *, keep_incomplete: bool = False
) -> ValidRegistration | None:
    """The stored profile under today's rules; None when old data fails them (then every field counts as changed)."""
    try:
        return validate_registration(
            form, region=region, today=today, min_age=0, require_password=False, keep_incomplete=keep_incomplete
        )
    except InvalidInput:
        return None


def _check_identity(uow: UnitOfWork, valid: ValidRegistration, customer: Customer, patch: ProfilePatch) -> list[str]:
    """As registration: the document has no other owner; near matches (others than this customer) confirmed."""
    owner = existing_owner(uow, valid)
    if owner and owner != customer.customer_id:
        raise DuplicateIdentity(
            _("This {document} is already registered as customer {customer_id}.").format(
                document=document_words(valid.cert_type), customer_id=owner
            ),
            fields={"cert_number": _("Already registered.")},
            existing_customer_id=owner,
        )
    near = [m for m in find_near_matches(uow, valid) if m.customer_id != customer.customer_id]
    confirmed = {c.strip().upper() for c in patch.confirmed_different_from}
    unconfirmed = [m for m in near if m.customer_id not in confirmed]
    if unconfirmed:
        raise PossibleDuplicates(
            _(
                "{count} existing customer(s) look like the changed identity; confirm it is a different person to save."
            ).format(count=len(unconfirmed)),
            near_matches=[m.model_dump(mode="json") for m in unconfirmed],
        )
    return [m.customer_id for m in near]

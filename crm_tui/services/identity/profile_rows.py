"""The rows a profile edit writes (customer, preferences, social accounts, secrets, ID documents),
each only when its group changed; `profile_edit._update` calls them inside its transaction."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select

from crm_tui.domain import CertType
from crm_tui.errors import Conflict, InvalidInput
from crm_tui.i18n import _
from crm_tui.services.identity.profile_patch import PREFERENCE_COLUMNS, DocumentChange
from crm_tui.services.identity.registration_form import (
    PreferenceInput,
    RegistrationForm,
    SocialAccountInput,
    ValidRegistration,
)
from crm_tui.services.shared.certificates import parse_certificate
from crm_tui.storage.models.customers import AuthenticationInfo, Certificate, Customer, Preference, SocialAccount
from crm_tui.storage.unit_of_work import UnitOfWork


def write_customer(customer: Customer, valid: ValidRegistration, form: RegistrationForm) -> None:
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
        "login_name": valid.login_name,
    }
    for name, value in values.items():
        setattr(customer, name, value)


def write_preferences(uow: UnitOfWork, pk: int, prefs: PreferenceInput) -> None:
    row = uow.session.execute(select(Preference).where(Preference.customer_id == pk)).scalar_one_or_none()
    row = row or Preference(customer_id=pk)
    row.currency = (prefs.currency or row.currency or "EUR").upper()
    for name in PREFERENCE_COLUMNS[1:]:
        setattr(row, name, getattr(prefs, name) or None)
    uow.session.add(row)


def write_social(uow: UnitOfWork, pk: int, socials: list[SocialAccountInput], now: datetime) -> None:
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
                _("The {provider} account {account} is already linked to customer {customer_id}.").format(
                    provider=social.provider, account=social.subject, customer_id=owner
                ),
                fields={
                    f"social_accounts.{index}.subject": _("Already linked to {customer_id}.").format(customer_id=owner)
                },
                existing_customer_id=owner,
            )
    session.execute(delete(SocialAccount).where(SocialAccount.customer_id == pk))
    session.flush()
    for social in socials:
        session.add(
            SocialAccount(customer_id=pk, provider=social.provider.lower(), subject=social.subject, linked_at=now)
        )


def write_secrets(
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


def apply_documents(
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
                raise InvalidInput(_("The customer holds this document already."), fields={field: _("Already theirs.")})
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
            raise InvalidInput(
                _("The customer holds no such live document."), fields={field: _("Not theirs, or retired.")}
            )
        if change.action == "renew":
            mine.expires_on = expires
            if change.new_number:
                _kind, new_number, _country = parse_certificate(kind.value, change.new_number, country)
                mine.cert_number = new_number
        else:
            live = [d for d in documents if d.retired_at is None and d is not mine]
            if not live:
                raise InvalidInput(
                    _("The customer's only live document cannot be retired: add the new one first."),
                    fields={field: _("Their only document.")},
                )
            mine.retired_at = now
            if mine.is_primary:
                mine.is_primary = False
                live[0].is_primary = True
                session.add(live[0])
        session.add(mine)
        session.flush()

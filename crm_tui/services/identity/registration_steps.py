"""The steps of one registration, each named for what the counter would call it: refuse a
duplicate, take the offering, run the checks, write the identity, open the account and the line
(or hold it). `registration._register` runs them in order inside one transaction; a later profile
edit reuses the checks and the identity rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from crm_tui.domain import BlacklistSeverity, CustomerStatus, PaymentType, QueueName
from crm_tui.errors import Conflict, DuplicateIdentity, InvalidInput
from crm_tui.i18n import _
from crm_tui.services.identity.attachments import record_attachment
from crm_tui.services.identity.checks import check_blacklist, check_credit
from crm_tui.services.identity.near_matches import NearMatch, PossibleDuplicates, existing_owner, find_near_matches
from crm_tui.services.identity.registration_form import PreferenceInput, RegistrationForm, ValidRegistration
from crm_tui.services.lines.provisioning import give_line
from crm_tui.services.shared.catalog import ensure_catalog
from crm_tui.services.shared.certificates import document_words
from crm_tui.services.shared.validation import customer_id_for
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
from crm_tui.storage.models.lines import Account, Offering
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.sequences import next_number
from crm_tui.storage.unit_of_work import UnitOfWork


class HeldInfo(View):
    queue: str
    item_id: int
    reason: str


@dataclass
class Checks:
    """What the blacklist and credit checks said: warnings to show, reasons to hold the line, the credit."""

    warnings: list[str] = field(default_factory=list)
    hold_reasons: list[str] = field(default_factory=list)
    credit_level: str = "B"
    credit_limit: Decimal = Decimal("400.00")


def refuse_owned_certificate(uow: UnitOfWork, valid: ValidRegistration) -> None:
    """Raise DuplicateIdentity when the document has an owner. Called again before any later refusal:
    on PostgreSQL (READ COMMITTED) a terminal registering the same person may commit between two
    reads, and the loser must be told who owns the document, not that a login or social account is taken."""
    existing = existing_owner(uow, valid)
    if existing:
        raise DuplicateIdentity(
            _("This {document} is already registered as customer {customer_id}.").format(
                document=document_words(valid.cert_type), customer_id=existing
            ),
            fields={"cert_number": _("Already registered.")},
            existing_customer_id=existing,
        )


def refuse_duplicates(
    uow: UnitOfWork, valid: ValidRegistration, *, check_near_matches: bool = True, newer_than: int | None = None
) -> list[NearMatch]:
    """The person is not registered yet: no owner of the document, no near match left unconfirmed, no
    social account linked to someone else. Returns the near matches the CSR confirmed as others.
    `newer_than`: near matches are looked for only among customers registered after that row id (a
    check a moment before saw the others)."""
    form = valid.form
    # Near matches first, then the exact owner: on PostgreSQL (READ COMMITTED) a racing terminal that
    # commits between the two reads is then seen as the certificate's owner, not as a near match.
    near = find_near_matches(uow, valid, newer_than=newer_than) if check_near_matches else []
    refuse_owned_certificate(uow, valid)
    confirmed = {c.strip().upper() for c in form.confirmed_different_from}
    unconfirmed = [m for m in near if m.customer_id not in confirmed]
    if unconfirmed:
        raise PossibleDuplicates(
            _("{count} existing customer(s) look like this person; confirm it is a different person to go on.").format(
                count=len(unconfirmed)
            ),
            near_matches=[m.model_dump(mode="json") for m in unconfirmed],
        )
    if valid.login_name:
        holder = uow.session.execute(
            select(Customer.customer_id).where(Customer.login_name == valid.login_name)
        ).scalar()
        if holder:
            refuse_owned_certificate(uow, valid)  # the same person, registered a moment ago elsewhere?
            raise Conflict(
                _("The login name {login_name} is taken by customer {customer_id}; choose another.").format(
                    login_name=valid.login_name, customer_id=holder
                ),
                fields={"login_name": _("Taken.")},
            )
    for index, social in enumerate(form.social_accounts):
        owner = uow.session.execute(
            select(Customer.customer_id)
            .join(SocialAccount, SocialAccount.customer_id == Customer.id)
            .where(SocialAccount.provider == social.provider.lower(), SocialAccount.subject == social.subject)
        ).scalar()
        if owner:
            refuse_owned_certificate(uow, valid)
            raise Conflict(
                _("The {provider} account {account} is already linked to customer {customer_id}.").format(
                    provider=social.provider, account=social.subject, customer_id=owner
                ),
                fields={
                    f"social_accounts.{index}.subject": _("Already linked to {customer_id}.").format(customer_id=owner)
                },
                existing_customer_id=owner,
            )
    return near


def chosen_offering(session: Session, form: RegistrationForm) -> Offering | None:
    """The primary offering asked for (the catalogue loaded if needed), or None for an identity only."""
    if not form.primary_offering:
        return None
    ensure_catalog(session)
    offering = session.execute(
        select(Offering).where(Offering.code == form.primary_offering.upper(), Offering.is_active.is_(True))
    ).scalar_one_or_none()
    if offering is None:
        raise InvalidInput(
            _("No offering {offering} in the catalog.").format(offering=form.primary_offering),
            fields={"primary_offering": _("Unknown offering.")},
        )
    return offering


def run_checks(uow: UnitOfWork, valid: ValidRegistration, offering: Offering | None, now: datetime) -> Checks:
    """Blacklist (a ban holds the line, a warning is shown) and credit (a postpaid line needs the level)."""
    checks = Checks()
    if offering is None:
        return checks
    hits = check_blacklist(
        uow,
        cert_type=valid.cert_type.value,
        cert_number=valid.cert_number,
        cert_country=valid.cert_country,
        name_search=valid.name_search,
        birthday=valid.birthday,
        now=now,
    )
    for hit in hits:
        if hit.severity == BlacklistSeverity.BAN:
            checks.hold_reasons.append(hit.words())
        else:
            checks.warnings.append(hit.words())
    decision = check_credit(
        birthday=valid.birthday,
        cert_type=valid.cert_type.value,
        has_email=bool(valid.email),
        has_address=bool(valid.addresses),
        blacklist_warning=bool(checks.warnings),
        postpaid=offering.payment_type == PaymentType.POSTPAID,
        today=now.date(),
    )
    checks.credit_level, checks.credit_limit = decision.level, decision.limit
    if not decision.passed:
        checks.hold_reasons.append(decision.failure_words())
    return checks


def write_identity(
    uow: UnitOfWork,
    valid: ValidRegistration,
    checks: Checks,
    *,
    actor: Actor,
    now: datetime,
    currency: str,
    password_hash: str | None,
    answer_hash: str | None,
) -> Customer:
    """The customer with a new ID from the sequence, its document, contacts, addresses, preferences,
    authentication information, attachments and social accounts."""
    session = uow.session
    form = valid.form
    customer = Customer(
        customer_id=customer_id_for(next_number(session, "customer_number")),
        type=valid.type.value,
        status=CustomerStatus.IDLE.value,
        first_name=valid.first_name,
        middle_name=valid.middle_name,
        last_name=valid.last_name,
        organization_name=valid.organization_name,
        display_name=valid.display_name,
        name_search=valid.name_search,
        gender=valid.gender,
        title=valid.title,
        nationality=valid.nationality,
        birthplace=valid.birthplace,
        birthday=valid.birthday,
        email=valid.email,
        mobile=valid.mobile,
        social_id=form.social_id or None,
        login_name=valid.login_name,
        belief=form.belief or None,
        credit_level=checks.credit_level,
        credit_limit=checks.credit_limit,
        created_at=now,
        updated_at=now,
        created_by=actor.id,
        incomplete=bool(valid.incomplete),
    )
    session.add(customer)
    session.flush()
    session.add(
        Certificate(
            customer_id=customer.id,
            cert_type=valid.cert_type.value,
            cert_number=valid.cert_number,
            cert_country=valid.cert_country,
            created_at=now,
        )
    )
    for contact, normalized in valid.contacts:
        session.add(
            Contact(
                customer_id=customer.id,
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
    for address in valid.addresses:
        session.add(
            Address(
                customer_id=customer.id,
                address_type=address.address_type or "living",
                region=address.region or None,
                city=address.city or None,
                detail=address.detail,
                postal_code=address.postal_code or None,
                country=address.country or None,
                contact_point=address.contact_point or None,
            )
        )
    prefs = form.preferences or PreferenceInput()
    session.add(
        Preference(
            customer_id=customer.id,
            currency=(prefs.currency or currency).upper(),
            language=prefs.language or form.language or None,
            written_language=prefs.written_language or form.written_language or None,
            dnd_channel=prefs.dnd_channel or None,
            dnd_days=prefs.dnd_days or None,
            dnd_start=prefs.dnd_start or None,
            dnd_end=prefs.dnd_end or None,
        )
    )
    session.add(
        AuthenticationInfo(
            customer_id=customer.id,
            service_password_hash=password_hash,
            security_question=form.security_question or None,
            security_answer_hash=answer_hash,
        )
    )
    for checked in valid.files:
        record_attachment(uow, customer.id or 0, checked, actor=actor)
    for social in form.social_accounts:
        session.add(
            SocialAccount(
                customer_id=customer.id, provider=social.provider.lower(), subject=social.subject, linked_at=now
            )
        )
    return customer


@dataclass
class Opened:
    account: Account | None = None
    service_number: str | None = None
    held: HeldInfo | None = None


def open_account_and_line(
    session: Session,
    customer: Customer,
    offering: Offering | None,
    valid: ValidRegistration,
    checks: Checks,
    *,
    now: datetime,
    currency: str,
) -> Opened:
    """With an offering: the account, then the line (number and SIM from the pools), or, when a check
    says so, the account alone and the line held in the supervisor's queue."""
    if offering is None:
        return Opened()
    account = Account(
        account_code=f"21{next_number(session, 'account_code'):09d}",
        customer_id=customer.id,
        payment_type=offering.payment_type,
        currency=currency,
        created_at=now,
    )
    session.add(account)
    session.flush()
    if checks.hold_reasons:
        item = QueueItem(
            queue=QueueName.HELD_REGISTRATIONS.value,
            ref_type="customer",
            ref_id=customer.customer_id,
            reason="; ".join(checks.hold_reasons),
            payload={
                "offering": offering.code,
                "account_code": account.account_code,
                "service_number": valid.service_number,
                "warnings": checks.warnings,
            },
            created_at=now,
        )
        session.add(item)
        session.flush()
        return Opened(account=account, held=HeldInfo(queue=item.queue, item_id=item.id or 0, reason=item.reason))
    form = valid.form
    subscriber = give_line(
        session,
        customer,
        offering,
        account,
        wanted_number=valid.service_number,
        now=now,
        language=form.language,
        written_language=form.written_language,
    )
    customer.status = CustomerStatus.ACTIVE.value
    session.add(customer)
    return Opened(account=account, service_number=subscriber.service_number)

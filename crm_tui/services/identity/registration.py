"""Establish New Customer Identity (eTOM 1.3.4.2.2), Issue Unique Customer ID (1.3.4.2.5) and
Gather Authentication Information (1.3.4.2.6).

Order of work: validate every field (no database) -> hash the secrets (no transaction held) ->
one write transaction: exact certificate check, near-match check, blacklist and credit checks
when a primary offering is taken, a new customer ID from the sequence, the rows, the line or the
hold, the interaction, the notification event and the audit link. The UNIQUE constraint on the
certificate is the last word: a second terminal racing on the same person gets DuplicateIdentity.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm_tui.domain import (
    BlacklistSeverity,
    CustomerStatus,
    PaymentType,
    QueueName,
)
from crm_tui.errors import Conflict, DuplicateIdentity, InvalidInput
from crm_tui.services.identity.attachments import record_attachment
from crm_tui.services.identity.checks import check_blacklist, check_credit
from crm_tui.services.identity.near_matches import (
    PossibleDuplicates,
    _existing_owner,
    _near_matches,
)
from crm_tui.services.identity.registration_form import (
    PreferenceInput,
    RegistrationForm,
    ValidRegistration,
    validate_registration,
)
from crm_tui.services.lines.provisioning import give_line
from crm_tui.services.shared import audit, outbox
from crm_tui.services.shared.catalog import ensure_catalog
from crm_tui.services.shared.files import FilePlacement
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.passwords import hash_secret
from crm_tui.services.shared.permissions import (
    require_signed_in,
)
from crm_tui.services.shared.validation import (
    customer_id_for,
)
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models import (
    Account,
    Address,
    AuthenticationInfo,
    Certificate,
    Contact,
    Customer,
    Offering,
    Preference,
    QueueItem,
    SocialAccount,
)
from crm_tui.storage.sequences import next_number
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork, unique_violation_table

# --- registration ----------------------------------------------------------------------------

RACES: dict[str, tuple[str, dict[str, str]]] = {
    "certificates": (
        "This document was registered at another terminal a moment ago; search for it.",
        {"cert_number": "Just registered elsewhere."},
    ),
    "subscribers": (
        "The number or SIM card was given to another customer a moment ago; try again for another.",
        {"primary_offering": "Just taken."},
    ),
    "number_pool": (
        "The number was taken at another terminal a moment ago; try again for another.",
        {"service_number": "Just taken."},
    ),
    "sim_pool": (
        "The SIM card was taken at another terminal a moment ago; try again.",
        {"primary_offering": "Just taken."},
    ),
    "social_accounts": (
        "That social account was linked to another customer a moment ago.",
        {"social_accounts.0.account_id": "Just linked elsewhere."},
    ),
    "contacts": (
        "That contact was registered for another customer a moment ago.",
        {"contacts": "Just registered elsewhere."},
    ),
}
"""What a unique violation at commit means, by the table whose constraint failed (another terminal
won a race the checks could not see): the real cause at its field, never a vague refusal."""

RACE_ELSEWHERE = ("Another terminal changed the same data a moment ago; try again.", {})


class HeldInfo(View):
    queue: str
    item_id: int
    reason: str


class RegistrationResult(View):
    customer_id: str
    status: str
    account_code: str | None
    service_number: str | None
    credit_level: str
    credit_limit: Decimal
    warnings: list[str]
    held: HeldInfo | None
    near_matches_confirmed: list[str]


def register_customer(
    form: RegistrationForm,
    *,
    uow: UnitOfWork,
    actor: Actor,
    region: str,
    currency: str = "EUR",
    timezone: str = "Europe/Madrid",
    min_age: int = 16,
    now: datetime | None = None,
    require_password: bool = True,
    data_dir: Path | None = None,
) -> RegistrationResult:
    """Register a new customer; with a primary offering, verify and give a line (or hold it).

    Raises DuplicateIdentity (the certificate has an owner: `existing_customer_id`),
    PossibleDuplicates (near matches the CSR has not confirmed as other people), InvalidInput.
    """
    require_signed_in(actor, doing="register customers")
    now = now or utcnow()
    valid = validate_registration(
        form, region=region, today=now.date(), min_age=min_age, require_password=require_password
    )
    password_hash = hash_secret(form.service_password) if form.service_password else None
    answer_hash = hash_secret(valid.security_answer_normalized) if valid.security_answer_normalized else None
    if valid.files and data_dir is None:
        raise InvalidInput("Attachments need a data folder.", fields={"attachments.0": "No data folder configured."})
    placement = FilePlacement(data_dir) if data_dir is not None else None
    try:
        with uow:
            result = _register(
                uow,
                valid,
                actor=actor,
                now=now,
                currency=currency,
                timezone=timezone,
                password_hash=password_hash,
                answer_hash=answer_hash,
            )
            for checked in valid.files:  # in place only now, just before the commit: a refusal leaves no copy
                placement.place(checked)
            uow.commit()
            return result
    except BaseException as error:
        if placement is not None:
            placement.undo()
        if not isinstance(error, IntegrityError):
            raise
        table = unique_violation_table(error)
        if table is None:
            raise
        with uow:
            existing = _existing_owner(uow, valid)
        if existing:
            raise DuplicateIdentity(
                f"This {valid.cert_type.label.lower()} is already registered as customer {existing}.",
                fields={"cert_number": "Already registered."},
                existing_customer_id=existing,
            ) from None
        message, fields = RACES.get(table, RACE_ELSEWHERE)
        raise Conflict(message, fields=dict(fields)) from None


def _register(
    uow: UnitOfWork,
    valid: ValidRegistration,
    *,
    actor: Actor,
    now: datetime,
    currency: str,
    timezone: str,
    password_hash: str | None,
    answer_hash: str | None,
    check_near_matches: bool = True,
) -> RegistrationResult:
    session = uow.session
    form = valid.form
    # Near matches first, then the exact owner: on PostgreSQL (READ COMMITTED) a racing terminal that
    # commits between the two reads is then seen as the certificate's owner, not as a near match.
    near = _near_matches(uow, valid) if check_near_matches else []
    existing = _existing_owner(uow, valid)
    if existing:
        raise DuplicateIdentity(
            f"This {valid.cert_type.label.lower()} is already registered as customer {existing}.",
            fields={"cert_number": "Already registered."},
            existing_customer_id=existing,
        )
    unconfirmed = [m for m in near if m.customer_id not in {c.strip().upper() for c in form.confirmed_different_from}]
    if unconfirmed:
        raise PossibleDuplicates(
            f"{len(unconfirmed)} existing customer(s) look like this person; confirm it is a different person to go on.",
            near_matches=[m.model_dump(mode="json") for m in unconfirmed],
        )

    for index, social in enumerate(form.social_accounts):
        owner = session.execute(
            select(Customer.customer_id)
            .join(SocialAccount, SocialAccount.customer_id == Customer.id)
            .where(SocialAccount.provider == social.provider.lower(), SocialAccount.subject == social.subject)
        ).scalar()
        if owner:
            raise Conflict(
                f"The {social.provider} account {social.subject} is already linked to customer {owner}.",
                fields={f"social_accounts.{index}.subject": f"Already linked to {owner}."},
                existing_customer_id=owner,
            )

    offering = None
    if form.primary_offering:
        ensure_catalog(session)
        offering = session.execute(
            select(Offering).where(Offering.code == form.primary_offering.upper(), Offering.is_active.is_(True))
        ).scalar_one_or_none()
        if offering is None:
            raise InvalidInput(
                f"No offering {form.primary_offering} in the catalog.", fields={"primary_offering": "Unknown offering."}
            )

    warnings: list[str] = []
    hold_reasons: list[str] = []
    credit_level, credit_limit = "B", Decimal("400.00")
    if offering is not None:
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
                hold_reasons.append(f"Blacklisted ({hit.matched_on}): {hit.reason}")
            else:
                warnings.append(f"Blacklist warning ({hit.matched_on}): {hit.reason}")
        decision = check_credit(
            birthday=valid.birthday,
            cert_type=valid.cert_type.value,
            has_email=bool(valid.email),
            has_address=bool(valid.addresses),
            blacklist_warning=bool(warnings),
            postpaid=offering.payment_type == PaymentType.POSTPAID,
            today=now.date(),
        )
        credit_level, credit_limit = decision.level, decision.limit
        if not decision.passed:
            hold_reasons.append(
                f"Credit check failed: level {decision.level} is below what a postpaid line needs ({', '.join(decision.reasons) or 'no positive facts'})"
            )

    number = next_number(session, "customer_number")
    customer = Customer(
        customer_id=customer_id_for(number),
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
        belief=form.belief or None,
        credit_level=credit_level,
        credit_limit=credit_limit,
        created_at=now,
        updated_at=now,
        created_by=actor.id,
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

    account = None
    service_number = None
    held = None
    if offering is not None:
        account = Account(
            account_code=f"21{next_number(session, 'account_code'):09d}",
            customer_id=customer.id,
            payment_type=offering.payment_type,
            currency=currency,
            created_at=now,
        )
        session.add(account)
        session.flush()
        if hold_reasons:
            item = QueueItem(
                queue=QueueName.HELD_REGISTRATIONS.value,
                ref_type="customer",
                ref_id=customer.customer_id,
                reason="; ".join(hold_reasons),
                payload={
                    "offering": offering.code,
                    "account_code": account.account_code,
                    "service_number": valid.service_number,
                    "warnings": warnings,
                },
                created_at=now,
            )
            session.add(item)
            session.flush()
            held = HeldInfo(queue=item.queue, item_id=item.id or 0, reason=item.reason)
        else:
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
            service_number = subscriber.service_number
            customer.status = CustomerStatus.ACTIVE.value
            session.add(customer)

    confirmed = [m.customer_id for m in near]
    summary_parts = ["Registered"]
    if confirmed:
        summary_parts.append(f"confirmed different from {', '.join(confirmed)}")
    if warnings:
        summary_parts.append(f"{len(warnings)} warning(s)")
    if held:
        summary_parts.append("line held for review")
    capture(session, customer.id, kind="register", summary="; ".join(summary_parts), actor=actor, now=now)
    notify_at = outbox.outside_do_not_disturb(
        now, start=prefs.dnd_start or None, end=prefs.dnd_end or None, zone=timezone
    )
    outbox.emit(
        uow,
        "customer.registered",
        "customer",
        customer.customer_id,
        {
            "channel": prefs.dnd_channel or ("email" if valid.email else "sms" if valid.mobile else "letter"),
            "not_before": notify_at.isoformat(),
            "service_number": service_number,
            "held": held is not None,
        },
    )
    audit.record(
        uow,
        actor,
        "customer.register",
        "customer",
        customer.customer_id,
        {
            "offering": offering.code if offering else None,
            "held": held is not None,
            "warnings": len(warnings),
            "confirmed_different_from": confirmed,
        },
    )
    session.flush()
    return RegistrationResult(
        customer_id=customer.customer_id,
        status=customer.status,
        account_code=account.account_code if account else None,
        service_number=service_number,
        credit_level=credit_level,
        credit_limit=credit_limit,
        warnings=warnings,
        held=held,
        near_matches_confirmed=confirmed,
    )

"""Establish New Customer Identity (eTOM 1.3.4.2.2), Issue Unique Customer ID (1.3.4.2.5) and
Gather Authentication Information (1.3.4.2.6).

Order of work: validate every field (no database) -> hash the secrets (no transaction held) ->
on SQLite, the refusals in a read (a duplicate is refused without waiting for the write lock, and
a fresh process compiles its statements before taking it, not while sixteen terminals wait) ->
one write transaction: exact certificate check, near-match check, blacklist and credit checks
when a primary offering is taken, a new customer ID from the sequence, the rows, the line or the
hold, the interaction, the notification event and the audit link. The UNIQUE constraint on the
certificate is the last word: a second terminal racing on the same person gets DuplicateIdentity.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from crm_tui.errors import Conflict, DuplicateIdentity, InvalidInput
from crm_tui.i18n import N_, _
from crm_tui.services.identity.near_matches import (
    NearMatch,
    existing_owner,
    newest_customer,
)
from crm_tui.services.identity.registration_form import (
    PreferenceInput,
    RegistrationForm,
    ValidRegistration,
    validate_registration,
)
from crm_tui.services.identity.registration_steps import (
    HeldInfo,
    chosen_offering,
    open_account_and_line,
    refuse_duplicates,
    run_checks,
    write_identity,
)
from crm_tui.services.shared import audit, outbox
from crm_tui.services.shared.certificates import document_words
from crm_tui.services.shared.files import FilePlacement
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.passwords import hash_secret
from crm_tui.services.shared.permissions import (
    require_signed_in,
)
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork, unique_violation_table

# --- registration ----------------------------------------------------------------------------

RACES: dict[str, tuple[str, dict[str, str]]] = {
    "certificates": (
        N_("This document was registered at another terminal a moment ago; search for it."),
        {"cert_number": N_("Just registered elsewhere.")},
    ),
    "subscribers": (
        N_("The number or SIM card was given to another customer a moment ago; try again for another."),
        {"primary_offering": N_("Just taken.")},
    ),
    "number_pool": (
        N_("The number was taken at another terminal a moment ago; try again for another."),
        {"service_number": N_("Just taken.")},
    ),
    "sim_pool": (
        N_("The SIM card was taken at another terminal a moment ago; try again."),
        {"primary_offering": N_("Just taken.")},
    ),
    "social_accounts": (
        N_("That social account was linked to another customer a moment ago."),
        {"social_accounts.0.account_id": N_("Just linked elsewhere.")},
    ),
    "customers": (
        N_("That login name was taken at another terminal a moment ago; choose another."),
        {"login_name": N_("Just taken.")},
    ),
    "contacts": (
        N_("That contact was registered for another customer a moment ago."),
        {"contacts": N_("Just registered elsewhere.")},
    ),
}
"""What a unique violation at commit means, by the table whose constraint failed (another terminal
won a race the checks could not see): the real cause at its field, never a vague refusal."""

RACE_ELSEWHERE = (N_("Another terminal changed the same data a moment ago; try again."), {})


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
    require_signed_in(actor, doing=_("register customers"))
    now = now or utcnow()
    valid = validate_registration(
        form, region=region, today=now.date(), min_age=min_age, require_password=require_password
    )
    password_hash = hash_secret(form.service_password) if form.service_password else None
    answer_hash = hash_secret(valid.security_answer_normalized) if valid.security_answer_normalized else None
    if valid.files and data_dir is None:
        raise InvalidInput(
            _("Attachments need a data folder."), fields={"attachments.0": _("No data folder configured.")}
        )
    placement = FilePlacement(data_dir) if data_dir is not None else None
    seen: tuple[list[NearMatch], int] | None = None
    if uow.database.is_sqlite:  # one lock for the whole file there; PostgreSQL's BEGIN takes none
        with UnitOfWork(uow.database) as reading:  # checked again under the lock: a racer may commit in between
            seen = refuse_duplicates(reading, valid), newest_customer(reading)
    try:
        with uow:
            result = register_valid(
                uow,
                valid,
                actor=actor,
                now=now,
                currency=currency,
                timezone=timezone,
                password_hash=password_hash,
                answer_hash=answer_hash,
                seen=seen,
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
            existing = existing_owner(uow, valid)
        if existing:
            raise DuplicateIdentity(
                _("This {document} is already registered as customer {customer_id}.").format(
                    document=document_words(valid.cert_type), customer_id=existing
                ),
                fields={"cert_number": _("Already registered.")},
                existing_customer_id=existing,
            ) from None
        message, fields = RACES.get(table, RACE_ELSEWHERE)
        raise Conflict(_(message), fields={field: _(words) for field, words in fields.items()}) from None


def register_valid(
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
    seen: tuple[list[NearMatch], int] | None = None,
) -> RegistrationResult:
    """One registration inside the caller's transaction: the steps of registration_steps, in order,
    then the interaction, the notification event and the audit entry.

    `seen`: the near matches a read just before found (all of them confirmed as other people) and the
    newest customer it saw; under the lock only customers registered since are scored again. At a
    million customers the near-match check is most of a registration, and SQLite's writers queue
    behind it. (A customer edited into this person's likeness in that moment is not looked at again:
    the guarantee is about two terminals registering one person, and the document's owner is read
    again in full.)"""
    session = uow.session
    earlier, newer_than = seen if seen is not None else ([], None)
    near = earlier + refuse_duplicates(uow, valid, check_near_matches=check_near_matches, newer_than=newer_than)
    offering = chosen_offering(session, valid.form)
    checks = run_checks(uow, valid, offering, now)
    customer = write_identity(
        uow,
        valid,
        checks,
        actor=actor,
        now=now,
        currency=currency,
        password_hash=password_hash,
        answer_hash=answer_hash,
    )
    opened = open_account_and_line(session, customer, offering, valid, checks, now=now, currency=currency)

    confirmed = [m.customer_id for m in near]
    summary_parts = [_("Registered")]
    if confirmed:
        summary_parts.append(_("confirmed different from {customers}").format(customers=", ".join(confirmed)))
    if checks.warnings:
        summary_parts.append(_("{count} warning(s)").format(count=len(checks.warnings)))
    if opened.held:
        summary_parts.append(_("line held for review"))
    capture(session, customer.id, kind="register", summary="; ".join(summary_parts), actor=actor, now=now)
    prefs = valid.form.preferences or PreferenceInput()
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
            "service_number": opened.service_number,
            "held": opened.held is not None,
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
            "held": opened.held is not None,
            "warnings": len(checks.warnings),
            "confirmed_different_from": confirmed,
        },
    )
    session.flush()
    return RegistrationResult(
        customer_id=customer.customer_id,
        status=customer.status,
        account_code=opened.account.account_code if opened.account else None,
        service_number=opened.service_number,
        credit_level=checks.credit_level,
        credit_limit=checks.credit_limit,
        warnings=checks.warnings,
        held=opened.held,
        near_matches_confirmed=confirmed,
    )

"""Establish New Customer Identity (eTOM 1.3.4.2.2), Issue Unique Customer ID (1.3.4.2.5) and
Gather Authentication Information (1.3.4.2.6).

Order of work: validate every field (no database) -> hash the secrets (no transaction held) ->
one write transaction: exact certificate check, near-match check, blacklist and credit checks
when a primary offering is taken, a new customer ID from the sequence, the rows, the line or the
hold, the interaction, the notification event and the audit link. The UNIQUE constraint on the
certificate is the last word: a second terminal racing on the same person gets DuplicateIdentity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import literal_column, or_, select, union_all
from sqlalchemy.exc import IntegrityError

from crm_tui.domain import (
    HIDDEN_STATUSES,
    BlacklistSeverity,
    CertType,
    CustomerStatus,
    CustomerType,
    Gender,
    PaymentType,
    QueueName,
)
from crm_tui.errors import Conflict, DuplicateIdentity, InvalidInput, NotFound
from crm_tui.services import audit, outbox
from crm_tui.services.attachments import CheckedFile, check_file, record_attachment, store_file
from crm_tui.services.catalog import ensure_catalog
from crm_tui.services.certificates import parse_certificate
from crm_tui.services.checks import check_blacklist, check_credit
from crm_tui.services.inventory import take_number, take_sim
from crm_tui.services.matching import ADDRESS_SEP, Profile, certificate_neighbours, match_rules, prepare, score_prepared
from crm_tui.services.passwords import hash_secret
from crm_tui.services.permissions import SUPERVISORS, require_role, require_signed_in
from crm_tui.services.validation import (
    clean_text,
    customer_id_for,
    normalize_name,
    parse_country,
    parse_email,
    parse_service_number,
)
from crm_tui.services.views import Actor, View
from crm_tui.storage.models import (
    Account,
    Address,
    AuthenticationInfo,
    Certificate,
    Charge,
    Contact,
    Contract,
    Customer,
    Interaction,
    Offering,
    Operator,
    Preference,
    QueueItem,
    SocialAccount,
    Subscriber,
)
from crm_tui.storage.sequences import next_number
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork, is_unique_violation

NAME_CHARS = re.compile(r"^[\w\s'’.\-]+$", re.UNICODE)
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2})?$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
CONTACT_METHODS = ("mobile", "email", "landline", "social")
TITLES = ("mr", "mrs", "ms")
MIN_SERVICE_PASSWORD = 8
NEAR_MATCH_LIMIT = 10


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
    contacts: list[tuple[ContactInput, str]]
    addresses: list[AddressInput]
    security_answer_normalized: str | None
    files: list[CheckedFile]

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
) -> ValidRegistration:
    """Every field checked, all errors at once (each under its field), nothing touched in storage."""
    errors: dict[str, str] = {}
    messages: list[str] = []

    def fail(field: str, at_field: str, message: str | None = None) -> None:
        errors.setdefault(field, at_field)
        messages.append(message or f"{field.replace('_', ' ').capitalize()}: {at_field}")

    def text(field: str, value: str, *, max_length: int = 100) -> str | None:
        try:
            cleaned = clean_text(value, field=field, max_length=max_length)
        except InvalidInput as error:
            fail(field, error.fields[field], error.message)
            return None
        return cleaned or None

    def name(field: str, value: str) -> str | None:
        cleaned = text(field, value)
        if cleaned and (not NAME_CHARS.fullmatch(cleaned) or any(ch.isdigit() for ch in cleaned)):
            fail(field, "Letters, spaces, apostrophes and hyphens only.")
            return None
        return cleaned

    try:
        kind = CustomerType(form.type.lower() or "individual")
    except ValueError:
        kind = CustomerType.INDIVIDUAL
        fail("type", "Individual or organization.")
    cert_type, cert_number, cert_country = CertType.PASSPORT, "", ""
    try:
        cert_type, cert_number, cert_country = parse_certificate(form.cert_type, form.cert_number, form.cert_country)
    except InvalidInput as error:
        for field, message in error.fields.items():
            fail(field, message)
        messages.append(error.message)

    first, middle, last = name("first_name", form.first_name), name("middle_name", form.middle_name), name("last_name", form.last_name)
    organization = text("organization_name", form.organization_name, max_length=200)
    if kind == CustomerType.INDIVIDUAL:
        if not first and "first_name" not in errors:
            fail("first_name", "Required.")
        if not last and "last_name" not in errors:
            fail("last_name", "Required.")
        if cert_type == CertType.COMPANY_REGISTRATION:
            fail("cert_type", "A person registers with a personal document.")
    else:
        if not organization and "organization_name" not in errors:
            fail("organization_name", "Required: the legal name.")
        if form.cert_type and cert_type != CertType.COMPANY_REGISTRATION and "cert_type" not in errors:
            fail("cert_type", "An organization registers with its company registration.")

    gender = None
    if form.gender:
        try:
            gender = Gender(form.gender.lower()).value
        except ValueError:
            fail("gender", "Male, female or unknown.")
    title = None
    if form.title:
        if form.title.lower().rstrip(".") in TITLES:
            title = form.title.lower().rstrip(".").capitalize()
        else:
            fail("title", "Mr, Mrs or Ms.")
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
            fail("birthday", "A date as YYYY-MM-DD.")
        else:
            age = today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))
            if birthday > today:
                fail("birthday", "Cannot be in the future.")
            elif age < min_age:
                fail("birthday", f"The customer must be at least {min_age}.")
            elif age > 120:
                fail("birthday", "Older than 120: check the year.")
    elif kind == CustomerType.INDIVIDUAL:
        fail("birthday", "Required for a person.")

    email = None
    if form.email:
        try:
            email = parse_email(form.email)
        except InvalidInput as error:
            fail("email", error.fields["email"], error.message)
    mobile = None
    if form.mobile:
        try:
            mobile = parse_service_number(form.mobile, region=region, field="mobile")
        except InvalidInput as error:
            fail("mobile", error.fields["mobile"], error.message)
    service_number = None
    if form.service_number:
        try:
            service_number = parse_service_number(form.service_number, region=region)
        except InvalidInput as error:
            fail("service_number", error.fields["service_number"], error.message)
        if not form.primary_offering:
            fail("primary_offering", "Choose the offering for the chosen number.")

    for field in ("language", "written_language"):
        value = getattr(form, field)
        if value and not LANGUAGE.fullmatch(value):
            fail(field, "A language code like es or en.")

    _check_service_password(form, fail, require_password=require_password, cert_number=cert_number, birthday=birthday)
    answer = None
    if bool(form.security_question) != bool(form.security_answer):
        fail("security_answer" if form.security_question else "security_question", "Give both the question and its answer.")
    elif form.security_answer:
        text("security_question", form.security_question, max_length=200)
        answer = normalize_name(form.security_answer)
        if len(answer) < 2:
            fail("security_answer", "At least 2 characters.")

    contacts: list[tuple[ContactInput, str]] = []
    for index, contact in enumerate(form.contacts):
        field = f"contacts.{index}.value"
        if contact.method not in CONTACT_METHODS:
            fail(f"contacts.{index}.method", "Mobile, email, landline or social.")
            continue
        try:
            if contact.method == "email":
                normalized = parse_email(contact.value, field=field)
            elif contact.method in ("mobile", "landline"):
                normalized = parse_service_number(contact.value, region=region, field=field)
            else:
                normalized = clean_text(contact.value, field=field, max_length=128).lower()
                if not normalized:
                    raise InvalidInput("Required.", fields={field: "Required."})
        except InvalidInput as error:
            fail(field, error.fields[field], error.message)
            continue
        for part in ("first_name", "middle_name", "last_name"):
            name(f"contacts.{index}.{part}", getattr(contact, part))
        contacts.append((contact, normalized))

    addresses = list(form.addresses)
    if form.address:
        addresses.insert(0, AddressInput(address_type="living", detail=form.address, city=form.city, region=form.region, postal_code=form.postal_code, country=cert_country if cert_country == region else ""))
    if form.id_address:
        addresses.append(AddressInput(address_type="id", detail=form.id_address))
    for index, address in enumerate(addresses):
        text(f"addresses.{index}.detail", address.detail, max_length=300)
        if not address.detail:
            fail(f"addresses.{index}.detail", "Required.")
        if address.postal_code and not re.fullmatch(r"[A-Za-z0-9 \-]{3,10}", address.postal_code):
            fail(f"addresses.{index}.postal_code", "3 to 10 letters and digits.")
    if form.preferences:
        for field in ("dnd_start", "dnd_end"):
            value = getattr(form.preferences, field)
            if value and not HHMM.fullmatch(value):
                fail(f"preferences.{field}", "A time as HH:MM.")
        if bool(form.preferences.dnd_start) != bool(form.preferences.dnd_end):
            fail("preferences.dnd_end", "Give the start and the end of the quiet hours.")
    for index, social in enumerate(form.social_accounts):
        if not social.provider or not social.subject:
            fail(f"social_accounts.{index}.subject", "Provider and account are both needed.")
    for field in ("birthplace", "social_id", "belief"):
        text(field, getattr(form, field))
    if form.account_id:
        fail("account_id", "A new customer has no account yet; leave empty to open one.")
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
        contacts=contacts,
        addresses=addresses,
        security_answer_normalized=answer,
        files=files,
    )


def _check_service_password(form: RegistrationForm, fail, *, require_password: bool, cert_number: str, birthday: date | None) -> None:  # noqa: ANN001
    password = form.service_password
    if not password:
        if require_password:
            fail("service_password", "Required: the customer chooses a service password.")
        return
    if form.service_password_confirm is not None and form.service_password_confirm != password:
        fail("service_password_confirm", "Does not match the password.")
    weak = (
        len(password) < MIN_SERVICE_PASSWORD
        or len(set(password)) <= 2
        or password in "01234567890123456789"
        or password in "98765432109876543210"
        or password.lower() in "abcdefghijklmnopqrstuvwxyz"
        or (cert_number and cert_number[:6] in password.upper())
        or (birthday and (birthday.strftime("%d%m%Y") in password or birthday.strftime("%Y%m%d") in password))
    )
    if weak:
        fail(
            "service_password",
            f"Too easy to guess: at least {MIN_SERVICE_PASSWORD} characters, not a run, not the document or birthday.",
        )


# --- checks ----------------------------------------------------------------------------------


class NearMatch(View):
    customer_id: str
    name: str
    status: str
    score: float
    agree: list[str]
    differ: list[str]


class IdentityCheck(View):
    """What the Check button shows: the exact owner of the certificate, or near matches."""

    existing_customer_id: str | None
    near_matches: list[NearMatch]


class PossibleDuplicates(Conflict):
    """Near matches exist: the CSR must confirm "a different person" to go on."""

    title = "Possible duplicates"
    code = "possible_duplicates"


def _near_matches(uow: UnitOfWork, valid: ValidRegistration) -> list[NearMatch]:
    """Candidates by indexed blocking keys, then scored; only those at or above the threshold.

    The blocking keys are the duplicate scan's (`matching`): the certificate and its neighbours (one
    transposition or dropped character), the birthday, any contact, the exact normalised name.
    Three statements in all, plain columns (no ORM objects): at a million customers a birthday
    alone brings some 35 candidates, and this runs in every registration.
    """
    connection = uow.session.connection()
    c = Customer.__table__.c  # type: ignore[attr-defined]
    certificates = Certificate.__table__.c  # type: ignore[attr-defined]
    blocks = [c.id.in_(select(certificates.customer_id).where(certificates.cert_number.in_(certificate_neighbours(valid.cert_number) | {valid.cert_number})))]
    if valid.birthday:
        blocks.append(c.birthday == valid.birthday)
    contacts = {value for value in (valid.email, valid.mobile) if value} | {value for _, value in valid.contacts}
    if contacts:
        blocks.append(c.email.in_(contacts))
        blocks.append(c.mobile.in_(contacts))
        blocks.append(c.id.in_(select(Contact.__table__.c.customer_id).where(Contact.__table__.c.value_normalized.in_(contacts))))  # type: ignore[attr-defined]
    blocks.append(c.name_search == valid.name_search)
    candidates = connection.execute(
        select(c.id, c.customer_id, c.display_name, c.status, c.name_search, c.birthday, c.email, c.mobile)
        .where(or_(*blocks), c.status.not_in(HIDDEN_STATUSES))
        .limit(200)
    ).all()
    if not candidates:
        return []
    ids = [candidate.id for candidate in candidates]
    certs: dict[int, set[str]] = {}
    contact_values: dict[int, set[str]] = {}
    addresses: dict[int, list[str]] = {}
    cert_t, contact_t, address_t = Certificate.__table__.c, Contact.__table__.c, Address.__table__.c  # type: ignore[attr-defined]
    details = union_all(
        select(literal_column("'certificate'").label("kind"), cert_t.customer_id, cert_t.cert_number.label("value")).where(cert_t.customer_id.in_(ids)),
        select(literal_column("'contact'"), contact_t.customer_id, contact_t.value_normalized).where(contact_t.customer_id.in_(ids)),
        select(literal_column("'address'"), address_t.customer_id, address_t.detail).where(address_t.customer_id.in_(ids)),
    )
    for kind, customer_pk, value in connection.execute(details):
        if kind == "certificate":
            certs.setdefault(customer_pk, set()).add(value)
        elif kind == "contact":
            contact_values.setdefault(customer_pk, set()).add(value)
        else:
            addresses.setdefault(customer_pk, []).append(normalize_name(value))
    rules = match_rules()
    mine = prepare(valid.profile())
    found = []
    for candidate in candidates:
        theirs = prepare(
            Profile(
                candidate.name_search,
                candidate.birthday,
                frozenset(certs.get(candidate.id, set())),
                frozenset({value for value in (candidate.email, candidate.mobile) if value} | contact_values.get(candidate.id, set())),
                ADDRESS_SEP.join(addresses.get(candidate.id, [])),
            )
        )
        result = score_prepared(mine, theirs, rules)
        if result.score >= rules.threshold:
            found.append(NearMatch(customer_id=candidate.customer_id, name=candidate.display_name, status=candidate.status, score=result.score, agree=list(result.agree), differ=list(result.differ)))
    found.sort(key=lambda m: -m.score)
    return found[:NEAR_MATCH_LIMIT]


def _existing_owner(uow: UnitOfWork, valid: ValidRegistration) -> str | None:
    return uow.session.execute(
        select(Customer.customer_id)
        .join(Certificate, Certificate.customer_id == Customer.id)
        .where(
            Certificate.cert_type == valid.cert_type.value,
            Certificate.cert_number == valid.cert_number,
            Certificate.cert_country == valid.cert_country,
        )
    ).scalar()


def check_identity(form: RegistrationForm, *, uow: UnitOfWork, actor: Actor, region: str, today: date, min_age: int = 16) -> IdentityCheck:
    """The Check button: is this person already a customer, exactly or nearly?"""
    require_signed_in(actor, doing="check identities")
    valid = validate_registration(form, region=region, today=today, min_age=min_age, require_password=False)
    with uow:
        existing = _existing_owner(uow, valid)
        return IdentityCheck(existing_customer_id=existing, near_matches=[] if existing else _near_matches(uow, valid))


# --- registration ----------------------------------------------------------------------------


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
    valid = validate_registration(form, region=region, today=now.date(), min_age=min_age, require_password=require_password)
    password_hash = hash_secret(form.service_password) if form.service_password else None
    answer_hash = hash_secret(valid.security_answer_normalized) if valid.security_answer_normalized else None
    if valid.files:
        if data_dir is None:
            raise InvalidInput("Attachments need a data folder.", fields={"attachments.0": "No data folder configured."})
        for checked in valid.files:
            store_file(checked, data_dir)  # content-addressed: a rolled-back registration leaves a harmless copy
    try:
        with uow:
            result = _register(uow, valid, actor=actor, now=now, currency=currency, timezone=timezone, password_hash=password_hash, answer_hash=answer_hash)
            uow.commit()
            return result
    except IntegrityError as error:
        if is_unique_violation(error):
            with uow:
                existing = _existing_owner(uow, valid)
            if existing:
                raise DuplicateIdentity(
                    f"This {valid.cert_type.label.lower()} is already registered as customer {existing}.",
                    fields={"cert_number": "Already registered."},
                    existing_customer_id=existing,
                ) from None
            raise Conflict("Someone else just took one of these details (a number or account); try again.") from None
        raise


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
        offering = session.execute(select(Offering).where(Offering.code == form.primary_offering.upper(), Offering.is_active.is_(True))).scalar_one_or_none()
        if offering is None:
            raise InvalidInput(f"No offering {form.primary_offering} in the catalog.", fields={"primary_offering": "Unknown offering."})

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
            hold_reasons.append(f"Credit check failed: level {decision.level} is below what a postpaid line needs ({', '.join(decision.reasons) or 'no positive facts'})")

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
    session.add(Certificate(customer_id=customer.id, cert_type=valid.cert_type.value, cert_number=valid.cert_number, cert_country=valid.cert_country, created_at=now))
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
        session.add(SocialAccount(customer_id=customer.id, provider=social.provider.lower(), subject=social.subject, linked_at=now))

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
                payload={"offering": offering.code, "account_code": account.account_code, "service_number": valid.service_number, "warnings": warnings},
                created_at=now,
            )
            session.add(item)
            session.flush()
            held = HeldInfo(queue=item.queue, item_id=item.id or 0, reason=item.reason)
        else:
            subscriber = give_line(session, customer, offering, account, wanted_number=valid.service_number, now=now, language=form.language, written_language=form.written_language)
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
    session.add(
        Interaction(
            customer_id=customer.id,
            operator_id=actor.id,
            channel="shop",
            kind="register",
            summary="; ".join(summary_parts),
            shop=actor.shop or None,
            created_at=now,
        )
    )
    notify_at = outbox.outside_do_not_disturb(now, start=prefs.dnd_start or None, end=prefs.dnd_end or None, zone=timezone)
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
        {"offering": offering.code if offering else None, "held": held is not None, "warnings": len(warnings), "confirmed_different_from": confirmed},
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


def give_line(
    session,  # noqa: ANN001
    customer: Customer,
    offering: Offering,
    account: Account,
    *,
    wanted_number: str | None,
    now: datetime,
    language: str | None = None,
    written_language: str | None = None,
) -> Subscriber:
    """Take a number and a SIM from the pools and create the active subscriber (and its contract)."""
    number = take_number(session, wanted_number)
    sim = take_sim(session)
    subscriber = Subscriber(
        service_number=number.service_number,
        iccid=sim.iccid,
        imsi=sim.imsi,
        customer_id=customer.id,
        account_id=account.id,
        offering_id=offering.id,
        network_type=offering.network_type,
        payment_type=offering.payment_type,
        user_type=customer.type,
        brand=offering.brand,
        status="active",
        status_since=now,
        activated_at=now,
        latest_activation_at=now,
        valid_from=now.date(),
        expires_on=date(2100, 1, 1),
        language=language or None,
        written_language=written_language or None,
    )
    session.add(subscriber)
    session.flush()
    number.subscriber_id = subscriber.id
    sim.subscriber_id = subscriber.id
    session.add_all([number, sim])
    if number.fee:
        session.add(Charge(account_id=account.id, subscriber_id=subscriber.id, kind="fee", description=f"Golden number {number.service_number}", amount=number.fee, currency=account.currency, created_at=now))
    if offering.commitment_months:
        session.add(
            Contract(
                subscriber_id=subscriber.id,
                offering_id=offering.id,
                name=f"{offering.commitment_months}-month commitment",
                effective_on=now.date(),
                expires_on=_add_months(now.date(), offering.commitment_months),
                duration_months=offering.commitment_months,
                prolongation=offering.prolongation,
                penalty_amount=offering.penalty_amount,
            )
        )
    return subscriber


def _add_months(start: date, months: int) -> date:
    """The same day `months` later (the 28th at most, so every month has it)."""
    year, month = divmod(start.month - 1 + months, 12)
    return date(start.year + year, month + 1, min(start.day, 28))


class HeldDecision(View):
    customer_id: str
    approved: bool
    service_number: str | None


def _by_whom(session: Any, item: QueueItem, actor: Actor) -> str:
    """"by you" or "by NAME": who decided (or claimed) a queue item first."""
    who = item.decided_by or item.claimed_by
    if who == actor.id:
        return "by you"
    operator = session.get(Operator, who) if who else None
    return f"by {operator.display_name or operator.username}" if operator else "by someone else"


def decide_held_registration(
    item_id: int,
    *,
    approve: bool,
    note: str = "",
    uow: UnitOfWork,
    actor: Actor,
    now: datetime | None = None,
) -> HeldDecision:
    """A supervisor approves (the line is given) or rejects a registration held by a check.

    Only one decision wins: the item must still be open (or claimed by this supervisor).
    """
    require_role(actor, *SUPERVISORS, doing="decide held registrations")
    now = now or utcnow()
    note = clean_text(note, field="note", max_length=500)
    with uow:
        session = uow.session
        item = session.get(QueueItem, item_id)
        if item is None or item.queue != QueueName.HELD_REGISTRATIONS.value:
            raise NotFound(f"No held registration {item_id}.")
        if item.status not in ("open", "claimed") or (item.status == "claimed" and item.claimed_by not in (None, actor.id)):
            raise Conflict(f"Held registration {item_id} was already {item.status} {_by_whom(session, item, actor)}.")
        customer = session.execute(select(Customer).where(Customer.customer_id == item.ref_id)).scalar_one()
        service_number = None
        if approve:
            offering = session.execute(select(Offering).where(Offering.code == item.payload["offering"])).scalar_one()
            account = session.execute(select(Account).where(Account.account_code == item.payload["account_code"])).scalar_one()
            subscriber = give_line(session, customer, offering, account, wanted_number=item.payload.get("service_number"), now=now)
            service_number = subscriber.service_number
            customer.status = CustomerStatus.ACTIVE.value
            customer.updated_at = now
            session.add(customer)
        item.status = "approved" if approve else "rejected"
        item.decided_by = actor.id
        item.decided_at = now
        item.note = note or None
        item.version += 1
        session.add(item)
        outcome = "approved: line given" if approve else "rejected: no line"
        session.add(Interaction(customer_id=customer.id, operator_id=actor.id, channel="shop", kind="registration_review", summary=f"Held registration {outcome}", created_at=now))
        outbox.emit(uow, "registration.approved" if approve else "registration.rejected", "customer", customer.customer_id, {"service_number": service_number})
        audit.record(uow, actor, "registration.approve" if approve else "registration.reject", "queue_item", str(item_id), {"customer": customer.customer_id})
        uow.commit()
        return HeldDecision(customer_id=customer.customer_id, approved=approve, service_number=service_number)

"""The near-match check at registration: people already in the base who look like the one being registered."""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from crm_tui.domain import (
    HIDDEN_STATUSES,
)
from crm_tui.errors import Conflict
from crm_tui.i18n import N_, _
from crm_tui.services.customers.linkage import make_person
from crm_tui.services.customers.linkage_store import current_model
from crm_tui.services.customers.matching import certificate_neighbours
from crm_tui.services.identity.registration_form import (
    RegistrationForm,
    ValidRegistration,
    validate_registration,
)
from crm_tui.services.shared.permissions import (
    require_signed_in,
)
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Address, Certificate, Contact, Customer
from crm_tui.storage.unit_of_work import UnitOfWork

NEAR_MATCH_LIMIT = 10


# --- checks ----------------------------------------------------------------------------------


class NearMatch(View):
    customer_id: str
    name: str
    status: str
    score: float
    agree: list[str]
    differ: list[str]


@cache
def _newest_statement() -> Select:
    return select(func.max(Customer.__table__.c.id))  # type: ignore[attr-defined]


def newest_customer(uow: UnitOfWork) -> int:
    """The highest customer row id this transaction sees (0 for none): a customer registered after it
    gets a higher one (SQLite and PostgreSQL alike hand out ids upwards)."""
    return uow.session.connection().execute(_newest_statement()).scalar() or 0


class IdentityCheck(View):
    """What the Check button shows: the exact owner of the certificate, or near matches."""

    existing_customer_id: str | None
    near_matches: list[NearMatch]


class PossibleDuplicates(Conflict):
    """Near matches exist: the CSR must confirm "a different person" to go on."""

    title = N_("Possible duplicates")
    code = "possible_duplicates"


@cache
def _candidates_statement(*, birthday: bool, contacts: bool, newer: bool) -> Select:
    """The blocking keys' statement, built once for each shape (a registration has a birthday or
    not, contacts or not, a row id to look past or not): its values are bound parameters, the lists
    expanding ones, so SQLAlchemy finds it compiled from the second registration on instead of
    building and keying a new statement each time (issue 20: at a million customers, that was a
    third of the near-match check)."""
    c = Customer.__table__.c  # type: ignore[attr-defined]
    certificates, contact = Certificate.__table__.c, Contact.__table__.c  # type: ignore[attr-defined]
    blocks = [
        c.id.in_(
            select(certificates.customer_id).where(
                certificates.cert_number.in_(bindparam("documents", expanding=True, type_=String))
            )
        )
    ]
    if birthday:
        blocks.append(c.birthday == bindparam("birthday", type_=c.birthday.type))
    if contacts:
        values = bindparam("contacts", expanding=True, type_=String)
        blocks += [
            c.email.in_(values),
            c.mobile.in_(values),
            c.id.in_(select(contact.customer_id).where(contact.value_normalized.in_(values))),
        ]
    blocks.append(c.name_search == bindparam("name_search", type_=String))
    return (
        select(
            c.id,
            c.customer_id,
            c.display_name,
            c.status,
            c.type,
            c.first_name,
            c.last_name,
            c.organization_name,
            c.name_search,
            c.birthday,
            c.email,
            c.mobile,
        )
        .where(
            or_(*blocks),
            c.status.not_in(HIDDEN_STATUSES),
            *([c.id > bindparam("newer_than", type_=Integer)] if newer else []),
        )
        .limit(200)
    )


@cache
def _details_statement() -> CompoundSelect:
    """Each candidate's certificates, primary contacts and addresses, in one statement (built once)."""
    cert_t, contact_t, address_t = Certificate.__table__.c, Contact.__table__.c, Address.__table__.c  # type: ignore[attr-defined]
    ids = bindparam("ids", expanding=True, type_=Integer)
    nothing = null().cast(String)
    return union_all(
        select(
            literal_column("'certificate'").label("kind"),
            cert_t.customer_id,
            cert_t.cert_number.label("a"),
            cert_t.cert_type.label("b"),
            cast(cert_t.expires_on, String).label("c"),
            nothing.label("d"),
        ).where(cert_t.customer_id.in_(ids)),
        select(
            literal_column("'contact'"), contact_t.customer_id, contact_t.value_normalized, nothing, nothing, nothing
        ).where(contact_t.customer_id.in_(ids), contact_t.contact_type == "primary"),
        select(
            literal_column("'address'"),
            address_t.customer_id,
            address_t.detail,
            address_t.postal_code,
            address_t.city,
            address_t.region,
        ).where(address_t.customer_id.in_(ids)),
    )


def find_near_matches(
    uow: UnitOfWork, valid: ValidRegistration, today: date | None = None, *, newer_than: int | None = None
) -> list[NearMatch]:
    """Candidates by indexed blocking keys, then scored by the linkage model in force (the scan's);
    only those at or above its threshold. `newer_than`: only customers whose row id is above it (those
    registered since a check that saw every customer up to it).

    The blocking keys: the certificate and its neighbours (one transposition or dropped
    character), the birthday, any contact, the exact normalised name. Two statements in all, each
    built once, plain columns (no ORM objects): at a million customers a birthday alone brings some
    35 candidates, and this runs in every registration.
    """
    if newer_than is not None and newest_customer(uow) <= newer_than:
        return []  # nobody registered since the check that saw them all (the usual case)
    connection = uow.session.connection()
    contacts = {value for value in (valid.email, valid.mobile) if value} | {value for _, value in valid.contacts}
    parameters: dict[str, object] = {
        "documents": sorted(certificate_neighbours(valid.cert_number) | {valid.cert_number}),
        "name_search": valid.name_search,
    }
    if valid.birthday:
        parameters["birthday"] = valid.birthday
    if contacts:
        parameters["contacts"] = sorted(contacts)
    if newer_than is not None:
        parameters["newer_than"] = newer_than
    statement = _candidates_statement(
        birthday=bool(valid.birthday), contacts=bool(contacts), newer=newer_than is not None
    )
    candidates = connection.execute(statement, parameters).all()
    if not candidates:
        return []
    documents: dict[int, list[tuple[str, str, date | None]]] = {}
    contact_values: dict[int, list[str]] = {}
    addresses: dict[int, list[tuple[str, str | None, str | None, str | None]]] = {}
    details = connection.execute(_details_statement(), {"ids": [candidate.id for candidate in candidates]}).all()
    for kind, customer_pk, a, b, c3, d in details:
        if kind == "certificate":
            expires = date.fromisoformat(c3[:10]) if c3 else None
            documents.setdefault(customer_pk, []).append((b, a, expires))
        elif kind == "contact":
            contact_values.setdefault(customer_pk, []).append(a)
        else:
            addresses.setdefault(customer_pk, []).append((a, b, c3, d))
    model = current_model(uow)
    mine = make_person(
        kind=valid.type.value,
        first_name=valid.first_name,
        last_name=valid.last_name,
        organization_name=valid.organization_name,
        birthday=valid.birthday,
        documents=[(valid.cert_type.value, valid.cert_number, None)],
        contacts=[value for value in (valid.email, valid.mobile) if value] + [value for _, value in valid.contacts],
        addresses=[(a.detail, a.postal_code, a.city, a.region) for a in valid.addresses],
        today=today,
    )
    found = []
    for candidate in candidates:
        theirs = make_person(
            kind=candidate.type,
            first_name=candidate.first_name,
            last_name=candidate.last_name or (None if candidate.first_name else candidate.name_search),
            organization_name=candidate.organization_name or candidate.name_search,
            birthday=candidate.birthday,
            documents=documents.get(candidate.id, ()),
            contacts=[v for v in (candidate.email, candidate.mobile) if v] + contact_values.get(candidate.id, []),
            addresses=addresses.get(candidate.id, ()),
            today=today,
        )
        if model.probability_of_pair(mine, theirs) < model.threshold:
            continue  # most candidates (a shared birthday): the Match with its parts only for those shown
        result = model.score(mine, theirs)
        if result.probability >= model.threshold:
            found.append(
                NearMatch(
                    customer_id=candidate.customer_id,
                    name=candidate.display_name,
                    status=candidate.status,
                    score=result.score,
                    agree=list(result.agree),
                    differ=list(result.differ),
                )
            )
    found.sort(key=lambda m: -m.score)
    return found[:NEAR_MATCH_LIMIT]


@cache
def _owner_statement() -> Select:
    """The document's owner, built once (its values bound): a registration asks it twice."""
    c, certificates = Customer.__table__.c, Certificate.__table__.c  # type: ignore[attr-defined]
    return (
        select(c.customer_id)
        .join_from(Customer.__table__, Certificate.__table__, certificates.customer_id == c.id)  # type: ignore[attr-defined]
        .where(
            certificates.cert_type == bindparam("cert_type", type_=String),
            certificates.cert_number == bindparam("cert_number", type_=String),
            certificates.cert_country == bindparam("cert_country", type_=String),
        )
    )


def existing_owner(uow: UnitOfWork, valid: ValidRegistration) -> str | None:
    return uow.session.execute(  # through the session: what it holds unflushed is flushed first, as before
        _owner_statement(),
        {"cert_type": valid.cert_type.value, "cert_number": valid.cert_number, "cert_country": valid.cert_country},
    ).scalar()


def check_identity(
    form: RegistrationForm, *, uow: UnitOfWork, actor: Actor, region: str, today: date, min_age: int = 16
) -> IdentityCheck:
    """The Check button: is this person already a customer, exactly or nearly?"""
    require_signed_in(actor, doing=_("check identities"))
    valid = validate_registration(form, region=region, today=today, min_age=min_age, require_password=False)
    with uow:
        existing = existing_owner(uow, valid)
        return IdentityCheck(
            existing_customer_id=existing, near_matches=[] if existing else find_near_matches(uow, valid, today)
        )

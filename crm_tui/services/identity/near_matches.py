"""The near-match check at registration: people already in the base who look like the one being registered."""

from __future__ import annotations

from datetime import date

from sqlalchemy import literal_column, or_, select, union_all

from crm_tui.domain import (
    HIDDEN_STATUSES,
)
from crm_tui.errors import Conflict
from crm_tui.services.customers.matching import (
    ADDRESS_SEP,
    Profile,
    certificate_neighbours,
    match_rules,
    prepare,
    score_prepared,
)
from crm_tui.services.identity.registration_form import (
    RegistrationForm,
    ValidRegistration,
    validate_registration,
)
from crm_tui.services.shared.permissions import (
    require_signed_in,
)
from crm_tui.services.shared.validation import (
    normalize_name,
)
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models import (
    Address,
    Certificate,
    Contact,
    Customer,
)
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
    blocks = [
        c.id.in_(
            select(certificates.customer_id).where(
                certificates.cert_number.in_(certificate_neighbours(valid.cert_number) | {valid.cert_number})
            )
        )
    ]
    if valid.birthday:
        blocks.append(c.birthday == valid.birthday)
    contacts = {value for value in (valid.email, valid.mobile) if value} | {value for _, value in valid.contacts}
    if contacts:
        blocks.append(c.email.in_(contacts))
        blocks.append(c.mobile.in_(contacts))
        blocks.append(
            c.id.in_(select(Contact.__table__.c.customer_id).where(Contact.__table__.c.value_normalized.in_(contacts)))
        )  # type: ignore[attr-defined]
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
        select(
            literal_column("'certificate'").label("kind"), cert_t.customer_id, cert_t.cert_number.label("value")
        ).where(cert_t.customer_id.in_(ids)),
        select(literal_column("'contact'"), contact_t.customer_id, contact_t.value_normalized).where(
            contact_t.customer_id.in_(ids)
        ),
        select(literal_column("'address'"), address_t.customer_id, address_t.detail).where(
            address_t.customer_id.in_(ids)
        ),
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
                frozenset(
                    {value for value in (candidate.email, candidate.mobile) if value}
                    | contact_values.get(candidate.id, set())
                ),
                ADDRESS_SEP.join(addresses.get(candidate.id, [])),
            )
        )
        result = score_prepared(mine, theirs, rules)
        if result.score >= rules.threshold:
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


def check_identity(
    form: RegistrationForm, *, uow: UnitOfWork, actor: Actor, region: str, today: date, min_age: int = 16
) -> IdentityCheck:
    """The Check button: is this person already a customer, exactly or nearly?"""
    require_signed_in(actor, doing="check identities")
    valid = validate_registration(form, region=region, today=today, min_age=min_age, require_password=False)
    with uow:
        existing = _existing_owner(uow, valid)
        return IdentityCheck(existing_customer_id=existing, near_matches=[] if existing else _near_matches(uow, valid))

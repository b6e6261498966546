"""Customer authentication (eTOM 1.3.4.2.6): a sign-in key (service number, login name, email, or the
customer ID when the CSR has the customer open) + the service password, or the security answer when
the password is forgotten (then a new password is set). Five failures in a row lock it until a
supervisor unlocks. Every outcome (verified, failed, locked) is captured on an interaction."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from crm_tui.domain import LIVE_LINE_STATUSES, CustomerStatus, KeyKind
from crm_tui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from crm_tui.i18n import N_, _
from crm_tui.services.shared import audit
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.passwords import hash_secret, rehash_if_needed, service_password_problem, verify_secret
from crm_tui.services.shared.permissions import (
    SUPERVISORS,
    require_role,
    require_signed_in,
)
from crm_tui.services.shared.validation import (
    clean_text,
    is_customer_id,
    normalize_name,
    parse_email,
    parse_login_name,
    parse_service_number,
)
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import AuthenticationInfo, Customer
from crm_tui.storage.models.lines import Subscriber
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

MAX_FAILURES = 5
GONE = (
    CustomerStatus.TERMINATED.value,
    CustomerStatus.ARCHIVED.value,
    CustomerStatus.ERASED.value,
    CustomerStatus.MERGED.value,
)
"""Customers who can no longer sign in by login name, email or customer ID."""
PHONE_LIKE = re.compile(r"^\+?[\d\s\-().]+$")
SERVICE_PASSWORD = N_("service password")
SECURITY_ANSWER = N_("security answer")
ANSWER_AND_RESET = N_("security answer; service password reset")
"""How a caller proved who they are: the audit keeps these words in English (`by`), the interaction
and the message say them in the operator's language."""


@dataclass(frozen=True)
class CallerKey:
    """What the caller signs in with, parsed: its kind (a `KeyKind` value) and its stored form."""

    kind: KeyKind
    value: str


def parse_caller_key(raw: str, *, region: str) -> CallerKey:
    """Email if it has an @, a customer ID if it is one, a service number if it is digits, else a login name."""
    value = clean_text(raw, field="key", max_length=254)
    if not value:
        raise InvalidInput(
            _("Give the service number, login name or email."),
            fields={"key": _("Service number, login name or email.")},
        )
    if "@" in value:
        return CallerKey(KeyKind.EMAIL, parse_email(value))
    compact = re.sub(r"[\s\-]", "", value)
    if is_customer_id(compact):
        return CallerKey(KeyKind.CUSTOMER_ID, compact.upper())
    if PHONE_LIKE.fullmatch(value):
        return CallerKey(KeyKind.SERVICE_NUMBER, parse_service_number(value, region=region))
    return CallerKey(KeyKind.LOGIN_NAME, parse_login_name(value))


def _answer_before_0010(answer: str) -> str:
    """The security answer as folded before migration 0010 (NFKD, marks dropped): answers stored then
    are hashed in that form, which leaves `ł`, `ø`, `ß` as typed. Tried second, then rehashed in the new fold."""
    decomposed = unicodedata.normalize("NFKD", answer)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


class CustomerAuthenticated(View):
    customer_id: str
    service_number: str | None
    by: str
    """Which key the caller gave: service_number, login_name, email or customer_id."""


class CustomerAuthenticationFailed(NotAllowed):
    title = N_("Not authenticated")
    code = "authentication_failed"


def _key(key: CallerKey | str, region: str) -> CallerKey:
    return key if isinstance(key, CallerKey) else parse_caller_key(key, region=region)


def _load(uow: UnitOfWork, key: CallerKey, *, lock: bool = False) -> tuple[Customer, AuthenticationInfo]:
    """The customer the key names and their authentication row (locked for update when counting)."""
    if key.kind == KeyKind.SERVICE_NUMBER:
        customers = uow.session.execute(
            select(Customer)
            .join(Subscriber, Subscriber.customer_id == Customer.id)
            .where(Subscriber.service_number == key.value, Subscriber.status.in_(LIVE_LINE_STATUSES))
        ).scalars()
        missing = NotFound(_("No live line with that service number."), fields={"service_number": _("No live line.")})
    else:
        column = {
            KeyKind.LOGIN_NAME: Customer.login_name,
            KeyKind.EMAIL: Customer.email,
            KeyKind.CUSTOMER_ID: Customer.customer_id,
        }[key.kind]
        customers = uow.session.execute(
            select(Customer).where(column == key.value, Customer.status.not_in(GONE)).limit(2)
        ).scalars()
        words = key.kind.label.lower()
        missing = NotFound(
            _("No current customer with that {key}.").format(key=words),
            fields={key.kind.value: _("No such customer.")},
        )
    found = list(customers)
    if not found:
        raise missing
    if len(found) > 1:
        raise Conflict(
            _("Several customers share that email; sign in with the service number or the login name."),
            fields={"email": _("Shared by several customers.")},
        )
    customer = found[0]
    query = select(AuthenticationInfo).where(AuthenticationInfo.customer_id == customer.id)
    info = uow.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if info is None or not info.service_password_hash:
        raise NotFound(
            _("This customer has no service password; verify the identity document instead."),
            fields={"service_password": _("None set.")},
        )
    return customer, info


def _number_of(uow: UnitOfWork, customer: Customer, key: CallerKey) -> str | None:
    if key.kind == KeyKind.SERVICE_NUMBER:
        return key.value
    return uow.session.execute(
        select(Subscriber.service_number)
        .where(Subscriber.customer_id == customer.id, Subscriber.status.in_(LIVE_LINE_STATUSES))
        .order_by(Subscriber.id)
        .limit(1)
    ).scalar()


def _record(uow: UnitOfWork, customer: Customer, actor: Actor | None, key: CallerKey, summary: str) -> None:
    """The outcome on the customer's interactions: what was checked and how it ended (never the secret)."""
    capture(
        uow.session, customer.id, kind="authenticate", summary=summary, actor=actor, now=utcnow(), key_kind=key.kind
    )


def _refuse_locked(uow: UnitOfWork, customer: Customer, actor: Actor | None, key: CallerKey) -> Exception:
    _record(uow, customer, actor, key, _("Verification refused: locked after repeated failures"))
    uow.commit()
    return CustomerAuthenticationFailed(
        _("Authentication is locked after repeated failures; a supervisor can unlock it."), tries_left=0, locked=True
    )


def _fail(
    uow: UnitOfWork, info: AuthenticationInfo, customer: Customer, actor: Actor | None, key: CallerKey, what: str
) -> CustomerAuthenticationFailed:
    info.failed_attempts += 1
    if info.failed_attempts >= MAX_FAILURES:
        info.locked_at = utcnow()
    uow.session.add(info)
    left = max(0, MAX_FAILURES - info.failed_attempts)
    outcome = _("now locked") if info.locked_at else _("{count} tries left").format(count=left)
    _record(
        uow,
        customer,
        actor,
        key,
        _("Verification failed: wrong {what}, {outcome}").format(what=_(what), outcome=outcome),
    )
    audit.record(
        uow,
        actor,
        "customer.authenticate_failed",
        "customer",
        customer.customer_id,
        {"by": what, "key": key.kind.value, "failures": info.failed_attempts, "locked": info.locked_at is not None},
    )
    uow.commit()
    if info.locked_at:
        return CustomerAuthenticationFailed(
            _(
                "Wrong {what}; authentication is now locked. "
                "A supervisor can unlock it after checking the customer's document."
            ).format(what=_(what)),
            tries_left=0,
            locked=True,
        )
    return CustomerAuthenticationFailed(
        _("Wrong {what} ({count} tries left).").format(what=_(what), count=left),
        tries_left=left,
        locked=False,
    )


def _succeed(
    uow: UnitOfWork, info: AuthenticationInfo, customer: Customer, actor: Actor | None, key: CallerKey, how: str
) -> CustomerAuthenticated:
    info.failed_attempts = 0
    uow.session.add(info)
    _record(uow, customer, actor, key, _("Verified by {how}").format(how=_(how)))
    audit.record(
        uow, actor, "customer.authenticate", "customer", customer.customer_id, {"by": how, "key": key.kind.value}
    )
    return CustomerAuthenticated(
        customer_id=customer.customer_id, service_number=_number_of(uow, customer, key), by=key.kind.value
    )


def authenticate_customer(
    key: CallerKey | str, password: str, *, uow: UnitOfWork, actor: Actor | None, region: str
) -> CustomerAuthenticated:
    """A sign-in key (service number, login name, email or customer ID) + the service password; five
    failures in a row lock it. A text key is recognised as `parse_caller_key` says."""
    caller = _key(key, region)
    with uow:
        customer, info = _load(uow, caller, lock=True)
        if info.locked_at is not None:
            raise _refuse_locked(uow, customer, actor, caller)
        if not verify_secret(info.service_password_hash, password):
            raise _fail(uow, info, customer, actor, caller, SERVICE_PASSWORD)
        info.service_password_hash = (
            rehash_if_needed(info.service_password_hash or "", password) or info.service_password_hash
        )
        done = _succeed(uow, info, customer, actor, caller, SERVICE_PASSWORD)
        uow.commit()
        return done


class AuthenticationState(View):
    """What the verify modal shows before anything is typed."""

    customer_id: str
    has_password: bool
    security_question: str | None
    tries_left: int
    locked: bool


def authentication_state(key: CallerKey | str, *, uow: UnitOfWork, actor: Actor, region: str) -> AuthenticationState:
    """Tries left, whether it is locked, and the security question (to ask if the password is forgotten)."""
    require_signed_in(actor, doing=_("verify callers"))
    caller = _key(key, region)
    with uow:
        customer, info = _load(uow, caller)
        return AuthenticationState(
            customer_id=customer.customer_id,
            has_password=True,
            security_question=info.security_question,
            tries_left=0 if info.locked_at else max(0, MAX_FAILURES - info.failed_attempts),
            locked=info.locked_at is not None,
        )


def security_question(key: CallerKey | str, *, uow: UnitOfWork, actor: Actor, region: str) -> str:
    """The question to ask when the customer forgot the password."""
    require_signed_in(actor, doing=_("reset service passwords"))
    caller = _key(key, region)
    with uow:
        _customer, info = _load(uow, caller)
        if not info.security_question:
            raise NotFound(_("This customer has no security question; verify the document instead."))
        return info.security_question


def reset_service_password(
    key: CallerKey | str, answer: str, new_password: str, *, uow: UnitOfWork, actor: Actor, region: str
) -> CustomerAuthenticated:
    """The security answer proves who they are; then the new password replaces the old one."""
    require_signed_in(actor, doing=_("reset service passwords"))
    problem = service_password_problem(new_password)
    if problem:
        raise InvalidInput(_("The new service password is too easy to guess."), fields={"service_password": problem})
    new_hash = hash_secret(new_password)
    caller = _key(key, region)
    with uow:
        customer, info = _load(uow, caller, lock=True)
        if info.locked_at is not None:
            raise _refuse_locked(uow, customer, actor, caller)
        if not info.security_answer_hash:
            raise NotFound(_("This customer has no security question; verify the document instead."))
        folded = normalize_name(answer)
        if verify_secret(info.security_answer_hash, folded):
            info.security_answer_hash = (
                rehash_if_needed(info.security_answer_hash or "", folded) or info.security_answer_hash
            )
        elif folded != _answer_before_0010(answer) and verify_secret(
            info.security_answer_hash, _answer_before_0010(answer)
        ):
            info.security_answer_hash = hash_secret(folded)
        else:
            raise _fail(uow, info, customer, actor, caller, SECURITY_ANSWER)
        info.service_password_hash = new_hash
        done = _succeed(uow, info, customer, actor, caller, ANSWER_AND_RESET)
        uow.commit()
        return done


def unlock_customer_authentication(key: CallerKey | str, *, uow: UnitOfWork, actor: Actor, region: str) -> str:
    """A supervisor, having seen the document, lifts the lock; returns the customer ID."""
    require_role(actor, *SUPERVISORS, doing=_("unlock customer authentication"))
    caller = _key(key, region)
    with uow:
        customer, info = _load(uow, caller, lock=True)
        was_locked = info.locked_at is not None
        info.locked_at = None
        info.failed_attempts = 0
        uow.session.add(info)
        _record(uow, customer, actor, caller, _("Verification unlocked by a supervisor"))
        audit.record(
            uow, actor, "customer.authentication_unlock", "customer", customer.customer_id, {"was_locked": was_locked}
        )
        uow.commit()
        return customer.customer_id

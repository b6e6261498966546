"""Customer authentication (eTOM 1.3.4.2.6): service number + service password, or the security
answer when the password is forgotten (then a new password is set). Failures lock."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select

from crm_tui.domain import LIVE_LINE_STATUSES
from crm_tui.errors import InvalidInput, NotAllowed, NotFound
from crm_tui.services.shared import audit
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.passwords import hash_secret, rehash_if_needed, service_password_problem, verify_secret
from crm_tui.services.shared.permissions import (
    SUPERVISORS,
    require_role,
    require_signed_in,
)
from crm_tui.services.shared.validation import normalize_name, parse_service_number
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models import AuthenticationInfo, Customer, Subscriber
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

MAX_FAILURES = 5


def _answer_before_0010(answer: str) -> str:
    """The security answer as folded before migration 0010 (NFKD, marks dropped): answers stored then
    are hashed in that form, which leaves `ł`, `ø`, `ß` as typed. Tried second, then rehashed in the new fold."""
    decomposed = unicodedata.normalize("NFKD", answer)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


class CustomerAuthenticated(View):
    customer_id: str
    service_number: str


class CustomerAuthenticationFailed(NotAllowed):
    title = "Not authenticated"
    code = "authentication_failed"


def _load(uow: UnitOfWork, service_number: str) -> tuple[Customer, AuthenticationInfo, str]:
    row = uow.session.execute(
        select(Customer, AuthenticationInfo)
        .join(Subscriber, Subscriber.customer_id == Customer.id)
        .join(AuthenticationInfo, AuthenticationInfo.customer_id == Customer.id)
        .where(Subscriber.service_number == service_number, Subscriber.status.in_(LIVE_LINE_STATUSES))
    ).first()
    if row is None:
        raise NotFound("No live line with that service number.", fields={"service_number": "No live line."})
    return row[0], row[1], service_number


def _fail(uow: UnitOfWork, info: AuthenticationInfo, customer: Customer, what: str) -> CustomerAuthenticationFailed:
    info.failed_attempts += 1
    if info.failed_attempts >= MAX_FAILURES:
        info.locked_at = utcnow()
    uow.session.add(info)
    audit.record(
        uow,
        None,
        "customer.authenticate_failed",
        "customer",
        customer.customer_id,
        {"by": what, "failures": info.failed_attempts},
    )
    uow.commit()
    if info.locked_at:
        return CustomerAuthenticationFailed(
            f"Wrong {what}; authentication is now locked. A supervisor can unlock it after checking the customer's document.",
            tries_left=0,
        )
    left = MAX_FAILURES - info.failed_attempts
    return CustomerAuthenticationFailed(f"Wrong {what} ({left} tries left).", tries_left=left)


def _succeed(uow: UnitOfWork, info: AuthenticationInfo, customer: Customer, actor: Actor | None, how: str) -> None:
    info.failed_attempts = 0
    uow.session.add(info)
    capture(uow.session, customer.id, kind="authenticate", summary=f"Authenticated by {how}", actor=actor, now=utcnow())
    audit.record(uow, actor, "customer.authenticate", "customer", customer.customer_id, {"by": how})


def authenticate_customer(
    service_number: str, password: str, *, uow: UnitOfWork, actor: Actor | None, region: str
) -> CustomerAuthenticated:
    """Service number + service password; five failures in a row lock it."""
    number = parse_service_number(service_number, region=region)
    with uow:
        customer, info, number = _load(uow, number)
        if info.locked_at is not None:
            raise CustomerAuthenticationFailed(
                "Authentication is locked after repeated failures; a supervisor can unlock it."
            )
        if not verify_secret(info.service_password_hash, password):
            raise _fail(uow, info, customer, "service password")
        info.service_password_hash = (
            rehash_if_needed(info.service_password_hash or "", password) or info.service_password_hash
        )
        _succeed(uow, info, customer, actor, "service password")
        uow.commit()
        return CustomerAuthenticated(customer_id=customer.customer_id, service_number=number)


def security_question(service_number: str, *, uow: UnitOfWork, actor: Actor, region: str) -> str:
    """The question to ask when the customer forgot the password."""
    require_signed_in(actor, doing="reset service passwords")
    number = parse_service_number(service_number, region=region)
    with uow:
        _customer, info, _ = _load(uow, number)
        if not info.security_question:
            raise NotFound("This customer has no security question; verify the document instead.")
        return info.security_question


def reset_service_password(
    service_number: str, answer: str, new_password: str, *, uow: UnitOfWork, actor: Actor, region: str
) -> CustomerAuthenticated:
    """The security answer proves who they are; then the new password replaces the old one."""
    require_signed_in(actor, doing="reset service passwords")
    problem = service_password_problem(new_password)
    if problem:
        raise InvalidInput("The new service password is too easy to guess.", fields={"service_password": problem})
    new_hash = hash_secret(new_password)
    number = parse_service_number(service_number, region=region)
    with uow:
        customer, info, number = _load(uow, number)
        if info.locked_at is not None:
            raise CustomerAuthenticationFailed(
                "Authentication is locked after repeated failures; a supervisor can unlock it."
            )
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
            raise _fail(uow, info, customer, "security answer")
        info.service_password_hash = new_hash
        _succeed(uow, info, customer, actor, "security answer; service password reset")
        uow.commit()
        return CustomerAuthenticated(customer_id=customer.customer_id, service_number=number)


def unlock_customer_authentication(service_number: str, *, uow: UnitOfWork, actor: Actor, region: str) -> None:
    require_role(actor, *SUPERVISORS, doing="unlock customer authentication")
    number = parse_service_number(service_number, region=region)
    with uow:
        customer, info, _ = _load(uow, number)
        info.locked_at = None
        info.failed_attempts = 0
        uow.session.add(info)
        audit.record(uow, actor, "customer.authentication_unlock", "customer", customer.customer_id)
        uow.commit()

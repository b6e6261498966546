"""The names a customer signs in and is found by, besides their lines: a login name (optional, unique
whatever its case) and linked social accounts. Changing them is audited with the values masked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crm_tui.domain import CustomerStatus
from crm_tui.errors import Conflict, NotFound
from crm_tui.i18n import _
from crm_tui.services.shared import audit
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.permissions import require_signed_in
from crm_tui.services.shared.validation import mask, parse_customer_id, parse_login_name
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer, SocialAccount
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

UNCHANGEABLE = (CustomerStatus.ERASED.value, CustomerStatus.MERGED.value)


class LoginNameChanged(View):
    customer_id: str
    login_name: str | None
    previous: str | None


class SocialAccountView(View):
    provider: str
    subject: str
    linked_at: datetime


def _customer(uow: UnitOfWork, customer_id: str, *, lock: bool = False) -> Customer:
    query = select(Customer).where(Customer.customer_id == customer_id)
    customer = uow.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if customer is None or customer.status in UNCHANGEABLE:
        raise NotFound(
            _("No customer {customer_id}.").format(customer_id=customer_id),
            fields={"customer_id": _("No such customer.")},
        )
    return customer


def set_login_name(customer_id: str, login_name: str | None, *, uow: UnitOfWork, actor: Actor) -> LoginNameChanged:
    """Give, change or (with None or "") remove the customer's login name; taken names are a conflict.

    One function on its own so the profile edit can call it for its login-name field."""
    require_signed_in(actor, doing=_("change login names"))
    customer_id = parse_customer_id(customer_id)
    name = parse_login_name(login_name) if login_name and login_name.strip() else None
    with uow:
        customer = _customer(uow, customer_id, lock=True)
        previous = customer.login_name
        if previous == name:
            return LoginNameChanged(customer_id=customer_id, login_name=name, previous=previous)
        if name:
            holder = uow.session.execute(
                select(Customer.customer_id).where(Customer.login_name == name, Customer.id != customer.id)
            ).scalar()
            if holder:
                raise Conflict(
                    _("The login name {login_name} is taken by another customer; choose another.").format(
                        login_name=name
                    ),
                    fields={"login_name": _("Taken.")},
                )
        customer.login_name = name
        customer.version += 1
        customer.updated_at = utcnow()
        uow.session.add(customer)
        audit.record(
            uow,
            actor,
            "customer.login_name",
            "customer",
            customer_id,
            {"before": mask(previous, keep=2), "after": mask(name, keep=2)},
        )
        try:
            uow.commit()
        except IntegrityError:
            raise Conflict(
                _("That login name was taken at another terminal a moment ago; choose another."),
                fields={"login_name": _("Just taken.")},
            ) from None
        return LoginNameChanged(customer_id=customer_id, login_name=name, previous=previous)


def list_social_accounts(customer_id: str, *, uow: UnitOfWork, actor: Actor) -> list[SocialAccountView]:
    """The customer's linked social accounts, oldest first."""
    require_signed_in(actor, doing=_("view social accounts"))
    customer_id = parse_customer_id(customer_id)
    with uow:
        customer = _customer(uow, customer_id)
        rows = uow.session.execute(
            select(SocialAccount).where(SocialAccount.customer_id == customer.id).order_by(SocialAccount.id)
        ).scalars()
        return [SocialAccountView(provider=s.provider, subject=s.subject, linked_at=s.linked_at) for s in rows]


def unlink_social_account(
    customer_id: str, provider: str, subject: str, *, uow: UnitOfWork, actor: Actor
) -> list[SocialAccountView]:
    """Remove one linked account (the customer asked, or it is not theirs); returns those left."""
    require_signed_in(actor, doing=_("unlink social accounts"))
    customer_id = parse_customer_id(customer_id)
    with uow:
        customer = _customer(uow, customer_id)
        link = uow.session.execute(
            select(SocialAccount).where(
                SocialAccount.customer_id == customer.id,
                SocialAccount.provider == provider.strip().lower(),
                SocialAccount.subject == subject.strip(),
            )
        ).scalar_one_or_none()
        if link is None:
            raise NotFound(
                _("That social account is not linked to this customer."), fields={"subject": _("Not linked.")}
            )
        uow.session.delete(link)
        now = utcnow()
        capture(
            uow.session,
            customer.id or 0,
            kind="social_unlink",
            summary=_("Unlinked a {provider} account").format(provider=link.provider),
            actor=actor,
            now=now,
        )
        audit.record(
            uow,
            actor,
            "customer.social_unlink",
            "customer",
            customer_id,
            {"provider": link.provider, "subject": mask(link.subject, keep=3)},
        )
        uow.session.flush()
        rows = uow.session.execute(
            select(SocialAccount).where(SocialAccount.customer_id == customer.id).order_by(SocialAccount.id)
        ).scalars()
        left = [SocialAccountView(provider=s.provider, subject=s.subject, linked_at=s.linked_at) for s in rows]
        uow.commit()
        return left

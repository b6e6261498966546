"""One customer read whole: the customer view (lines, accounts, contracts, contacts...) and one line by number."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, bindparam, func, or_, select

from crm_tui.domain import CustomerStatus, InteractionChannel, KeyKind
from crm_tui.errors import NotFound
from crm_tui.i18n import _
from crm_tui.services.customers.search import _survivor_id
from crm_tui.services.customers.search_sql import (
    LIVE_LINE_STATUSES,
)
from crm_tui.services.shared import audit
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.permissions import (
    require_signed_in,
)
from crm_tui.services.shared.validation import (
    parse_customer_id,
    parse_service_number,
)
from crm_tui.services.shared.views import (
    AccountView,
    Actor,
    AddressView,
    CertificateView,
    ContactView,
    ContractView,
    CustomerDetail,
    InteractionView,
    PreferenceView,
    SubscriberView,
)
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.customers import Address, Certificate, Contact, Customer, Interaction, Preference
from crm_tui.storage.models.lines import Account, Contract, Offering, Subscriber
from crm_tui.storage.models.money import Charge
from crm_tui.storage.models.operators import Operator
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

RECENT_INTERACTIONS = 20
DOCUMENT_SEEN = "document_seen"
"""The interaction kind of an ID document inspected in person (services/identity/profile_edit.py records it)."""


# The customer view's statements, built once: a batch of `customers show` runs them thousands of
# times, and building a select (and its cache key) costs more than SQLite takes to answer it.
_CUSTOMER = select(Customer).where(Customer.customer_id == bindparam("customer_id"))
_CERTIFICATES = (
    select(Certificate)
    .where(Certificate.customer_id == bindparam("pk"))
    .order_by(Certificate.is_primary.desc(), Certificate.id)
)
_ACCOUNTS = select(Account).where(Account.customer_id == bindparam("pk")).order_by(Account.id)
_OUTSTANDING = (
    select(Charge.account_id, func.coalesce(func.sum(Charge.amount), 0))
    .where(Charge.account_id.in_(bindparam("accounts", expanding=True)), Charge.status == "outstanding")
    .group_by(Charge.account_id)
)
_LINES = (
    select(Subscriber, Offering.name)
    .join(Offering, Offering.id == Subscriber.offering_id)
    .where(Subscriber.customer_id == bindparam("pk"))
    .order_by(Subscriber.id)
)
_CONTRACTS = (
    select(Contract, Offering.name)
    .join(Offering, Offering.id == Contract.offering_id)
    .where(Contract.subscriber_id.in_(bindparam("lines", expanding=True)))
    .order_by(Contract.effective_on.desc())
)
_INTERACTIONS = (
    select(Interaction, Operator.username)
    .outerjoin(Operator, Operator.id == Interaction.operator_id)
    .where(Interaction.customer_id == bindparam("pk"))
    .order_by(Interaction.created_at.desc(), Interaction.id.desc())
    .limit(RECENT_INTERACTIONS)
)
_CONTACTS = select(Contact).where(Contact.customer_id == bindparam("pk")).order_by(Contact.id)
_ADDRESSES = select(Address).where(Address.customer_id == bindparam("pk")).order_by(Address.id)
_PREFERENCE = select(Preference).where(Preference.customer_id == bindparam("pk"))
_DOCUMENT_SEEN = (
    select(Interaction.created_at, Interaction.summary)
    .where(Interaction.customer_id == bindparam("pk"), Interaction.kind == DOCUMENT_SEEN)
    .order_by(Interaction.created_at.desc(), Interaction.id.desc())
    .limit(1)
)


def _resolve_merged(uow: UnitOfWork, customer_id: str) -> tuple[Customer | None, str | None]:
    """The customer with this ID, following merges to the survivor; and the old ID if it moved."""
    survivor, merged_from = _survivor_id(uow.session.connection(), customer_id)
    customer = uow.session.execute(_CUSTOMER, {"customer_id": survivor or customer_id}).scalar_one_or_none()
    return customer, merged_from


def get_customer(customer_id: str, *, uow: UnitOfWork, actor: Actor) -> CustomerDetail:
    """Everything the customer view shows; a merged ID shows its survivor."""
    require_signed_in(actor, doing=_("view customers"))
    customer_id = parse_customer_id(customer_id)
    with uow:
        return _detail(uow, customer_id)


def open_customer(
    customer_id: str,
    *,
    uow: UnitOfWork,
    actor: Actor,
    key_kind: KeyKind | None,
    channel: InteractionChannel = InteractionChannel.SHOP,
) -> CustomerDetail:
    """Open the customer after identification: captures the interaction (1.3.4.2.1 step 2)."""
    require_signed_in(actor, doing=_("open customers"))
    customer_id = parse_customer_id(customer_id)
    with uow:
        customer, _merged_from = _resolve_merged(uow, customer_id)
        if customer is None or customer.status == CustomerStatus.ERASED:
            raise NotFound(_("No customer {customer_id}.").format(customer_id=customer_id))
        how = key_kind.label if key_kind else _("their customer record")
        capture(
            uow.session,
            customer.id or 0,
            kind="identify",
            summary=_("Identified by {how}").format(how=how),
            actor=actor,
            now=utcnow(),
            channel=channel.value,
            key_kind=key_kind.value if key_kind else None,
        )
        audit.record(
            uow,
            actor,
            "customer.identify",
            "customer",
            customer.customer_id,
            {"key": key_kind.value if key_kind else None},
        )
        uow.session.flush()
        detail = _detail(uow, customer_id)
        uow.commit()
        return detail


def _detail(uow: UnitOfWork, customer_id: str) -> CustomerDetail:
    session = uow.session
    customer, merged_from = _resolve_merged(uow, customer_id)
    if customer is None or customer.status == CustomerStatus.ERASED:
        raise NotFound(_("No customer {customer_id}.").format(customer_id=customer_id))
    by_customer = {"pk": customer.id}
    certificates = session.execute(_CERTIFICATES, by_customer).scalars().all()
    accounts = session.execute(_ACCOUNTS, by_customer).scalars().all()
    account_codes = {a.id: a.account_code for a in accounts}
    outstanding_by_account: dict[int, Decimal] = (
        dict(session.execute(_OUTSTANDING, {"accounts": list(account_codes)}).all()) if account_codes else {}
    )
    subscriber_rows = session.execute(_LINES, by_customer).all()
    numbers = {sub.id: sub.service_number for sub, _ in subscriber_rows}
    contract_rows = session.execute(_CONTRACTS, {"lines": list(numbers)}).all() if numbers else []
    interaction_rows = session.execute(_INTERACTIONS, by_customer).all()
    contacts = session.execute(_CONTACTS, by_customer).scalars().all()
    addresses = session.execute(_ADDRESSES, by_customer).scalars().all()
    preference = session.execute(_PREFERENCE, by_customer).scalar_one_or_none()
    live = [c for c in certificates if c.retired_at is None]
    certificates = live + [c for c in certificates if c.retired_at is not None]
    primary = live[0] if live else None
    seen = session.execute(_DOCUMENT_SEEN, by_customer).first()
    outstanding = sum((Decimal(v) for v in outstanding_by_account.values()), Decimal("0.00"))
    return CustomerDetail(
        customer_id=customer.customer_id,
        status=customer.status,
        type=customer.type,
        name=customer.display_name,
        first_name=customer.first_name,
        middle_name=customer.middle_name,
        last_name=customer.last_name,
        organization_name=customer.organization_name,
        gender=customer.gender,
        title=customer.title,
        nationality=customer.nationality,
        birthplace=customer.birthplace,
        birthday=customer.birthday,
        email=customer.email,
        mobile=customer.mobile,
        login_name=customer.login_name,
        incomplete=customer.incomplete,
        credit_level=customer.credit_level,
        credit_limit=customer.credit_limit,
        cert_type=primary.cert_type if primary else None,
        cert_number=primary.cert_number if primary else None,
        cert_country=primary.cert_country if primary else None,
        created_at=customer.created_at,
        blacklisted=_is_blacklisted(uow, customer, certificates),
        outstanding=outstanding.quantize(Decimal("0.01")),
        merged_from=merged_from,
        certificates=[
            CertificateView(
                cert_type=c.cert_type,
                cert_number=c.cert_number,
                cert_country=c.cert_country,
                is_primary=c.is_primary and c.retired_at is None,
                expires_on=c.expires_on,
                retired_at=c.retired_at,
            )
            for c in certificates
        ],
        contacts=[
            ContactView(
                contact_type=c.contact_type,
                name=" ".join(p for p in (c.first_name, c.middle_name, c.last_name) if p),
                method=c.method,
                value=c.value,
            )
            for c in contacts
        ],
        addresses=[
            AddressView(
                address_type=a.address_type,
                region=a.region,
                city=a.city,
                detail=a.detail,
                postal_code=a.postal_code,
                country=a.country,
            )
            for a in addresses
        ],
        accounts=[
            AccountView(
                account_code=a.account_code,
                payment_type=a.payment_type,
                currency=a.currency,
                balance=a.balance,
                outstanding=Decimal(outstanding_by_account.get(a.id or 0, 0)).quantize(Decimal("0.01")),
                status=a.status,
            )
            for a in accounts
        ],
        subscribers=[
            _subscriber_view(
                s,
                customer_id=customer.customer_id,
                account_code=account_codes.get(s.account_id, ""),
                offering=offering_name,
            )
            for s, offering_name in subscriber_rows
        ],
        contracts=[
            ContractView(
                name=c.name,
                status=c.status,
                service_number=numbers.get(c.subscriber_id, ""),
                offering=offering_name,
                effective_on=c.effective_on,
                expires_on=c.expires_on,
                duration_months=c.duration_months,
                prolongation=c.prolongation,
                penalty_amount=c.penalty_amount,
            )
            for c, offering_name in contract_rows
        ],
        interactions=[
            InteractionView(
                at=i.created_at,
                kind=i.kind,
                channel=i.channel,
                key_kind=i.key_kind,
                operator=username,
                summary=i.summary,
            )
            for i, username in interaction_rows
        ],
        preferences=PreferenceView(
            currency=preference.currency,
            language=preference.language,
            written_language=preference.written_language,
            dnd_channel=preference.dnd_channel,
            dnd_days=preference.dnd_days,
            dnd_start=preference.dnd_start,
            dnd_end=preference.dnd_end,
        )
        if preference
        else None,
        version=customer.version,
        document_seen_at=seen.created_at if seen else None,
        document_seen=seen.summary if seen else None,
    )


def _is_blacklisted(uow: UnitOfWork, customer: Customer, certificates: list[Certificate]) -> bool:
    """A live blacklist entry on one of the customer's certificates, or on name and birthday."""
    now = utcnow()
    live = and_(
        BlacklistEntry.lifted_at.is_(None), or_(BlacklistEntry.expires_at.is_(None), BlacklistEntry.expires_at > now)
    )
    by_cert = [
        and_(
            BlacklistEntry.cert_number == c.cert_number,
            BlacklistEntry.cert_type == c.cert_type,
            BlacklistEntry.cert_country == c.cert_country,
        )
        for c in certificates
    ]
    by_person = (
        [and_(BlacklistEntry.birthday == customer.birthday, BlacklistEntry.name_search == customer.name_search)]
        if customer.birthday
        else []
    )
    if not by_cert and not by_person:
        return False
    found = uow.session.execute(select(BlacklistEntry.id).where(live, or_(*by_cert, *by_person)).limit(1)).scalar()
    return found is not None


def get_subscriber(service_number: str, *, uow: UnitOfWork, actor: Actor, region: str) -> SubscriberView:
    """One line by its service number: the live one, else the most recent former one."""
    require_signed_in(actor, doing=_("view lines"))
    number = parse_service_number(service_number, region=region)
    with uow:
        row = uow.session.execute(
            select(Subscriber, Customer.customer_id, Account.account_code, Offering.name)
            .join(Customer, Customer.id == Subscriber.customer_id)
            .join(Account, Account.id == Subscriber.account_id)
            .join(Offering, Offering.id == Subscriber.offering_id)
            .where(Subscriber.service_number == number)
            .order_by(Subscriber.status.in_(LIVE_LINE_STATUSES).desc(), Subscriber.id.desc())
            .limit(1)
        ).first()
        if row is None:
            raise NotFound(
                _("No line with service number {number}.").format(number=number),
                fields={"service_number": _("Unknown service number.")},
            )
        s, customer_id, account_code, offering = row
        return _subscriber_view(s, customer_id=customer_id, account_code=account_code, offering=offering)


def _subscriber_view(s: Subscriber, *, customer_id: str, account_code: str, offering: str) -> SubscriberView:
    return SubscriberView(
        service_number=s.service_number,
        status=s.status,
        status_reason=s.status_reason,
        iccid=s.iccid,
        imsi=s.imsi,
        customer_id=customer_id,
        account_id=account_code,
        primary_offering=offering,
        network_type=s.network_type,
        payment_type=s.payment_type,
        brand=s.brand,
        activated_at=s.activated_at,
        valid_from=s.valid_from,
        expires_on=s.expires_on,
    )

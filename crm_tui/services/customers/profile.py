"""One customer read whole: the customer view (lines, accounts, contracts, contacts...) and one line by number."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, bindparam, case, func, or_, select

from crm_tui.domain import CustomerStatus, InteractionChannel, KeyKind
from crm_tui.errors import NotFound
from crm_tui.i18n import _
from crm_tui.services.customers import search_sql
from crm_tui.services.customers.search import _survivor_id, follow_merges
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
from crm_tui.storage.db import Database
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.customers import Address, Customer, Interaction, Preference
from crm_tui.storage.models.lines import Account, Contract, Offering, Subscriber
from crm_tui.storage.models.money import Charge
from crm_tui.storage.models.operators import Operator
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

RECENT_INTERACTIONS = 20
DOCUMENT_SEEN = "document_seen"
"""The interaction kind of an ID document inspected in person (services/identity/profile_edit.py records it)."""


# The customer view's statements, built once and run at the driver (storage.prepared): a counter
# opens a customer after nearly every lookup, and a batch of `customers show` runs them thousands of
# times; building a select, its cache key and ORM objects costs more than SQLite takes to answer it.
# Plain Core over the tables, so each row reads like the table's columns (`row.cert_number`).
_customers, _certificates = search_sql.customers, search_sql.certificates
_subscribers, _contacts = search_sql.subscribers, search_sql.contacts
_accounts, _offerings, _contracts = Account.__table__, Offering.__table__, Contract.__table__  # type: ignore[attr-defined]
_charges, _operators, _blacklist = Charge.__table__, Operator.__table__, BlacklistEntry.__table__  # type: ignore[attr-defined]
_interactions, _addresses, _preferences = Interaction.__table__, Address.__table__, Preference.__table__  # type: ignore[attr-defined]
_PK = bindparam("pk")
_LINES_OF_CUSTOMER = select(_subscribers.c.id).where(_subscribers.c.customer_id == _PK)

_CUSTOMER = select(_customers).where(_customers.c.customer_id == bindparam("customer_id"))
_CERTIFICATES = (
    select(_certificates)
    .where(_certificates.c.customer_id == _PK)
    .order_by(_certificates.c.is_primary.desc(), _certificates.c.id)
)
_ACCOUNTS = select(_accounts).where(_accounts.c.customer_id == _PK).order_by(_accounts.c.id)
_OUTSTANDING = (
    # From the customer's accounts, an index probe each, the status tested per charge: with
    # "status = 'outstanding'" in the WHERE, SQLite walked every outstanding charge (its status
    # index) to find a customer's few (147 ms at 1,000,000 customers).
    select(
        _charges.c.account_id,
        func.coalesce(func.sum(case((_charges.c.status == "outstanding", _charges.c.amount), else_=0)), 0).label(
            "amount"
        ),
    )
    .select_from(_accounts.join(_charges, _charges.c.account_id == _accounts.c.id))
    .where(_accounts.c.customer_id == _PK)
    .group_by(_charges.c.account_id)
)
_LINES = (
    select(_subscribers, _offerings.c.name.label("offering_name"))
    .join(_offerings, _offerings.c.id == _subscribers.c.offering_id)
    .where(_subscribers.c.customer_id == _PK)
    .order_by(_subscribers.c.id)
)
_CONTRACTS = (
    select(_contracts, _offerings.c.name.label("offering_name"))
    .join(_offerings, _offerings.c.id == _contracts.c.offering_id)
    .where(_contracts.c.subscriber_id.in_(_LINES_OF_CUSTOMER))
    .order_by(_contracts.c.effective_on.desc())
)
_INTERACTIONS = (
    select(_interactions, _operators.c.username)
    .outerjoin(_operators, _operators.c.id == _interactions.c.operator_id)
    .where(_interactions.c.customer_id == _PK)
    .order_by(_interactions.c.created_at.desc(), _interactions.c.id.desc())
    .limit(RECENT_INTERACTIONS)
)
_CONTACTS = select(_contacts).where(_contacts.c.customer_id == _PK).order_by(_contacts.c.id)
_ADDRESSES = select(_addresses).where(_addresses.c.customer_id == _PK).order_by(_addresses.c.id)
_PREFERENCE = select(_preferences).where(_preferences.c.customer_id == _PK)
_DOCUMENT_SEEN = (
    select(_interactions.c.created_at, _interactions.c.summary)
    .where(_interactions.c.customer_id == _PK, _interactions.c.kind == DOCUMENT_SEEN)
    .order_by(_interactions.c.created_at.desc(), _interactions.c.id.desc())
    .limit(1)
)
_LIVE_ENTRY = and_(
    _blacklist.c.lifted_at.is_(None),
    or_(_blacklist.c.expires_at.is_(None), _blacklist.c.expires_at > bindparam("now")),
)
_BLACKLISTED_DOCUMENT = (
    select(_blacklist.c.id)
    .select_from(
        _certificates.join(
            _blacklist,
            and_(
                _blacklist.c.cert_number == _certificates.c.cert_number,
                _blacklist.c.cert_type == _certificates.c.cert_type,
                _blacklist.c.cert_country == _certificates.c.cert_country,
            ),
        )
    )
    .where(_certificates.c.customer_id == _PK, _LIVE_ENTRY)
    .limit(1)
)
"""A live blacklist entry on one of the customer's documents (retired ones too)."""
_BLACKLISTED_PERSON = (
    select(_blacklist.c.id)
    .where(
        _blacklist.c.birthday == bindparam("birthday"),
        _blacklist.c.name_search == bindparam("name_search"),
        _LIVE_ENTRY,
    )
    .limit(1)
)
"""A live blacklist entry on the customer's name and birthday."""


def get_customer(customer_id: str, *, uow: UnitOfWork, actor: Actor) -> CustomerDetail:
    """Everything the customer view shows; a merged ID shows its survivor. One read transaction."""
    require_signed_in(actor, doing=_("view customers"))
    customer_id = parse_customer_id(customer_id)
    return _read_detail(uow.database, customer_id)


def open_customer(
    customer_id: str,
    *,
    uow: UnitOfWork,
    actor: Actor,
    key_kind: KeyKind | None,
    channel: InteractionChannel = InteractionChannel.SHOP,
) -> CustomerDetail:
    """Open the customer after identification: captures the interaction (1.3.4.2.1 step 2), then reads
    the view (the captured interaction in it) once that is committed."""
    require_signed_in(actor, doing=_("open customers"))
    customer_id = parse_customer_id(customer_id)
    with uow:
        connection = uow.session.connection()
        survivor, _merged_from = _survivor_id(connection, customer_id)
        customer = connection.execute(_CUSTOMER, {"customer_id": survivor or customer_id}).first()
        if customer is None or customer.status == CustomerStatus.ERASED:
            raise NotFound(_("No customer {customer_id}.").format(customer_id=customer_id))
        how = key_kind.label if key_kind else _("their customer record")
        capture(
            uow.session,
            customer.id,
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
        uow.commit()
    return _read_detail(uow.database, customer_id)


def _read_detail(database: Database, customer_id: str) -> CustomerDetail:
    with database.read_cursor() as cursor:
        return _detail(database, cursor, customer_id)


def _detail(database: Database, cursor: Any, customer_id: str) -> CustomerDetail:
    """The view, read with the prepared statements above on one read cursor."""

    def read(statement: Select, values: dict[str, Any]) -> list[Any]:
        return database.prepared(statement).all(cursor, values)

    def first(statement: Select, values: dict[str, Any]) -> Any | None:
        return database.prepared(statement).first(cursor, values)

    survivor, merged_from = follow_merges(
        customer_id,
        by_customer_id=lambda key: first(search_sql.MERGED_STATEMENT, {"customer_id": key}),
        by_id=lambda pk: first(search_sql.MERGED_BY_ID, {"id": pk}),
    )
    customer = first(_CUSTOMER, {"customer_id": survivor or customer_id})
    if customer is None or customer.status == CustomerStatus.ERASED:
        raise NotFound(_("No customer {customer_id}.").format(customer_id=customer_id))
    by_customer = {"pk": customer.id}
    certificates = read(_CERTIFICATES, by_customer)
    accounts = read(_ACCOUNTS, by_customer)
    account_codes = {a.id: a.account_code for a in accounts}
    outstanding_by_account: dict[int, Decimal] = (
        {row.account_id: row.amount for row in read(_OUTSTANDING, by_customer)} if account_codes else {}
    )
    subscriber_rows = read(_LINES, by_customer)
    numbers = {sub.id: sub.service_number for sub in subscriber_rows}
    contract_rows = read(_CONTRACTS, by_customer) if numbers else []
    interaction_rows = read(_INTERACTIONS, by_customer)
    contacts = read(_CONTACTS, by_customer)
    addresses = read(_ADDRESSES, by_customer)
    preference = first(_PREFERENCE, by_customer)
    live = [c for c in certificates if c.retired_at is None]
    certificates = live + [c for c in certificates if c.retired_at is not None]
    primary = live[0] if live else None
    seen = first(_DOCUMENT_SEEN, by_customer)
    outstanding = sum((Decimal(v) for v in outstanding_by_account.values()), Decimal("0.00"))
    now = utcnow()
    person = {"birthday": customer.birthday, "name_search": customer.name_search, "now": now}
    blacklisted = (bool(certificates) and first(_BLACKLISTED_DOCUMENT, {**by_customer, "now": now}) is not None) or (
        customer.birthday is not None and first(_BLACKLISTED_PERSON, person) is not None
    )
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
        blacklisted=blacklisted,
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
                offering=s.offering_name,
            )
            for s in subscriber_rows
        ],
        contracts=[
            ContractView(
                name=c.name,
                status=c.status,
                service_number=numbers.get(c.subscriber_id, ""),
                offering=c.offering_name,
                effective_on=c.effective_on,
                expires_on=c.expires_on,
                duration_months=c.duration_months,
                prolongation=c.prolongation,
                penalty_amount=c.penalty_amount,
            )
            for c in contract_rows
        ],
        interactions=[
            InteractionView(
                at=i.created_at,
                kind=i.kind,
                channel=i.channel,
                key_kind=i.key_kind,
                operator=i.username,
                summary=i.summary,
            )
            for i in interaction_rows
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


def _subscriber_view(s: Any, *, customer_id: str, account_code: str, offering: str) -> SubscriberView:
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

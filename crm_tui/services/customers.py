"""Verify Customer (eTOM 1.3.4.2.1): find a customer by any key they hold, and show them.

Filled criteria combine with AND. Every key is an indexed lookup; name search goes through the
engine's text index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL), never a full scan.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from decimal import Decimal

from sqlalchemy import and_, func, or_, select

from crm_tui.domain import CertType, CustomerStatus, InteractionChannel, KeyKind
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.services import audit, search_sql
from crm_tui.services.permissions import require_signed_in, sees_personal_data_in_lists
from crm_tui.services.validation import (
    clean_text,
    mask,
    parse_cert_number,
    parse_country,
    parse_customer_id,
    parse_email,
    parse_iccid,
    parse_imsi,
    parse_name_query,
    parse_service_number,
)
from crm_tui.services.views import (
    AccountView,
    Actor,
    AddressView,
    CertificateView,
    ContactView,
    ContractView,
    CustomerDetail,
    CustomerPage,
    CustomerSummary,
    InteractionView,
    PreferenceView,
    SubscriberView,
)
from crm_tui.storage.models import (
    Account,
    Address,
    BlacklistEntry,
    Certificate,
    Charge,
    Contact,
    Contract,
    Customer,
    Interaction,
    Offering,
    Operator,
    Preference,
    Subscriber,
)
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

TOTAL_CAP = 10_000
NAME_CANDIDATES = 1_000  # a name-only search looks at this many index matches at most: refine beyond
LIVE_LINE_STATUSES = search_sql.LIVE_LINE_STATUSES
RECENT_INTERACTIONS = 20


@dataclass(frozen=True)
class CustomerQuery:
    """The Query Customers fields; empty strings are absent. `parsed()` validates and normalises."""

    customer_id: str = ""
    cert_type: str = ""
    cert_number: str = ""
    cert_country: str = ""
    service_number: str = ""
    name: str = ""
    imsi: str = ""
    iccid: str = ""
    email: str = ""
    social: str = ""

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name).strip() for f in fields(self) if f.name not in ("cert_type", "cert_country"))

    def parsed(self, *, region: str) -> CustomerQuery:
        """The same query in stored form; every bad field reported at once."""
        errors: dict[str, str] = {}
        messages: list[str] = []
        values: dict[str, str] = {}

        def take(name: str, parse) -> None:  # noqa: ANN001
            raw = getattr(self, name)
            if not raw or not raw.strip():
                values[name] = ""
                return
            try:
                values[name] = parse(raw)
            except InvalidInput as error:
                errors.update(error.fields or {name: error.message})
                messages.append(error.message)

        take("customer_id", parse_customer_id)
        take("cert_type", _parse_cert_type)
        take("cert_number", parse_cert_number)
        take("cert_country", parse_country)
        take("service_number", lambda raw: parse_service_number(raw, region=region))
        take("name", parse_name_query)
        take("imsi", parse_imsi)
        take("iccid", parse_iccid)
        take("email", parse_email)
        take("social", lambda raw: clean_text(raw, field="social", max_length=128))
        if errors:
            raise InvalidInput(" ".join(messages), fields=errors)
        return replace(self, **values)


def _parse_cert_type(raw: str) -> str:
    try:
        return CertType(raw.strip().lower()).value
    except ValueError:
        allowed = ", ".join(c.value for c in CertType)
        raise InvalidInput(f"Unknown certificate type; one of {allowed}.", fields={"cert_type": "Unknown type."}) from None


def search_customers(
    query: CustomerQuery,
    *,
    uow: UnitOfWork,
    actor: Actor,
    region: str,
    page: int = 1,
    page_size: int = 50,
) -> CustomerPage:
    """One page of customers matching every filled field; merged IDs answer with their survivor.

    One statement per page (see `search_sql`); a count only when the page is full or not the first.
    """
    require_signed_in(actor, doing="search customers")
    if query.is_empty():
        raise InvalidInput("Fill at least one field to search.", fields={"name": "Fill at least one field."})
    parsed = query.parsed(region=region)
    page = max(1, page)
    page_size = max(1, min(page_size, 500))
    keys = tuple(key for key in search_sql.KEY_FIELDS if getattr(parsed, key))
    words = parsed.name.split()
    name_only = bool(words) and not any(key in keys for key in search_sql.KEY_FIELDS if key not in ("cert_type", "cert_country"))
    cap = NAME_CANDIDATES if name_only else None
    with uow:
        shape = search_sql.Shape(
            keys=keys,
            long_words=sum(len(w) >= 3 for w in words),
            short_words=sum(len(w) < 3 for w in words),
            name_cap=cap,
            sqlite=uow.database.is_sqlite,
        )
        params = search_sql.parameters(shape, {key: getattr(parsed, key) for key in keys}, words)
        connection = uow.session.connection()
        window = {"limit": page_size, "offset": (page - 1) * page_size}
        rows = connection.execute(search_sql.page_statement(shape), {**params, **window}).all()
        merged_from = None
        if not rows and parsed.customer_id:
            survivor, merged_from = _survivor_id(connection, parsed.customer_id)
            if merged_from is not None:
                params["customer_id"] = survivor
                rows = connection.execute(search_sql.page_statement(shape), {**params, **window}).all()
        if page == 1 and len(rows) < page_size:
            counted = len(rows)  # the whole result is on this page: no count query
        else:
            count_limit = (cap or TOTAL_CAP) + 1
            counted = connection.execute(search_sql.count_statement(shape), {**params, "count_limit": count_limit}).scalar_one()
    summaries = _summaries(rows, actor, merged_from=merged_from)
    cap_total = cap or TOTAL_CAP
    return CustomerPage(
        customers=summaries,
        total=min(counted, cap_total),
        total_is_capped=counted > cap_total or (cap is not None and counted >= cap),
        page=page,
        page_size=page_size,
    )


def _survivor_id(connection, customer_id: str) -> tuple[str | None, str | None]:  # noqa: ANN001 - a Connection
    """A merged customer's survivor (following merges) and the old ID; (None, None) if not merged."""
    row = connection.execute(search_sql.MERGED_STATEMENT, {"customer_id": customer_id}).first()
    merged_from = None
    hops = 0
    while row is not None and row.status == CustomerStatus.MERGED and row.merged_into_id and hops < 16:
        merged_from = merged_from or row.customer_id
        row = connection.execute(search_sql.MERGED_BY_ID, {"id": row.merged_into_id}).first()
        hops += 1
    if merged_from is None or row is None:
        return None, None
    return row.customer_id, merged_from


def _summaries(rows: list, actor: Actor, *, merged_from: str | None = None) -> list[CustomerSummary]:  # noqa: ANN001
    """Rows of a page statement as summaries; certificate numbers masked for roles that see lists masked."""
    full = sees_personal_data_in_lists(actor)
    return [
        CustomerSummary(
            customer_id=row.customer_id,
            status=row.status,
            type=row.type,
            name=row.display_name,
            first_name=row.first_name,
            last_name=row.last_name,
            gender=row.gender,
            nationality=row.nationality,
            birthday=row.birthday,
            email=row.email,
            mobile=row.mobile,
            credit_level=row.credit_level,
            cert_type=row.cert_type,
            cert_number=row.cert_number if full or row.cert_number is None else mask(row.cert_number),
            cert_country=row.cert_country,
            merged_from=merged_from,
        )
        for row in rows
    ]


def _resolve_merged(uow: UnitOfWork, customer_id: str) -> tuple[Customer | None, str | None]:
    """The customer with this ID, following merges to the survivor; and the old ID if it moved."""
    survivor, merged_from = _survivor_id(uow.session.connection(), customer_id)
    customer = uow.session.execute(select(Customer).where(Customer.customer_id == (survivor or customer_id))).scalar_one_or_none()
    return customer, merged_from


def get_customer(customer_id: str, *, uow: UnitOfWork, actor: Actor) -> CustomerDetail:
    """Everything the customer view shows; a merged ID shows its survivor."""
    require_signed_in(actor, doing="view customers")
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
    require_signed_in(actor, doing="open customers")
    customer_id = parse_customer_id(customer_id)
    with uow:
        customer, _merged_from = _resolve_merged(uow, customer_id)
        if customer is None or customer.status == CustomerStatus.ERASED:
            raise NotFound(f"No customer {customer_id}.")
        how = key_kind.label if key_kind else "their customer record"
        uow.session.add(
            Interaction(
                customer_id=customer.id or 0,
                operator_id=actor.id,
                channel=channel.value,
                kind="identify",
                key_kind=key_kind.value if key_kind else None,
                summary=f"Identified by {how}",
                shop=actor.shop or None,
                created_at=utcnow(),
            )
        )
        audit.record(uow, actor, "customer.identify", "customer", customer.customer_id, {"key": key_kind.value if key_kind else None})
        uow.session.flush()
        detail = _detail(uow, customer_id)
        uow.commit()
        return detail


def _detail(uow: UnitOfWork, customer_id: str) -> CustomerDetail:
    session = uow.session
    customer, merged_from = _resolve_merged(uow, customer_id)
    if customer is None or customer.status == CustomerStatus.ERASED:
        raise NotFound(f"No customer {customer_id}.")
    pk = customer.id
    certificates = session.execute(
        select(Certificate).where(Certificate.customer_id == pk).order_by(Certificate.is_primary.desc(), Certificate.id)
    ).scalars().all()
    accounts = session.execute(select(Account).where(Account.customer_id == pk).order_by(Account.id)).scalars().all()
    account_codes = {a.id: a.account_code for a in accounts}
    outstanding_by_account: dict[int, Decimal] = dict(
        session.execute(
            select(Charge.account_id, func.coalesce(func.sum(Charge.amount), 0))
            .where(Charge.account_id.in_(list(account_codes)), Charge.status == "outstanding")
            .group_by(Charge.account_id)
        ).all()
    ) if account_codes else {}
    subscriber_rows = session.execute(
        select(Subscriber, Offering.name).join(Offering, Offering.id == Subscriber.offering_id).where(Subscriber.customer_id == pk).order_by(Subscriber.id)
    ).all()
    numbers = {sub.id: sub.service_number for sub, _ in subscriber_rows}
    contract_rows = session.execute(
        select(Contract, Offering.name)
        .join(Offering, Offering.id == Contract.offering_id)
        .where(Contract.subscriber_id.in_(list(numbers)))
        .order_by(Contract.effective_on.desc())
    ).all() if numbers else []
    interaction_rows = session.execute(
        select(Interaction, Operator.username)
        .outerjoin(Operator, Operator.id == Interaction.operator_id)
        .where(Interaction.customer_id == pk)
        .order_by(Interaction.created_at.desc(), Interaction.id.desc())
        .limit(RECENT_INTERACTIONS)
    ).all()
    contacts = session.execute(select(Contact).where(Contact.customer_id == pk).order_by(Contact.id)).scalars().all()
    addresses = session.execute(select(Address).where(Address.customer_id == pk).order_by(Address.id)).scalars().all()
    preference = session.execute(select(Preference).where(Preference.customer_id == pk)).scalar_one_or_none()
    primary = certificates[0] if certificates else None
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
            CertificateView(cert_type=c.cert_type, cert_number=c.cert_number, cert_country=c.cert_country, is_primary=c.is_primary, expires_on=c.expires_on)
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
            AddressView(address_type=a.address_type, region=a.region, city=a.city, detail=a.detail, postal_code=a.postal_code, country=a.country)
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
            _subscriber_view(s, customer_id=customer.customer_id, account_code=account_codes.get(s.account_id, ""), offering=offering_name)
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
            InteractionView(at=i.created_at, kind=i.kind, channel=i.channel, key_kind=i.key_kind, operator=username, summary=i.summary)
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
    )


def _is_blacklisted(uow: UnitOfWork, customer: Customer, certificates: list[Certificate]) -> bool:
    """A live blacklist entry on one of the customer's certificates, or on name and birthday."""
    now = utcnow()
    live = or_(BlacklistEntry.expires_at.is_(None), BlacklistEntry.expires_at > now)
    by_cert = [
        and_(BlacklistEntry.cert_number == c.cert_number, BlacklistEntry.cert_type == c.cert_type, BlacklistEntry.cert_country == c.cert_country)
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
    require_signed_in(actor, doing="view lines")
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
            raise NotFound(f"No line with service number {number}.", fields={"service_number": "Unknown service number."})
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

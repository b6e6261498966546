"""Verify Customer (eTOM 1.3.4.2.1): find a customer by any key they hold, and show them.

Filled criteria combine with AND. Every key is an indexed lookup; name search goes through the
engine's text index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL), never a full scan.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, or_, select, text

from crm_tui.domain import CertType, CustomerStatus, InteractionChannel, KeyKind
from crm_tui.errors import InvalidInput, NotFound
from crm_tui.services import audit
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
    SocialAccount,
    Subscriber,
)
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

TOTAL_CAP = 10_000
NAME_CANDIDATES = 1_000  # a name-only search looks at this many index matches at most: refine beyond
HIDDEN_STATUSES = (CustomerStatus.MERGED, CustomerStatus.ERASED)
LIVE_LINE_STATUSES = ("active", "suspended")  # a former number may belong to someone else now
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


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_condition(uow: UnitOfWork, name: str, *, cap: int | None = None) -> ColumnElement[bool]:
    """Every word must appear in the name; words of 3+ letters go through the text index.

    With `cap`, only the first `cap` index matches are candidates: a name-only search for a
    common fragment then sorts a bounded set instead of every namesake in the country.
    """
    words = name.split()
    long_words = [w for w in words if len(w) >= 3]
    short_words = [w for w in words if len(w) < 3]
    conditions: list[ColumnElement[bool]] = []
    limit = f" LIMIT {int(cap)}" if cap else ""
    if long_words and uow.database.is_sqlite:
        match = " AND ".join('"' + w.replace('"', '""') + '"' for w in long_words)
        conditions.append(
            Customer.id.in_(text(f"SELECT rowid FROM customers_fts WHERE customers_fts MATCH :match{limit}").bindparams(match=match))
        )
    elif long_words:
        matching = select(Customer.id).where(*(Customer.name_search.ilike(f"%{_like_escape(w)}%", escape="\\") for w in long_words))
        conditions.append(Customer.id.in_(matching.limit(cap) if cap else matching))
    if short_words and not long_words:
        # Too short for trigrams: the name must start with it (a B-tree range, both engines).
        prefix = " ".join(words)
        conditions.append(and_(Customer.name_search >= prefix, Customer.name_search < prefix + "\uffff"))
    else:
        conditions.extend(Customer.name_search.like(f"%{_like_escape(w)}%", escape="\\") for w in short_words)
    return and_(*conditions)


def _where(query: CustomerQuery, uow: UnitOfWork, *, name_cap: int | None = None) -> list[ColumnElement[bool]]:
    """SQL conditions for a parsed query; each key is an indexed lookup."""
    conditions: list[ColumnElement[bool]] = []
    if query.customer_id:
        conditions.append(Customer.customer_id == query.customer_id)
    if query.cert_number:
        cert = [Certificate.cert_number == query.cert_number]
        if query.cert_type:
            cert.append(Certificate.cert_type == query.cert_type)
        if query.cert_country:
            cert.append(Certificate.cert_country == query.cert_country)
        conditions.append(Customer.id.in_(select(Certificate.customer_id).where(*cert)))
    for column, value in (
        (Subscriber.service_number, query.service_number),
        (Subscriber.imsi, query.imsi),
        (Subscriber.iccid, query.iccid),
    ):
        if value:
            live = Subscriber.status.in_(LIVE_LINE_STATUSES)
            conditions.append(Customer.id.in_(select(Subscriber.customer_id).where(column == value, live)))
    if query.email:
        conditions.append(
            or_(
                Customer.email == query.email,
                Customer.id.in_(select(Contact.customer_id).where(Contact.value_normalized == query.email)),
            )
        )
    if query.social:
        conditions.append(Customer.id.in_(select(SocialAccount.customer_id).where(SocialAccount.subject == query.social)))
    if query.name:
        conditions.append(_name_condition(uow, query.name, cap=name_cap))
    return conditions


def search_customers(
    query: CustomerQuery,
    *,
    uow: UnitOfWork,
    actor: Actor,
    region: str,
    page: int = 1,
    page_size: int = 50,
) -> CustomerPage:
    """One page of customers matching every filled field; merged IDs answer with their survivor."""
    require_signed_in(actor, doing="search customers")
    if query.is_empty():
        raise InvalidInput("Fill at least one field to search.", fields={"name": "Fill at least one field."})
    parsed = query.parsed(region=region)
    page = max(1, page)
    page_size = max(1, min(page_size, 500))
    name_only = bool(parsed.name) and not any(
        getattr(parsed, f) for f in ("customer_id", "cert_number", "service_number", "imsi", "iccid", "email", "social")
    )
    with uow:
        session = uow.session
        merged_from = None
        if parsed.customer_id:
            survivor, merged_from = _resolve_merged(uow, parsed.customer_id)
            if survivor is not None and merged_from is not None:
                parsed = replace(parsed, customer_id=survivor.customer_id)
        cap = NAME_CANDIDATES if name_only else None
        conditions = _where(parsed, uow, name_cap=cap)
        visible = Customer.status.not_in([s.value for s in HIDDEN_STATUSES])
        order = (Customer.display_name, Customer.id) if parsed.name else (Customer.id,)
        rows = session.execute(
            select(*SUMMARY_COLUMNS).where(visible, *conditions).order_by(*order).offset((page - 1) * page_size).limit(page_size)
        ).all()
        if page == 1 and len(rows) < page_size:
            counted = len(rows)  # the whole result is on this page: no count query
        else:
            limit = (cap or TOTAL_CAP) + 1
            counted = session.execute(select(func.count()).select_from(select(Customer.id).where(visible, *conditions).limit(limit).subquery())).scalar_one()
        summaries = _summaries(uow, rows, actor)
        if merged_from is not None:
            summaries = [s.model_copy(update={"merged_from": merged_from}) for s in summaries]
        cap_total = cap or TOTAL_CAP
        return CustomerPage(
            customers=summaries,
            total=min(counted, cap_total),
            total_is_capped=counted > cap_total or (cap is not None and counted >= cap),
            page=page,
            page_size=page_size,
        )


SUMMARY_COLUMNS = (
    Customer.id,
    Customer.customer_id,
    Customer.status,
    Customer.type,
    Customer.display_name,
    Customer.first_name,
    Customer.last_name,
    Customer.gender,
    Customer.nationality,
    Customer.birthday,
    Customer.email,
    Customer.mobile,
    Customer.credit_level,
)


def _summaries(uow: UnitOfWork, rows: list, actor: Actor) -> list[CustomerSummary]:  # noqa: ANN001
    """Rows of SUMMARY_COLUMNS with each customer's primary certificate (one more query)."""
    ids = [row.id for row in rows]
    certificates: dict[int, tuple[str, str, str]] = {}
    if ids:
        for customer_pk, cert_type, number, country in uow.session.execute(
            select(Certificate.customer_id, Certificate.cert_type, Certificate.cert_number, Certificate.cert_country)
            .where(Certificate.customer_id.in_(ids))
            .order_by(Certificate.is_primary.asc(), Certificate.id.desc())
        ):
            certificates[customer_pk] = (cert_type, number, country)  # the last written wins: primary, lowest id
    full = sees_personal_data_in_lists(actor)
    result = []
    for row in rows:
        cert_type, number, country = certificates.get(row.id, (None, None, None))
        result.append(
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
                cert_type=cert_type,
                cert_number=number if full or number is None else mask(number),
                cert_country=country,
            )
        )
    return result


def _resolve_merged(uow: UnitOfWork, customer_id: str) -> tuple[Customer | None, str | None]:
    """The customer with this ID, following merges to the survivor; and the old ID if it moved."""
    customer = uow.session.execute(select(Customer).where(Customer.customer_id == customer_id)).scalar_one_or_none()
    merged_from = None
    hops = 0
    while customer is not None and customer.status == CustomerStatus.MERGED and customer.merged_into_id and hops < 16:
        merged_from = merged_from or customer.customer_id
        customer = uow.session.get(Customer, customer.merged_into_id)
        hops += 1
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

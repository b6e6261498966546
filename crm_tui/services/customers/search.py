"""Verify Customer (eTOM 1.3.4.2.1): find a customer by any key they hold, and show them.

Filled criteria combine with AND. Every key is an indexed lookup; name search goes through the
engine's text index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL), never a full scan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crm_tui.domain import CertType, CustomerStatus
from crm_tui.errors import InvalidInput
from crm_tui.i18n import N_, _
from crm_tui.services.customers import search_sql
from crm_tui.services.shared.permissions import (
    require_signed_in,
    sees_personal_data_in_lists,
)
from crm_tui.services.shared.validation import (
    mask,
    parse_cert_number,
    parse_country,
    parse_customer_id,
    parse_email,
    parse_iccid,
    parse_imsi,
    parse_name_query,
    parse_service_number,
    parse_social,
    plain_email,
    read_customer_id,
)
from crm_tui.services.shared.views import (
    Actor,
    CustomerPage,
    CustomerSummary,
)
from crm_tui.storage.unit_of_work import UnitOfWork

TOTAL_CAP = 10_000
NAME_CANDIDATES = 1_000  # a name-only search looks at this many index matches at most: refine beyond


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
        return not any(getattr(self, name).strip() for name in _KEYS_THAT_FIND)

    def parsed(self, *, region: str) -> CustomerQuery:
        """The same query in stored form; every bad field reported at once."""
        errors: dict[str, str] = {}
        messages: list[str] = []
        values: dict[str, str] = {}
        for name, parse in _PARSERS:
            raw = getattr(self, name)
            if not raw or raw.isspace():
                continue
            try:
                values[name] = parse(raw, region)
            except InvalidInput as error:
                errors.update(error.fields or {name: error.message})
                messages.append(error.message)
        if errors:
            if "email" in values and "email" not in errors:  # read without its full check: report it too
                try:
                    parse_email(self.email)
                except InvalidInput as error:
                    errors.update(error.fields or {"email": error.message})
                    messages.append(error.message)
            raise InvalidInput(" ".join(messages), fields=errors)
        return CustomerQuery(**values)

    def check_in_full(self) -> None:
        """Raise what the full checks say of the keys `parsed()` read the quick way (a plain email
        address is looked up as typed, lower case; asked of email-validator only when nothing was found;
        a customer ID's check digit is tested only then too)."""
        if self.customer_id and not self.customer_id.isspace():
            parse_customer_id(self.customer_id)
        if self.email and plain_email(self.email) is not None:
            parse_email(self.email)


def _parse_cert_type(raw: str) -> str:
    try:
        return CertType(raw.strip().lower()).value
    except ValueError:
        allowed = ", ".join(c.value for c in CertType)
        raise InvalidInput(
            _("Unknown certificate type; one of {allowed}.").format(allowed=allowed),
            fields={"cert_type": _("Unknown type.")},
        ) from None


_PARSERS = (
    ("customer_id", lambda raw, region: read_customer_id(raw)),
    ("cert_type", lambda raw, region: _parse_cert_type(raw)),
    ("cert_number", lambda raw, region: parse_cert_number(raw)),
    ("cert_country", lambda raw, region: parse_country(raw)),
    ("service_number", lambda raw, region: parse_service_number(raw, region=region)),
    ("name", lambda raw, region: parse_name_query(raw)),
    ("imsi", lambda raw, region: parse_imsi(raw)),
    ("iccid", lambda raw, region: parse_iccid(raw)),
    ("email", lambda raw, region: plain_email(raw) or parse_email(raw)),
    ("social", lambda raw, region: parse_social(raw)),
)
"""Each field of the form and how it is read, in the order its errors are reported."""
_KEYS_THAT_FIND = tuple(name for name, _parse in _PARSERS if name not in ("cert_type", "cert_country"))
"""The fields a search can run on alone (a certificate's type or country narrows a number)."""


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
    require_signed_in(actor, doing=N_("search customers"))
    if query.is_empty():
        raise InvalidInput(_("Fill at least one field to search."), fields={"name": _("Fill at least one field.")})
    parsed = query.parsed(region=region)
    page = max(1, page)
    page_size = max(1, min(page_size, 500))
    filled = {key: value for key in search_sql.KEY_FIELDS if (value := getattr(parsed, key))}
    keys = tuple(filled)
    words = parsed.name.split()
    name_only = bool(words) and not filled.keys() - {"cert_type", "cert_country"}
    cap = NAME_CANDIDATES if name_only else None
    database = uow.database
    shape = search_sql.Shape(
        keys=keys,
        long_words=sum(len(w) >= 3 for w in words),
        short_words=sum(len(w) < 3 for w in words),
        name_cap=cap,
        sqlite=database.is_sqlite,
    )
    params = search_sql.parameters(shape, filled, words)
    window = {"limit": page_size, "offset": (page - 1) * page_size}
    page_select = database.prepared(search_sql.page_statement(shape))
    with database.read_cursor() as cursor:  # one read transaction, at the driver (storage.prepared)
        rows = page_select.all(cursor, {**params, **window})
        merged_from = None
        if not rows and parsed.customer_id:
            survivor, merged_from = follow_merges(
                parsed.customer_id,
                by_customer_id=lambda key: database.prepared(search_sql.MERGED_STATEMENT).first(
                    cursor, {"customer_id": key}
                ),
                by_id=lambda pk: database.prepared(search_sql.MERGED_BY_ID).first(cursor, {"id": pk}),
            )
            if merged_from is not None:
                params["customer_id"] = survivor
                rows = page_select.all(cursor, {**params, **window})
        if not rows:
            query.check_in_full()  # a key nothing matches may be a mistyped one: say so
        if page == 1 and len(rows) < page_size:
            counted = len(rows)  # the whole result is on this page: no count query
        elif rows and cap is not None:
            counted = rows[0].total  # a capped name search counts its candidates in the page's statement
        else:
            count_limit = (cap or TOTAL_CAP) + 1
            counted = database.prepared(search_sql.count_statement(shape)).scalar(
                cursor, {**params, "count_limit": count_limit}
            )
    summaries = _summaries(rows, actor, merged_from=merged_from)
    cap_total = cap or TOTAL_CAP
    return CustomerPage(
        customers=summaries,
        total=min(counted, cap_total),
        total_is_capped=counted > cap_total or (cap is not None and counted >= cap),
        page=page,
        page_size=page_size,
    )


def list_customers(
    *,
    uow: UnitOfWork,
    actor: Actor,
    incomplete: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> CustomerPage:
    """Customers in the order they came, one page; with `incomplete`, only the legacy records kept
    without a usable birthday (issue 14.5), so someone can ask for it. Merged and erased ones never show."""
    require_signed_in(actor, doing=N_("list customers"))
    page = max(1, page)
    page_size = max(1, min(page_size, 500))
    database = uow.database
    shape = search_sql.Shape(keys=(), sqlite=database.is_sqlite, incomplete=incomplete)
    window = {"limit": page_size, "offset": (page - 1) * page_size}
    with database.read_cursor() as cursor:
        rows = database.prepared(search_sql.page_statement(shape)).all(cursor, window)
        if page == 1 and len(rows) < page_size:
            counted = len(rows)
        else:
            counted = database.prepared(search_sql.count_statement(shape)).scalar(
                cursor, {"count_limit": TOTAL_CAP + 1}
            )
    return CustomerPage(
        customers=_summaries(rows, actor),
        total=min(counted, TOTAL_CAP),
        total_is_capped=counted > TOTAL_CAP,
        page=page,
        page_size=page_size,
    )


def _survivor_id(connection, customer_id: str) -> tuple[str | None, str | None]:  # noqa: ANN001 - a Connection
    """A merged customer's survivor (following merges) and the old ID; (None, None) if not merged."""
    return follow_merges(
        customer_id,
        by_customer_id=lambda key: connection.execute(search_sql.MERGED_STATEMENT, {"customer_id": key}).first(),
        by_id=lambda pk: connection.execute(search_sql.MERGED_BY_ID, {"id": pk}).first(),
    )


def follow_merges(
    customer_id: str, *, by_customer_id: Callable[[str], Any], by_id: Callable[[int], Any]
) -> tuple[str | None, str | None]:
    """The survivor's ID at the end of a chain of merges (at most 16 hops) and the ID asked for;
    (None, None) when that customer was never merged. The two callables read one customer's row
    (id, customer_id, status, merged_into_id) by its customer ID and by its row id."""
    row = by_customer_id(customer_id)
    merged_from = None
    hops = 0
    while row is not None and row.status == CustomerStatus.MERGED and row.merged_into_id and hops < 16:
        merged_from = merged_from or row.customer_id
        row = by_id(row.merged_into_id)
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
            incomplete=bool(row.incomplete),
        )
        for row in rows
    ]

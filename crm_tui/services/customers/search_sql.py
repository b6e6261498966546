"""The SQL behind Query Customers: one statement per *shape* of query, built once and reused.

A counter searches by one key at a time, thousands of times a day. Building a SQLAlchemy statement
and generating its cache key costs more than SQLite spends finding the row (issue 2 measured about
2 ms of Python around a 0.1 ms indexed SELECT), so the statements here are plain Core (table
columns, no ORM entities), depend only on which fields are filled (the values travel as bound
parameters), and are built once per shape. Each page is one statement: the customers of the page
with their primary certificate joined in after the page is cut, so a name search sorts its
candidates once and looks up certificates for fifty rows, not for every candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    union,
)

from crm_tui.domain import HIDDEN_STATUSES, LIVE_LINE_STATUSES
from crm_tui.services.shared.validation import split_social
from crm_tui.storage.models.customers import Certificate, Contact, Customer, SocialAccount
from crm_tui.storage.models.lines import Subscriber

KEY_FIELDS = (
    "customer_id",
    "cert_number",
    "cert_type",
    "cert_country",
    "service_number",
    "imsi",
    "iccid",
    "email",
    "social",
)
"""The exact keys, in the order their conditions are written."""

customers = Customer.__table__  # type: ignore[attr-defined]
certificates = Certificate.__table__  # type: ignore[attr-defined]
subscribers = Subscriber.__table__  # type: ignore[attr-defined]
contacts = Contact.__table__  # type: ignore[attr-defined]
social_accounts = SocialAccount.__table__  # type: ignore[attr-defined]
c = customers.c

SUMMARY_COLUMNS = (
    c.id,
    c.customer_id,
    c.status,
    c.type,
    c.display_name,
    c.first_name,
    c.last_name,
    c.gender,
    c.nationality,
    c.birthday,
    c.email,
    c.mobile,
    c.credit_level,
    c.incomplete,
)


@dataclass(frozen=True)
class Shape:
    """What a search's SQL depends on: which keys are filled and how the name splits, never the values."""

    keys: tuple[str, ...]
    """The filled KEY_FIELDS."""
    long_words: int = 0
    """Name words of 3+ letters: matched through the trigram index."""
    short_words: int = 0
    """Shorter name words: a prefix (when alone) or a LIKE over the candidates."""
    name_cap: int | None = None
    """A name-only search looks at this many index matches at most."""
    sqlite: bool = True
    incomplete: bool = False
    """Only customers flagged `incomplete` (imported without a usable birthday)."""


def _inline(values: tuple[str, ...]) -> list[ColumnElement[str]]:
    """Constant values written into the SQL: an IN list of bound values is re-rendered at every execution."""
    return [literal_column("'" + value.replace("'", "''") + "'") for value in values]


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def parameters(shape: Shape, values: dict[str, str], name_words: list[str]) -> dict[str, object]:
    """The bound values for a statement of `shape`: the keys as given, the name as patterns."""
    params: dict[str, object] = {key: values[key] for key in shape.keys}
    if "social" in shape.keys:
        provider, handle = split_social(values["social"])
        params.update(social=handle, social_at="@" + handle, social_provider=provider or "")
    long_words = [w for w in name_words if len(w) >= 3]
    short_words = [w for w in name_words if len(w) < 3]
    if long_words and shape.sqlite:
        params["fts_match"] = " AND ".join('"' + w.replace('"', '""') + '"' for w in long_words)
    elif long_words:
        params.update({f"name_{i}": f"%{_like_escape(w)}%" for i, w in enumerate(long_words)})
    if short_words and not long_words:
        prefix = " ".join(name_words)
        params["name_from"], params["name_to"] = prefix, prefix + "\uffff"
    else:
        params.update({f"short_{i}": f"%{_like_escape(w)}%" for i, w in enumerate(short_words)})
    return params


def _name_conditions(shape: Shape) -> list[ColumnElement[bool]]:
    """Every word must appear in the name; words of 3+ letters go through the text index.

    With a cap, only the first `name_cap` index matches are candidates: a name-only search for a
    common fragment then sorts a bounded set instead of every namesake in the country.
    """
    conditions: list[ColumnElement[bool]] = []
    cap = shape.name_cap
    if shape.long_words and shape.sqlite:
        limit = f" LIMIT {int(cap)}" if cap else ""
        fts = text(f"SELECT rowid FROM customers_fts WHERE customers_fts MATCH :fts_match{limit}")
        conditions.append(c.id.in_(fts.bindparams(bindparam("fts_match"))))
    elif shape.long_words:
        matching = select(c.id).where(
            *(c.name_search.ilike(bindparam(f"name_{i}"), escape="\\") for i in range(shape.long_words))
        )
        conditions.append(c.id.in_(matching.limit(cap) if cap else matching))
    if shape.short_words and not shape.long_words:
        # Too short for trigrams: the name must start with it (a B-tree range, both engines).
        conditions.append(and_(c.name_search >= bindparam("name_from"), c.name_search < bindparam("name_to")))
    else:
        conditions.extend(c.name_search.like(bindparam(f"short_{i}"), escape="\\") for i in range(shape.short_words))
    return conditions


def _conditions(shape: Shape) -> list[ColumnElement[bool]]:
    """The WHERE of a shape: each key an indexed lookup, AND-ed; merged and erased customers never show."""
    keys = set(shape.keys)
    conditions: list[ColumnElement[bool]] = [c.status.not_in(_inline(HIDDEN_STATUSES))]
    if "customer_id" in keys:
        conditions.append(c.customer_id == bindparam("customer_id"))
    if "cert_number" in keys:
        t = certificates.c
        cert = [t.cert_number == bindparam("cert_number")]
        if "cert_type" in keys:
            cert.append(t.cert_type == bindparam("cert_type"))
        if "cert_country" in keys:
            cert.append(t.cert_country == bindparam("cert_country"))
        conditions.append(c.id.in_(select(t.customer_id).where(*cert)))
    s = subscribers.c
    for key in ("service_number", "imsi", "iccid"):
        if key in keys:
            conditions.append(
                c.id.in_(
                    select(s.customer_id).where(s[key] == bindparam(key), s.status.in_(_inline(LIVE_LINE_STATUSES)))
                )
            )
    if "email" in keys:
        # One IN over a UNION of two index lookups: "email = x OR id IN (...)" made PostgreSQL walk
        # every customer through the primary key and test the OR on each (17 ms at 20,000 under load).
        by_email = customers.alias("by_email")
        conditions.append(
            c.id.in_(
                union(
                    select(by_email.c.id).where(by_email.c.email == bindparam("email")),
                    select(contacts.c.customer_id).where(contacts.c.value_normalized == bindparam("email")),
                )
            )
        )
    if "social" in keys:
        conditions.append(
            c.id.in_(
                select(social_accounts.c.customer_id).where(
                    social_accounts.c.subject.in_([bindparam("social"), bindparam("social_at")]),
                    or_(
                        bindparam("social_provider", type_=String) == "",
                        social_accounts.c.provider == bindparam("social_provider", type_=String),
                    ),
                )
            )
        )
    if shape.incomplete:
        conditions.append(c.incomplete.is_(True))
    if shape.long_words or shape.short_words:
        conditions.extend(_name_conditions(shape))
    return conditions


@lru_cache(maxsize=512)
def page_statement(shape: Shape) -> Select:
    """One page of summaries (`:limit` rows from `:offset`), each with its primary certificate; with a
    name cap, each row also carries `total`, how many candidates matched (at most the cap).

    The order is by name when a name was given, by its folded key (`fold_name`: "María" before
    "Martin", as a reader expects, not by bytes), else by row id (the order customers came).
    """
    by_name = bool(shape.long_words or shape.short_words)
    order = (c.name_search, c.display_name, c.id) if by_name else (c.id,)

    # A capped name search counts its candidates in the same statement (a window over the bounded set
    # it sorts anyway), not in a second one that matches the text index again: a third of its time.
    def ranked(*columns: Any) -> Select:
        """`columns` of the page's customers, in the page's order."""
        return (
            select(*columns)
            .where(*_conditions(shape))
            .order_by(*order)
            .limit(bindparam("limit", type_=Integer))
            .offset(bindparam("offset", type_=Integer))
        )

    if shape.name_cap:
        # A deferred join: the capped candidates (up to a thousand customers) are sorted carrying their
        # id alone, and only the page's rows are read whole: sorting them with every summary column
        # decoded took a fifth longer at 1,000,000 customers (SQLite, measured).
        chosen = ranked(c.id.label("chosen_id"), func.count().over().label("total")).subquery("chosen")
        page = (
            select(*SUMMARY_COLUMNS, c.name_search, chosen.c.total)
            .select_from(chosen.join(customers, c.id == chosen.c.chosen_id))
            .subquery("page")
        )
    else:
        page = ranked(*SUMMARY_COLUMNS, c.name_search).subquery("page")
    primary = certificates.alias("primary_cert")
    other = certificates.alias("any_cert")
    page_order = (page.c.name_search, page.c.display_name, page.c.id) if by_name else (page.c.id,)
    if not shape.sqlite:
        # PostgreSQL: a LATERAL lookup per row of the page (at most `:limit`, an index probe each). Joined
        # on "id = (subquery)", the planner could hash the whole certificates table instead, as it did
        # whenever it guessed a page of a dozen rows (7 ms of a 7.4 ms lookup by email at 20,000).
        first = (
            select(other.c.cert_type, other.c.cert_number, other.c.cert_country)
            .where(other.c.customer_id == page.c.id)
            .order_by(other.c.is_primary.desc(), other.c.id)
            .limit(1)
            .lateral("primary_cert")
        )
        return (
            select(page, first.c.cert_type, first.c.cert_number, first.c.cert_country)
            .select_from(page.outerjoin(first, true()))
            .order_by(*page_order)
        )
    primary_id = (
        select(other.c.id)
        .where(other.c.customer_id == page.c.id)
        .order_by(other.c.is_primary.desc(), other.c.id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(page, primary.c.cert_type, primary.c.cert_number, primary.c.cert_country)
        .select_from(page.outerjoin(primary, primary.c.id == primary_id))
        .order_by(*page_order)
    )


@lru_cache(maxsize=512)
def count_statement(shape: Shape) -> Select:
    """How many customers match, counting no further than `:count_limit` (a count is never a scan)."""
    matching = (
        select(literal_column("1"))
        .select_from(customers)
        .where(*_conditions(shape))
        .limit(bindparam("count_limit", type_=Integer))
    )
    return select(func.count().label("total")).select_from(matching.subquery())


MERGED_STATEMENT = select(c.id, c.customer_id, c.status, c.merged_into_id).where(
    c.customer_id == bindparam("customer_id")
)
MERGED_BY_ID = select(c.id, c.customer_id, c.status, c.merged_into_id).where(c.id == bindparam("id"))

"""The scan's reading side: every customer's comparable fields in batches, prepared once, and the
blocking keys that decide which pairs are compared at all."""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable
from datetime import date
from itertools import combinations
from typing import Any

from sqlalchemy import func, select

from crm_tui.domain import HIDDEN_STATUSES
from crm_tui.services.customers.matching import (
    Prepared,
    certificate_neighbours,
    name_plain,
    name_tokens,
    normalize_address,
    normalize_contact,
    phonetic,
)
from crm_tui.storage.models import (
    Address,
    Certificate,
    Contact,
    Customer,
)
from crm_tui.storage.unit_of_work import UnitOfWork

_HAS_DIGIT = re.compile(r"\d").search
SEP = "\x1f"  # joins a customer's several certificates, contacts or addresses in one string
READ_BATCH = 10_000


# --- reading ----------------------------------------------------------------------------------


def _aggregate(column: Any, dialect: str) -> Any:
    return func.string_agg(column, SEP) if dialect == "postgresql" else func.group_concat(column, SEP)


def customer_rows(
    uow: UnitOfWork,
) -> Iterable[tuple[int, str, date | None, str | None, str | None, str | None, str | None, str | None]]:
    """(pk, name, birthday, email, mobile, certificates, contacts, addresses) of every live customer, streamed."""
    connection = uow.session.connection()
    dialect = connection.dialect.name
    certificates = (
        select(_aggregate(Certificate.cert_number, dialect))
        .where(Certificate.customer_id == Customer.id)
        .scalar_subquery()
    )
    contacts = (
        select(_aggregate(Contact.value_normalized, dialect))
        .where(Contact.customer_id == Customer.id)
        .scalar_subquery()
    )
    addresses = select(_aggregate(Address.detail, dialect)).where(Address.customer_id == Customer.id).scalar_subquery()
    query = (
        select(
            Customer.id,
            Customer.name_search,
            Customer.birthday,
            Customer.email,
            Customer.mobile,
            certificates,
            contacts,
            addresses,
        )
        .where(Customer.status.not_in(HIDDEN_STATUSES))
        .order_by(Customer.id)
    )
    # Run at the driver level: SQLAlchemy's per-row processing would cost more than the query.
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    result = connection.execution_options(stream_results=True, yield_per=READ_BATCH).exec_driver_sql(sql)
    for partition in result.partitions():
        for pk, name, birthday, *rest in partition:
            yield (pk, name, date.fromisoformat(birthday) if type(birthday) is str else birthday, *rest)


class Records:
    """Every live customer as a few compact columns, and the blocks their keys fall into."""

    def __init__(self) -> None:
        self.pks = array("q")
        self.names: list[str] = []
        self.birthdays: list[date | None] = []
        self.certificates: list[str] = []
        self.contacts: list[str] = []
        self.addresses: list[str] = []  # normalised, joined
        self.name_keys = array("q")  # hash of all phonetic tokens, to meet records without a birthday
        self.blocks: dict[int, Any] = {}  # hash of a blocking key -> index or list of indexes
        self.undated: dict[int, Any] = {}  # name key -> records without a birthday
        self.numbers: dict[str, Any] = {}  # certificate number -> index or list of indexes

    def __len__(self) -> int:
        return len(self.pks)

    def add(
        self,
        pk: int,
        name: str,
        birthday: date | None,
        email: str | None,
        mobile: str | None,
        certs: str | None,
        contacts: str | None,
        addresses: str | None,
    ) -> None:
        i = len(self.pks)
        self.pks.append(pk)
        self.names.append(name)
        self.birthdays.append(birthday)
        self.certificates.append(certs or "")
        values = {normalize_contact(v) for v in (email, mobile, *(contacts.split(SEP) if contacts else ())) if v}
        values.discard("")
        self.contacts.append(SEP.join(values))
        places = [normalize_address(a) for a in addresses.split(SEP) if _HAS_DIGIT(a)] if addresses else []
        self.addresses.append(SEP.join(places))
        codes = sorted({phonetic(t) for t in name_tokens(name)})
        name_key = hash(("n", *codes))
        self.name_keys.append(name_key)
        blocks = self.blocks
        for value in values:
            _put(blocks, hash(("c", value)), i)
        for place in places:  # the same address and one name token: the person or their family
            for code in codes:
                _put(blocks, hash(("a", place, code)), i)
        if birthday:
            day, year, month = birthday.toordinal(), birthday.year, birthday.month
            for code in codes:
                _put(blocks, hash(("b", day, code)), i)
            for x, y in combinations(codes, 2):
                _put(blocks, hash(("m", year, month, x, y)), i)
        elif codes:
            _put(self.undated, name_key, i)
        if certs:
            for number in certs.split(SEP):
                _put(self.numbers, number, i)

    def prepared(self, i: int) -> Prepared:
        certs, contacts = self.certificates[i], self.contacts[i]
        return Prepared(
            name_plain(self.names[i]),
            self.birthdays[i],
            frozenset(certs.split(SEP)) if certs else frozenset(),
            frozenset(contacts.split(SEP)) if contacts else frozenset(),
            tuple(self.addresses[i].split(SEP)) if self.addresses[i] else (),
        )

    def candidate_pairs(self, max_block: int) -> tuple[set[int], int]:
        """Pairs (as i * n + j, i < j) sharing a block or a certificate neighbour; oversized blocks skipped."""
        n = len(self)
        pairs: set[int] = set()
        skipped = 0

        def pair_up(members: list[int]) -> None:
            nonlocal skipped
            if len(members) > max_block:
                skipped += 1
            else:
                pairs.update(i * n + j for i, j in combinations(sorted(members), 2))

        for members in self.blocks.values():
            if type(members) is not int:
                pair_up(members)
        self.blocks = {}
        undated = self.undated
        if undated:  # a record without a birthday meets every record with its name
            for i, key in enumerate(self.name_keys):
                other = undated.get(key)
                if other is not None and self.birthdays[i] is not None:
                    undated[key] = [*([other] if type(other) is int else other), i]
            for members in undated.values():
                if type(members) is not int:
                    pair_up(members)
        self.undated = {}
        numbers = self.numbers
        for number, members in numbers.items():
            own = [members] if type(members) is int else members
            if len(own) > 1:
                pairs.update(i * n + j for i, j in combinations(own, 2))
            for neighbour in certificate_neighbours(number):
                other = numbers.get(neighbour)
                if other is None:
                    continue
                for i in own:
                    for j in [other] if type(other) is int else other:
                        if i != j:
                            pairs.add(min(i, j) * n + max(i, j))
        self.numbers = {}
        return pairs, skipped


def _put(blocks: dict[Any, Any], key: Any, i: int) -> None:
    got = blocks.get(key)
    if got is None:
        blocks[key] = i
    elif type(got) is int:
        if got != i:
            blocks[key] = [got, i]
    elif got[-1] != i:
        got.append(i)

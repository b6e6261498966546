"""The duplicate scan (eTOM 1.3.4.2.4 De-duplicate Customer Identity): find pairs of customers that
may be one person, explain each, and queue the new ones for a supervisor.

One streaming read of every live customer (name, birthday, certificates, contacts, addresses as
compact strings), blocking keys kept in memory, then `matching.score_prepared` on the candidate
pairs only. Blocking keys (any one shared puts a pair forward):

- birthday + one phonetic name token (metaphone; any token, so swapped first and last names meet);
- birth year and month + two phonetic name tokens (the phonetic surname and birth year, narrowed
  by the month and a second token so a common surname does not make a block of thousands; a
  mistyped day still meets);
- all phonetic name tokens, for a record without a birthday (it meets everyone of that name);
- a normalised phone or email (the customer's own or one of their contacts');
- a normalised address + one phonetic name token ("C/ Mayor 5, 2º B" and "Calle Mayor, 5, 2 B"
  are one address; the token keeps strangers at one address apart);
- a certificate number, the same or one adjacent transposition or one dropped character away
  (each number's neighbours are looked up among all numbers: no per-neighbour index is built).

A block shared by more than `max_block` customers (a company name used by hundreds) gives no
pairs; such blocks are counted in the report. Pairs already stored are never re-opened: a rescan
adds only new pairs, and a dismissed or merged pair is not even scored again.
"""

from __future__ import annotations

import re
import time
from array import array
from collections.abc import Callable, Iterable
from datetime import date, datetime
from itertools import combinations
from typing import Any

from sqlalchemy import func, select

from crm_tui.domain import HIDDEN_STATUSES, QueueName
from crm_tui.errors import Conflict, NotFound
from crm_tui.services.context import Services
from crm_tui.services.customers.matching import (
    MatchResult,
    Prepared,
    certificate_neighbours,
    match_rules,
    name_plain,
    name_tokens,
    normalize_address,
    normalize_contact,
    phonetic,
    score_prepared,
)
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.validation import clean_text
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models import (
    Address,
    Certificate,
    Contact,
    Customer,
    DuplicateCandidate,
    QueueItem,
)
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

_HAS_DIGIT = re.compile(r"\d").search
SEP = "\x1f"  # joins a customer's several certificates, contacts or addresses in one string
READ_BATCH = 10_000
PROGRESS_EVERY = 50_000
DECIDED = ("dismissed", "merged")

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): stages "read" (customers), "block" (candidate pairs), "score" (pairs), "store" (new pairs)."""


class PairView(View):
    """One possible duplicate: the two customer IDs (older first), the score and why."""

    candidate_id: int
    customer_id_a: str
    customer_id_b: str
    score: float
    reasons: dict[str, list[str]]
    reason: str
    status: str


class ScanReport(View):
    """What one scan found and what it cost."""

    pairs: list[PairView]
    new: int
    compared: int
    candidates: int
    customers: int
    skipped_blocks: int
    seconds: float


# --- reading ----------------------------------------------------------------------------------


def _aggregate(column: Any, dialect: str) -> Any:
    return func.string_agg(column, SEP) if dialect == "postgresql" else func.group_concat(column, SEP)


def _customer_rows(
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


class _Records:
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


# --- the scan ---------------------------------------------------------------------------------


def scan_duplicates(
    *, services: Services, actor: Actor, progress: Progress | None = None, now: datetime | None = None
) -> ScanReport:
    """Find possible duplicates among all live customers; store and queue the new ones.

    Supervisors and admins only. Safe to rerun: known pairs keep their status and are not
    added again.
    """
    require_role(actor, *SUPERVISORS, doing="scan for duplicates")
    started = time.perf_counter()
    rules = match_rules()
    tick = progress or (lambda _stage, _done, _total: None)
    records = _Records()
    with services.reader() as uow:
        total = uow.session.execute(
            select(func.count()).select_from(Customer).where(Customer.status.not_in(HIDDEN_STATUSES))
        ).scalar_one()
        for row in _customer_rows(uow):
            records.add(*row)
            if len(records) % PROGRESS_EVERY == 0:
                tick("read", len(records), total)
        tick("read", len(records), total)
        known = {
            (a, b): (cid, status)
            for cid, a, b, status in uow.session.execute(
                select(
                    DuplicateCandidate.id,
                    DuplicateCandidate.customer_a_id,
                    DuplicateCandidate.customer_b_id,
                    DuplicateCandidate.status,
                )
            )
        }
    pairs, skipped = records.candidate_pairs(rules.max_block)
    tick("block", len(pairs), len(pairs))
    n, pks = len(records), records.pks
    found: list[tuple[int, int, MatchResult]] = []
    compared = 0
    prepared: dict[int, Prepared] = {}
    for done, code in enumerate(sorted(pairs), 1):
        i, j = divmod(code, n)
        a, b = (pks[i], pks[j]) if pks[i] < pks[j] else (pks[j], pks[i])
        if known and known.get((a, b), (0, "open"))[1] in DECIDED:
            continue
        compared += 1
        first = prepared.get(i) or prepared.setdefault(i, records.prepared(i))
        second = prepared.get(j) or prepared.setdefault(j, records.prepared(j))
        result = score_prepared(first, second, rules)
        if result.score >= rules.threshold:
            found.append((a, b, result))
        if done % PROGRESS_EVERY == 0:
            tick("score", done, len(pairs))
    tick("score", len(pairs), len(pairs))
    del records
    views, new = _store(services, actor, found, known, now or utcnow(), tick)
    return ScanReport(
        pairs=views,
        new=new,
        compared=compared,
        candidates=len(pairs),
        customers=n,
        skipped_blocks=skipped,
        seconds=round(time.perf_counter() - started, 2),
    )


def _store(
    services: Services,
    actor: Actor,
    found: list[tuple[int, int, MatchResult]],
    known: dict[tuple[int, int], tuple[int, str]],
    now: datetime,
    tick: Progress,
) -> tuple[list[PairView], int]:
    """Insert the new pairs and their queue items in one transaction; views of every pair found."""
    with services.writer() as uow:
        session = uow.session
        stored = (
            {
                (a, b): (cid, status)
                for cid, a, b, status in session.execute(
                    select(
                        DuplicateCandidate.id,
                        DuplicateCandidate.customer_a_id,
                        DuplicateCandidate.customer_b_id,
                        DuplicateCandidate.status,
                    )
                )
            }
            if found
            else known
        )  # read again under the write lock: another scan may have finished meanwhile
        new_rows: list[tuple[DuplicateCandidate, MatchResult]] = []
        for a, b, result in found:
            if (a, b) in stored:
                continue
            row = DuplicateCandidate(
                customer_a_id=a,
                customer_b_id=b,
                score=result.score,
                reasons=result.reasons(),
                status="open",
                found_at=now,
            )
            session.add(row)
            new_rows.append((row, result))
        session.flush()
        for row, result in new_rows:
            session.add(
                QueueItem(
                    queue=QueueName.DUPLICATES.value,
                    ref_type="duplicate",
                    ref_id=str(row.id),
                    reason=_reason(result),
                    payload={"score": result.score, **result.reasons()},
                    created_at=now,
                )
            )
            stored[(row.customer_a_id, row.customer_b_id)] = (row.id, "open")
        tick("store", len(new_rows), len(new_rows))
        wanted = {pk for a, b, _ in found for pk in (a, b)}
        ids: dict[int, str] = {}
        wanted_list = sorted(wanted)
        for start in range(0, len(wanted_list), 500):
            chunk = wanted_list[start : start + 500]
            ids.update(session.execute(select(Customer.id, Customer.customer_id).where(Customer.id.in_(chunk))).all())
        audit.record(
            uow,
            actor,
            "duplicate.scan",
            "duplicate_scan",
            now.isoformat(timespec="seconds"),
            {"found": len(found), "new": len(new_rows)},
        )
        uow.commit()
    views = [
        PairView(
            candidate_id=stored[(a, b)][0],
            customer_id_a=ids[a],
            customer_id_b=ids[b],
            score=result.score,
            reasons=result.reasons(),
            reason=_reason(result),
            status=stored[(a, b)][1],
        )
        for a, b, result in sorted(found, key=lambda f: (-f[2].score, f[0], f[1]))
    ]
    return views, len(new_rows)


def _reason(result: MatchResult) -> str:
    return f"{result.describe()} (score {result.score:.2f})"[:300]


# --- deciding ----------------------------------------------------------------------------------


def dismiss_pair(candidate_id: int | str, *, uow: UnitOfWork, actor: Actor, note: str = "") -> PairView:
    """A supervisor says the pair are two people: the pair and its queue item close for good.

    Conflict if the pair was already dismissed or merged; NotFound for an unknown ID.
    """
    require_role(actor, *SUPERVISORS, doing="dismiss possible duplicates")
    note = clean_text(note, field="note", max_length=500)
    try:
        key = int(candidate_id)
    except (TypeError, ValueError):
        raise NotFound(f"No possible duplicate {candidate_id}.") from None
    with uow:
        session = uow.session
        candidate = session.get(DuplicateCandidate, key)
        if candidate is None:
            raise NotFound(f"No possible duplicate {key}.")
        if candidate.status != "open":
            raise Conflict(f"Possible duplicate {key} was already {candidate.status}.")
        candidate.status = "dismissed"
        session.add(candidate)
        now = utcnow()
        items = session.execute(
            select(QueueItem).where(
                QueueItem.queue == QueueName.DUPLICATES.value,
                QueueItem.ref_type == "duplicate",
                QueueItem.ref_id == str(key),
            )
        ).scalars()
        for item in items:
            if item.status in ("open", "claimed"):
                item.status, item.decided_by, item.decided_at, item.note = "dismissed", actor.id, now, note or None
                item.version += 1
                session.add(item)
        ids = dict(
            session.execute(
                select(Customer.id, Customer.customer_id).where(
                    Customer.id.in_([candidate.customer_a_id, candidate.customer_b_id])
                )
            ).all()
        )
        audit.record(uow, actor, "duplicate.dismiss", "duplicate_candidate", str(key), {"noted": bool(note)})
        uow.commit()
        reasons = candidate.reasons or {}
        return PairView(
            candidate_id=key,
            customer_id_a=ids[candidate.customer_a_id],
            customer_id_b=ids[candidate.customer_b_id],
            score=candidate.score,
            reasons={"agree": list(reasons.get("agree", [])), "differ": list(reasons.get("differ", []))},
            reason="",
            status=candidate.status,
        )

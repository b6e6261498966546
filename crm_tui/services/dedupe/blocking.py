"""The scan's reading side: every live customer's comparable fields in batches, made into a
`linkage.Person` once, and the blocking rules that decide which pairs are scored at all.

Blocking rules (any one shared key puts a pair forward), chosen for recall: each covers what
the others miss when a field is mistyped or missing on one side. Every key combines fields so
that a block stays small as the base grows (a rule such as "birthday + a name's initial" gave 11.6
million candidate pairs at 1,000,000 customers; these give 2.2 million, 196 s for the whole scan):

- birthday + one phonetic (metaphone) name token; birthday + one token's first three letters;
  birthday + the initials of the first given name and first surname (swapped names meet on all);
- birth year and month + two phonetic tokens (a mistyped day);
- the first three letters of the first given name and of the first surname + birth year;
- all phonetic tokens + the postcode's first two characters (a changed or missing birthday);
- a phone or email;
- street and house number + one phonetic token (a mistyped postcode); postcode + street;
  postcode + two phonetic tokens; postcode + one part's phonetic code and the other part's
  initial; birthday + postcode (typos in both names); birthday + house number (both names
  replaced, the postcode mistyped); house number + the first given name's phonetic code +
  the postcode, or + the town and the surname's initial (surname and birthday replaced or
  mistyped, the street or postcode mistyped);
- where FEBRL's heavier corruptions meet (a street mistyped, split or merged, the postcode and a
  name mistyped together, a first name or birthday replaced): the street's word (`street_word`,
  its first four letters) with the house number and the postcode, or with the house number, one
  part's phonetic code and the region; the postcode with the street's word and one part's
  phonetic code; the house number with the surname's code and the postcode; the house number with
  both parts' codes; the birthday with the street's word and the region, or with the town and
  the surname's initial. Each was kept for the true pairs it alone finds on FEBRL 1, 2 and 4
  and the few candidate pairs it adds at 1,000,000 seeded customers (bench/README.md, 2026-12-05);
  wider ones that found more (the street's word with the postcode's area, the town with the house
  number) gave millions;
- a certificate number, the same or one transposition or dropped character away;
- for a person without a birthday (a legacy record imported incomplete), looser keys that need
  none: postcode or town + one phonetic name token or a token's first three letters; town +
  street. Only such records are put into these blocks; every other customer is looked up against
  them, not added (`Records.candidate_pairs`), so their cost follows the undated records, not the
  base: with none (a seeded base) nothing is built, and the pairs they add all have an undated side.

The keys made of several parts of an address take them from one address (`places_of`): with a
home and a billing address, the street of one and the number of the other key nobody.

A block shared by more than `max_block` customers (a company name used by hundreds) gives no
pairs; such blocks are counted. `RULES` names them for the benchmark's pair completeness.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from datetime import date
from itertools import combinations
from typing import Any

from sqlalchemy import String, cast, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by

from crm_tui.domain import HIDDEN_STATUSES
from crm_tui.services.customers.linkage import Person, make_person, places_of
from crm_tui.services.customers.matching import certificate_neighbours, phonetic, street_word
from crm_tui.services.dedupe import parallel
from crm_tui.storage.models.customers import Address, Certificate, Contact, Customer
from crm_tui.storage.unit_of_work import UnitOfWork

ITEM = "\x1e"  # between a customer's several certificates, contacts or addresses
PART = "\x1f"  # between the parts of one (type, number, expiry; detail, postcode, town, region)
READ_BATCH = 10_000
PRIMARY = "primary"
"""Only the customer's own contacts compare: a family member's phone says nothing of identity."""
MAX_BLOCK = 60
LOOSE_MAX_BLOCK = 20
"""A loose key (no birthday in it) shared by more than this many people says too little to score them all."""

RULES = (
    "birthday+token",
    "birthday+token prefix",
    "year-month+2 tokens",
    "full phonetic name+area",
    "name prefixes+year",
    "birthday+initials",
    "contact",
    "street+number+token",
    "postcode+street",
    "postcode+2 tokens",
    "postcode+token+initial",
    "birthday+postcode",
    "birthday+number",
    "number+first name+place",
    "street word+number+postcode",
    "street word+number+name+region",
    "postcode+street word+name",
    "number+surname+postcode",
    "number+names",
    "birthday+street word+region",
    "birthday+town+surname initial",
    "certificate",
    "undated",
)

Row = tuple[int, str, str | None, str | None, str | None, str | None, Any, str | None, str | None, Any, Any, Any]


# --- reading ----------------------------------------------------------------------------------


def _aggregate(column: Any, dialect: str, order: Any) -> Any:
    if dialect == "postgresql":  # string_agg(x, sep ORDER BY id): a customer's items in the order they were added
        return func.string_agg(column, aggregate_order_by(literal(ITEM), order))
    return func.group_concat(column, ITEM)


def _joined(*columns: Any) -> Any:
    out = func.coalesce(columns[0], "")
    for column in columns[1:]:
        out = out + literal(PART) + func.coalesce(column, "")
    return out


def customer_rows(uow: UnitOfWork) -> Iterable[Row]:
    """(pk, type, first, last, organization, name_search, birthday, email, mobile, certificates,
    contacts, addresses) of every live customer, streamed; the last three joined with ITEM/PART.

    On SQLite each customer's certificates, contacts and addresses are gathered by correlated
    subqueries (an index lookup each, the cheapest there); on PostgreSQL, which runs a correlated
    subquery once per row (about 100 microseconds a customer), each table is grouped by customer
    once and joined, streamed through a server-side cursor."""
    connection = uow.session.connection()
    dialect = connection.dialect.name
    parts = {
        "certificates": (
            Certificate,
            _joined(Certificate.cert_type, Certificate.cert_number, cast(Certificate.expires_on, String)),
            (),
        ),
        "contacts": (Contact, Contact.value_normalized, (Contact.contact_type == PRIMARY,)),
        "addresses": (Address, _joined(Address.detail, Address.postal_code, Address.city, Address.region), ()),
    }
    columns = [
        Customer.id,
        Customer.type,
        Customer.first_name,
        Customer.last_name,
        Customer.organization_name,
        Customer.name_search,
        Customer.birthday,
        Customer.email,
        Customer.mobile,
    ]
    source: Any = Customer.__table__  # type: ignore[attr-defined]
    for name, (table, value, where) in parts.items():
        gathered = _aggregate(value, dialect, table.id)
        if dialect == "postgresql":
            grouped = (
                select(table.customer_id.label("customer_id"), gathered.label(name))
                .where(*where)
                .group_by(table.customer_id)
                .subquery(name)
            )
            source = source.outerjoin(grouped, grouped.c.customer_id == Customer.id)
            columns.append(grouped.c[name])
        else:
            columns.append(select(gathered).where(table.customer_id == Customer.id, *where).scalar_subquery())
    query = select(*columns).select_from(source).where(Customer.status.not_in(HIDDEN_STATUSES)).order_by(Customer.id)
    # Run at the driver level: SQLAlchemy's per-row processing would cost more than the query.
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    result = connection.execution_options(stream_results=True, yield_per=READ_BATCH).exec_driver_sql(sql)
    for partition in result.partitions():
        yield from partition


def person_of(row: Row, today: date) -> Person:
    """The model's view of one row of `customer_rows`."""
    _pk, kind, first, last, organization, name_search, birthday, email, mobile, certs, contacts, addresses = row
    if type(birthday) is str:
        birthday = date.fromisoformat(birthday)
    documents = []
    for item in certs.split(ITEM) if certs else ():
        cert_type, number, expires = (item.split(PART) + ["", ""])[:3]
        documents.append((cert_type, number, date.fromisoformat(expires[:10]) if expires else None))
    places = []
    for item in addresses.split(ITEM) if addresses else ():
        detail, postcode, town, region = (item.split(PART) + ["", "", ""])[:4]
        places.append((detail, postcode, town, region))
    if kind != "organization" and not (first or last):
        last = name_search  # a legacy row with the name in one field
    return make_person(
        kind=kind,
        first_name=first,
        last_name=last,
        organization_name=organization or name_search,
        birthday=birthday,
        documents=documents,
        contacts=(email or "", mobile or "", *(contacts.split(ITEM) if contacts else ())),
        addresses=places,
        today=today,
    )


def blocking_keys(person: Person) -> list[tuple[str, Any]]:
    """(rule, key) for every blocking key of the person but the certificate's (see Records)."""
    tokens = person.first + person.last
    codes = sorted({phonetic(t) for t in tokens})
    keys: list[tuple[str, Any]] = []
    birthday = person.birthday
    if birthday:
        keys += [("birthday+token", (birthday, code)) for code in codes]
        keys += [("birthday+token prefix", (birthday, prefix)) for prefix in sorted({t[:3] for t in tokens})]
        keys += [("year-month+2 tokens", (birthday[:6], x, y)) for x, y in combinations(codes, 2)]
        if person.first and person.last:
            prefixes = tuple(sorted((person.first[0][:3], person.last[0][:3])))
            keys += [("name prefixes+year", (birthday[:4], prefixes))]
            keys += [("birthday+initials", (birthday, *sorted((person.first[0][0], person.last[0][0]))))]
        keys += [("birthday+postcode", (birthday, postcode)) for postcode in person.postcodes]
        keys += [("birthday+number", (birthday, number)) for number in sorted(person.numbers)]
    if codes:
        area = min(person.postcodes)[:2] if person.postcodes else ""
        keys += [("full phonetic name+area", (tuple(codes), area))]
    keys += [("contact", value) for value in sorted(person.phones | person.emails)]
    for postcode in sorted(person.postcodes):
        keys += [("postcode+2 tokens", (postcode, x, y)) for x, y in combinations(codes, 2)]
        if person.first and person.last:  # one part's phonetic code and the other part's initial
            first, last = person.first[0], person.last[0]
            keys += [("postcode+token+initial", (postcode, *sorted((phonetic(first), last[0]))))]
            keys += [("postcode+token+initial", (postcode, *sorted((phonetic(last), first[0]))))]
    return keys + _address_keys(person, codes)


def _address_keys(person: Person, codes: list[str]) -> list[tuple[str, Any]]:
    """The keys made of several parts of an address, each address's parts taken together
    (`places_of`: a street of one address with the number of another would key nobody)."""
    keys: list[tuple[str, Any]] = []
    given = phonetic(person.first[0]) if person.first else ""
    surname = phonetic(person.last[0]) if person.last else ""
    parts = sorted({given, surname} - {""})
    initial = person.last[0][0] if person.last else ""
    birthday = person.birthday
    for street, number, postcode, town, region in places_of(person):
        word = street_word(street)
        if street and number:
            keys += [("street+number+token", (street, number, code)) for code in codes]
        if street and postcode:
            keys += [("postcode+street", (postcode, street))]
        if number and given:  # the house number and the first given name, where they live
            if postcode:
                keys += [("number+first name+place", (number, given, postcode))]
            if town and initial:
                keys += [("number+first name+place", (number, given, town, initial))]
        if word and number:
            if postcode:
                keys += [("street word+number+postcode", (word, number, postcode))]
            if region:
                keys += [("street word+number+name+region", (word, number, code, region)) for code in parts]
        if word and postcode:
            keys += [("postcode+street word+name", (postcode, word, code)) for code in parts]
        if number and surname and postcode:
            keys += [("number+surname+postcode", (number, surname, postcode))]
        if number and given and surname:
            keys += [("number+names", (number, given, surname))]
        if birthday and word and region:
            keys += [("birthday+street word+region", (birthday, word, region))]
        if birthday and town and initial:
            keys += [("birthday+town+surname initial", (birthday, town, initial))]
    return keys


def undated_keys(person: Person) -> list[tuple[str, Any]]:
    """The loose keys that put a person without a birthday beside others (see Records)."""
    tokens = person.first + person.last
    codes = sorted({phonetic(t) for t in tokens})
    prefixes = sorted({t[:3] for t in tokens})
    keys: list[tuple[str, Any]] = []
    for postcode in person.postcodes:
        keys += [("postcode+token", postcode, code) for code in codes]
        keys += [("postcode+prefix", postcode, prefix) for prefix in prefixes]
    for town in person.towns:
        keys += [("town+token", town, code) for code in codes]
        keys += [("town+prefix", town, prefix) for prefix in prefixes]
        keys += [("town+street", town, street) for street in person.streets]
    return keys


def _is_undated(person: Person) -> bool:
    return not person.birthday and not person.organization


PARTS = 64
"""The blocking keys are sorted by hash into this many parts (per worker) and the blocks of one part
built at a time: one dictionary of tens of millions of keys misses the processor's cache at almost
every insert (17.5 million keys: 15.3 s; the same keys in 64 dictionaries: 8.3 s)."""


class Records:
    """Every live customer as a Person, and their blocking keys, sorted into parts by hash.

    With `workers` above 1 (and a base of `parallel.PARALLEL_FROM` or more where `fork` is
    offered) the keys are not made while reading: `candidate_pairs` makes them, and the blocks, in
    that many processes (see `_forked_pairs`)."""

    def __init__(self, max_block: int = MAX_BLOCK, workers: int = 1) -> None:
        self.max_block = max_block
        self.workers = workers
        self.pks = array("q")
        self.people: list[Person] = []
        self.parts = _empty_parts(PARTS)  # (hashes of (rule, key), indexes) of every key, by hash
        self.numbers: dict[str, Any] = {}  # certificate number -> index or list of indexes
        self.undated: dict[int, Any] = {}  # hash of an undated person's loose key -> index or list of indexes
        self.undated_places: set[str] = set()  # the postcodes and towns of undated persons

    def __len__(self) -> int:
        return len(self.pks)

    def add(self, pk: int, person: Person) -> None:
        i = len(self.pks)
        self.pks.append(pk)
        self.people.append(person)
        if self.workers == 1:
            _key(self.parts, i, person)
        for document in person.documents:
            _put(self.numbers, document.number, i)
        if _is_undated(person):
            self.undated_places |= person.postcodes | person.towns
            for loose in undated_keys(person):
                _put(self.undated, hash(loose), i)

    def candidate_pairs(self, progress: Callable[[int, int], None] | None = None) -> tuple[set[int], int]:
        """Pairs (as i * n + j, i < j) sharing a block or a certificate neighbour; oversized blocks
        skipped. `progress(done, steps)` is told after each part of the blocks (or worker's job)."""
        tell = progress or (lambda _done, _steps: None)
        n = len(self)
        if parallel.forks(self.workers, n):
            pairs, skipped = _forked_pairs(self, tell)
            return pairs, skipped + self._undated_pairs(pairs)
        if self.workers > 1:  # too small to fork for, or no fork: as one process
            for i, person in enumerate(self.people):
                _key(self.parts, i, person)
        pairs: set[int] = set()
        skipped = 0
        parts, self.parts = self.parts, []
        steps = len(parts) + 1
        while parts:
            skipped += _block_pairs([parts.pop()], n, self.max_block, pairs)
            tell(steps - len(parts) - 1, steps)
        _certificate_pairs(self, 0, n, pairs)
        self.numbers = {}
        skipped += self._undated_pairs(pairs)
        tell(steps, steps)
        return pairs, skipped

    def _undated_pairs(self, pairs: set[int]) -> int:
        """Add the pairs with an undated side that share a loose key; the number of blocks too big.

        Everyone else is looked up against the undated persons' keys (nothing is stored for them),
        and only where a postcode or a town could meet."""
        undated = self.undated
        self.undated = {}
        if not undated:
            return 0
        n = len(self)
        places, self.undated_places = self.undated_places, set()
        hits: dict[int, Any] = {}
        for i, person in enumerate(self.people):
            if _is_undated(person):
                continue
            if not (person.postcodes & places or person.towns & places):
                continue  # every loose key names a postcode or a town
            for loose in undated_keys(person):
                key = hash(loose)
                if key in undated:
                    _put(hits, key, i)
        skipped = 0
        for key, members in undated.items():
            own = _members(members)
            others = _members(hits.get(key, ()))
            if len(own) + len(others) > min(self.max_block, LOOSE_MAX_BLOCK):
                skipped += 1
                continue
            pairs.update(i * n + j for i, j in combinations(own, 2))
            for i in own:
                for j in others:
                    pairs.add(min(i, j) * n + max(i, j))
        return skipped


def _empty_parts(count: int) -> list[tuple[array[int], array[int]]]:
    return [(array("q"), array("q")) for _ in range(count)]


def _key(parts: list[tuple[array[int], array[int]]], i: int, person: Person) -> None:
    """Put person i's blocking keys into the part of each key's hash."""
    count = len(parts)
    for rule_and_key in blocking_keys(person):
        key = hash(rule_and_key)
        hashes, members = parts[key % count]
        hashes.append(key)
        members.append(i)


def _block_pairs(sources: list[tuple[array[int], array[int]]], n: int, max_block: int, pairs: set[int]) -> int:
    """Add to `pairs` the pairs of every block the (hash, index) sources make; the blocks too big.

    The sources of one part come in the order of the people, so a block lists its members in
    ascending order and a person's key met twice is kept once."""
    blocks: dict[int, Any] = {}
    for hashes, members in sources:
        for key, i in zip(hashes, members, strict=True):  # _put, inlined: 35 million calls at 1,000,000
            got = blocks.get(key)
            if got is None:
                blocks[key] = i
            elif type(got) is int:
                if got != i:
                    blocks[key] = [got, i]
            elif got[-1] != i:
                got.append(i)
    skipped = 0
    for members_of in blocks.values():
        if type(members_of) is int:
            continue
        if len(members_of) > max_block:
            skipped += 1
        else:
            pairs.update(i * n + j for i, j in combinations(members_of, 2))
    return skipped


def _forked_pairs(records: Records, tell: Callable[[int, int], None]) -> tuple[set[int], int]:
    """The blocks and certificate pairs of `Records.candidate_pairs`, built by forked workers.

    Two rounds: each worker makes the blocking keys of one contiguous share of the people, sorted
    by hash into PARTS parts per worker, and the certificate pairs of its share; then each worker
    gathers its PARTS parts from every share, so that every block is whole in one worker, and makes
    their pairs. Shares come in order, so a block lists its members in ascending order, as when
    built in one process."""
    workers, n = records.workers, len(records)
    records.parts = []
    shares = parallel.spans(n, workers)
    steps = 2 * workers
    keyed = parallel.forked_map(_keys_of_share, shares, workers=workers, data=records, done=lambda k: tell(k, steps))
    certificate_pairs = [pairs for _, pairs in keyed]
    key_parts = [share_parts for share_parts, _ in keyed]  # read by the second round's workers as forked
    del keyed
    made = parallel.forked_map(
        _pairs_of_parts,
        [(w, n, records.max_block) for w in range(workers)],
        workers=workers,
        data=key_parts,
        done=lambda k: tell(workers + k, steps),
    )
    del key_parts
    pairs: set[int] = set()
    skipped = 0
    for part_pairs, part_skipped in made:
        pairs.update(_unpacked(part_pairs))
        skipped += part_skipped
    for share_pairs in certificate_pairs:
        pairs.update(_unpacked(share_pairs))
    records.numbers = {}
    return pairs, skipped


def _keys_of_share(lo: int, hi: int) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """A worker of the first round: the (hash, index) of every blocking key of people[lo:hi] in
    workers * PARTS parts by hash; and the certificate pairs of those people's numbers."""
    records: Records = parallel.shared()
    people = records.people
    parts = _empty_parts(records.workers * PARTS)
    for i in range(lo, hi):
        _key(parts, i, people[i])
    pairs: set[int] = set()
    _certificate_pairs(records, lo, hi, pairs)
    return [(h.tobytes(), m.tobytes()) for h, m in parts], array("q", pairs).tobytes()


def _certificate_pairs(records: Records, lo: int, hi: int, pairs: set[int]) -> None:
    """Add to `pairs` those of people[lo:hi] with the same certificate number as someone (the first
    holder pairs them all) or one a transposition or dropped character away."""
    n, people, numbers = len(records), records.people, records.numbers
    for i in range(lo, hi):
        for document in people[i].documents:
            own = _members(numbers[document.number])
            if own[0] == i and len(own) > 1:
                pairs.update(a * n + b for a, b in combinations(own, 2))
            for neighbour in certificate_neighbours(document.number):
                other = numbers.get(neighbour)
                if other is not None:
                    for j in _members(other):
                        if i != j:
                            pairs.add(min(i, j) * n + max(i, j))


def _pairs_of_parts(worker: int, n: int, max_block: int) -> tuple[bytes, int]:
    """A worker of the second round: the blocks of its PARTS parts, each gathered from every share
    (as the first round left them in the parent), one part at a time, and their pairs."""
    key_parts: list[list[tuple[bytes, bytes]]] = parallel.shared()
    pairs: set[int] = set()
    skipped = 0
    for q in range(worker * PARTS, (worker + 1) * PARTS):
        sources = [(_unpacked(share_parts[q][0]), _unpacked(share_parts[q][1])) for share_parts in key_parts]
        skipped += _block_pairs(sources, n, max_block, pairs)
    return array("q", pairs).tobytes(), skipped


def _unpacked(data: bytes) -> array[int]:
    out = array("q")
    out.frombytes(data)
    return out


def rules_of_pair(a: Person, b: Person) -> set[str]:
    """The blocking rules that put this pair forward (block sizes aside): for the benchmark."""
    theirs = set(blocking_keys(b))
    found = {rule for rule, key in blocking_keys(a) if (rule, key) in theirs}
    if (_is_undated(a) or _is_undated(b)) and set(undated_keys(a)) & set(undated_keys(b)):
        found.add("undated")
    numbers = {d.number for d in b.documents}
    for document in a.documents:
        if document.number in numbers or certificate_neighbours(document.number) & numbers:
            found.add("certificate")
    return found


def _put(blocks: dict[Any, Any], key: Any, i: int) -> None:
    got = blocks.get(key)
    if got is None:
        blocks[key] = i
    elif type(got) is int:
        if got != i:
            blocks[key] = [got, i]
    elif got[-1] != i:
        got.append(i)


def _members(got: Any) -> Any:
    """The indexes `_put` keeps under a key as a sequence (it stores a lone index bare)."""
    return [got] if type(got) is int else got

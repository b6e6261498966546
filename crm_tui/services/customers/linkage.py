"""The probabilistic (Fellegi-Sunter) record-linkage model: used by the duplicate scan and by the
registration near-match check, so both say the same thing about the same two people.

Each comparison puts a pair of people at one agreement level (first name the same, close, only the
initial...; a null when either side lacks the field). A level has two probabilities estimated from
the data (`linkage_training`): m, that two records of one person are at that level, and u, that two
records of different people are. The pair's match weight is the prior log-odds plus the sum of
log2(m/u) over its levels; its probability is 2^w / (1 + 2^w). The parameters are stored with a
version and a date (`linkage_store`); `crm_tui/data/match_model.json` is the shipped one, used
until a supervisor trains one on the base (`crm-tui dedupe train`). The weights and the model are in
`linkage_model`; this module holds what is compared and how.

Comparisons, for every field a person shares:
- first name and last name apart (nicknames, particles, accents folded; a swapped order is compared
  crosswise; a second given name or surname left out is a level of its own);
- birthday: the same, day and month swapped, one part mistyped (one digit, or the year off by
  one), one part different, more than one part different (a parent and child, namesakes);
- the address, in four comparisons (street, postal code, town, region), counted one of two ways,
  chosen when the model is trained (`linkage_training.address_model_of`):
  - "household" (the default, and what a telecom base needs): agreement on several parts adds up
    without counting twice what one part already implies: the street (the same street, number and
    postcode; the same street and number; the same street; another street), the postcode apart
    only where the street does not already say it (another street, or none on either side), the
    town, and the region apart only where the town does not already say it. Two people of one
    household share every part of the address, so counting the parts as independent evidence
    linked parents and twins at their shared address (F1 0.90 on the seeded base);
  - "independent" (splink's way), for a base where different people seldom share an address, as in
    FEBRL, whose generator draws street, suburb, postcode and state apart: every part counts on
    its own (FEBRL F1 0.9949-0.9989 against 0.9895-0.9967 the household way, the same blocking,
    bench/README.md 2026-12-05);
- phone, email: one shared or not;
- documents: the same number, one keystroke apart, another document (a renewed or foreign passport,
  another kind, an expired one: weak evidence), another lifelong national ID or residence permit
  number (strong evidence of two people).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from crm_tui.i18n import N_
from crm_tui.services.customers.matching import (
    name_tokens,
    normalize_address,
    normalize_contact,
)

ADDRESS_MODELS = ("household", "independent")
"""How the address's parts are counted (see the module's docstring); the first is the default."""
LIFELONG = frozenset({"national_id", "residence_permit"})
"""Documents whose number a person keeps for life: another such number means another person."""

COMPARISONS: dict[str, tuple[str, ...]] = {
    "first_name": (
        N_("same"),
        N_("one name left out"),
        N_("close"),
        N_("similar"),
        N_("same initial"),
        N_("different"),
    ),
    "last_name": (N_("same"), N_("one surname left out"), N_("close"), N_("similar"), N_("different")),
    "birthday": (
        N_("same"),
        N_("day and month swapped"),
        N_("one part mistyped"),
        N_("one part different"),
        N_("different"),
    ),
    "document": (N_("same number"), N_("one keystroke apart"), N_("another document"), N_("another lifelong ID")),
    "phone": (N_("shared"), N_("different")),
    "email": (N_("shared"), N_("different")),
    "street": (
        N_("same street, number and postcode"),
        N_("same street and number"),
        N_("same street"),
        N_("another street"),
    ),
    "postal_code": (N_("same"), N_("one character off"), N_("different")),
    "city": (N_("same"), N_("different")),
    "region": (N_("same"), N_("different")),
}
"""Each comparison's levels, the strongest agreement first."""

GROUPS = {
    "first_name": N_("name"),
    "last_name": N_("name"),
    "birthday": N_("birthday"),
    "document": N_("certificate"),
    "phone": N_("contact"),
    "email": N_("contact"),
    "street": N_("address"),
    "postal_code": N_("address"),
    "city": N_("address"),
    "region": N_("address"),
}
"""The field each comparison speaks for in the reasons a queue shows (agree / differ)."""

COMPARISON_WORDS = {
    "first_name": N_("first name"),
    "last_name": N_("last name"),
    "birthday": N_("birthday"),
    "document": N_("document"),
    "phone": N_("phone"),
    "email": N_("email"),
    "street": N_("street"),
    "postal_code": N_("postal code"),
    "city": N_("town"),
    "region": N_("region"),
}
"""Each comparison as a queue's reason names it (translated where the reason is written)."""


@dataclass(frozen=True, slots=True)
class Document:
    kind: str
    number: str
    lifelong: bool
    """A national ID or residence permit that has not expired."""


@dataclass(frozen=True, slots=True)
class Person:
    """One customer as the model compares it: every field normalised once."""

    organization: bool
    first: tuple[str, ...]
    last: tuple[str, ...]
    birthday: str  # YYYYMMDD or ""
    documents: tuple[Document, ...] = ()
    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    streets: tuple[str, ...] = ()
    numbers: frozenset[str] = frozenset()
    postcodes: frozenset[str] = frozenset()
    towns: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    places: tuple[tuple[str, str, str, str, str], ...] = ()
    """With more than one address, each as (street, number, postcode, town, region), so that the
    blocking keys built of several parts take them from one address (see `places_of`)."""


def places_of(person: Person) -> tuple[tuple[str, str, str, str, str], ...]:
    """Each address of the person as (street, number, postcode, town, region), "" for a part it
    lacks; with one address, read off the person's sets."""
    if person.places:
        return person.places
    sets = (person.streets, person.numbers, person.postcodes, person.towns, person.regions)
    if not any(sets):
        return ()
    street, number, postcode, town, region = (next(iter(values), "") for values in sets)
    return ((street, number, postcode, town, region),)


_DIGITS = re.compile("[0-9]+")


def street_and_number(detail: str) -> tuple[str, str]:
    """ "C/ Mayor, 5, 2º B" -> ("calle mayor", "5"): the words before the first number, and the number.

    The street before the first digit is normalised once per distinct text (many customers share
    a street) and the number read off the raw digits; where that shortcut could differ from
    normalising the whole line (a character before or after the digits that folds to a digit), the
    whole line is normalised."""
    digits = _DIGITS.search(detail)
    if digits is not None:
        at, end = digits.span()
        street = _street_before_number(detail[:at])
        if street is not None and (end == len(detail) or detail[end].isascii()):
            return street, digits.group().lstrip("0") or "0"
    return _street_and_number(detail)


def _street_and_number(detail: str) -> tuple[str, str]:
    words = normalize_address(detail).split()
    for k, word in enumerate(words):
        if word.isdigit():
            return " ".join(words[:k]), word.lstrip("0") or "0"
    return " ".join(words), ""


@lru_cache(maxsize=1 << 17)
def _street_before_number(text: str) -> str | None:
    """The normalised words of the text before a line's first digit; None if they hold a digit."""
    street = normalize_address(text)
    return None if any(ch.isdigit() for ch in street) else street


@lru_cache(maxsize=1 << 18)
def _tokens(name: str) -> tuple[str, ...]:
    """`name_tokens`, once per distinct name: names repeat across a base."""
    return name_tokens(name)


@lru_cache(maxsize=1 << 15)
def _place(name: str) -> str:
    """A town or region as compared, once per distinct spelling."""
    return " ".join(name_tokens(name))


def make_person(
    *,
    kind: str = "individual",
    first_name: str | None = None,
    last_name: str | None = None,
    organization_name: str | None = None,
    birthday: date | None = None,
    documents: Iterable[tuple[str, str, date | None]] = (),
    contacts: Iterable[str] = (),
    addresses: Iterable[tuple[str, str | None, str | None, str | None]] = (),
    today: date | None = None,
) -> Person:
    """A Person from stored fields: documents as (type, number, expires_on), contacts as phone or
    email values, addresses as (detail, postcode, town, region)."""
    today = today or date.today()
    organization = kind == "organization"
    if organization:
        first, last = (), _tokens(organization_name or "")
    else:
        first, last = _tokens(first_name or ""), _tokens(last_name or "")
    docs = tuple(
        Document(t, n.upper().replace(" ", ""), t in LIFELONG and not (expires and expires < today))
        for t, n, expires in documents
        if n
    )
    phones, emails = set(), set()
    for value in contacts:
        if value:
            normal = normalize_contact(value)
            (emails if "@" in normal else phones).add(normal)
    phones.discard("")
    streets, numbers, postcodes, towns, regions = [], set(), set(), set(), set()
    places = []
    for detail, postcode, town, region in addresses:
        street, number = street_and_number(detail or "")
        code = postcode.strip().upper().replace(" ", "") if postcode else ""
        place, area = _place(town) if town and town.strip() else "", _place(region) if region and region.strip() else ""
        if street and street not in streets:
            streets.append(street)
        if number:
            numbers.add(number)
        if code:
            postcodes.add(code)
        if place:
            towns.add(place)
        if area:
            regions.add(area)
        places.append((street, number, code, place, area))
    several = tuple(dict.fromkeys(places))
    return Person(
        organization,
        first,
        last,
        _compact(birthday) if birthday else "",
        docs,
        frozenset(phones),
        frozenset(emails),
        tuple(streets),
        frozenset(numbers),
        frozenset(postcodes),
        frozenset(towns),
        frozenset(regions),
        several if len(several) > 1 else (),
    )


def _compact(day: date) -> str:
    """YYYYMMDD (strftime's "%Y%m%d", which writes a year before 1000 without leading zeros)."""
    return day.isoformat().replace("-", "") if day.year >= 1000 else day.strftime("%Y%m%d")


# --- comparisons ---------------------------------------------------------------------------------


def _part_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Each token of the shorter part against its best partner in the other (Jaro-Winkler), averaged;
    between parts of as many tokens, the better of the two ways round (the greedy pairing depends
    on which part leads), so that a pair is alike whichever record is read first."""
    if a == b:
        return 1.0
    if len(a) == len(b):
        return _paired(a, b) if len(a) == 1 else max(_paired(a, b), _paired(b, a))
    return _paired(a, b) if len(a) < len(b) else _paired(b, a)


def _paired(short: tuple[str, ...], long: tuple[str, ...]) -> float:
    left = list(long)
    total = 0.0
    for token in short:
        best, at = max((JaroWinkler.normalized_similarity(token, other), k) for k, other in enumerate(left))
        total += best
        left.pop(at)
    return total / len(short)


def _name_level(a: tuple[str, ...], b: tuple[str, ...], similarity: float, first: bool) -> int:
    if set(a) == set(b):
        return 0
    if set(a) < set(b) or set(b) < set(a):
        return 1
    if similarity >= 0.92:
        return 2
    if similarity >= 0.8:
        return 3
    if first:
        return 4 if a[0][0] == b[0][0] else 5
    return 4


Names = tuple[int | None, int | None, str, str]
"""(first-name level, last-name level, and the value each name that is the same is weighed under
by how common it is: "" where that part is not the same)."""


def name_value(tokens: tuple[str, ...]) -> str:
    """The value a name part's frequency is counted under: its tokens, sorted."""
    return " ".join(sorted(tokens))


def _same(level: int | None, x: tuple[str, ...], y: tuple[str, ...]) -> str:
    return min(name_value(x), name_value(y)) if level == 0 else ""


def _names(a: Person, b: Person) -> Names:
    """The names' levels, compared crosswise when that agrees better (swapped names); a part that
    agrees with the other record's other part only (a name typed in the wrong field, the other part
    lost) is compared with that part. Levels and values are the same whichever record is read first."""
    fa, la, fb, lb = a.first, a.last, b.first, b.last
    if fa and la and fb and lb and sorted(fa + la) == sorted(fb + lb):
        if set(fa) != set(fb) and set(fa) == set(lb) and set(la) == set(fb):  # swapped whole
            one, other = name_value(fa), name_value(la)
            return 0, 0, min(one, other), max(one, other)
        return 0, 0, min(name_value(fa), name_value(fb)), min(name_value(la), name_value(lb))
    straight_f = _part_similarity(fa, fb) if fa and fb else None
    straight_l = _part_similarity(la, lb) if la and lb else None
    if fa and la and fb and lb:
        cross_f, cross_l = _part_similarity(fa, lb), _part_similarity(la, fb)
        if (min(cross_f, cross_l) >= 0.8 and cross_f + cross_l > straight_f + straight_l + 0.01) or (  # type: ignore[operator]
            straight_f < 0.8 and straight_l < 0.8 and max(cross_f, cross_l) >= 0.92  # type: ignore[operator]
        ):
            return _crosswise(fa, la, fb, lb, cross_f, cross_l)
    first = None if straight_f is None else _name_level(fa, fb, straight_f, True)
    last = None if straight_l is None else _name_level(la, lb, straight_l, False)
    return first, last, _same(first, fa, fb), _same(last, la, lb)


def _crosswise(
    fa: tuple[str, ...], la: tuple[str, ...], fb: tuple[str, ...], lb: tuple[str, ...], cross_f: float, cross_l: float
) -> Names:
    """The names of two records that agree crosswise: one record's first name against the other's
    last name, and the reverse. Which of the two pairs stands for the first name is a matter of
    which record is read first; so that a pair scores the same both ways (the scan reads it in one
    order, the registration check and the merge screen in another), the pair that agrees better
    counts as the first name, and of two that agree as well the one whose value sorts first."""
    one = _name_level(fa, lb, cross_f, True), _name_level(la, fb, cross_l, False)
    other = _name_level(la, fb, cross_l, True), _name_level(fa, lb, cross_f, False)
    if one < other or (one == other and _same(0, fa, lb) <= _same(0, la, fb)):
        return one[0], one[1], _same(one[0], fa, lb), _same(one[1], la, fb)
    return other[0], other[1], _same(other[0], la, fb), _same(other[1], fa, lb)


def _birthday(a: str, b: str) -> int | None:
    if not a or not b:
        return None
    if a == b:
        return 0
    if a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]:
        return 1
    differing = (a[:4] != b[:4]) + (a[4:6] != b[4:6]) + (a[6:8] != b[6:8])
    if differing == 1:
        return 2 if DamerauLevenshtein.distance(a, b) == 1 or abs(int(a[:4]) - int(b[:4])) == 1 else 3
    return 4


def _document(a: tuple[Document, ...], b: tuple[Document, ...]) -> int | None:
    if not a or not b:
        return None
    best = 3
    for x in a:
        for y in b:
            if x.number == y.number:
                return 0
            if len(x.number) > 4 and DamerauLevenshtein.distance(x.number, y.number) == 1:
                best = 1
            elif best > 1 and not (x.lifelong and y.lifelong and x.kind == y.kind):
                best = 2
    return best


def _shared(a: frozenset[str], b: frozenset[str]) -> int | None:
    if not a or not b:
        return None
    return 1 if a.isdisjoint(b) else 0


def _close(a: Iterable[str], b: Iterable[str], at: float) -> bool:
    return any(x == y or JaroWinkler.normalized_similarity(x, y) >= at for x in a for y in b)


def _street(a: Person, b: Person) -> int | None:
    """The same street (Jaro-Winkler 0.88 or more), house number and postcode (one character off
    counts, and so does a postcode missing on either side), the same street and number, the same
    street, or another street."""
    if not a.streets or not b.streets:
        return None
    if not _close(a.streets, b.streets, 0.88):
        return 3
    if a.numbers.isdisjoint(b.numbers):
        return 2
    if _postal_code(a.postcodes, b.postcodes) != 2:  # the same, one character off, or missing on a side
        return 0
    return 1


def _postal_code(a: frozenset[str], b: frozenset[str]) -> int | None:
    if not a or not b:
        return None
    if not a.isdisjoint(b):
        return 0
    return 1 if any(DamerauLevenshtein.distance(x, y) <= 1 for x in a for y in b) else 2


def _city(a: frozenset[str], b: frozenset[str]) -> int | None:
    """The same town (Jaro-Winkler 0.9 or more) or not."""
    if not a or not b:
        return None
    return 0 if _close(a, b, 0.9) else 1


def compare(a: Person, b: Person, independent: bool = False) -> tuple[int | None, ...]:
    """The pair's level on each comparison, in COMPARISONS order (None where either side lacks the
    field); `independent`: the address's parts each compared ("independent" in ADDRESS_MODELS)."""
    return compare_names(a, b, independent)[0]


def compare_names(a: Person, b: Person, independent: bool = False) -> tuple[tuple[int | None, ...], str, str]:
    """`compare`'s levels, and the values a same first name and a same last name are weighed under
    ("" where not the same)."""
    first, last, first_value, last_value = _names(a, b)
    street, city = _street(a, b), _city(a.towns, b.towns)
    if independent:
        postcode, region = _postal_code(a.postcodes, b.postcodes), _shared(a.regions, b.regions)
    else:
        postcode = _postal_code(a.postcodes, b.postcodes) if street is None or street == 3 else None
        region = _shared(a.regions, b.regions) if city != 0 else None
    return (
        (
            first,
            last,
            _birthday(a.birthday, b.birthday),
            _document(a.documents, b.documents),
            _shared(a.phones, b.phones),
            _shared(a.emails, b.emails),
            street,
            postcode,
            city,
            region,
        ),
        first_value,
        last_value,
    )


NAMES = tuple(COMPARISONS)

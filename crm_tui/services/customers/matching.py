"""How alike two customer records are: one scoring used by the registration near-match check and
by the duplicate scan. Weights and thresholds live in `crm_tui/data/matching.json`, nicknames in
`crm_tui/data/nicknames.json`.

Each field gives a similarity in [0, 1]; the score is their weighted mean over the fields that
are comparable. A field that differs in a way that says nothing (two different phones, two
documents of different kinds, two addresses: people have several and move) is reported under
"differ" but not weighed; a field that differs in a way that does speak (another birthday, another
number of the same kind of document) is weighed. The score is capped below any threshold unless
the name agrees and one identifying field agrees too (birthday, certificate, contact, or a full
name at the same address), or, with another name, the certificate agrees.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from importlib import resources

import jellyfish
from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein

PARTICLES = frozenset(
    {"de", "del", "la", "las", "los", "y", "i", "e", "da", "das", "do", "dos", "di", "van", "von", "der", "le", "mc"}
)
ADDRESS_WORDS = {
    "c": "calle",
    "cl": "calle",
    "cll": "calle",
    "avda": "avenida",
    "av": "avenida",
    "avd": "avenida",
    "pza": "plaza",
    "pl": "plaza",
    "plz": "plaza",
    "p": "paseo",
    "po": "paseo",
    "ps": "paseo",
    "ctra": "carretera",
    "urb": "urbanizacion",
    "n": "",
    "no": "",
    "num": "",
    "nº": "",
    "numero": "",
    "piso": "",
    "puerta": "",
    "pta": "",
    "esc": "escalera",
    "bj": "bajo",
    "izq": "izquierda",
    "izda": "izquierda",
    "dcha": "derecha",
    "dcho": "derecha",
}
_SPLIT = re.compile(r"[^a-z0-9]+")
_DIGITS_LETTERS = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")


@dataclass(frozen=True)
class MatchRules:
    """The knobs of the scoring, read once from data/matching.json."""

    threshold: float
    weights: dict[str, float]
    name_agrees_at: float
    certificate_agrees_at: float
    birthday_agrees_at: float = 0.8
    address_agrees_at: float = 0.9
    unsupported_cap: float = 0.6
    max_block: int = 60


@cache
def match_rules() -> MatchRules:
    raw = json.loads(resources.files("crm_tui.data").joinpath("matching.json").read_text())
    known = MatchRules.__dataclass_fields__
    return MatchRules(**{k: v for k, v in raw.items() if k in known})


@cache
def nicknames() -> dict[str, str]:
    """Nickname -> the given name it stands for (Paco -> francisco), all normalised."""
    raw = json.loads(resources.files("crm_tui.data").joinpath("nicknames.json").read_text())
    return {_plain(nick): _plain(full) for full, nicks in raw["names"].items() for nick in nicks}


_COMBINING = dict.fromkeys(range(0x300, 0x370))  # the combining accents of Latin, Greek and Cyrillic


def _plain(value: str) -> str:
    """Case- and accent-free (NFKD, combining marks dropped): "Núñez" -> "nunez"."""
    if value.isascii():
        return value.casefold().strip()
    decomposed = unicodedata.normalize("NFKD", value).translate(_COMBINING)
    if not decomposed.isascii():
        decomposed = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return decomposed.casefold().strip()


@dataclass(frozen=True, slots=True)
class Profile:
    """What is compared: normalised name, birthday, certificate numbers, contacts, address (several
    addresses joined with ADDRESS_SEP)."""

    name: str
    birthday: date | None = None
    certificates: frozenset[str] = field(default_factory=frozenset)
    contacts: frozenset[str] = field(default_factory=frozenset)
    address: str = ""


@dataclass(frozen=True)
class MatchResult:
    """The score, the fields that agree and differ, and each field's similarity (for the reason)."""

    score: float
    agree: tuple[str, ...]
    differ: tuple[str, ...]
    parts: tuple[tuple[str, float], ...] = ()
    certificate_edits: int | None = None

    def reasons(self) -> dict[str, list[str]]:
        return {"agree": list(self.agree), "differ": list(self.differ)}

    def describe(self) -> str:
        """Words for a queue: "Same birthday and name 0.93; certificate one digit apart; address differs"."""
        parts = dict(self.parts)
        said: list[str] = []
        same = [f for f in ("birthday", "contact", "address") if f in self.agree and parts.get(f, 0) >= 0.99]
        name = parts.get("name", 0.0)
        if same:
            label = " and ".join(f.replace("contact", "phone or email") for f in same)
            said.append(f"Same {label}" + (f", name {name:.2f}" if name < 0.995 else " and name"))
        else:
            said.append(f"Name {name:.2f}")
        if "birthday" in self.agree and "birthday" not in same:
            said.append("birthday nearly the same")
        if "certificate" in self.agree:
            edits = self.certificate_edits
            said.append("same certificate number" if edits == 0 else f"certificate {_count(edits)} apart")
        if "contact" in self.agree and "contact" not in same:
            said.append("shared phone or email")
        if "address" in self.agree and "address" not in same:
            said.append("same address")
        differ = [f for f in self.differ if f != "name"]
        if differ:
            said.append(" and ".join(differ) + (" differ" if len(differ) > 1 else " differs"))
        return "; ".join(said)


def _count(edits: int | None) -> str:
    return {1: "one digit", 2: "two digits"}.get(edits or 0, f"{edits} characters")


# --- normalising ---------------------------------------------------------------------------------


def name_tokens(name: str) -> tuple[str, ...]:
    """The name's tokens without particles, nicknames replaced by the name they stand for."""
    nick = nicknames()
    return tuple(nick.get(token, token) for token in _SPLIT.split(_plain(name)) if token and token not in PARTICLES)


def name_plain(name: str) -> str:
    """The name as compared: its tokens (particles dropped, nicknames replaced) joined."""
    return " ".join(name_tokens(name))


@lru_cache(maxsize=65_536)
def phonetic(token: str) -> str:
    """The metaphone code of one name token (its first letters when metaphone has nothing)."""
    return jellyfish.metaphone(token) or token[:3]


def phonetic_codes(name: str) -> tuple[str, ...]:
    """Sorted, distinct phonetic codes of a name's tokens: the same for swapped first and last names."""
    return tuple(sorted({phonetic(t) for t in name_tokens(name)}))


def normalize_address(detail: str) -> str:
    """ "C/ Mayor, 5, 2º B" and "CALLE MAYOR N 5 2 B" both become "calle mayor 5 2 b"."""
    text = _plain(detail.replace("º", " ").replace("ª", " ")).replace("c/", "calle ")
    text = _DIGITS_LETTERS.sub(" ", text)
    words = (ADDRESS_WORDS.get(w, w) for w in _SPLIT.split(text) if w and w not in PARTICLES)
    return " ".join(w for w in words if w)


def normalize_contact(value: str) -> str:
    """An email in lower case; a phone as its digits (Spanish nine-digit numbers with 34 in front)."""
    value = value.strip().lower()
    if "@" in value or (value.isdigit() and len(value) != 9):
        return value
    digits = "".join(ch for ch in value if ch.isdigit())
    return "34" + digits if len(digits) == 9 and digits[0] in "6789" else digits


def certificate_neighbours(number: str) -> set[str]:
    """The number with one adjacent transposition or one dropped character (not the number itself)."""
    out = {number[:i] + number[i + 1] + number[i] + number[i + 2 :] for i in range(len(number) - 1)}
    out.update(number[:i] + number[i + 1 :] for i in range(len(number)))
    out.discard(number)
    return out


def _shape(number: str) -> str:
    return "".join("9" if ch.isdigit() else "A" for ch in number)


# --- similarities --------------------------------------------------------------------------------


def name_similarity(a: str, b: str) -> float:
    """Token order, nicknames, particles and one missing surname do not count; typos a little."""
    return _name_similarity(name_plain(a), name_plain(b))


def _name_similarity(plain_a: str, plain_b: str) -> float:
    """Each token of the shorter name against its best partner in the other (Damerau-Levenshtein),
    averaged per token, so a shared long surname cannot hide another first name; 0.9 of that when
    one name has a token more (a second surname left out)."""
    if plain_a == plain_b:
        return 1.0
    short, long = sorted((plain_a.split(), plain_b.split()), key=len)
    if not short:
        return 0.0
    left = list(long)
    total = 0.0
    for token in sorted(short, key=len, reverse=True):
        best, at = max((DamerauLevenshtein.normalized_similarity(token, other), k) for k, other in enumerate(left))
        total += best
        left.pop(at)
    return total / len(short) * (1.0 if len(short) == len(long) else 0.9)


def _birthday_similarity(a: date, b: date) -> float:
    if a == b:
        return 1.0
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return 0.85  # day and month swapped
    pairs = ((a.year, b.year, 4), (a.month, b.month, 2), (a.day, b.day, 2))
    differing = [(x, y, w) for x, y, w in pairs if x != y]
    if len(differing) == 1:
        x, y, width = differing[0]
        if DamerauLevenshtein.distance(f"{x:0{width}d}", f"{y:0{width}d}") == 1:
            return 0.7  # one mistyped digit
    return 0.0


def _certificate_similarity(a: frozenset[str], b: frozenset[str]) -> tuple[float, int, bool]:
    """Best similarity, its edit count, and whether the two numbers are of one shape (comparable)."""
    best = (-1.0, 99, False)
    for x in a:
        for y in b:
            sim = DamerauLevenshtein.normalized_similarity(x, y)
            if sim > best[0]:
                best = (sim, DamerauLevenshtein.distance(x, y), _shape(x) == _shape(y))
    return best


@dataclass(frozen=True, slots=True)
class Prepared:
    """A profile with its name and address already normalised: what the scan scores many times."""

    name: str
    birthday: date | None
    certificates: frozenset[str]
    contacts: frozenset[str]
    addresses: tuple[str, ...]


ADDRESS_SEP = "\x1f"
"""Separates a customer's several addresses in `Profile.address`."""


def prepare(profile: Profile) -> Prepared:
    addresses = tuple(normalize_address(a) for a in profile.address.split(ADDRESS_SEP) if a.strip())
    return Prepared(name_plain(profile.name), profile.birthday, profile.certificates, profile.contacts, addresses)


def score_profiles(a: Profile, b: Profile, rules: MatchRules | None = None) -> MatchResult:
    """`score_prepared` of the two profiles."""
    return score_prepared(prepare(a), prepare(b), rules or match_rules())


def score_prepared(a: Prepared, b: Prepared, rules: MatchRules) -> MatchResult:
    """A score in [0, 1] over the fields both records have, and which fields agree or differ.

    A name alone is never enough: unless an identifying field agrees besides it (or, with another
    name, the certificate), the score is capped well below any threshold.
    """
    name = _name_similarity(a.name, b.name)
    weighed: dict[str, float] = {"name": name}
    agree: list[str] = ["name"] if name >= rules.name_agrees_at else []
    differ: list[str] = [] if agree else ["name"]
    edits = None
    if a.birthday and b.birthday:
        sim = _birthday_similarity(a.birthday, b.birthday)
        weighed["birthday"] = sim
        (agree if sim >= rules.birthday_agrees_at else differ).append("birthday")
    if a.certificates and b.certificates:
        sim, edits, comparable = _certificate_similarity(a.certificates, b.certificates)
        if sim >= rules.certificate_agrees_at:
            weighed["certificate"] = sim
            agree.append("certificate")
        else:
            if comparable:
                weighed["certificate"] = sim
            differ.append("certificate")
    if a.contacts and b.contacts:
        if a.contacts & b.contacts:
            weighed["contact"] = 1.0
            agree.append("contact")
        else:
            differ.append("contact")
    if a.addresses and b.addresses:
        sim = max(fuzz.token_sort_ratio(x, y) for x in a.addresses for y in b.addresses) / 100.0
        if sim >= rules.address_agrees_at:
            weighed["address"] = sim
            agree.append("address")
        else:
            differ.append("address")
    total_weight = sum(rules.weights[k] for k in weighed)
    score = sum(rules.weights[k] * v for k, v in weighed.items()) / total_weight
    if name >= rules.name_agrees_at:
        supported = any(f in agree for f in ("birthday", "certificate", "contact")) or (
            "address" in agree and name >= rules.address_agrees_at
        )
    else:  # another first name (a twin, a relative at the same address) needs the document to speak
        supported = "certificate" in agree
    if not supported:
        score = min(score, rules.unsupported_cap)
    return MatchResult(
        round(score, 3), tuple(agree), tuple(differ), tuple((k, round(v, 3)) for k, v in weighed.items()), edits
    )

"""Normalising what the linkage model (`linkage`) and the blocking compare: names (accents, case,
particles, nicknames from `crm_tui/data/nicknames.json`), phonetic codes, addresses (Spanish
abbreviations), contacts, and a certificate number's one-keystroke neighbours.

`Profile` is what a registration form offers for comparison (`registration_form.profile`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from importlib import resources

import jellyfish

from crm_tui.identifiers import fold_name

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
STREET_TYPES = frozenset(
    {
        *(word for word in ADDRESS_WORDS.values() if word),
        *"acceso alameda avenida bulevar callejon camino canada carrer cuesta glorieta pasadizo pasaje".split(),
        *"poligono rambla ronda travesia via vial".split(),
    }
)
"""Words that say what kind of street it is ("calle", "paseo"), not which: `street_word` skips them."""
_SPLIT = re.compile(r"[^a-z0-9]+")
_DIGITS_LETTERS = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")


@cache
def nicknames() -> dict[str, str]:
    """Nickname -> the given name it stands for (Paco -> francisco), all normalised."""
    raw = json.loads(resources.files("crm_tui.data").joinpath("nicknames.json").read_text())
    return {_plain(nick): _plain(full) for full, nicks in raw["names"].items() for nick in nicks}


def _plain(value: str) -> str:
    """Case- and accent-free, the one fold of `crm_tui.identifiers.fold_name`: "Núñez" -> "nunez"."""
    return fold_name(value)


@dataclass(frozen=True, slots=True)
class Profile:
    """What is compared: normalised name, birthday, certificate numbers, contacts, address (several
    addresses joined with ADDRESS_SEP)."""

    name: str
    birthday: date | None = None
    certificates: frozenset[str] = field(default_factory=frozenset)
    contacts: frozenset[str] = field(default_factory=frozenset)
    address: str = ""


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


@lru_cache(maxsize=1 << 17)
def street_word(street: str) -> str:
    """The first four letters of the first word that names a normalised street ("calle mayor" ->
    "mayo", "walker crescent" -> "walk"): a street's key that survives a typo, a split or merged
    word or a changed type further on ("walkercerscent", "yuranig h court"). "" if none."""
    for word in street.split():
        if len(word) > 1 and word not in STREET_TYPES and not word.isdigit():
            return word[:4]
    return ""


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


ADDRESS_SEP = "\x1f"
"""Separates a customer's several addresses in `Profile.address`."""

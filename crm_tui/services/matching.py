"""How alike two customer records are: one scoring used by the registration near-match check and
by the duplicate scan. Weights and thresholds live in `crm_tui/data/matching.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein


@dataclass(frozen=True)
class MatchRules:
    threshold: float
    weights: dict[str, float]
    name_agrees_at: float
    certificate_agrees_at: float


@cache
def match_rules() -> MatchRules:
    raw = json.loads(resources.files("crm_tui.data").joinpath("matching.json").read_text())
    return MatchRules(
        threshold=raw["threshold"],
        weights=raw["weights"],
        name_agrees_at=raw["name_agrees_at"],
        certificate_agrees_at=raw["certificate_agrees_at"],
    )


@dataclass(frozen=True)
class Profile:
    """What is compared: normalised name, birthday, certificate numbers, contacts, address."""

    name: str
    birthday: date | None = None
    certificates: frozenset[str] = field(default_factory=frozenset)
    contacts: frozenset[str] = field(default_factory=frozenset)
    address: str = ""


@dataclass(frozen=True)
class MatchResult:
    score: float
    agree: tuple[str, ...]
    differ: tuple[str, ...]

    def reasons(self) -> dict[str, list[str]]:
        return {"agree": list(self.agree), "differ": list(self.differ)}


def _birthday_similarity(a: date, b: date) -> float:
    if a == b:
        return 1.0
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return 0.8  # day and month swapped
    same_parts = (a.year == b.year) + (a.month == b.month) + (a.day == b.day)
    return 0.5 if same_parts == 2 else 0.0


def _certificate_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return max((DamerauLevenshtein.normalized_similarity(x, y) for x in a for y in b), default=0.0)


def score_profiles(a: Profile, b: Profile, rules: MatchRules | None = None) -> MatchResult:
    """A score in [0, 1] over the fields both records have, and which fields agree or differ.

    A name alone is never enough: with nothing else to compare, the score is capped well below
    any threshold.
    """
    rules = rules or match_rules()
    parts: dict[str, float] = {"name": fuzz.token_sort_ratio(a.name, b.name) / 100.0}
    if a.birthday and b.birthday:
        parts["birthday"] = _birthday_similarity(a.birthday, b.birthday)
    if a.certificates and b.certificates:
        parts["certificate"] = _certificate_similarity(a.certificates, b.certificates)
    if a.contacts and b.contacts:
        parts["contact"] = 1.0 if a.contacts & b.contacts else 0.0
    if a.address and b.address:
        parts["address"] = fuzz.token_set_ratio(a.address, b.address) / 100.0
    agree_at = {"name": rules.name_agrees_at, "certificate": rules.certificate_agrees_at}
    agree = tuple(k for k, v in parts.items() if v >= agree_at.get(k, 0.99))
    differ = tuple(k for k in parts if k not in agree)
    if len(parts) == 1:
        return MatchResult(round(parts["name"] * 0.6, 3), agree, differ)
    total_weight = sum(rules.weights[k] for k in parts)
    score = sum(rules.weights[k] * v for k, v in parts.items()) / total_weight
    return MatchResult(round(score, 3), agree, differ)

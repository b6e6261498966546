"""The linkage model's parameters and what it says about a pair (see `linkage` for the comparisons):
each level's match weight log2(m/u), the prior, the threshold, the pair's probability and the
waterfall of its parts; stored as JSON (`to_dict`, `from_dict`)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from crm_tui.i18n import _
from crm_tui.services.customers.linkage import (
    ADDRESS_MODELS,
    COMPARISON_WORDS,
    COMPARISONS,
    GROUPS,
    NAMES,
    Person,
    compare_names,
)

FORMAT = 2
"""The stored model's layout: 2 since the address became four comparisons (street, postal code,
town, region) instead of one; a model stored with other comparisons is refused (`StaleModel`)."""


class StaleModel(ValueError):
    """A stored model trained on other comparisons or levels than this version's: train it again."""


@dataclass(frozen=True)
class Match:
    """What the model says about one pair: its probability, weight and each comparison's part."""

    probability: float
    weight: float
    parts: tuple[tuple[str, str, float], ...]
    """(comparison, level, match weight) for each comparison both records could be compared on."""

    @property
    def score(self) -> float:
        return round(self.probability, 4)

    def _groups(self) -> dict[str, float]:
        groups: dict[str, float] = {}
        for comparison, _level, weight in self.parts:
            group = GROUPS[comparison]
            groups[group] = groups.get(group, 0.0) + weight
        return groups

    @property
    def agree(self) -> tuple[str, ...]:
        return tuple(g for g, w in self._groups().items() if w > 0)

    @property
    def differ(self) -> tuple[str, ...]:
        return tuple(g for g, w in self._groups().items() if w <= 0)

    def reasons(self) -> dict[str, Any]:
        """What is stored with the pair: the fields that agree and differ, and the waterfall."""
        return {
            "agree": list(self.agree),
            "differ": list(self.differ),
            "weights": [[c, level, round(w, 2)] for c, level, w in self.parts],
            "match_weight": round(self.weight, 2),
            "probability": self.score,
        }

    def describe(self) -> str:
        """Words for a queue, no personal data: "birthday same +14.2, last name same +13.2, ... (p 0.999)".
        Each weight from the value `reasons` stores, which the merge screen's waterfall shows: 14.2506
        is stored as 14.25, and both say +14.2 (from the raw weight the queue said +14.3)."""
        ordered = sorted(self.parts, key=lambda p: -abs(p[2]))
        said = [f"{_(COMPARISON_WORDS[c])} {_(level)} {round(w, 2):+.1f}" for c, level, w in ordered]
        return ", ".join(said) + f" (p {self.probability:.3f})"


@dataclass(frozen=True)
class MatchModel:
    """The estimated parameters: per comparison and level m and u; the prior; the reporting threshold."""

    version: str
    trained_at: str
    prior: float
    m: dict[str, tuple[float, ...]]
    u: dict[str, tuple[float, ...]]
    threshold: float = 0.5
    """A pair at or above this probability is reported (scan) or shown (registration)."""
    training: dict[str, Any] = field(default_factory=dict)
    frequencies: dict[str, dict[str, float]] = field(default_factory=dict)
    """Term frequencies (as splink's term-frequency adjustments): for first_name and last_name, the
    share of records with each common value; a value not listed is as rare as `rare`."""
    rare: float = 0.0
    address: str = ADDRESS_MODELS[0]
    """How the address's parts count ("household" or "independent", see `linkage`): chosen by
    training from the base (`linkage_training.address_model_of`); a model stored before it is household."""
    _weights: tuple[tuple[float, ...], ...] = field(init=False, repr=False, compare=False)
    _independent: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.address not in ADDRESS_MODELS:
            raise StaleModel(
                _("Stored model {version} counts the address in a way this version does not know ({address}).").format(
                    version=self.version, address=self.address
                )
            )
        object.__setattr__(self, "_independent", self.address == "independent")
        weights = tuple(
            tuple(math.log2(m / u) for m, u in zip(self.m[name], self.u[name], strict=True)) for name in NAMES
        )
        object.__setattr__(self, "_weights", weights)

    @property
    def prior_weight(self) -> float:
        return math.log2(self.prior / (1 - self.prior))

    def level_weight(self, comparison: str, level: int) -> float:
        return self._weights[NAMES.index(comparison)][level]

    def weigh(self, levels: Sequence[int | None]) -> float:
        total = self.prior_weight
        for table, level in zip(self._weights, levels, strict=True):
            if level is not None:
                total += table[level]
        return total

    def probability_of(self, levels: Sequence[int | None]) -> float:
        return _probability(self.weigh(levels))

    def frequency_adjustment(self, comparison: str, value: str) -> float:
        """log2(u / tf): how much more (or less) the same value says than the same value on average.
        A common name says less, a rare one more; bounded at +-TF_BOUND bits."""
        table = self.frequencies.get(comparison)
        if not table or not self.rare:
            return 0.0
        tf = table.get(value, self.rare)
        adjustment = math.log2(self.u[comparison][0] / tf)
        return max(-TF_BOUND, min(TF_BOUND, adjustment))

    def score(self, a: Person, b: Person) -> Match:
        """The pair's match: never between an organization and a person."""
        if a.organization != b.organization:
            return Match(0.0, -math.inf, ())
        levels, first, last = compare_names(a, b, self._independent)
        compared = [(name, level) for name, level in zip(NAMES, levels, strict=True) if level is not None]
        parts = tuple(
            (name, COMPARISONS[name][level], weight)
            for (name, level), weight in zip(compared, self._field_weights(levels, first, last), strict=True)
        )
        weight = self.prior_weight + sum(p[2] for p in parts)
        return Match(_probability(weight), weight, parts)

    def probability_of_pair(self, a: Person, b: Person) -> float:
        """`score(a, b).probability`, the same float, without making the parts: the scan drops most
        pairs it scores and builds the whole Match only for those it keeps."""
        if a.organization != b.organization:
            return 0.0
        return _probability(self.prior_weight + sum(self._field_weights(*compare_names(a, b, self._independent))))

    def _field_weights(self, levels: Sequence[int | None], first: str, last: str) -> list[float]:
        """The weight of each field compared (a None level is left out), in the order of NAMES; a
        name that is the same (`first`, `last`: its value) is weighed by how common it is
        (frequency adjustment)."""
        weights = [table[level] for table, level in zip(self._weights, levels, strict=True) if level is not None]
        if self.frequencies and (first or last):
            if first:
                weights[0] += self.frequency_adjustment("first_name", first)
            if last:
                weights[0 if levels[0] is None else 1] += self.frequency_adjustment("last_name", last)
        return weights

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "trained_at": self.trained_at,
            "prior": self.prior,
            "threshold": self.threshold,
            "address": self.address,
            "comparisons": {
                name: {"levels": list(COMPARISONS[name]), "m": list(self.m[name]), "u": list(self.u[name])}
                for name in NAMES
            },
            "training": self.training,
            "term_frequencies": {"rare": self.rare, **self.frequencies},
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> MatchModel:
        comparisons = raw.get("comparisons", {})
        for name in NAMES:
            if name not in comparisons or tuple(comparisons[name].get("levels", ())) != COMPARISONS[name]:
                raise StaleModel(
                    _(
                        "Stored model {version} was trained on other comparisons than this version's ({name}): "
                        "train the model again (crm-tui dedupe train)."
                    ).format(version=raw.get("version"), name=name)
                )
        return cls(
            version=raw["version"],
            trained_at=raw["trained_at"],
            prior=raw["prior"],
            m={name: tuple(comparisons[name]["m"]) for name in NAMES},
            u={name: tuple(comparisons[name]["u"]) for name in NAMES},
            threshold=raw.get("threshold", 0.5),
            training=raw.get("training", {}),
            frequencies={k: v for k, v in raw.get("term_frequencies", {}).items() if k != "rare"},
            rare=raw.get("term_frequencies", {}).get("rare", 0.0),
            address=raw.get("address", ADDRESS_MODELS[0]),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=False)


TF_BOUND = 8.0


def _probability(weight: float) -> float:
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = 2.0**weight
    return odds / (1.0 + odds)


@cache
def shipped_model() -> MatchModel:
    """The model shipped in crm_tui/data/match_model.json (trained by bench/bench_dedupe.py), used
    until a model is trained on the base."""
    raw = json.loads(resources.files("crm_tui.data").joinpath("match_model.json").read_text())
    return MatchModel.from_dict(raw)

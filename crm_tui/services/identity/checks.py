"""Verification before a telecom primary offering is given (eTOM 1.3.4.2.2): blacklist and credit.

The credit rules live in `crm_tui/data/credit_rules.json` so the business can change them without code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import and_, or_, select

from crm_tui.domain import BlacklistSeverity
from crm_tui.i18n import N_, _
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.unit_of_work import UnitOfWork

MATCHED_ON_WORDS = {"certificate": N_("certificate"), "name and birthday": N_("name and birthday")}
"""What a hit matched, in words for the counter (`BlacklistHit.matched_on` keeps the English)."""


@dataclass(frozen=True)
class BlacklistHit:
    severity: BlacklistSeverity
    reason: str
    matched_on: str

    @property
    def matched_words(self) -> str:
        """What matched, in the current language."""
        words = MATCHED_ON_WORDS.get(self.matched_on)
        return _(words) if words else self.matched_on

    def words(self) -> str:
        """The hit as the counter reads it (and the held-registrations queue keeps it): a ban holds the
        line, a warning is shown."""
        if self.severity == BlacklistSeverity.BAN:
            return _("Blacklisted ({matched_on}): {reason}").format(matched_on=self.matched_words, reason=self.reason)
        return _("Blacklist warning ({matched_on}): {reason}").format(matched_on=self.matched_words, reason=self.reason)


@dataclass(frozen=True)
class CreditDecision:
    level: str
    limit: Decimal
    points: int
    reasons: tuple[str, ...]
    """The rules that counted, in the words of credit_rules.json (data, in English)."""
    passed: bool

    def failure_words(self) -> str:
        """Why a postpaid line is held, for the counter and the held-registrations queue."""
        return _("Credit check failed: level {level} is below what a postpaid line needs ({reasons})").format(
            level=self.level, reasons=", ".join(self.reasons) or _("no positive facts")
        )


def check_blacklist(
    uow: UnitOfWork,
    *,
    cert_type: str,
    cert_number: str,
    cert_country: str,
    name_search: str,
    birthday: date | None,
    now: datetime,
) -> list[BlacklistHit]:
    """Live entries matching the certificate, or the name and birthday; bans first."""
    live = and_(
        BlacklistEntry.lifted_at.is_(None), or_(BlacklistEntry.expires_at.is_(None), BlacklistEntry.expires_at > now)
    )
    by_cert = and_(
        BlacklistEntry.cert_number == cert_number,
        BlacklistEntry.cert_type == cert_type,
        BlacklistEntry.cert_country == cert_country,
    )
    conditions = [by_cert]
    if birthday is not None:
        conditions.append(and_(BlacklistEntry.birthday == birthday, BlacklistEntry.name_search == name_search))
    rows = uow.session.execute(select(BlacklistEntry).where(live, or_(*conditions))).scalars().all()
    hits = [
        BlacklistHit(
            severity=BlacklistSeverity(row.severity),
            reason=row.reason,
            matched_on="certificate" if row.cert_number == cert_number else "name and birthday",
        )
        for row in rows
    ]
    return sorted(hits, key=lambda hit: hit.severity != BlacklistSeverity.BAN)


@cache
def credit_rules() -> dict[str, Any]:
    return json.loads(resources.files("crm_tui.data").joinpath("credit_rules.json").read_text())


def check_credit(
    *,
    birthday: date | None,
    cert_type: str,
    has_email: bool,
    has_address: bool,
    blacklist_warning: bool,
    postpaid: bool,
    today: date,
) -> CreditDecision:
    """A credit level and limit from the rules; a postpaid line below the minimum level fails."""
    rules = credit_rules()
    age = _age(birthday, today) if birthday else None
    facts: dict[str, Any] = {
        "cert_type": cert_type,
        "has_email": has_email,
        "has_address": has_address,
        "blacklist_warning": blacklist_warning,
    }
    points = int(rules["base"])
    reasons: list[str] = []
    for rule in rules["rules"]:
        kind, value = rule["when"], rule["value"]
        if kind == "age_under":
            hit = age is not None and age < value
        elif kind == "age_over":
            hit = age is not None and age > value
        else:
            hit = facts.get(kind) == value
        if hit:
            points += int(rule["points"])
            reasons.append(f"{rule['why']} ({rule['points']:+d})")
    level = next(lv for lv in rules["levels"] if points >= lv["min_points"])
    order = [lv["level"] for lv in rules["levels"]]
    passed = not postpaid or order.index(level["level"]) <= order.index(rules["postpaid_min_level"])
    return CreditDecision(
        level=level["level"], limit=Decimal(level["limit"]), points=points, reasons=tuple(reasons), passed=passed
    )


def _age(birthday: date, today: date) -> int:
    return today.year - birthday.year - ((today.month, today.day) < (birthday.month, birthday.day))

"""How values read to people, on screen and on the command line: one vocabulary for both faces.

Money with its currency, aware times as the terminal's local time, dates, service numbers as
spaced +E.164, stored slugs as the words of their `crm_tui.domain` enum, and one placeholder for
a missing value. The screens show `NOTHING` ("—"); the CLI passes `nothing=""` (its tables leave
a missing cell blank and scripts rely on that), see `crm_tui.cli.output`.

Imports: the standard library, `crm_tui.domain`, phonenumbers, and rich's `Text` (table cells
right-aligned); never the services, storage, Textual or typer, so every face may use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import phonenumbers
from rich.text import Text

from crm_tui.domain import Labelled

NOTHING = "—"
"""A missing value on screen."""

CENT = Decimal("0.01")


def words(value: str | None, vocabulary: type[Labelled] | None = None, *, nothing: str = NOTHING) -> str:
    """The words for a stored slug (`fee_problem` -> "Fee problem"), never the raw value."""
    if not value:
        return nothing
    if vocabulary is not None:
        try:
            return vocabulary(value).label
        except ValueError:
            pass
    return value.replace("_", " ").capitalize()


def money_text(amount: Decimal | None, currency: str, *, nothing: str = NOTHING) -> str:
    """`1,234.50 EUR`: two decimals, thousands separated, the currency after."""
    if amount is None:
        return nothing
    return f"{Decimal(amount).quantize(CENT):,} {currency}"


def money(amount: Decimal | None, currency: str) -> Text:
    """`1,234.50 EUR`, right-aligned, for tables on screen."""
    return Text(money_text(amount, currency), justify="right")


def local_time(at: datetime | None, *, nothing: str = NOTHING) -> str:
    """An aware UTC time as the terminal's local time, to the minute."""
    if at is None:
        return nothing
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def day(value: date | None, *, nothing: str = NOTHING) -> str:
    """A date as YYYY-MM-DD."""
    return value.isoformat() if value else nothing


def phone(stored: str | None, *, nothing: str = NOTHING) -> str:
    """A stored E.164 number (digits, no plus) as `+34 612 34 56 78`; unparsable digits as stored."""
    if not stored:
        return nothing
    try:
        number = phonenumbers.parse("+" + stored, None)
    except phonenumbers.NumberParseException:
        return stored
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def text(value: str | None, *, nothing: str = NOTHING) -> str:
    """Free text as is; the placeholder when empty."""
    return value if value else nothing


def erasure_outcome(report: Mapping[str, Any]) -> str:
    """An approved erasure in one sentence: proven complete or not, and what the person was told."""
    left = sum(int(t.get("found", 0)) for t in report.get("tables", [])) + int(report.get("files_found", 0))
    proof = (
        "nothing of the person is left" if report.get("complete") else f"{left} trace(s) still found: see the report"
    )
    told = report.get("confirmation") or "not sent"
    return f"Erased: {proof}; confirmation {told}."

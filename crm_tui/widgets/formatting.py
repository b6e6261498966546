"""How values look on screen: words for slugs, money right-aligned with its currency, local times."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from rich.text import Text

from crm_tui.domain import Labelled
from crm_tui.services.shared.validation import format_service_number

NOTHING = "—"


def words(value: str | None, vocabulary: type[Labelled] | None = None) -> str:
    """The words for a stored slug (`fee_problem` -> "Fee problem"), never the raw value."""
    if not value:
        return NOTHING
    if vocabulary is not None:
        try:
            return vocabulary(value).label
        except ValueError:
            pass
    return value.replace("_", " ").capitalize()


def money(amount: Decimal | None, currency: str) -> Text:
    """`1,234.50 EUR`, right-aligned, for tables."""
    return Text(money_text(amount, currency), justify="right")


def money_text(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return NOTHING
    return f"{Decimal(amount).quantize(Decimal('0.01')):,} {currency}"


def local_time(at: datetime | None) -> str:
    """An aware UTC time as the terminal's local time, to the minute."""
    if at is None:
        return NOTHING
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def day(value: date | None) -> str:
    return value.isoformat() if value else NOTHING


def phone(stored: str | None) -> str:
    """A stored E.164 number (digits, no plus) as `+34 612 34 56 78`."""
    return format_service_number(stored) if stored else NOTHING


def text(value: str | None) -> str:
    return value if value else NOTHING

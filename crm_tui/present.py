"""How values read to people, on screen and on the command line: one vocabulary for both faces.

Money with its currency, numbers, dates and times in the shop's zone (`CRM_TIMEZONE`), relative
times ("hace 3 días"), all in the operator's locale through Babel (CLDR): `1.000,00 €` in es_ES,
`€1,000.00` in en_IE. Service numbers as spaced +E.164, stored slugs as the words of their
`crm_tui.domain` enum, one placeholder for a missing value. The screens show `NOTHING` ("—"); the
CLI passes `nothing=""` (its tables leave a missing cell blank and scripts rely on that), see
`crm_tui.cli.output`. JSON output never comes through here: it stays ISO and machine-stable.

The reverse too, in one place: `parse_amount` and `parse_day` read what a person types, in the
operator's locale (`12,50`, `31/12/2026`) as well as ISO (`12.50`, `2026-12-31`), for the CLI
options and the screen fields that take amounts and dates.

The locale is `crm_tui.i18n`'s (operator, CRM_LOCALE, system); the zone is set by `configure`
from the settings, else `CRM_TIMEZONE`, else Europe/Madrid.

Imports: the standard library, `crm_tui.domain`, `crm_tui.i18n`, Babel, phonenumbers and rich's
`Text` (table cells right-aligned); never the services, storage, Textual or typer, so every face
may use it. Babel, phonenumbers and rich are imported by the functions that use them (about 75 ms
together): every command imports this module, and a script's `--json` run never formats a value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_tui import i18n
from crm_tui.domain import Labelled
from crm_tui.i18n import _

if TYPE_CHECKING:
    from babel import Locale
    from rich.text import Text

NOTHING = "—"
"""A missing value on screen."""

CENT = Decimal("0.01")
DEFAULT_ZONE = "Europe/Madrid"
_ISO_AMOUNT = re.compile(r"^-?\d+(\.\d{1,2})?$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LOCAL_DAY = re.compile(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}$")
_state: dict[str, str | None] = {"timezone": None, "region": None}


# --- where and in which language ------------------------------------------------------------------


def check_zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or ValueError saying what is expected."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            _("unknown time zone {name}: an IANA name like Europe/Madrid or Atlantic/Canary").format(name=repr(name))
        ) from None


def configure(*, locale: str | None = None, timezone: str | None = None, region: str | None = None) -> None:
    """This process's locale (an operator's language, CRM_LOCALE), shop zone and region (for `es` -> es_ES)."""
    if locale is not None:
        i18n.use_locale(locale)
    if timezone is not None:
        check_zone(timezone)
        _state["timezone"] = timezone
    if region is not None:
        _state["region"] = region.upper()


def reset() -> None:
    """Back to the environment's locale and zone (tests, and a new sign-in on the same process)."""
    i18n.use_locale(None)
    _state.update(timezone=None, region=None)


def zone() -> ZoneInfo:
    """The shop's zone: local times, dates of aware times."""
    return check_zone(_state["timezone"] or os.environ.get("CRM_TIMEZONE") or DEFAULT_ZONE)


@cache
def _babel_locale(tag: str, region: str) -> Locale:
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(tag)
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse(i18n.FALLBACK)
    if locale.territory is None:  # `es` at a Spanish shop formats as es_ES
        try:
            locale = Locale.parse(f"{locale.language}_{region}")
        except (UnknownLocaleError, ValueError):
            pass
    return locale


def locale() -> Locale:
    """The Babel locale of the current operator (see `crm_tui.i18n`)."""
    region = _state["region"] or os.environ.get("CRM_DEFAULT_REGION") or "ES"
    return _babel_locale(i18n.current_locale(), region.upper())


# --- words --------------------------------------------------------------------------------------


def words(value: str | None, vocabulary: type[Labelled] | None = None, *, nothing: str = NOTHING) -> str:
    """The words for a stored slug (`fee_problem` -> "Fee problem"), never the raw value."""
    if not value:
        return nothing
    if vocabulary is not None:
        try:
            return vocabulary(value).label
        except ValueError:
            pass
    return _(value.replace("_", " ").capitalize())  # a slug whose words are a label elsewhere


def fields(groups: Iterable[str] | None, *, nothing: str = NOTHING) -> str:
    """The fields a pair of customers agrees or differs on, stored as English keys ("name",
    "birthday": `linkage.GROUPS`), in the operator's language."""
    return ", ".join(_(group) for group in groups or ()) or nothing


def money_text(amount: Decimal | None, currency: str, *, nothing: str = NOTHING) -> str:
    """`1.000,00 €` (es_ES), `€1,000.00` (en_IE): the locale's digits, grouping and currency sign."""
    from babel.numbers import format_currency

    if amount is None:
        return nothing
    return format_currency(Decimal(amount).quantize(CENT), currency, locale=locale())


def money(amount: Decimal | None, currency: str) -> Text:
    """Money right-aligned, for tables on screen."""
    from rich.text import Text

    return Text(money_text(amount, currency), justify="right")


def number(value: int | Decimal | float | None, *, nothing: str = NOTHING) -> str:
    """`12.345` (es_ES), `12,345` (en_IE)."""
    from babel.numbers import format_decimal

    if value is None:
        return nothing
    return format_decimal(value, locale=locale())


def decimal(value: float | Decimal, digits: int, *, signed: bool = False) -> str:
    """A measure with a fixed number of decimals: `0,97`, `+9,24` (es_ES); `0.97`, `+9.24` (en_IE)."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=f"+{pattern};-{pattern}" if signed else pattern, locale=locale())


def local_time(at: datetime | None, *, nothing: str = NOTHING) -> str:
    """An aware UTC time in the shop's zone, to the minute: `1/12/2026 10:05`."""
    from babel.dates import format_skeleton, format_time

    if at is None:
        return nothing
    here = at.astimezone(zone())
    return f"{format_skeleton('yMMdd', here.date(), locale=locale())} {format_time(here, 'short', locale=locale())}"


def day(value: date | datetime | None, *, nothing: str = NOTHING) -> str:
    """A date in the locale's short numeric form with the full year: `31/12/2026`. An aware time: its day in the shop."""
    from babel.dates import format_skeleton

    if value is None:
        return nothing
    if isinstance(value, datetime):
        value = value.astimezone(zone()).date()
    return format_skeleton("yMMdd", value, locale=locale())


def long_day(value: date | datetime) -> str:
    """`mar, 1 dic 2026`, `Tue 1 Dec 2026`: the header's date. An aware time: its day in the shop."""
    from babel.dates import format_skeleton

    if isinstance(value, datetime):
        value = value.astimezone(zone()).date()
    return format_skeleton("yMMMEd", value, locale=locale())


def clock(at: datetime) -> str:
    """The time of day in the shop: `10:05`."""
    from babel.dates import format_time

    return format_time(at.astimezone(zone()), "short", locale=locale())


def ago(at: datetime | None, *, now: datetime | None = None, nothing: str = NOTHING) -> str:
    """How long ago (or how soon) in words: "hace 3 días", "3 days ago", "in 2 hours"."""
    from babel.dates import format_timedelta

    if at is None:
        return nothing
    now = now or datetime.now(at.tzinfo)
    return format_timedelta(at - now, add_direction=True, locale=locale())


def language_choices(codes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, code) for a select, each language named in the operator's: "Spanish" in en, "Español" in es."""
    names = locale().languages
    return [(capitalised(names.get(code, code)), code) for code in codes]


def country_name(code: str | None, *, nothing: str = NOTHING) -> str:
    """A stored ISO country code in the operator's words: `ES` -> "Spain" / "España"."""
    if not code:
        return nothing
    return locale().territories.get(code, code)


def capitalised(name: str) -> str:
    """The first letter upper-case, the rest as it is ("español" -> "Español", "misma calle, número" -> "Misma calle, número")."""
    return name[:1].upper() + name[1:]


def phone(stored: str | None, *, nothing: str = NOTHING) -> str:
    """A stored E.164 number (digits, no plus) as `+34 612 34 56 78`; unparsable digits as stored."""
    import phonenumbers

    if not stored:
        return nothing
    try:
        parsed = phonenumbers.parse("+" + stored, None)
    except phonenumbers.NumberParseException:
        return stored
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def text(value: str | None, *, nothing: str = NOTHING) -> str:
    """Free text as is; the placeholder when empty."""
    return value if value else nothing


def erasure_outcome(report: Mapping[str, Any]) -> str:
    """An approved erasure in one sentence: proven complete or not, and what the person was told."""
    left = sum(int(t.get("found", 0)) for t in report.get("tables", [])) + int(report.get("files_found", 0))
    if report.get("complete"):
        proof = _("nothing of the person is left")
    else:
        proof = _("{count} trace(s) still found: see the report").format(count=left)
    told = report.get("confirmation") or _("not sent")  # the service's outcome ("sent by email") is data
    return _("Erased: {proof}; confirmation {told}.").format(proof=proof, told=told)


# --- what people type ---------------------------------------------------------------------------


def typed_amount(value: Decimal) -> str:
    """An amount as a person types it here, without grouping or currency: `49,90` (es), `49.90` (en)."""
    from babel.numbers import format_decimal

    return format_decimal(value, format="0.00", locale=locale())


def amount_example() -> str:
    """How an amount is typed here: `12,50` (es), `12.50` (en)."""
    return typed_amount(Decimal("12.50"))


def parse_amount(typed: str) -> Decimal:
    """An amount typed in the operator's locale (`1.234,50`, `12,50`) or plainly (`12.50`); ValueError if neither.

    The locale's reading is tried first and strictly (its grouping where it belongs), so in es_ES
    `1.000` is a thousand, and `12.50` (not Spanish) falls through to the plain form.
    """
    from babel.numbers import NumberFormatError, parse_decimal

    value = typed.strip().replace("\u00a0", " ").replace("\u202f", " ")
    for symbol in ("€", "EUR", "$", "£"):
        value = value.replace(symbol, "").strip()
    if not value:
        raise ValueError(_("empty amount"))
    try:
        amount = parse_decimal(value, locale=locale(), strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        if not _ISO_AMOUNT.fullmatch(value):
            raise ValueError(
                _("not an amount: {typed} (like {example} or 12.50)").format(
                    typed=repr(typed), example=amount_example()
                )
            ) from None
        amount = Decimal(value)
    return amount


def day_example() -> str:
    """How a date is typed here: `31/12/2026`."""
    return day(date(2026, 12, 31))


def parse_day(typed: str) -> date:
    """A date typed in the operator's locale (`31/12/2026`) or as ISO (`2026-12-31`); ValueError if neither."""
    from babel.dates import get_date_format

    value = typed.strip()
    if _ISO_DAY.fullmatch(value):
        return date.fromisoformat(value)
    if _LOCAL_DAY.fullmatch(value):
        # The order of day, month and year is the locale's short date's (d/M/y in es and en_IE, M/d/y in
        # en_US), read strictly: Babel's own parse_date swaps day and month when the month is over 12.
        pattern = get_date_format("short", locale=locale()).pattern
        order = sorted("dMy", key=lambda letter: pattern.find(letter))
        parts = dict(zip(order, (int(p) for p in re.split(r"[/.\-]", value)), strict=True))
        try:
            return date(parts["y"], parts["M"], parts["d"])
        except ValueError:
            pass
    raise ValueError(
        _("not a date: {typed} (like {example} or 2026-12-31)").format(typed=repr(typed), example=day_example())
    )


def iso_day(typed: str) -> str:
    """A date typed the operator's way (31/12/2026) or as ISO, as ISO for a service; what is not a
    date (or nothing) stays as typed, and the service says what it expects, at the field."""
    try:
        return parse_day(typed).isoformat()
    except ValueError:
        return typed

"""Issue 15, points 2 and 3: the one presentation module speaks the operator's locale through Babel,
in the shop's zone, and reads amounts and dates typed the local way as well as ISO."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from crm_tui import i18n, present


@pytest.mark.parametrize(
    "locale, thousand, small",
    [
        ("es_ES", "1.000,00\u00a0€", "12,50\u00a0€"),
        ("en_IE", "€1,000.00", "€12.50"),
        ("es", "1.000,00\u00a0€", "12,50\u00a0€"),
    ],
)
def test_money_in_the_locale(locale, thousand, small):
    present.configure(locale=locale)
    assert present.money_text(Decimal("1000"), "EUR") == thousand
    assert present.money_text(Decimal("12.5"), "EUR") == small
    assert present.money_text(None, "EUR") == present.NOTHING


def test_numbers_dates_and_times_in_the_locale_and_the_shop_zone():
    at = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # already 2 December in Madrid
    present.configure(locale="es_ES", timezone="Europe/Madrid")
    assert present.number(12345) == "12.345"
    assert present.local_time(at) == "2/12/2026 0:30"
    assert present.day(date(2026, 12, 31)) == "31/12/2026"
    assert present.day(at) == "2/12/2026"
    assert present.long_day(at) == "mié, 2 dic 2026"
    present.configure(locale="en_IE", timezone="Atlantic/Canary")
    assert present.number(12345) == "12,345"
    assert present.local_time(at) == "1/12/2026 23:30"
    assert present.long_day(at) == "Tue 1 Dec 2026"


@pytest.mark.parametrize(
    ("locale", "score", "weight", "seconds"), [("es_ES", "0,97", "-5,54", "2,8"), ("en_IE", "0.97", "-5.54", "2.8")]
)
def test_measures_keep_their_decimals_in_the_locale(locale, score, weight, seconds):
    present.configure(locale=locale)
    assert present.decimal(0.9712, 2) == score and present.decimal(-5.5375, 2, signed=True) == weight
    assert present.decimal(2.8, 1) == seconds and present.decimal(9.24, 2, signed=True).startswith("+9")
    assert present.decimal(3, 0) == "3"


def test_relative_times_in_words():
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    present.configure(locale="es_ES")
    assert present.ago(now - timedelta(days=3), now=now) == "hace 3 días"
    present.configure(locale="en_IE")
    assert present.ago(now - timedelta(days=3), now=now) == "3 days ago"
    assert present.ago(now + timedelta(hours=2), now=now) == "in 2 hours"


@pytest.mark.parametrize(
    "locale, typed, amount",
    [
        ("es_ES", "12,50", "12.50"),
        ("es_ES", "1.000,50", "1000.50"),
        ("es_ES", "1.000", "1000"),  # a thousand, in Spain
        ("es_ES", "12.50", "12.50"),  # ISO still reads
        ("es_ES", "12,50 €", "12.50"),
        ("en_IE", "1,000.50", "1000.50"),
        ("en_IE", "12.50", "12.50"),
    ],
)
def test_amounts_typed_the_local_way_or_plainly(locale, typed, amount):
    present.configure(locale=locale)
    assert present.parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize(
    "locale, typed", [("en_IE", "12,50"), ("es_ES", "1,000.50"), ("es_ES", "cheap"), ("es_ES", "")]
)
def test_amounts_that_do_not_read_are_refused(locale, typed):
    present.configure(locale=locale)
    with pytest.raises(ValueError):
        present.parse_amount(typed)


@pytest.mark.parametrize(
    "locale, typed, day",
    [
        ("es_ES", "31/12/2026", date(2026, 12, 31)),
        ("es_ES", "1/2/2026", date(2026, 2, 1)),
        ("es_ES", "31.12.2026", date(2026, 12, 31)),
        ("es_ES", "2026-12-31", date(2026, 12, 31)),
        ("en_IE", "31/12/2026", date(2026, 12, 31)),
        ("en_US", "12/31/2026", date(2026, 12, 31)),
        ("en_US", "1/2/2026", date(2026, 1, 2)),
    ],
)
def test_dates_typed_the_local_way_or_as_iso(locale, typed, day):
    present.configure(locale=locale)
    assert present.parse_day(typed) == day


@pytest.mark.parametrize("typed", ["12/31/2026", "31/02/2026", "32/1/2026", "2026/12/31", "mañana", "31/12/26"])
def test_dates_that_do_not_read_in_spanish_are_refused(typed):
    present.configure(locale="es_ES")
    with pytest.raises(ValueError):
        present.parse_day(typed)


def test_an_unknown_zone_is_refused_with_what_is_expected():
    with pytest.raises(ValueError, match="IANA name like Europe/Madrid"):
        present.configure(timezone="Mars/Olympus")


def test_the_locale_comes_from_the_operator_then_crm_locale_then_the_system(monkeypatch):
    monkeypatch.setenv("CRM_LOCALE", "en_IE")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert i18n.resolve_locale("es") == "es"
    assert i18n.resolve_locale(None) == "en_IE"
    monkeypatch.delenv("CRM_LOCALE")
    assert i18n.resolve_locale(None) == "de_DE"
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert i18n.resolve_locale(None) == i18n.FALLBACK


def test_words_pass_through_gettext_and_languages_are_named_in_the_operators():
    present.configure(locale="es_ES")
    assert i18n._("Signed out.") == "Sesión cerrada."  # the es catalogue
    assert i18n._("A word no catalogue has") == "A word no catalogue has"  # as written when it lacks one
    assert present.language_choices(("es", "en")) == [("Español", "es"), ("Inglés", "en")]
    assert present.country_name("GB") == "Reino Unido"
    present.configure(locale="en_IE")
    assert i18n._("Signed out.") == "Signed out."
    assert present.language_choices(("es", "en")) == [("Spanish", "es"), ("English", "en")]

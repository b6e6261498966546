"""The merge screen's waterfall in the operator's language: the model's levels ("same street") and
the comparisons' names are translated before they are capitalised, so a Spanish supervisor reads
Spanish on every row (before, "Same street" was looked up whole and never found)."""

from __future__ import annotations

from rich.console import Console

from crm_tui import i18n
from crm_tui.screens.merge import waterfall
from crm_tui.services.customers.linkage_model import Match


def _text(renderable: object) -> str:
    console = Console(width=110, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_the_waterfall_speaks_spanish():
    match = Match(
        probability=0.999,
        weight=10.0,
        parts=(
            ("street", "same street, number and postcode", 6.0),
            ("birthday", "day and month swapped", 2.0),
            ("document", "another document", -0.5),
            ("city", "same", 1.5),
        ),
    )
    i18n.use_locale("es")
    try:
        text = _text(waterfall(match.reasons()))
    finally:
        i18n.use_locale(None)
    assert "Misma calle, número y código postal" in text
    assert "Día y mes intercambiados" in text
    assert "Otro documento" in text
    for english in ("Same street", "Day and month", "Another document", "Document ", "City", "Prior"):
        assert english not in text, english
    assert "Calle" in text and "Documento" in text and "Localidad" in text

"""Typing in a field repaints the field; it does not re-arrange the whole screen at every key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.screen import Screen

from crm_tui.widgets.text_input import TextInput
from tests.factories import stock_pools
from tests.screens.test_registration_screen import open_registration

UI = Path(__file__).parents[2] / "crm_tui"


@pytest.fixture
def stocked(services, admin):
    stock_pools(services, admin)


async def test_typing_a_name_on_the_registration_form_does_not_reflow_the_screen_at_each_key(
    make_app, csr, stocked, monkeypatch
):
    reflows = 0
    real = Screen._refresh_layout

    def counted(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        nonlocal reflows
        reflows += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counted)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_registration(pilot)
        await pilot.press("tab", "tab", "tab", "tab")
        field = app.focused
        assert isinstance(field, TextInput) and field.id == "customer_name"
        reflows = 0
        await pilot.press(*"Lucía García Pérez de la Fuente y Montalbán")
        assert field.value == "Lucía García Pérez de la Fuente y Montalbán"
        assert field.scroll_x > 0  # longer than the field: it scrolled to keep the cursor in sight
    assert reflows <= 3, f"{reflows} reflows for 43 keys"  # with Textual's Input: one a key


def test_every_text_field_of_the_workbench_is_a_text_input():
    """A plain Input would bring back the reflow at every key (crm_tui/widgets/text_input.py)."""
    plain = [
        f"{path.relative_to(UI)}:{number}"
        for path in UI.rglob("*.py")
        if path.name != "text_input.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"(?<![A-Za-z_.])Input\(", line)
    ]
    assert plain == []

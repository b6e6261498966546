"""The operator's config file reaches the workbench: their theme on every screen, their keys doing the work."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_tui.config import Settings
from crm_tui.screens.registration import RegistrationScreen
from crm_tui.widgets.footer import shown_keys
from tests.screens.conftest import settle, sign_in


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test database, and a config file saying: high contrast, Register on F6, 10 rows a page."""
    config = tmp_path / "config.toml"
    config.write_text('theme = "crm-high-contrast"\npage_size = 10\n\n[keymap]\nregister = "f6"\n')
    monkeypatch.setenv("CRM_CONFIG_FILE", str(config))
    return Settings(database_url=database_url, data_dir=tmp_path / "data")


async def test_the_config_file_sets_the_theme_and_the_keys(make_app, csr, settings):
    assert settings.page_size == 10
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        assert app.theme == "crm-high-contrast"
        assert ("f6", "register", "Register", True) in shown_keys(app.screen)
        await pilot.press("f3")
        await settle(pilot)
        assert not isinstance(app.screen, RegistrationScreen)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationScreen)

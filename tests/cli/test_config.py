"""`crm-tui config show | set`: the settings that stay between runs, in a TOML file the operator owns;
environment variables still win; a bad key or value exits 2 and leaves the file as it was."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from crm_tui.config import Settings
from crm_tui.user_config import THEME_NAMES
from crm_tui.widgets.themes import THEMES


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return tmp_path / "settings" / "config.toml"


def test_set_writes_the_file_and_show_reads_it_back(cli, config_file):
    for key, value in [
        ("theme", "crm-high-contrast"),
        ("language", "es"),
        ("page_size", "25"),
        ("keymap.register", "f6"),
        ("keymap.help", "f1, ctrl+h"),
    ]:
        result = cli.json("config", "set", key, value, CRM_CONFIG_FILE=str(config_file))
        assert result["key"] == key and result["path"] == str(config_file)

    stored = tomllib.loads(config_file.read_text())
    assert stored == {
        "theme": "crm-high-contrast",
        "language": "es",
        "page_size": 25,
        "keymap": {"register": "f6", "help": "f1,ctrl+h"},
    }
    shown = cli.json("config", "show", CRM_CONFIG_FILE=str(config_file))
    assert shown["settings"]["theme"] == {"value": "crm-high-contrast", "source": "file"}
    assert shown["settings"]["page_size"] == {"value": 25, "source": "file"}
    assert shown["keymap"] == {"value": {"register": "f6", "help": "f1,ctrl+h"}, "source": "file"}
    register = next(b for b in shown["bindings"] if b["id"] == "register")
    assert (register["key"], register["default"]) == ("f6", "f3")
    assert {"query-customers", "back", "results-filter", "table-down"} <= {b["id"] for b in shown["bindings"]}


def test_an_empty_key_takes_a_binding_back_to_its_default(cli, config_file):
    cli.json("config", "set", "keymap.register", "f6", CRM_CONFIG_FILE=str(config_file))
    cli.json("config", "set", "keymap.register", "", CRM_CONFIG_FILE=str(config_file))
    assert "keymap" not in tomllib.loads(config_file.read_text())


def test_environment_variables_override_the_file(cli, config_file, monkeypatch):
    cli.json("config", "set", "page_size", "25", CRM_CONFIG_FILE=str(config_file))
    cli.json("config", "set", "theme", "crm-high-contrast", CRM_CONFIG_FILE=str(config_file))
    shown = cli.json("config", "show", CRM_CONFIG_FILE=str(config_file), CRM_PAGE_SIZE="20")
    assert shown["settings"]["page_size"] == {"value": 20, "source": "environment"}
    assert shown["settings"]["theme"] == {"value": "crm-high-contrast", "source": "file"}

    monkeypatch.setenv("CRM_CONFIG_FILE", str(config_file))
    assert Settings().page_size == 25
    monkeypatch.setenv("CRM_PAGE_SIZE", "20")
    assert Settings().page_size == 20


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("theme", "pink", "theme"),
        ("page_size", "0", "page_size"),
        ("page_size", "many", "page_size"),
        ("language", "Spanish", "language"),
        ("colour", "red", "colour"),
        ("keymap.no-such-key", "f6", "keymap.no-such-key"),
        ("keymap.register", "ctrl+zz", "keymap.register"),
    ],
)
def test_bad_keys_and_values_exit_2_and_change_nothing(cli, config_file, key, value, field):
    cli.json("config", "set", "theme", "crm-calm", CRM_CONFIG_FILE=str(config_file))
    before = config_file.read_text()
    error = cli.json("config", "set", key, value, expect=2, CRM_CONFIG_FILE=str(config_file))["error"]
    assert error["code"] == "invalid_input"
    assert field in error["fields"]
    assert config_file.read_text() == before


def test_a_broken_file_is_named_and_refused_with_exit_2(cli, config_file):
    config_file.parent.mkdir(parents=True)
    config_file.write_text('theme = "pink"\npage_size = 9000\n')
    error = cli.json("config", "show", expect=2, CRM_CONFIG_FILE=str(config_file))["error"]
    assert str(config_file) in error["message"]
    assert set(error["fields"]) == {"theme", "page_size"}
    config_file.write_text("theme = \n")
    result = cli("customers", "search", "--name", "garcia", CRM_CONFIG_FILE=str(config_file))
    assert result.exit_code == 2
    assert "not valid TOML" in result.stderr


def test_the_file_knows_every_theme_the_workbench_has():
    assert THEME_NAMES == tuple(theme.name for theme in THEMES)

"""The operator's own settings that stay between runs: a TOML file in the user's config folder.

    theme = "crm-high-contrast"
    language = "es"
    page_size = 25

    [keymap]
    register = "f6"          # a binding id (see `crm-tui config show`) and its key(s), comma-separated
    help = "f1,ctrl+h"

It is the lowest source of `Settings` (crm_tui/config.py): `CRM_*` environment variables override it.
`CRM_CONFIG_FILE` names another file (tests use it). Read with the standard library's tomllib; written by
the small writer below (four keys and one table of strings need no dependency such as tomli-w).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_config_path

CONFIG_FILE_ENV = "CRM_CONFIG_FILE"
"""The environment variable that points at another config file."""

THEME_NAMES = ("crm-calm", "crm-high-contrast")
"""The workbench's themes (widgets/themes.py registers them; a test keeps the two lists the same)."""

PAGE_SIZE_RANGE = (1, 500)
"""Rows per page a result list may have (as Settings.page_size)."""

KEYS = ("theme", "language", "page_size")
"""The plain keys of the file; the keymap is its one table, `keymap.BINDING_ID` on the command line."""

_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
_BINDING_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_KEY_NAME = re.compile(r"((ctrl|shift|alt|meta|super|hyper)\+)*([a-z0-9_]+|[^\s,+])")


class ConfigError(ValueError):
    """The config file, or a value for it, is not valid: `problems` maps each key to what is wrong."""

    def __init__(self, problems: dict[str, str], *, path: Path | None = None) -> None:
        where = f" in {path}" if path is not None else ""
        super().__init__(f"Settings{where}: " + "; ".join(f"{key}: {message}" for key, message in problems.items()))
        self.problems = problems
        self.path = path


def config_path() -> Path:
    """Where the file is: CRM_CONFIG_FILE, else config.toml in the user's config folder."""
    given = os.environ.get(CONFIG_FILE_ENV)
    if given:
        return Path(given).expanduser()
    return user_config_path("crm-tui", appauthor=False) / "config.toml"


@dataclass
class UserConfig:
    """What the file holds; None (and an empty keymap) where it says nothing."""

    theme: str | None = None
    language: str | None = None
    page_size: int | None = None
    keymap: dict[str, str] | None = None

    def settings_values(self) -> dict[str, Any]:
        """The values it gives `Settings` (only those it holds)."""
        values: dict[str, Any] = {key: getattr(self, key) for key in KEYS if getattr(self, key) is not None}
        if self.keymap:
            values["keymap"] = dict(self.keymap)
        return values


def check_value(key: str, value: object) -> object:
    """The value for `key` as the file stores it, or ConfigError naming what is wrong."""
    if key == "theme":
        if value not in THEME_NAMES:
            raise ConfigError({key: f"one of {', '.join(THEME_NAMES)}, not {value!r}"})
        return value
    if key == "language":
        if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
            raise ConfigError({key: f"a language code like es, en or pt-BR, not {value!r}"})
        return value
    if key == "page_size":
        low, high = PAGE_SIZE_RANGE
        number = value
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value)
        if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
            raise ConfigError({key: f"a whole number from {low} to {high}, not {value!r}"})
        return number
    if key.startswith("keymap."):
        binding_id = key.removeprefix("keymap.")
        if not _BINDING_ID.fullmatch(binding_id):
            raise ConfigError({key: f"a binding id like register or query-customers, not {binding_id!r}"})
        return check_keys(key, value)
    raise ConfigError({key: f"not a setting; the settings are {', '.join(KEYS)} and keymap.BINDING_ID"})


def check_keys(key: str, value: object) -> str:
    """Comma-separated key names ("f6", "ctrl+h", "question_mark", "?"); spaces around commas dropped."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError({key: "one or more keys, comma-separated, like f6 or ctrl+h,f1"})
    parts = [part.strip() for part in value.split(",")]
    bad = [part for part in parts if not _KEY_NAME.fullmatch(part)]
    if bad:
        raise ConfigError({key: f"not a key name: {', '.join(repr(part) for part in bad)} (like f6, ctrl+h or a)"})
    return ",".join(parts)


def read_config(path: Path | None = None) -> UserConfig:
    """The file's settings (an empty UserConfig when there is no file); ConfigError when it is not valid."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return UserConfig()
    except OSError as error:
        raise ConfigError({"file": f"cannot be read ({error.strerror})"}, path=path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError({"file": f"not valid TOML ({error})"}, path=path) from None
    config = UserConfig()
    problems: dict[str, str] = {}
    for key, value in data.items():
        if key == "keymap":
            if not isinstance(value, dict):
                problems[key] = 'a table: [keymap] then lines like register = "f6"'
                continue
            keymap: dict[str, str] = {}
            for binding_id, keys in value.items():
                try:
                    keymap[binding_id] = str(check_value(f"keymap.{binding_id}", keys))
                except ConfigError as error:
                    problems.update(error.problems)
            config.keymap = keymap
            continue
        try:
            checked = check_value(key, value)  # an unknown key raises here
            setattr(config, key, checked)
        except ConfigError as error:
            problems.update(error.problems)
    if problems:
        raise ConfigError(problems, path=path)
    return config


def set_value(key: str, value: str, path: Path | None = None) -> UserConfig:
    """Check `value` for `key`, write it to the file (made with its folder if missing) and return the new
    contents. An empty value for `keymap.ID` takes that binding back to its own key."""
    path = path or config_path()
    config = read_config(path)
    if key.startswith("keymap.") and value == "":
        check_value(key, "x")  # the id must still be well formed
        keymap = dict(config.keymap or {})
        keymap.pop(key.removeprefix("keymap."), None)
        config.keymap = keymap
    elif key.startswith("keymap."):
        keymap = dict(config.keymap or {})
        keymap[key.removeprefix("keymap.")] = str(check_value(key, value))
        config.keymap = keymap
    else:
        setattr(config, key, check_value(key, value))
    write_config(config, path)
    return config


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes (\\", \\\\, \\n, \\uXXXX) are TOML's too."""
    return json.dumps(value, ensure_ascii=False)


def render_config(config: UserConfig) -> str:
    """The file's text for `config`."""
    lines = ["# crm-tui settings (crm-tui config set KEY VALUE); CRM_* environment variables override them."]
    for key in KEYS:
        value = getattr(config, key)
        if value is None:
            continue
        lines.append(f"{key} = {value}" if isinstance(value, int) else f"{key} = {_toml_string(value)}")
    if config.keymap:
        lines += ["", "[keymap]"]
        lines += [f"{binding_id} = {_toml_string(keys)}" for binding_id, keys in sorted(config.keymap.items())]
    return "\n".join(lines) + "\n"


def write_config(config: UserConfig, path: Path | None = None) -> Path:
    """Write the file whole (through a temporary file beside it, so a crash never leaves half a file)."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(render_config(config), encoding="utf-8")
    temporary.replace(path)
    return path

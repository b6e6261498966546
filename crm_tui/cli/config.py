"""`crm-tui config show | set`: the operator's settings that stay (theme, language, page size, keymap).

The file is TOML in the user's config folder (or CRM_CONFIG_FILE); `CRM_*` environment variables still
override what it says, and `show` tells which source each value came from. See crm_tui/user_config.py.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from crm_tui.cli.options import Json
from crm_tui.cli.output import Column, print_json, print_table, reports_errors, say
from crm_tui.cli.session import invocation
from crm_tui.errors import InvalidInput
from crm_tui.i18n import N_, _, pgettext

app = typer.Typer(help="Settings that stay: theme, language, page size, keymap.", no_args_is_help=True)


_SOURCE_WORDS = {"environment": N_("environment"), "file": N_("file"), "default": N_("default")}
"""Where a setting comes from, in words for the table (the JSON keeps the slug)."""


def _source_words(source: str) -> str:
    return _(_SOURCE_WORDS[source])


def _described(description: str | None) -> str:
    """A binding's description (English, marked where the binding is declared) in the operator's words."""
    return _(description) if description else ""


def _source(key: str, in_file: bool) -> str:
    if f"CRM_{key.upper()}" in os.environ:
        return "environment"
    return "file" if in_file else "default"


def _known_key(base: str) -> bool:
    """A key name Textual knows: one character, a named key (f6, escape, pageup) or a character's name."""
    from textual.keys import Keys, key_to_character

    names = {key.value.rpartition("+")[2] for key in Keys}
    return len(base) == 1 or base in names or key_to_character(base) is not None


def _check_binding(key: str, value: str) -> None:
    """`keymap.ID`: the id must be one of the workbench's bindings and every key one Textual knows."""
    from crm_tui.screens.keymap import workbench_bindings

    binding_id = key.removeprefix("keymap.")
    if binding_id not in workbench_bindings():
        raise InvalidInput(
            _("No key has the id {binding_id}; `crm-tui config show` lists them all.").format(
                binding_id=repr(binding_id)
            ),
            fields={key: _("not a binding id")},
        )
    unknown = [part for part in value.split(",") if part.strip() and not _known_key(part.strip().rpartition("+")[2])]
    if unknown:
        raise InvalidInput(
            _("Not a key: {keys} (like f6, ctrl+h, escape or a).").format(
                keys=", ".join(repr(part.strip()) for part in unknown)
            ),
            fields={key: _("not a key name")},
        )


@app.command("show")
@reports_errors
def config_show(as_json: Json = False) -> None:
    """The settings in force, where each comes from (file, environment, default), and every key by its id.

    Example: crm-tui config show --json
    """
    from crm_tui.screens.keymap import workbench_bindings
    from crm_tui.user_config import KEYS, ConfigError, config_path, read_config

    path = config_path()
    try:
        stored = read_config(path)
    except ConfigError as error:
        raise InvalidInput(str(error), fields=error.problems) from None
    settings = invocation().settings
    values = {
        key: {"value": getattr(settings, key), "source": _source(key, getattr(stored, key) is not None)} for key in KEYS
    }
    keymap_source = _source("keymap", bool(stored.keymap))
    keymap = dict(settings.keymap)
    bindings = [
        {
            "id": binding.binding_id,
            "key": keymap.get(binding.binding_id, binding.key),
            "default": binding.key,
            "description": binding.description,
            "where": binding.where,
        }
        for binding in workbench_bindings().values()
    ]
    if as_json:
        print_json(
            {
                "path": str(path),
                "exists": path.exists(),
                "settings": values,
                "keymap": {"value": keymap, "source": keymap_source},
                "bindings": bindings,
            }
        )
        return
    if path.exists():
        say(_("Config file: {path}").format(path=path))
    else:
        say(_("Config file: {path} (none yet: `crm-tui config set` makes it)").format(path=path))
    print_table(
        _("Settings"),
        [_("Key"), _("Value"), _("From")],
        [(key, str(entry["value"]), _source_words(entry["source"])) for key, entry in values.items()]
        + [(f"keymap.{binding_id}", keys, _source_words(keymap_source)) for binding_id, keys in sorted(keymap.items())],
    )
    print_table(
        _("Keys (remap with: crm-tui config set keymap.ID KEY)"),
        [Column("ID", code=True), pgettext("keyboard", "Key"), _("Default"), _("Does"), _("Where")],
        [
            (
                b["id"],
                b["key"],
                b["default"],
                _described(b["description"]),
                _("everywhere") if b["where"] == "everywhere" else b["where"],
            )
            for b in bindings
        ],
    )


@app.command("set")
@reports_errors
def config_set(
    key: Annotated[
        str,
        typer.Argument(help="theme | language | page_size | keymap.BINDING_ID. Example: keymap.register"),
    ],
    value: Annotated[
        str,
        typer.Argument(
            help="The new value; for keymap.ID one or more keys, comma-separated, empty for the default. Example: f6"
        ),
    ],
    as_json: Json = False,
) -> None:
    """Write one setting to the config file (made if missing); bad keys and values exit 2 and change nothing.

    Example: crm-tui config set theme crm-high-contrast
    """
    from crm_tui.user_config import ConfigError, config_path, set_value

    key = key.strip()
    if key.startswith("keymap.") and value.strip():
        _check_binding(key, value)
    path = config_path()
    try:
        stored = set_value(key, value.strip(), path)
    except ConfigError as error:
        raise InvalidInput(str(error), fields=error.problems) from None
    if key.startswith("keymap."):
        written: object = (stored.keymap or {}).get(key.removeprefix("keymap."))
    else:
        written = getattr(stored, key)
    overridden = f"CRM_{key.split('.')[0].upper()}" in os.environ
    if as_json:
        print_json({"path": str(path), "key": key, "value": written, "overridden_by_environment": overridden})
        return
    shown = _("its default") if written is None else str(written)
    say(_("{key} = {value} (in {path})").format(key=key, value=shown, path=path))
    if overridden:
        say(
            _("{variable} is set in this environment and overrides the file.").format(
                variable=f"CRM_{key.split('.')[0].upper()}"
            ),
            style="yellow",
        )

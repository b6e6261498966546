"""What every `crm-tui` command does the same way, before and around the command itself.

- `-h` is `--help`; `--version` / `-V` prints the version; `--install-completion` and
  `--show-completion` set up shell completion (typer's, for bash, zsh, fish and PowerShell).
- Usage errors (an unknown option, a missing argument, a value not among the choices) exit 2 like
  every invalid input, and with `--json` (or `--json-fields`) anywhere on the line they are one JSON
  document on stdout: `{"error": {"code": "usage_error", "message": ..., "fields": {OPTION: ...}}}`.
- `--json-fields a,b,c` on list commands keeps only those keys of each listed item (implies --json).
CrmGroup is the root command's class: it runs the command with typer's own handling and turns
what typer would print for a usage error into the document above when JSON was asked for.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer
from typer._click.exceptions import ClickException, NoSuchOption, UsageError
from typer.core import TyperGroup

from crm_tui.errors import InvalidInput

JSON_FLAGS = ("--json", "--json-fields")

_state: dict[str, Any] = {"json": False, "fields": None}


def json_requested() -> bool:
    """Whether this run's command line asked for JSON (errors then go to stdout as one document)."""
    return bool(_state["json"])


def selected_fields() -> list[str] | None:
    return _state["fields"]


def _wants_json(args: Sequence[str]) -> bool:
    return any(arg == flag or arg.startswith(flag + "=") for arg in args for flag in JSON_FLAGS)


def crm_version() -> str:
    try:
        return version("crm-tui")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def _option_name(error: UsageError) -> str:
    param = getattr(error, "param", None)
    if param is not None:
        opts = getattr(param, "opts", None) or [getattr(param, "name", "") or ""]
        longest = max(opts, key=len)
        return longest.lstrip("-").replace("-", "_") or "arguments"
    if isinstance(error, NoSuchOption):
        return error.option_name.lstrip("-").replace("-", "_")
    return "arguments"


def usage_document(error: UsageError) -> dict[str, Any]:
    message = error.format_message()
    body: dict[str, Any] = {"code": "usage_error", "message": message, "fields": {_option_name(error): message}}
    if error.ctx is not None:
        body["usage"] = error.ctx.get_usage().replace("Usage: ", "", 1)
    return {"error": body}


class CrmGroup(TyperGroup):
    """The root command: typer's run, with usage errors as JSON when JSON was asked for."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        _state["json"], _state["fields"] = _wants_json(argv), None
        if not standalone_mode or not _state["json"]:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(argv, prog_name, complete_var, False, **extra)
        except UsageError as error:
            sys.stdout.write(json.dumps(usage_document(error), ensure_ascii=False, indent=2) + "\n")
            sys.stdout.flush()
            sys.exit(error.exit_code)
        except ClickException as error:
            error.show()
            sys.exit(error.exit_code)
        except typer.Abort:
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _show_version(value: bool) -> None:
    if value:
        print(f"crm-tui {crm_version()}")
        raise typer.Exit(0)


VersionOption = Annotated[
    bool,
    typer.Option(
        "--version",
        "-V",
        is_eager=True,
        callback=_show_version,
        help="Print the version and exit. Example: crm-tui --version",
    ),
]


def _fields(value: str | None) -> str | None:
    if value:
        fields = [f.strip() for f in value.split(",") if f.strip()]
        if not fields:
            raise typer.BadParameter("Name at least one field, like customer_id,name.")
        _state["fields"], _state["json"] = fields, True
    return value


JsonFields = Annotated[
    str | None,
    typer.Option(
        "--json-fields",
        metavar="A,B,C",
        callback=_fields,
        help="Print only these keys of each listed item, as JSON (implies --json). Example: --json-fields customer_id,name",
    ),
]


def select_fields(document: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Each list of objects in the document keeps only `fields` (in that order); the rest stays.
    A field none of the items has is refused, naming the ones there are."""
    selected = dict(document)
    for key, value in document.items():
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            known = list(dict.fromkeys(k for item in value for k in item))
            unknown = [f for f in fields if f not in known]
            if unknown:
                raise InvalidInput(
                    f"No field {', '.join(unknown)} in {key}; there are: {', '.join(known)}.",
                    fields={"json_fields": f"One or more of {', '.join(known)}."},
                )
            selected[key] = [{f: item.get(f) for f in fields} for item in value]
    return selected

"""What every `crm-tui` command does the same way, before and around the command itself.

- `-h` is `--help`; `--version` / `-V` prints the version; `--install-completion` and
  `--show-completion` set up shell completion (typer's, for bash, zsh, fish and PowerShell).
- Usage errors (an unknown option, a missing argument, a value not among the choices) exit 2 like
  every invalid input, and with `--json` (or `--json-fields`) anywhere on the line they are one JSON
  document on stdout: `{"error": {"code": "usage_error", "message": ..., "fields": {OPTION: ...}}}`.
- `--json-fields a,b,c` on list commands keeps only those keys of each listed item (implies --json).
CrmGroup is the root command's class: it runs the command with typer's own handling and turns
what typer would print for a usage error into the document above when JSON was asked for.
LazyGroup lists a group's commands from a registry and imports one only when it is named.

Lazy imports: a registry's modules in `load` (that is the point), difflib for a typo's suggestion.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer
import typer.main
from typer._click import Context
from typer._click.exceptions import ClickException, NoSuchOption, UsageError
from typer.core import TyperCommand, TyperGroup

from crm_tui.errors import InvalidInput
from crm_tui.i18n import _

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


Registry = Mapping[str, tuple[str, str]]
"""NAME -> (where, help line): "module" with a typer `app` (a noun of verbs), or "module:function"
(one command); the help line is what `--help` lists, the first paragraph of the command's help."""


def load(name: str, where: str) -> typer.Typer:
    """A typer app holding NAME as `add_typer` (a module's `app`) or `command` (a function) would register it."""
    module_name, _, function = where.partition(":")
    module = importlib.import_module(module_name)
    holder = typer.Typer(add_completion=False)
    holder.callback()(_nothing)  # a group, so NAME comes out as one of its commands
    if function:
        holder.command(name)(getattr(module, function))
    else:
        holder.add_typer(module.app, name=name)
    return holder


def _nothing() -> None:
    """The callback of `load`'s holder (never run)."""


def help_line(command: Any) -> str:
    """The first paragraph of a command's help, on one line: what a registry's line must say."""
    return inspect.cleandoc(command.help or "").split("\n\n")[0].replace("\n", " ")


class LazyGroup(TyperGroup):
    """A group whose commands come from `registry` and load when named: `--help` lists the registry's
    lines (nothing imported); running, completing or suggesting a name loads what it names."""

    registry: Registry = {}
    _helping = False

    def list_commands(self, ctx: Context) -> list[str]:
        return [*self.registry, *(name for name in self.commands if name not in self.registry)]

    def get_command(self, ctx: Context, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in self.registry:
            where, line = self.registry[cmd_name]
            if self._helping:  # the help lists the command: its registry line will do
                return TyperCommand(cmd_name, help=line)
            group = typer.main.get_command(load(cmd_name, where))
            assert isinstance(group, TyperGroup)
            self.commands[cmd_name] = group.commands[cmd_name]
        return self.commands.get(cmd_name)

    def format_help(self, ctx: Context, formatter: Any) -> None:
        self._helping = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._helping = False

    def resolve_command(self, ctx: Context, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            if args and "Did you mean" not in error.message:
                from difflib import get_close_matches

                matches = get_close_matches(args[0], list(self.registry))
                if matches:
                    error.message = _("{message}. Did you mean {matches}?").format(
                        message=error.message.rstrip("."), matches=", ".join(map(repr, matches))
                    )
            raise


def lazy_group(registry: Registry) -> type[LazyGroup]:
    """The class of a typer app (`typer.Typer(cls=lazy_group(VERBS))`) whose commands are `registry`'s."""
    return type("LazyVerbs", (LazyGroup,), {"registry": registry})


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
        print(f"crm-tui {crm_version()}")  # i18n: not for people (the program's name and version)
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
            raise typer.BadParameter(_("Name at least one field, like customer_id,name."))
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
                    _("No field {unknown} in {key}; there are: {known}.").format(
                        unknown=", ".join(unknown), key=key, known=", ".join(known)
                    ),
                    fields={"json_fields": _("One or more of {known}.").format(known=", ".join(known))},
                )
            selected[key] = [{f: item.get(f) for f in fields} for item in value]
    return selected

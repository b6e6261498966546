"""What every `crm-tui` command does the same way, before and around the command itself.

- `-h` is `--help`; `--version` / `-V` prints the version; `--install-completion` and
  `--show-completion` set up shell completion (typer's, for bash, zsh, fish and PowerShell).
- Usage errors (an unknown option, a missing argument, a value not among the choices) exit 2 like
  every invalid input, and with `--json` (or `--json-fields`) anywhere on the line they are one JSON
  document on stdout: `{"error": {"code": "usage_error", "message": ..., "fields": {OPTION: ...}}}`.
- `--json-fields a,b,c` on list commands keeps only those keys of each listed item (implies --json).
- Usage errors are said in the operator's language (typer's own words are English): the usage
  line, where to find help and the reason, as typer lays them out, or in the JSON document.
CrmGroup is the root command's class: it runs the command with typer's own handling, except for a
usage error, which it says itself: in the operator's words, and as the document above when JSON
was asked for.
LazyGroup lists a group's commands from a registry and imports one only when it is named.

Lazy imports: a registry's modules in `load` (that is the point), difflib for a typo's suggestion.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import sys
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import typer
import typer.main
from typer._click import Context
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    ClickException,
    MissingParameter,
    NoSuchOption,
    UsageError,
)
from typer._click.utils import PacifyFlushWrapper
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


def _hint(error: UsageError) -> str:
    """The option or argument a usage error is about, quoted as typer quotes it: '--limit', 'ID'."""
    hint = getattr(error, "param_hint", None)
    param = getattr(error, "param", None)
    if hint is None and param is not None:
        return param.get_error_hint()
    if isinstance(hint, (list, tuple)):
        return " / ".join(repr(h) for h in hint)
    return repr(hint) if hint else ""


class UnknownCommand(UsageError):
    """A command name that is none of the group's, with the names it may have meant."""

    def __init__(self, name: str, matches: Sequence[str], ctx: Context | None = None) -> None:
        super().__init__(f"No such command {name!r}.", ctx)
        self.name, self.matches = name, list(matches)


_UNKNOWN_COMMAND = re.compile(r"No such command '(?P<name>[^']*)'\.(?: Did you mean (?P<matches>.*)\?)?$")
"""typer's words for a command name it does not know (with its suggestions, when it has some)."""


def _value_problem(error: BadParameter) -> str:
    """Why typer refused the value (pydantic checked it), in the operator's language; a reason not
    known here stays as typer said it."""
    cause = error.__cause__
    problems = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    if not problems:
        return error.message
    problem = problems[0]
    kind, value, limits = problem.get("type", ""), problem.get("input"), problem.get("ctx", {})
    words = {
        "int_parsing": _("{value} is not a whole number."),
        "int_from_float": _("{value} is not a whole number."),
        "float_parsing": _("{value} is not a number."),
        "bool_parsing": _("{value} is neither yes nor no (true, false)."),
        "greater_than_equal": _("{value} is too small: at least {limit}."),
        "greater_than": _("{value} is too small: more than {limit}."),
        "less_than_equal": _("{value} is too large: at most {limit}."),
        "less_than": _("{value} is too large: less than {limit}."),
        "enum": _("{value} is not one of {limit}."),
        "literal_error": _("{value} is not one of {limit}."),
    }.get(kind)
    if words is None:
        return error.message
    limit = next(iter(limits.values()), "")
    return words.format(value=repr(value), limit=limit)


def usage_message(error: UsageError) -> str:
    """A usage error in the operator's language (typer and click say theirs in English)."""
    if isinstance(error, NoSuchOption):
        message = _("No such option: {option}.").format(option=error.option_name)
        if error.possibilities:
            message += " " + _("Did you mean {matches}?").format(matches=", ".join(sorted(error.possibilities)))
        return message
    if isinstance(error, MissingParameter):
        if getattr(error.param, "param_type_name", "") == "argument":
            return _("Missing argument {argument}.").format(argument=_hint(error))
        return _("Missing option {option}.").format(option=_hint(error))
    if isinstance(error, BadParameter):
        problem = _value_problem(error)
        if getattr(error, "param", None) is None and not error.param_hint:
            return _("Invalid value: {problem}").format(problem=problem)
        return _("Invalid value for {option}: {problem}").format(option=_hint(error), problem=problem)
    if isinstance(error, BadOptionUsage) and error.message.endswith("requires an argument."):
        return _("Option {option} needs a value.").format(option=repr(error.option_name))
    unknown = _UNKNOWN_COMMAND.match(error.message)
    if isinstance(error, UnknownCommand) or unknown:
        if isinstance(error, UnknownCommand):
            name, matches = error.name, ", ".join(map(repr, error.matches))
        else:
            name, matches = unknown["name"], unknown["matches"]
        message = _("No such command {name}.").format(name=repr(name))
        if matches:
            message += " " + _("Did you mean {matches}?").format(matches=matches)
        return message
    extra = re.match(r"Got unexpected extra argument\(s\) \((?P<extra>.*)\)$", error.message)
    if extra:
        return _("Unexpected extra argument(s): {extra}.").format(extra=extra["extra"])
    return error.format_message()


def _usage_line(error: UsageError) -> str | None:
    if error.ctx is None:
        return None
    return error.ctx.get_usage().replace("Usage: ", "", 1)


def usage_document(error: UsageError) -> dict[str, Any]:
    message = usage_message(error)
    body: dict[str, Any] = {"code": "usage_error", "message": message, "fields": {_option_name(error): message}}
    usage = _usage_line(error)
    if usage is not None:
        body["usage"] = usage
    return {"error": body}


def show_usage_error(error: UsageError) -> None:
    """What typer prints for a usage error (the usage line, where to find help, the message in a
    panel), in the operator's language, on stderr."""
    from rich.console import Console  # noqa: PLC0415 - only when a usage error is shown
    from rich.markup import escape  # noqa: PLC0415
    from rich.panel import Panel  # noqa: PLC0415
    from typer import rich_utils  # noqa: PLC0415

    console = Console(stderr=True)
    usage = _usage_line(error)
    if usage is not None:
        console.print(escape(_("Usage: {usage}").format(usage=usage)), style=rich_utils.STYLE_USAGE_COMMAND)
        ctx = error.ctx
        if ctx is not None and ctx.command.get_help_option(ctx) is not None:
            console.print(
                escape(
                    _("Try '{command} {option}' for help.").format(
                        command=ctx.command_path, option=ctx.help_option_names[0]
                    )
                ),
                style=rich_utils.STYLE_ERRORS_SUGGESTION,
            )
    console.print(
        Panel(
            escape(usage_message(error)),
            border_style=rich_utils.STYLE_ERRORS_PANEL_BORDER,
            title=_("Error"),
            title_align=rich_utils.ALIGN_ERRORS_PANEL,
        )
    )


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
            if args and _UNKNOWN_COMMAND.match(error.message):
                from difflib import get_close_matches

                matches = get_close_matches(args[0], self.list_commands(ctx))
                raise UnknownCommand(args[0], matches, error.ctx) from None
            raise


def lazy_group(registry: Registry) -> type[LazyGroup]:
    """The class of a typer app (`typer.Typer(cls=lazy_group(VERBS))`) whose commands are `registry`'s."""
    return type("LazyVerbs", (LazyGroup,), {"registry": registry})


class CrmGroup(TyperGroup):
    """The root command: typer's run, with usage errors in the operator's language (as JSON when JSON
    was asked for)."""

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
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(argv, prog_name, complete_var, False, **extra)
        except UsageError as error:
            if _state["json"]:
                sys.stdout.write(json.dumps(usage_document(error), ensure_ascii=False, indent=2) + "\n")
                sys.stdout.flush()
            else:
                show_usage_error(error)
            sys.exit(error.exit_code)
        except ClickException as error:
            if _state["json"]:
                error.show()
            else:
                from typer import rich_utils  # noqa: PLC0415 - only when an error is shown

                rich_utils.rich_format_error(error)
            sys.exit(error.exit_code)
        except typer.Abort:
            sys.exit(1)
        except BrokenPipeError:  # `crm-tui customers list | head`: the reader left, as click would quietly
            sys.stdout = PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
            sys.stderr = PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
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

"""What a command shows: one JSON document, rich tables, diagnostics, progress bars, and the one
place failures become exit codes (CLI.md) and unexpected ones land in the error log.

Data goes to stdout (`--json`: exactly one document); diagnostics, prompts and progress to stderr.
Values read as `crm_tui.present` words them, with a blank where the screens show "—" (below).

Lazy imports: rich (consoles, tables, progress bars) inside the functions that draw, so a `--json`
command that succeeds never loads it (about a tenth of the import floor).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import typer

from crm_tui import present
from crm_tui.cli.conventions import json_requested, select_fields, selected_fields
from crm_tui.cli.session import invocation
from crm_tui.errors import CrmError
from crm_tui.i18n import N_, _

if TYPE_CHECKING:
    from rich.console import Console

_consoles: dict[str, Console] = {}


def _console(name: str) -> Console:
    """`out`: data for people, on stdout (rich picks the current sys.stdout at each write); `err`:
    diagnostics, prompts and progress on stderr, so `--json` stdout stays one document."""
    if name not in _consoles:
        from rich.console import Console

        _consoles[name] = Console(stderr=name == "err", highlight=False)
    return _consoles[name]


def out() -> Console:
    """The console for data on stdout (a receipt printed as text, say), built when first drawn."""
    return _console("out")


P = ParamSpec("P")
R = TypeVar("R")


def fresh_consoles() -> None:
    """New consoles for this run (the root callback calls it first, every run).

    Consoles read COLUMNS when built: build them per run, not only at import (pytest-xdist workers
    import with COLUMNS=80, and a script may set it for one run).
    """
    _consoles.clear()


# --- the CLI's vocabulary -------------------------------------------------------------------------
# crm_tui.present's words, with a blank for a missing value: the tables leave the cell empty, and
# commands test for it (`local_time(sent) or "pending"`, rows without a value are left out).

BLANK = ""

words = functools.partial(present.words, nothing=BLANK)
money_text = functools.partial(present.money_text, nothing=BLANK)
local_time = functools.partial(present.local_time, nothing=BLANK)
phone = functools.partial(present.phone, nothing=BLANK)
number = functools.partial(present.number, nothing=BLANK)
day = functools.partial(present.day, nothing=BLANK)


# --- data -----------------------------------------------------------------------------------------


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"Not JSON: {type(value).__name__}")


_indent: list[int | None] = [2]
"""How print_json indents: 2 for people and scripts; None (one line, C-speed) while a batch collects documents."""


@contextmanager
def one_line_json() -> Iterator[None]:
    """print_json writes each document on one line meanwhile (`crm-tui batch` reads them back)."""
    _indent.append(None)
    try:
        yield
    finally:
        _indent.pop()


def print_json(document: Any) -> None:
    """The one JSON document of a `--json` run, on stdout (`--json-fields`: only those keys of listed items)."""
    if hasattr(document, "model_dump"):
        document = document.model_dump(mode="json")
    fields = selected_fields()
    if fields and isinstance(document, dict) and "error" not in document:
        document = select_fields(document, fields)
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=_indent[-1], default=_default) + "\n")
    sys.stdout.flush()


def as_document(result: Any) -> dict[str, Any]:
    """A service result (pydantic model, dataclass or mapping) as a JSON-ready dict."""
    if hasattr(result, "model_dump"):
        return result.model_dump(mode="json")
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return json.loads(json.dumps(dataclasses.asdict(result), default=_default))
    return json.loads(json.dumps(dict(result), default=_default))


@dataclass(frozen=True)
class Column:
    """A table column: its header, whether it holds numbers or money (right-aligned), or a code never wrapped."""

    header: str
    numeric: bool = False
    code: bool = False


def print_table(
    title: str,
    columns: Sequence[Column | str],
    rows: Iterable[Sequence[Any]],
    *,
    to_stderr: bool = False,
    caption: str | None = None,
) -> None:
    """The one way the CLI shows rows to people: a rich table, "No Data" when empty.

    `title`, the headers and the caption arrive in the operator's language (the caller's `_()`)."""
    from rich.table import Table
    from rich.text import Text

    rows = list(rows)
    console = _console("err" if to_stderr else "out")
    if not rows:
        console.print(Text.assemble((title, "bold"), ": ", _("No Data")))
        return
    table = Table(
        title=Text(title, style="bold"), title_justify="left", caption=caption, caption_justify="left", expand=False
    )
    for column in columns:
        column = Column(column) if isinstance(column, str) else column
        table.add_column(
            column.header,
            justify="right" if column.numeric else "left",
            no_wrap=column.numeric or column.code,
            overflow="fold",
        )
    for row in rows:
        table.add_row(*(Text(_table_cell(cell)) for cell in row))
    console.print(table)


def _table_cell(cell: Any) -> str:
    """A cell as people read it: times and dates in the operator's locale and the shop's zone (never ISO)."""
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return local_time(cell)
    if isinstance(cell, date):
        return present.day(cell)
    return str(cell)


def print_stocked(what: str, stocked: int, given: int, *, as_json: bool) -> None:
    """What stocking a pool (numbers, SIM cards) did: how many went in, how many were there already."""
    if as_json:
        print_json({"stocked": stocked, "already_in_pool": given - stocked})
        return
    print_table(
        what,
        [_("What"), Column(_("How many"), numeric=True)],
        [(_("Stocked"), number(stocked)), (_("Already in the pool"), number(given - stocked))],
    )


def say(message: str, *, style: str = "") -> None:
    """A diagnostic line for people, on stderr (plain text: brackets in data are not markup)."""
    from rich.text import Text

    _console("err").print(Text(message, style=style))


def _rate_column(unit: str) -> Any:
    """A progress column: how many units a second (rows/s), from rich's own speed estimate (`unit` in
    the operator's language)."""
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else f"– {unit}/s", style="progress.data.speed")

    return RateColumn()


@contextmanager
def progress_bar(
    description: str, *, total: int | None = None, unit: str | None = None
) -> Iterator[Callable[..., None]]:
    """A rich progress bar on stderr with counts, time left and, given a unit, the rate (`rows/s`);
    yields `update(done, total=None, description=None)` (a new description: the stage of a long job)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        *((_rate_column(unit),) if unit else ()),
        TimeElapsedColumn(),
        TextColumn(_("left")),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=_console("err"), transient=False) as bar:
        task = bar.add_task(description, total=total)

        def update(done: int, total: int | None = None, description: str | None = None) -> None:
            changes: dict[str, Any] = {"total": total} if total is not None else {}
            if description is not None:
                changes["description"] = description
            bar.update(task, completed=done, **changes)

        yield update


# --- failures -------------------------------------------------------------------------------------

INTERRUPTED = 130


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """The one place failures become exit codes: CrmError by its `exit_code`, anything else 1 + log.

    With `--json` (an `as_json` parameter) the error document goes to stdout; otherwise a message
    naming the fields goes to stderr. Never a traceback on screen.
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        as_json = bool(kwargs.get("as_json")) or json_requested()
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except CrmError as error:
            show_error(error, as_json=as_json)
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            say(_("Interrupted."))
            raise typer.Exit(INTERRUPTED) from None
        except Exception as error:  # noqa: BLE001 - the last line of defence: log it, say where
            path = log_unexpected(error, command=command.__name__)
            message = _("Unexpected failure; details in {path}").format(path=path)
            say(message, style="red")
            if as_json:
                print_json({"error": {"code": "unexpected", "message": message}})
            raise typer.Exit(1) from None

    return wrapper


def show_error(error: CrmError, *, as_json: bool) -> None:
    if as_json:
        print_json(error.to_json())
        return
    from rich.text import Text

    _console("err").print(Text.assemble((f"{_(error.title)}: ", "bold red"), error.message))
    for name, message in error.fields.items():
        say(f"  {name}: {message}")
    for name, value in error.extra.items():
        label = _extra_words(name)
        if isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            headers = list(value[0])
            print_table(
                label,
                [Column(_extra_words(header), code=header.endswith("_id")) for header in headers],
                [[_cell(row.get(header)) for header in headers] for row in value],
                to_stderr=True,
            )
        else:
            say(f"  {label}: {_cell(value)}")


_EXTRA_WORDS = {
    "account_id": N_("Account id"),
    "actor": N_("Actor"),
    "created_at": N_("Created at"),
    "customer_id": N_("Customer id"),
    "existing_customer_id": N_("Existing customer id"),
    "expires_at": N_("Expires at"),
    "failed_step": N_("Failed step"),
    "held": N_("Held"),
    "kind": N_("Kind"),
    "language": N_("Language"),
    "name": N_("Name"),
    "near_matches": N_("Near matches"),
    "order_id": N_("Order id"),
    "order_type": N_("Order type"),
    "outstanding": N_("Outstanding"),
    "queue": N_("Queue"),
    "reason": N_("Reason"),
    "receipt_number": N_("Receipt number"),
    "ref_id": N_("Ref id"),
    "ref_type": N_("Ref type"),
    "role": N_("Role"),
    "score": N_("Score"),
    "service_number": N_("Service number"),
    "services": N_("Services"),
    "severity": N_("Severity"),
    "shop": N_("Shop"),
    "source": N_("Source"),
    "status": N_("Status"),
    "summary": N_("Summary"),
    "tries_left": N_("Tries left"),
    "username": N_("Username"),
}
"""The words for the extras services attach to an error (`existing_customer_id`...), as the slug reads
capitalised; an extra not listed here is shown that way, untranslated."""


def _extra_words(name: str) -> str:
    """An error extra's name (or a column of its rows) in words: `existing_customer_id` -> "Existing customer id"."""
    known = _EXTRA_WORDS.get(name)
    return _(known) if known else name.replace("_", " ").capitalize()


def _cell(value: Any) -> str:
    """An extra's value in a line of text: lists joined, nothing as empty."""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return "" if value is None else str(value)


def log_unexpected(error: BaseException, *, command: str, log: Path | None = None) -> Path:
    """Write the traceback to the log file (SQL parameters hidden: they may hold personal data).

    `log` defaults to the current run's log (the default data dir's if the settings cannot load).
    """
    _hide_sql_parameters(error)
    path = log or invocation().log_path()
    logger = logging.getLogger("crm_tui")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler(sys.stderr)  # nowhere to write: better on screen than lost
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    try:
        logger.error("Unexpected failure in `%s`", command, exc_info=error)
    finally:
        logger.removeHandler(handler)
        handler.close()
    return path


def _hide_sql_parameters(error: BaseException | None) -> None:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if hasattr(error, "hide_parameters"):
            error.hide_parameters = True  # type: ignore[attr-defined]
        error = error.__cause__ or error.__context__

"""`crm-tui batch [FILE|-]`: many commands in one process, under one sign-in, one JSON result a line.

Each input line is one JSON object, the command in the CLI's own words:
    {"cmd": ["customers", "show", "C0000000018"]}
    {"cmd": ["customers", "authenticate", "--service-number", "612345678"], "stdin": "1234\\n"}
Each output line (stdout, compact JSON, in input order) is its result:
    {"line": 1, "cmd": [...], "exit_code": 0, "document": {...}, "error": null}
`document` is what the command alone would print with `--json` (added when missing); `error` is
its `error` object when it failed, or the line's own problem (`malformed_line`: not JSON, no `cmd`,
a command that cannot run in a batch). Blank lines are skipped. Every command runs exactly as it
would alone, through the root command (its own transaction, its own exit code); only the database,
the settings and the sign-in are shared, and the audit entries it writes carry `"batch": ID`.

The batch exits 0 when every line did, 2 when a line was malformed, else the exit code of the
first command that did not exit 0. `--stop-on-error` stops after the first line that did not.
Progress goes to stderr, every two seconds and at the end.
"""

from __future__ import annotations

import io
import json
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from typer._click import Context
from typer._click.exceptions import ClickException, UsageError

from crm_tui.cli.conventions import usage_document
from crm_tui.cli.output import one_line_json, reports_errors, say
from crm_tui.cli.session import invocation, running_batch
from crm_tui.errors import InvalidInput
from crm_tui.i18n import N_, _

NOT_IN_A_BATCH = {
    "batch": N_("a batch cannot run a batch"),
    "open": N_("it opens the workbench"),
    "demo": N_("it changes the database and opens the workbench"),
}
"""Nouns a batch line may not name, with why (translated where said)."""

PROGRESS_EVERY = 2.0
"""Seconds between progress lines on stderr."""


@dataclass
class Tally:
    """What the batch has done so far: for the progress line and the batch's exit code."""

    ran: int = 0
    failed: int = 0
    malformed: int = 0
    first_failure: int = 0
    started: float = field(default_factory=time.monotonic)

    def count(self, exit_code: int, *, malformed: bool = False) -> None:
        self.ran += 1
        if exit_code:
            self.failed += 1
            self.malformed += malformed
            self.first_failure = self.first_failure or exit_code

    @property
    def exit_code(self) -> int:
        return 2 if self.malformed else self.first_failure

    def line(self, batch_id: str) -> str:
        elapsed = time.monotonic() - self.started
        rate = f", {self.ran / elapsed:,.0f}/s" if elapsed > 0 else ""
        return _("Batch {batch_id}: {ran} commands, {done} done, {failed} not{rate}").format(
            batch_id=batch_id,
            ran=f"{self.ran:,}",
            done=f"{self.ran - self.failed:,}",
            failed=f"{self.failed:,}",
            rate=rate,
        )


def _malformed(number: int, message: str, cmd: Any = None) -> dict[str, Any]:
    return {
        "line": number,
        "cmd": cmd,
        "exit_code": 2,
        "document": None,
        "error": {
            "code": "malformed_line",
            "message": _("Line {number}: {message}").format(number=number, message=message),
            "fields": {"line": str(number)},
        },
    }


def parse_line(number: int, text: str) -> tuple[list[str], str] | dict[str, Any]:
    """A line's command and its stdin, or the malformed-line result that says what is wrong."""
    try:
        entry = json.loads(text)
    except json.JSONDecodeError as error:
        return _malformed(
            number, _("not JSON ({reason} at column {column}).").format(reason=error.msg, column=error.colno)
        )
    if not isinstance(entry, dict) or "cmd" not in entry:
        return _malformed(
            number, _("not a command: write {example}.").format(example='{"cmd": ["customers", "show", "C0000000018"]}')
        )
    cmd, stdin = entry["cmd"], entry.get("stdin", "")
    if not isinstance(cmd, list) or not cmd or not all(isinstance(word, str) for word in cmd):
        return _malformed(number, _('"cmd" is a non-empty list of strings, the words of the command line.'), cmd)
    if not isinstance(stdin, str):
        return _malformed(number, _('"stdin" is a string: what the command reads from standard input.'), cmd)
    unknown = set(entry) - {"cmd", "stdin"}
    if unknown:
        return _malformed(
            number, _("unknown key {keys}: a line has cmd and stdin.").format(keys=", ".join(sorted(unknown))), cmd
        )
    noun = next((word for word in cmd if not word.startswith("-")), "")
    if noun in NOT_IN_A_BATCH:
        return _malformed(
            number, _("`{noun}` cannot run in a batch: {why}.").format(noun=noun, why=_(NOT_IN_A_BATCH[noun])), cmd
        )
    return cmd, stdin


@contextmanager
def _standard_streams(stdin: str) -> Iterator[io.StringIO]:
    """The command's stdout captured, and its stdin the line's `stdin` (never the batch's input)."""
    saved = sys.stdin, sys.stdout
    captured = io.StringIO()
    sys.stdin, sys.stdout = io.StringIO(stdin), captured
    try:
        yield captured
    finally:
        sys.stdin, sys.stdout = saved


def run_command(root: Context, words: list[str], stdin: str) -> tuple[int, Any]:
    """Run one command through the root command, as `crm-tui WORDS --json` would: exit code, document."""
    args = (
        words
        if any(word in ("--json", "--json-fields") or word.startswith("--json-fields=") for word in words)
        else [*words, "--json"]
    )
    with _standard_streams(stdin) as captured:
        try:
            code = root.command.main(args, prog_name=root.info_name, standalone_mode=False)
        except UsageError as error:
            sys.stdout.write(json.dumps(usage_document(error)))
            code = error.exit_code
        except ClickException as error:
            error.show()
            code = error.exit_code
        except typer.Abort:
            code = 1
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    text = captured.getvalue().strip()
    if not text:
        return (code if isinstance(code, int) else 0), None
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = {"output": text}  # not one JSON document: what it printed, as text
    return (code if isinstance(code, int) else 0), document


def run_lines(lines: Iterable[str], *, root: Context, batch_id: str, stop_on_error: bool, out: TextIO) -> Tally:
    """Run each line, writing its result as it finishes; the tally says how it went."""
    tally = Tally()
    shown = time.monotonic()
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        parsed = parse_line(number, text)
        if isinstance(parsed, dict):
            result = parsed
            tally.count(2, malformed=True)
        else:
            words, stdin = parsed
            code, document = run_command(root, words, stdin)
            error = document.get("error") if isinstance(document, dict) else None
            result = {"line": number, "cmd": words, "exit_code": code, "document": document, "error": error}
            tally.count(code)
        out.write(json.dumps(result, ensure_ascii=False, separators=(",", ":")) + "\n")
        out.flush()
        if time.monotonic() - shown >= PROGRESS_EVERY:
            say(tally.line(batch_id))
            shown = time.monotonic()
        if stop_on_error and result["exit_code"]:
            say(
                _("Stopped at line {number} (exit code {exit_code}): --stop-on-error.").format(
                    number=number, exit_code=result["exit_code"]
                )
            )
            break
    return tally


@reports_errors
def batch(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            metavar="FILE|-",
            help="JSON Lines, one command a line; - reads standard input. Example: data/examples/batch.jsonl",
        ),
    ] = "-",
    stop_on_error: Annotated[
        bool,
        typer.Option(
            "--stop-on-error", help="Stop after the first line that does not exit 0. Example: --stop-on-error"
        ),
    ] = False,
) -> None:
    """Run many commands in one process under one sign-in: one JSON result a line, in input order.

    A line is {"cmd": ["customers", "show", "C0000000018"]} (optionally "stdin": "text"). Exit 0
    when every line did; 2 when a line was malformed; else the first failing command's code.

    Example: crm-tui batch data/examples/batch.jsonl > results.jsonl
    """
    root = ctx.find_root()
    if source != "-" and not Path(source).is_file():
        raise InvalidInput(
            _("No file {source}.").format(source=source),
            fields={"file": _("Give a JSON Lines file, or - for standard input.")},
        )
    batch_id = f"B{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
    run = invocation()
    out = sys.stdout
    with (
        open(source, encoding="utf-8") if source != "-" else nullcontext(sys.stdin) as lines,  # noqa: SIM115
        running_batch(run, batch_id) as actor,
        one_line_json(),
    ):
        say(_("Batch {batch_id} as {username}").format(batch_id=batch_id, username=actor.username))
        tally = run_lines(lines, root=root, batch_id=batch_id, stop_on_error=stop_on_error, out=out)
    say(tally.line(batch_id))
    if tally.exit_code:
        raise typer.Exit(tally.exit_code)

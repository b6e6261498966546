"""`crm-tui customers import`: many customers from a file other systems or an office wrote.

The file is read as services/identity/import_readers.py says (CSV with its delimiter and encoding
detected, XLSX, JSON Lines, TMF629); `--check` reads and checks everything and writes nothing. The
refused rows go to a report beside the input (`FILE.errors.csv`: row, field, message, existing
customer), so a person fixes the file and runs it again; the rows already in are skipped.
Exit 0 only when every row is in (now or by an earlier run of the same file; rows kept but flagged
`incomplete` are in), 2 when some or all were refused (the counts say which), 6 for a CSR.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from crm_tui.cli.options import Json
from crm_tui.cli.output import Column, print_json, print_table, progress_bar, reports_errors, say
from crm_tui.cli.session import invocation
from crm_tui.i18n import _

if TYPE_CHECKING:
    from crm_tui.services.identity.importing import ImportReport

ImportFormat = Literal["auto", "csv", "xlsx", "jsonl", "tmf629"]
REPORT_COLUMNS = ("row", "field", "message", "existing_customer_id")
"""The error report's header: names for scripts and spreadsheets, like JSON keys (never translated)."""


def error_report_path(path: Path) -> Path:
    """Where the refused rows of an import of `path` are written: beside it, `NAME.errors.csv`."""
    return path.with_name(f"{path.name}.errors.csv")


def write_error_report(report: ImportReport, target: Path) -> Path | None:
    """The refused rows as CSV (UTF-8 with a BOM, so Excel reads accents); a stale report goes when none are."""
    problems = sorted([*report.duplicates, *report.errors], key=lambda p: p.line)
    if not problems:
        target.unlink(missing_ok=True)
        return None
    partial = target.with_name(target.name + ".partial")
    with partial.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows((p.line, p.field or "", p.message, p.existing_customer_id or "") for p in problems)
    partial.replace(target)
    return target


@reports_errors
def customers_import(
    path: Annotated[
        str,
        typer.Argument(
            metavar="FILE",
            help="The file: .csv, .xlsx, .jsonl (import format or TMF629 lines) or .json. Example: customers.csv",
        ),
    ],
    import_format: Annotated[
        ImportFormat,
        typer.Option(
            "--format",
            help="How to read FILE; auto goes by its name and first bytes. Example: --format tmf629",
        ),
    ] = "auto",
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Dry run: read and check every row, look up duplicates, write nothing. Example: --check",
        ),
    ] = False,
    errors_file: Annotated[
        str,
        typer.Option(
            "--errors",
            metavar="FILE",
            help="Write the refused rows here instead of beside the input (FILE.errors.csv). Example: --errors bad.csv",
        ),
    ] = "",
    as_json: Json = False,
) -> None:
    """Bulk import customers (supervisors); refused rows are reported by row and field, the rest go in.

    CSV delimiter and encoding are detected (UTF-8, Windows-1252, a BOM...); XLSX reads the first
    sheet. Safe to interrupt and run again: rows already in are skipped, nothing is created twice.
    Exit 0 every row is in, 2 some or all were refused (see the counts and FILE.errors.csv).

    Example: crm-tui customers import customers.csv --check
    """
    from crm_tui.services.identity.importing import import_customers, inspect_source

    source, total = inspect_source(path, format=import_format)
    run = invocation()
    services, actor = run.services(), run.actor()
    reading = _("Reading {file} as {format}").format(file=source.path.name, format=source.format)
    if source.format == "csv":
        reading += " " + _("({encoding}, delimiter {delimiter})").format(
            encoding=source.encoding, delimiter=repr(source.delimiter)
        )
    say(reading + (_(": dry run, nothing is written.") if check else "."))
    done = 0
    started = time.monotonic()
    with progress_bar(_("Checking") if check else _("Importing"), total=total, unit=_("rows")) as update:

        def step(n: int) -> None:
            nonlocal done
            done += n
            update(done)

        report = import_customers(
            source.path, services=services, actor=actor, format=source.format, check=check, progress=step
        )
        update(done, total=done)
    seconds = max(time.monotonic() - started, 1e-9)
    target = Path(errors_file) if errors_file else error_report_path(source.path)
    try:
        written = write_error_report(report, target)
    except OSError as error:
        written = None
        say(
            _("Could not write the error report {target}: {reason}.").format(
                target=target, reason=error.strerror or error
            ),
            style="yellow",
        )
    document = report.model_dump(mode="json") | {
        "error_report": str(written) if written else None,
        "rows_per_second": round(report.rows / seconds, 1),
    }
    if as_json:
        print_json(document)
    else:
        _print(report, written)
    if report.refused:
        raise typer.Exit(2)


def _print(report: ImportReport, written: Path | None) -> None:
    if report.check:
        parts = [_("{rows} rows: {created} would be created").format(rows=report.rows, created=report.created)]
    else:
        parts = [_("{rows} rows: {created} created").format(rows=report.rows, created=report.created)]
    if report.already_imported:
        parts.append(_("{count} already imported by an earlier run").format(count=report.already_imported))
    parts.append(
        _("{duplicates} duplicates, {errors} errors").format(
            duplicates=len(report.duplicates), errors=len(report.errors)
        )
    )
    say(", ".join(parts) + ".")
    if report.incomplete:
        say(
            _("{count} kept but flagged incomplete (no usable birthday): crm-tui customers list --incomplete").format(
                count=report.incomplete
            ),
            style="yellow",
        )
        print_table(
            _("Imported with a warning"),
            [Column(_("Row"), numeric=True), _("Field"), _("Warning")],
            [(p.line, p.field or "", p.message) for p in report.warnings[:50]],
        )
    problems = sorted([*report.duplicates, *report.errors], key=lambda p: p.line)
    if problems:
        print_table(
            _("Not imported") if not report.check else _("Would not be imported"),
            [Column(_("Row"), numeric=True), _("Field"), _("Problem"), Column(_("Existing customer"), code=True)],
            [(p.line, p.field or "", p.message, p.existing_customer_id or "") for p in problems[:50]],
            caption=_("All {count} in {file}").format(count=len(problems), file=written) if written else None,
        )

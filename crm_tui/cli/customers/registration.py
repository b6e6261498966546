"""`crm-tui customers register | export`: one customer in, every customer out.

`register --file` takes one customer with every check of the Registration screen; `export` writes
them out in the import format or as TMF629 / TMF632 (`import`, many in, is importing.py).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from crm_tui.cli.options import ConfirmDifferent, Json, build_document, read_text
from crm_tui.cli.output import (
    money_text,
    phone,
    print_json,
    print_table,
    progress_bar,
    reports_errors,
    say,
    show_error,
    words,
)
from crm_tui.cli.session import checked_early, invocation
from crm_tui.domain import CreditLevel, CustomerStatus, QueueName
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _


class ExportStatus(StrEnum):
    """The states an export may narrow to (merged and erased customers are never exported)."""

    ACTIVE = "active"
    IDLE = "idle"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    ARCHIVED = "archived"


if TYPE_CHECKING:
    from crm_tui.services.identity.registration import RegistrationResult
    from crm_tui.services.identity.registration_form import RegistrationForm


def _read_form(file: str, *, confirm_different: list[str]) -> RegistrationForm:
    """One customer in the import format from a JSON file (`-`: stdin); attachment paths relative to it."""
    from crm_tui.services.identity.registration_form import RegistrationForm

    raw = read_text(file)
    folder = Path.cwd() if file == "-" else Path(file).expanduser().parent
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InvalidInput(
            _("{file} is not JSON: {reason} at line {line}, column {column}.").format(
                file=file, reason=error.msg, line=error.lineno, column=error.colno
            ),
            fields={"file": _("Not JSON.")},
        ) from None
    if not isinstance(document, dict):
        raise InvalidInput(
            _("The file holds one customer: a JSON object."), fields={"file": _("One JSON object expected.")}
        )
    if isinstance(document.get("attachments"), list):
        document["attachments"] = [
            str(folder / item) if isinstance(item, str) else item for item in document["attachments"]
        ]
    given = document.get("confirmed_different_from", [])
    if confirm_different and isinstance(given, list):
        document["confirmed_different_from"] = [*given, *confirm_different]
    return build_document(
        RegistrationForm,
        document,
        unknown=_("Not a field of the import format."),
        refused=_("The file does not follow the import format (see the README)."),
    )


@reports_errors
def customers_register(
    file: Annotated[
        str,
        typer.Option(
            "--file",
            metavar="F.json",
            help="One customer in the import format (README); `-` reads stdin. Example: --file data/examples/customer.json",
        ),
    ],
    confirm_different: ConfirmDifferent = None,
    as_json: Json = False,
) -> None:
    """Register a new customer with every check of the Registration screen.

    Exit 0 registered, 2 field errors, 3 already registered or near matches to confirm, 4 held for a supervisor.

    Example: crm-tui customers register --file data/examples/customer.json --json
    """
    from crm_tui.services.identity.near_matches import PossibleDuplicates
    from crm_tui.services.identity.registration import register_customer
    from crm_tui.services.identity.registration_form import validate_registration

    run = invocation()
    settings = run.settings
    form = _read_form(file, confirm_different=confirm_different or [])
    checks = {"region": settings.default_region, "min_age": settings.min_customer_age}
    today = datetime.now(UTC).date()  # the service's own "today"
    checked_early(lambda: validate_registration(form, today=today, **checks))  # bad input answers before any sign-in
    try:
        result = register_customer(
            form,
            uow=run.services().writer(),
            actor=run.actor(),
            currency=settings.currency,
            timezone=settings.timezone,
            data_dir=settings.data_dir,
            **checks,
        )
    except PossibleDuplicates as error:
        show_error(error, as_json=as_json)
        if not as_json:
            say(_("If each of them is another person, run again with --confirm-different ID for each."))
        raise typer.Exit(error.exit_code) from None
    if as_json:
        print_json(result)
    else:
        _print_registration(result, currency=settings.currency)
    if result.held:
        say(
            _("Held for review in {queue} (item {item_id}): {reason}").format(
                queue=words(result.held.queue, QueueName), item_id=result.held.item_id, reason=result.held.reason
            ),
            style="yellow",
        )
        raise typer.Exit(4)
    say(_("Registered {customer_id}.").format(customer_id=result.customer_id))


def _print_registration(result: RegistrationResult, *, currency: str) -> None:
    rows = [
        (_("Customer ID"), result.customer_id),
        (_("State"), words(result.status, CustomerStatus)),
        (_("Account"), result.account_code),
        (_("Service number"), phone(result.service_number)),
        (
            _("Credit level"),
            _("{level} (limit {limit})").format(
                level=words(result.credit_level, CreditLevel), limit=money_text(result.credit_limit, currency)
            ),
        ),
    ]
    rows += [(_("Warning"), warning) for warning in result.warnings]
    if result.near_matches_confirmed:
        rows.append((_("Confirmed different from"), ", ".join(result.near_matches_confirmed)))
    print_table(
        _("Held for review") if result.held else _("Registered"),
        [_("Field"), _("Value")],
        [row for row in rows if row[1]],
    )


@reports_errors
def customers_export(
    export_format: Annotated[
        Literal["jsonl", "tmf629", "tmf632"],
        typer.Option(
            "--format",
            help="jsonl: the import format; tmf629: TM Forum Customer resources; tmf632: their Individual and "
            "Organization parties. Example: --format tmf629",
        ),
    ] = "jsonl",
    output: Annotated[
        str,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write here instead of stdout. Example: -o customers.jsonl"
        ),
    ] = "",
    status: Annotated[
        list[ExportStatus] | None,
        typer.Option(
            "--status",
            help="Only customers in this state (repeatable); default all but merged and erased. Example: --status active",
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Export customers, one JSON object per line (admins; recorded in the audit trail).

    Without --output the lines go to stdout and the summary to stderr; --json prints the summary as
    one JSON document on stdout, so it needs --output.

    Example: crm-tui customers export --format tmf629 -o customers.tmf629.jsonl
    """
    from crm_tui.services.customers.export import (
        count_exportable,
        export_customers,
    )

    if as_json and not output:
        raise InvalidInput(
            _("--json prints the summary on stdout, where the export goes: add --output FILE."),
            fields={"output": _("Required with --json.")},
        )
    run = invocation()
    services, actor = run.services(), run.actor()
    statuses = [s.value for s in status] if status else None
    total = count_exportable(services=services, actor=actor, format=export_format, statuses=statuses)
    target = Path(output) if output else None
    partial = target.with_name(target.name + ".partial") if target else None
    handle = partial.open("w", encoding="utf-8") if partial else sys.stdout
    done = 0
    try:
        with progress_bar(_("Exporting"), total=total) as update:

            def step(n: int) -> None:
                nonlocal done
                done += n
                update(done)

            report = export_customers(
                handle.write, services=services, actor=actor, format=export_format, statuses=statuses, progress=step
            )
    except BaseException:
        if partial:
            handle.close()
            partial.unlink(missing_ok=True)  # never half a file under the name asked for
        raise
    if partial and target:
        handle.close()
        partial.replace(target)
    if as_json:
        print_json(report.model_dump(mode="json") | {"file": str(target)})
        return
    if target:
        say(
            _("Exported {count} customers ({format}) to {target}.").format(
                count=report.customers, format=report.format, target=target
            )
        )
    else:
        say(_("Exported {count} customers ({format}).").format(count=report.customers, format=report.format))

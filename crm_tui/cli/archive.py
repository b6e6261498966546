"""`crm-tui archive`: what is kept of former customers and lines: show it, purge what expired."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.options import Json
from crm_tui.cli.output import (
    Column,
    local_time,
    print_json,
    print_table,
    reports_errors,
)
from crm_tui.cli.session import invocation
from crm_tui.i18n import _

app = typer.Typer(help="History storage of former customers and lines.", no_args_is_help=True)


@app.command("show")
@reports_errors
def archive_show(
    customer_id: Annotated[str, typer.Argument(metavar="ID", help="A terminated customer's ID. Example: C0000000018")],
    as_json: Json = False,
) -> None:
    """What the archive keeps of a terminated customer, and until when.

    Example: crm-tui archive show C0000000018 --json
    """
    from crm_tui.services.privacy import archive

    run = invocation()
    records = archive.show_archive(customer_id, uow=run.services().reader(), actor=run.actor())
    if as_json:
        print_json({"records": [r.model_dump(mode="json") for r in records]})
        return
    print_table(
        _("Archive of {customer_id}").format(customer_id=customer_id),
        [_("Kind"), _("Subject"), _("Consent"), _("Archived"), _("Keep until"), _("Kept")],
        [
            (
                r.kind,
                r.subject_key or "",
                _("yes") if r.consent else _("no"),
                local_time(r.archived_at),
                local_time(r.retain_until),
                ", ".join(k for k, v in r.payload.items() if v) or (_("erased") if r.erased else ""),
            )
            for r in records
        ],
    )


@app.command("purge")
@reports_errors
def archive_purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would be removed. Example: --dry-run")
    ] = False,
    as_json: Json = False,
) -> None:
    """Remove archive records past their retention date, and stored files no customer refers to.

    Example: crm-tui archive purge --dry-run
    """
    from crm_tui.services.privacy import archive

    run = invocation()
    services = run.services()
    report = archive.purge_archive(
        uow=services.writer(), actor=run.actor(), dry_run=dry_run, data_dir=services.settings.data_dir
    )
    if as_json:
        print_json(report)
        return
    print_table(
        _("Would remove") if dry_run else _("Removed"),
        [Column(_("Record"), numeric=True), _("Kind"), Column(_("Customer"), code=True), _("Keep until")],
        [(r.id, r.kind, r.customer_id, local_time(r.retain_until)) for r in report.records],
    )

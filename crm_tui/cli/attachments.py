"""`crm-tui attachments`: the stored files (ID scans, signed forms): sweep the ones no customer refers to."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.options import Json
from crm_tui.cli.output import print_json, print_table, reports_errors, say
from crm_tui.cli.session import invocation
from crm_tui.i18n import _

app = typer.Typer(help="Stored files: ID scans and signed forms.", no_args_is_help=True)


@app.command("sweep")
@reports_errors
def attachments_sweep(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be removed. Example: --dry-run")
    ] = False,
    grace_minutes: Annotated[
        int,
        typer.Option(
            "--grace-minutes",
            min=0,
            help="Keep orphans younger than this (a registration may be committing). Example: --grace-minutes 120",
        ),
    ] = 60,
    as_json: Json = False,
) -> None:
    """Remove stored files that no customer's attachment refers to (left by a process killed mid-registration).

    Example: crm-tui attachments sweep --dry-run
    """
    from datetime import timedelta

    from crm_tui.services.privacy.orphans import sweep_orphans

    run = invocation()
    services = run.services()
    report = sweep_orphans(
        uow=services.writer(),
        actor=run.actor(),
        data_dir=services.settings.data_dir,
        dry_run=dry_run,
        grace=timedelta(minutes=grace_minutes),
    )
    if as_json:
        print_json(report)
        return
    print_table(
        _("Would sweep") if dry_run else _("Swept"),
        [
            _("Files checked"),
            _("Orphans"),
            _("Removed") if not dry_run else _("Would remove"),
            _("Bytes"),
            _("Kept (too young)"),
        ],
        [(report.files_checked, report.orphans, report.removed, report.bytes_removed, report.kept_too_young)],
    )
    say(_("Folder: {folder}").format(folder=report.folder))

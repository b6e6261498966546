"""`crm-tui dispatch`: send the outbox's notifications (email over SMTP, SMS through the gateway)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from crm_tui.cli.options import Json
from crm_tui.cli.output import print_json, print_table, reports_errors, say
from crm_tui.cli.session import invocation
from crm_tui.i18n import _

app = typer.Typer(
    help="Tell customers what happened: send the outbox.\n\nExample: crm-tui dispatch --once   # from cron",
    invoke_without_command=True,
)


@app.callback()
@reports_errors
def dispatch(
    once: Annotated[
        bool, typer.Option("--once", help="One pass over what is due, then exit (for cron). Example: --once")
    ] = False,
    interval: Annotated[
        float,
        typer.Option("--interval", min=0.5, help="Seconds between passes (without --once). Example: --interval 10"),
    ] = 10.0,
    as_json: Json = False,
) -> None:
    """Send every notification that is due; safe to run on several machines at once (each event once).

    Without --once it keeps going until Ctrl+C. Needs no operator: it acts as the system.
    """
    from crm_tui.services.notifications.dispatcher import dispatch_once

    services = invocation().services()
    while True:
        report = dispatch_once(services=services)
        if as_json:
            print_json(report)
        else:
            print_table(
                _("Dispatched"),
                [
                    _("Sent"),
                    _("Deferred (quiet hours)"),
                    _("Skipped"),
                    _("Retrying"),
                    _("Failed"),
                    _("Taken by another"),
                ],
                [
                    (
                        report.sent,
                        report.deferred,
                        report.skipped,
                        report.retrying,
                        report.failed,
                        report.taken_by_another,
                    )
                ],
            )
        if once:
            return
        say(_("Next pass in {seconds} s; Ctrl+C stops.").format(seconds=f"{interval:g}"))
        time.sleep(interval)

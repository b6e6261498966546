"""`crm-tui subscribers suspend-overdue`: the overdue scan cron runs (idempotent, no operator needed)."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui import present
from crm_tui.cli.options import Json, parse_moment
from crm_tui.cli.output import Column, money_text, phone, print_json, print_table, reports_errors
from crm_tui.cli.session import invocation
from crm_tui.i18n import _


@reports_errors
def subscribers_suspend_overdue(
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of",
            help="ISO date-time the debt is judged at (default: now; later needs a supervisor). Example: --as-of 2030-03-01T09:00",
        ),
    ] = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the lines it would suspend; change nothing. Example: --dry-run")
    ] = False,
    as_json: Json = False,
) -> None:
    """Suspend for debt every active line whose account owes past the grace period (data/overdue_rules.json).

    For cron: idempotent (a suspended line is left alone), safe on two machines at once, no operator
    needed at the right time. Exit 7 when an external system failed for some line (its order waits).

    Example: crm-tui subscribers suspend-overdue --json   # from cron, daily
    """
    from crm_tui.services.lifecycle.overdue import suspend_overdue
    from crm_tui.services.orders.operations import runs_ahead

    run = invocation()
    moment = parse_moment(as_of) if as_of else None
    actor = run.actor() if runs_ahead(moment) else None
    scan = suspend_overdue(services=run.services(), actor=actor, as_of=moment, dry_run=dry_run)
    if as_json:
        print_json(scan)
    else:
        print_table(
            _("Overdue scan · grace {days} days · {accounts} account(s) overdue").format(
                days=scan.grace_days, accounts=scan.accounts_overdue
            ),
            [
                _("Line"),
                _("Customer"),
                _("Account"),
                Column(_("Overdue"), numeric=True),
                _("Due since"),
                _("Outcome"),
                _("Order"),
            ],
            [
                (
                    phone(line.service_number),
                    line.customer_id,
                    line.account_id,
                    money_text(line.overdue, run.settings.currency),
                    present.day(line.oldest_due_on),
                    line.outcome.replace("_", " "),
                    line.order_id or "",
                )
                for line in scan.lines
            ],
        )
    if scan.failed:
        raise typer.Exit(7)

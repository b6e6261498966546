"""`crm-tui audit`: the append-only, hash-chained audit trail: show entries, verify the chain."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.options import CustomerFilter, Json
from crm_tui.cli.output import (
    Column,
    local_time,
    print_json,
    print_table,
    reports_errors,
    say,
)
from crm_tui.cli.session import invocation

app = typer.Typer(help="The append-only, hash-chained audit trail.", no_args_is_help=True)


@app.command("show")
@reports_errors
def audit_show(
    customer_id: CustomerFilter = "",
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 200,
    as_json: Json = False,
) -> None:
    from crm_tui.services.shared import audit

    run = invocation()
    entries = audit.show_entries(
        uow=run.services().reader(), actor=run.actor(), customer_id=customer_id or None, limit=limit
    )
    if as_json:
        print_json({"entries": [e.model_dump(mode="json") for e in entries]})
        return
    print_table(
        "Audit trail",
        [Column("#", numeric=True), "When", "Operator", "Action", "Entity", "Summary"],
        [
            (
                e.id,
                local_time(e.at),
                f"{e.operator} ({e.role})",
                e.action,
                f"{e.entity_type} {e.entity_id}",
                ", ".join(f"{k}={v}" for k, v in e.summary.items()),
            )
            for e in entries
        ],
    )


@app.command("verify")
@reports_errors
def audit_verify(as_json: Json = False) -> None:
    """Recompute the hash chain; exit 3 naming the first broken link if a row was changed or removed."""
    from crm_tui.services.shared import audit

    run = invocation()
    report = audit.verify_chain(uow=run.services().reader(), actor=run.actor())
    if as_json:
        print_json(report)
    elif report.intact:
        say(f"Audit trail intact: {report.entries:,} entries.")
    else:
        say(f"Audit trail BROKEN at entry {report.first_broken_id}: {report.problem}.", style="bold red")
    if not report.intact:
        raise typer.Exit(3)

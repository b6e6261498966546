"""`crm-tui events`: the outbox: who must be told what, and whether it was sent."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.conventions import JsonFields
from crm_tui.cli.options import Json, parse_moment
from crm_tui.cli.output import (
    Column,
    local_time,
    print_json,
    print_table,
    reports_errors,
)
from crm_tui.cli.session import invocation
from crm_tui.i18n import _

app = typer.Typer(help="The outbox: who must be told what.", no_args_is_help=True)


@app.command("list")
@reports_errors
def events_list(
    since: Annotated[str, typer.Option("--since", help="ISO date-time. Example: --since 2026-12-01T00:00")] = "",
    event_type: Annotated[
        str, typer.Option("--type", help="Only events of this type. Example: --type customer.registered")
    ] = "",
    as_json: Json = False,
    json_fields: JsonFields = None,
) -> None:
    """The outbox: events other systems are told about, oldest first.

    Example: crm-tui events list --type customer.registered --json-fields event_type,aggregate_id
    """
    from crm_tui.services.shared import events

    run = invocation()
    found = events.list_events(
        uow=run.services().reader(),
        actor=run.actor(),
        since=parse_moment(since) if since else None,
        event_type=event_type or None,
    )
    if as_json or json_fields:
        print_json({"events": [e.model_dump(mode="json") for e in found]})
        return
    print_table(
        _("Outbox"),
        [Column("#", numeric=True), _("When"), _("Event"), _("About"), _("Sent")],
        [
            (
                e.id,
                local_time(e.created_at),
                e.event_type,
                f"{e.aggregate_type} {e.aggregate_id}",
                local_time(e.dispatched_at) or _("pending"),
            )
            for e in found
        ],
    )

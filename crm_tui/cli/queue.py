"""`crm-tui queue`: the supervisor's queues: list them or their items, act on an item."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.conventions import JsonFields
from crm_tui.cli.options import Json, Note
from crm_tui.cli.output import (
    Column,
    local_time,
    print_json,
    print_table,
    reports_errors,
    say,
    words,
)
from crm_tui.cli.session import invocation
from crm_tui.domain import QueueName
from crm_tui.i18n import _, pgettext
from crm_tui.present import erasure_outcome

app = typer.Typer(help="The supervisor's queues.", no_args_is_help=True)


@app.command("list")
@reports_errors
def queue_list(
    queue: Annotated[
        str, typer.Argument(help="A queue; without it, every queue with its count. Example: held_registrations")
    ] = "",
    as_json: Json = False,
    json_fields: JsonFields = None,
) -> None:
    """The supervisor queues with their open items, or the items of one queue.

    Example: crm-tui queue list held_registrations --json-fields item_id,status,reason
    """
    from crm_tui.services import queues

    run = invocation()
    services, actor = run.services(), run.actor()
    if not queue:
        summaries = queues.queue_summaries(uow=services.reader(), actor=actor)
        if as_json or json_fields:
            print_json({"queues": [s.model_dump(mode="json") for s in summaries]})
        else:
            print_table(
                _("Queues"),
                [_("Queue"), Column(pgettext("items still open", "Open"), numeric=True), _("Oldest"), _("Actions")],
                [(s.label, s.open, local_time(s.oldest), ", ".join(s.actions)) for s in summaries],
            )
        return
    items = queues.list_queue(queue, uow=services.reader(), actor=actor)
    if as_json or json_fields:
        print_json({"queue": queue, "items": [i.model_dump(mode="json") for i in items]})
        return
    print_table(
        words(queue, QueueName),
        [
            Column(_("Item"), numeric=True),
            Column(_("Ref"), code=True),
            _("Status"),
            _("Claimed by"),
            _("Reason"),
            _("Since"),
        ],
        [(i.item_id, i.ref_id, i.status, i.claimed_by or "", i.reason, local_time(i.created_at)) for i in items],
    )


@app.command("act")
@reports_errors
def queue_act(
    queue: Annotated[str, typer.Argument(help="The queue (see `queue list`). Example: held_registrations")],
    item: Annotated[int, typer.Argument(help="The item's number in it. Example: 1")],
    action: Annotated[str, typer.Argument(help="What to do, one of the queue's actions. Example: approve")],
    note: Note = "",
    as_json: Json = False,
) -> None:
    """Act on an item (approve, reject, merge, dismiss, retry, cancel ... as the queue allows).

    Example: crm-tui queue act held_registrations 1 approve --note 'Receipt seen'
    """
    from crm_tui.services import queues

    run = invocation()
    result = queues.act_on_item(queue, item, action, services=run.services(), actor=run.actor(), note=note)
    if as_json:
        print_json(result)
        return
    say(
        _("{queue} item {item_id}: {action} → {status}.").format(
            queue=words(result.queue, QueueName), item_id=result.item_id, action=result.action, status=result.status
        )
    )
    if result.queue == QueueName.ERASURE_REQUESTS and result.status == "approved":
        say(erasure_outcome(result.detail))

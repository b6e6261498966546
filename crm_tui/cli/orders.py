"""`crm-tui orders`: the durable orders: list, show, resume after a crash, retry, cancel, run-due.

`print_order` is how every command that starts an order (suspend, resume, deregister, terminate)
shows it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crm_tui import present
from crm_tui.cli.conventions import JsonFields
from crm_tui.cli.options import CustomerFilter, Json, Note, parse_moment
from crm_tui.cli.output import (
    Column,
    local_time,
    phone,
    print_json,
    print_table,
    reports_errors,
    say,
)
from crm_tui.cli.session import invocation
from crm_tui.i18n import _

if TYPE_CHECKING:
    from crm_tui.services.orders import engine as orders

app = typer.Typer(
    help="Durable orders: list, show, resume after a crash, retry, cancel, run reserved ones.", no_args_is_help=True
)


def print_order(order: orders.OrderView, *, as_json: bool) -> None:
    """An order and its steps: one JSON document, or a table of the steps."""
    if as_json:
        print_json(order)
        return
    print_table(
        _("Order {order_id} · {type} · {status}").format(
            order_id=order.order_id, type=order.type.replace("_", " "), status=order.status
        ),
        [Column("#", numeric=True), _("Step"), _("Status"), Column(_("Attempts"), numeric=True), _("Answer or error")],
        [(s.seq, s.label, s.status, s.attempts, s.error or s.answer or "") for s in order.steps],
        caption=_("Customer {customer_id} · line {line}").format(
            customer_id=present.text(order.customer_id), line=present.phone(order.service_number)
        ),
    )


RESERVED_EXIT = 4
"""An order accepted and waiting for its effective date exits 4 (README's exit-code table)."""


def exit_if_reserved(order: orders.OrderView | None) -> None:
    """Exit 4 when the order waits for its date; the order was already printed (JSON or table)."""
    if order is not None and order.status == "reserved":
        if order.effective_at is not None:
            say(
                _("Order {order_id} waits for {when}; `crm-tui orders run-due` runs it.").format(
                    order_id=order.order_id, when=local_time(order.effective_at)
                )
            )
        raise typer.Exit(RESERVED_EXIT)


OrderNumber = Annotated[str, typer.Argument(metavar="ORDER", help="The order number. Example: ORD000000004")]


@app.command("list")
@reports_errors
def orders_list(
    status: Annotated[
        str, typer.Option("--status", help="open, reserved, failed, closed or cancelled. Example: --status failed")
    ] = "",
    customer_id: CustomerFilter = "",
    as_json: Json = False,
    json_fields: JsonFields = None,
) -> None:
    """List orders, newest first; --status and --customer narrow the list.

    Example: crm-tui orders list --status failed --json-fields order_id,type,status
    """
    from crm_tui.services.orders import engine as orders

    run = invocation()
    found = orders.list_orders(
        uow=run.services().reader(), actor=run.actor(), status=status or None, customer_id=customer_id or None
    )
    if as_json or json_fields:
        print_json({"orders": [o.model_dump(mode="json") for o in found]})
        return
    print_table(
        _("Orders"),
        [
            Column(_("Order"), code=True),
            _("Type"),
            _("Status"),
            Column(_("Customer"), code=True),
            _("Line"),
            _("Steps done"),
            _("Created"),
        ],
        [
            (
                o.order_id,
                o.type.replace("_", " "),
                o.status,
                o.customer_id or "",
                phone(o.service_number),
                f"{sum(s.status == 'done' for s in o.steps)}/{len(o.steps)}",
                local_time(o.created_at),
            )
            for o in found
        ],
    )


@app.command("show")
@reports_errors
def orders_show(order_id: OrderNumber, as_json: Json = False) -> None:
    """Show one order with its steps, their status, attempts and errors.

    Example: crm-tui orders show ORD000000004 --json
    """
    from crm_tui.services.orders import engine as orders

    run = invocation()
    print_order(orders.get_order(order_id, uow=run.services().reader(), actor=run.actor()), as_json=as_json)


@app.command("resume")
@reports_errors
def orders_resume(as_json: Json = False) -> None:
    """Finish every unfinished (open) order, e.g. after a crash; each runs from its first unfinished step.

    Example: crm-tui orders resume
    """
    from crm_tui.services.orders import operations as order_operations

    run = invocation()
    done = order_operations.resume_orders(services=run.services(), actor=run.actor())
    if as_json:
        print_json({"orders": [o.model_dump(mode="json") for o in done]})
        return
    print_table(
        _("Resumed orders"),
        [Column(_("Order"), code=True), _("Type"), _("Status")],
        [(o.order_id, o.type, o.status) for o in done],
    )


@app.command("retry")
@reports_errors
def orders_retry(order_id: OrderNumber, as_json: Json = False) -> None:
    """Retry a failed order from its failed step (supervisors).

    Example: crm-tui orders retry ORD000000004
    """
    from crm_tui.services.orders import operations as order_operations

    run = invocation()
    print_order(order_operations.retry_order(order_id, services=run.services(), actor=run.actor()), as_json=as_json)


@app.command("cancel")
@reports_errors
def orders_cancel(order_id: OrderNumber, note: Note = "", as_json: Json = False) -> None:
    """Cancel a reserved or failed order: undo what can be undone, say what cannot.

    Example: crm-tui orders cancel ORD000000004 --note 'Customer changed their mind'
    """
    from crm_tui.services.orders import operations as order_operations

    run = invocation()
    view, cannot = order_operations.cancel_order(order_id, services=run.services(), actor=run.actor(), note=note)
    if as_json:
        print_json({"order": view.model_dump(mode="json"), "not_undone": cannot})
        return
    print_order(view, as_json=False)
    for line in cannot:
        say(_("Not undone: {line}").format(line=line), style="yellow")


@app.command("run-due")
@reports_errors
def orders_run_due(
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of", help="ISO date-time (default: now); for drills and tests. Example: --as-of 2030-03-01T09:00"
        ),
    ] = "",
    as_json: Json = False,
) -> None:
    """Run reserved orders whose effective date has come (for cron; safe to run twice or on two machines).

    Needs no operator at the right time; `--as-of` later than now runs orders early, which only a
    supervisor may (signed in with --as / CRM_OPERATOR) and which is audited.

    Example: crm-tui orders run-due   # from cron, every few minutes
    """
    from crm_tui.services.orders import operations as order_operations

    run = invocation()
    moment = parse_moment(as_of) if as_of else None
    ahead = order_operations.runs_ahead(moment)
    done = order_operations.run_due_orders(services=run.services(), actor=run.actor() if ahead else None, as_of=moment)
    if as_json:
        print_json({"orders": [o.model_dump(mode="json") for o in done]})
        return
    print_table(
        _("Orders run"),
        [Column(_("Order"), code=True), _("Type"), _("Status")],
        [(o.order_id, o.type, o.status) for o in done],
    )

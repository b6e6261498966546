"""`crm-tui registrations`: registrations held by a check; a supervisor approves or rejects them."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.options import Json
from crm_tui.cli.output import Column, phone, print_json, print_table, reports_errors
from crm_tui.cli.session import invocation
from crm_tui.i18n import _

app = typer.Typer(help="Registrations held by a check: a supervisor approves or rejects them.", no_args_is_help=True)

Item = Annotated[int, typer.Argument(metavar="ITEM", help="The held registration's item ID. Example: 1")]
Why = Annotated[str, typer.Option("--note", help="Why, for the record. Example: --note 'Receipt seen'")]


@app.command("approve")
@reports_errors
def registrations_approve(item: Item, note: Why = "", as_json: Json = False) -> None:
    """Approve a held registration: the customer gets the line (supervisors).

    Example: crm-tui registrations approve 1 --note 'Debt paid, receipt seen'
    """
    _decide(item, approve=True, note=note, as_json=as_json)


@app.command("reject")
@reports_errors
def registrations_reject(item: Item, note: Why = "", as_json: Json = False) -> None:
    """Reject a held registration: the customer stays registered, without the line (supervisors).

    Example: crm-tui registrations reject 1 --note 'Document not valid'
    """
    _decide(item, approve=False, note=note, as_json=as_json)


def _decide(item: int, *, approve: bool, note: str, as_json: bool) -> None:
    from crm_tui.services.identity.held_registrations import decide_held_registration

    run = invocation()
    decision = decide_held_registration(
        item, approve=approve, note=note, uow=run.services().writer(), actor=run.actor()
    )
    if as_json:
        print_json(decision)
        return
    if decision.approved:
        outcome = _("approved: line {line}").format(line=phone(decision.service_number))
    else:
        outcome = _("rejected: no line")
    print_table(
        _("Held registration"),
        [_("Item"), Column(_("Customer ID"), code=True), _("Outcome")],
        [(item, decision.customer_id, outcome)],
    )

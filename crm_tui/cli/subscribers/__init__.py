"""`crm-tui subscribers`: one line (show, add, suspend, resume, deregister); each change runs as an order.

`adding` holds `add` (a new line for a customer), `overdue` the cron scan `suspend-overdue`.

Exit 7 when an external system fails: the order stays open and `crm-tui orders resume` finishes it.
"""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from crm_tui.cli.options import Json, Note, parse_typed_day
from crm_tui.cli.orders import exit_if_reserved, print_order
from crm_tui.cli.output import (
    Column,
    money_text,
    phone,
    print_json,
    print_table,
    reports_errors,
    say,
    words,
)
from crm_tui.cli.session import confirm, invocation
from crm_tui.cli.subscribers import adding, overdue
from crm_tui.domain import DeregistrationReason, PaymentType, SubscriberStatus, SuspensionReason
from crm_tui.i18n import _

app = typer.Typer(help="Lines: show, add, suspend, resume, deregister.", no_args_is_help=True)


LineNumber = Annotated[
    str, typer.Argument(metavar="NUMBER", help="The line's service number, national or +E.164. Example: 612345678")
]


@app.command("show")
@reports_errors
def subscribers_show(service_number: LineNumber, as_json: Json = False) -> None:
    """One line: `{"service_number", "status", "iccid", "imsi", "customer_id", "account_id", "primary_offering", "status_reason"}`.

    Example: crm-tui subscribers show 612345678 --json
    """
    from crm_tui.services.customers.profile import get_subscriber

    run = invocation()
    view = get_subscriber(service_number, uow=run.reader(), actor=run.actor(), region=run.settings.default_region)
    if as_json:
        print_json(view)
        return
    print_table(
        _("Line {line}").format(line=phone(view.service_number)),
        [_("Field"), _("Value")],
        [
            (
                _("Status"),
                words(view.status, SubscriberStatus)
                + (f" ({words(view.status_reason, SuspensionReason)})" if view.status_reason else ""),
            ),
            (_("Customer"), view.customer_id),
            (_("Account"), view.account_id),
            (_("Offering"), view.primary_offering),
            ("ICCID", view.iccid),
            ("IMSI", view.imsi),
            (_("Network / payment"), f"{view.network_type} / {words(view.payment_type, PaymentType)}"),
            (_("Valid from"), view.valid_from or ""),
        ],
    )


app.command("add")(adding.subscribers_add)


@app.command("suspend")
@reports_errors
def subscribers_suspend(
    service_number: LineNumber,
    reason: Annotated[SuspensionReason, typer.Option("--reason", help="Why the line stops. Example: --reason travel")],
    note: Note = "",
    effective_date: Annotated[
        str,
        typer.Option(
            "--effective-date",
            help="YYYY-MM-DD (shop time): reserve the suspension for that day (exit 4). Example: --effective-date 2030-03-01",
        ),
    ] = "",
    as_json: Json = False,
) -> None:
    """Suspend a line (billing and network) as an order, now or reserved for a date (exit 4 while it
    waits; `orders run-due` runs it, the reserved-orders queue cancels it); exit 7 if a system fails.

    Example: crm-tui subscribers suspend 612345678 --reason travel --effective-date 2026-12-24
    """
    from crm_tui.services.lifecycle.suspension import suspend_subscriber

    run = invocation()
    order = suspend_subscriber(
        service_number,
        services=run.services(),
        actor=run.actor(),
        reason=reason,
        note=note,
        effective_date=effective_date or None,
    )
    print_order(order, as_json=as_json)
    exit_if_reserved(order)


app.command("suspend-overdue")(overdue.subscribers_suspend_overdue)


@app.command("resume")
@reports_errors
def subscribers_resume(
    service_number: LineNumber,
    reason: Annotated[
        str, typer.Option("--reason", help="Why the line comes back, in words. Example: --reason 'Back from holidays'")
    ],
    operation: Annotated[
        str,
        typer.Option(
            "--operation",
            help="customer_request, administrator or system_trigger. Example: --operation customer_request",
        ),
    ] = "customer_request",
    effective_date: Annotated[
        str,
        typer.Option(
            "--effective-date",
            help="The day (shop time) to reserve the resumption for, as in your locale or ISO. "
            "Example: --effective-date 31/12/2030",
        ),
    ] = "",
    pay: Annotated[
        str,
        typer.Option(
            "--pay",
            help="cash, card or account: pays the resumption fee (and the debt with --pay-debt). Example: --pay card",
        ),
    ] = "",
    pay_debt: Annotated[
        bool,
        typer.Option(
            "--pay-debt", help="Pay the outstanding debt now (a debt suspension needs it). Example: --pay-debt"
        ),
    ] = False,
    remarks: Annotated[
        str, typer.Option("--remarks", help="Free remarks kept with the order. Example: --remarks 'Back from abroad'")
    ] = "",
    as_json: Json = False,
) -> None:
    """Resume now or on a date; exit 4 when it waits for its date or a supervisor (fraud), 3 when the debt is unpaid.

    Example: crm-tui subscribers resume 612345678 --reason 'SIM found' --effective-date 2026-12-24
    """
    from crm_tui.services.lifecycle.resumption import resume_subscriber

    run = invocation()
    actor = run.actor()  # the operator's locale reads the date (31/12/2030 in Spanish and Irish English)
    day = parse_typed_day(effective_date, field="effective_date") if effective_date else None
    result = resume_subscriber(
        service_number,
        services=run.services(),
        actor=actor,
        operation=operation,
        reason=reason,
        remarks=remarks,
        effective_date=day.isoformat() if day else None,
        payment_method=pay or None,
        pay_outstanding=pay_debt,
    )
    if as_json:
        print_json(result)
    else:
        if result.receipt_number:
            say(
                _("Paid {amount}, receipt {receipt}.").format(
                    amount=money_text(result.paid, run.settings.currency), receipt=result.receipt_number
                )
            )
        print_order(result.order, as_json=False)
    exit_if_reserved(result.order)


@app.command("deregister")
@reports_errors
def subscribers_deregister(
    service_number: LineNumber,
    reason: Annotated[
        DeregistrationReason,
        typer.Option("--reason", help="Why the customer leaves (other needs --note). Example: --reason call_quality"),
    ],
    number_mode: Annotated[
        Literal["immediate", "freeze"],
        typer.Option(
            "--number-mode",
            help="immediate (back to the pool) or freeze (kept for the customer). Example: --number-mode freeze",
        ),
    ],
    sim: Annotated[
        Literal["reuse", "abandon"],
        typer.Option("--sim", help="reuse (back to stock) or abandon. Example: --sim reuse"),
    ],
    retention: Annotated[
        str,
        typer.Option(
            "--retention",
            help="declined, or accepted:OFFER to keep the customer (ends here). Example: --retention accepted:RET-DISCOUNT-20",
        ),
    ] = "declined",
    pay: Annotated[str, typer.Option("--pay", help="cash, card or account. Example: --pay cash")] = "",
    balance: Annotated[
        str,
        typer.Option(
            "--balance",
            help="A prepaid balance: refund, forfeit or transfer:ACCOUNT. Example: --balance transfer:21000000002",
        ),
    ] = "refund",
    waive_penalty: Annotated[
        bool, typer.Option("--request-waiver", help="Ask a supervisor to waive the penalty. Example: --request-waiver")
    ] = False,
    note: Note = "",
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm the charges and the deactivation without asking. Example: --yes")
    ] = False,
    as_json: Json = False,
) -> None:
    """Deregister a line: retention, charges and penalties, payment with receipt, then the six-step order.

    Example: crm-tui subscribers deregister 612345678 --reason call_quality --number-mode freeze --sim abandon --pay card --yes
    """
    from crm_tui.services.lifecycle.deregistration import submit_deregistration
    from crm_tui.services.lifecycle.deregistration_quote import (
        accept_retention_offer,
        quote_deregistration,
    )

    run = invocation()
    services, actor, region = run.services(), run.actor(), run.settings.default_region
    if retention.startswith("accepted:"):
        applied = accept_retention_offer(
            service_number, retention.split(":", 1)[1], uow=services.writer(), actor=actor, region=region, reason=reason
        )
        print_json({"retention": applied.model_dump(mode="json")}) if as_json else say(
            _("Customer stays: {offer}.").format(offer=applied.offer_name)
        )
        return
    quote = quote_deregistration(service_number, uow=services.reader(), actor=actor, region=region, reason=reason)
    if not as_json:
        print_table(
            _("Charges"),
            [_("Item"), Column(_("Amount"), numeric=True)],
            [
                *((c.description, money_text(c.amount, quote.currency)) for c in quote.outstanding),
                *(
                    (_("Penalty: {contract}").format(contract=p.contract), money_text(p.amount, quote.currency))
                    for p in quote.penalties
                ),
                (_("Total due"), money_text(quote.total_due, quote.currency)),
            ],
            to_stderr=True,
        )
    confirm(
        _("Deactivate {line} and charge {amount}?").format(
            line=phone(quote.basics.service_number), amount=money_text(quote.total_due, quote.currency)
        ),
        yes=yes,
    )
    result = submit_deregistration(
        service_number,
        services=services,
        actor=actor,
        reason=reason,
        note=note,
        number_mode=number_mode,
        sim_mode=sim,
        retention=retention,
        payment_method=pay or None,
        balance=balance,
        request_waiver=waive_penalty,
        expected_total=quote.total_due,
    )
    if as_json:
        print_json({"order_id": result.order.order_id, **result.model_dump(mode="json")})
        return
    if result.receipt:
        say(
            _("Receipt {receipt}: {amount} by {method}.").format(
                receipt=result.receipt.receipt_number,
                amount=money_text(result.receipt.amount, result.receipt.currency),
                method=result.receipt.method,
            )
        )
    if result.balance_handling:
        say(_("Balance: {handling}.").format(handling=result.balance_handling))
    print_order(result.order, as_json=False)

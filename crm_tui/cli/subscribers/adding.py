"""`crm-tui subscribers add`: a new line for an existing customer (golden numbers ask for --yes)."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.options import Json, Yes
from crm_tui.cli.orders import print_order
from crm_tui.cli.output import money_text, phone, print_json, reports_errors, say
from crm_tui.cli.session import confirm, invocation
from crm_tui.i18n import _


@reports_errors
def subscribers_add(
    customer_id: Annotated[
        str, typer.Argument(metavar="CUSTOMER_ID", help="The customer who takes the line. Example: C0000000018")
    ],
    offering: Annotated[
        str,
        typer.Option(
            "--offering",
            help="Primary offering code (default: that of the customer's latest line). Example: --offering MAR-POST-4G-25",
        ),
    ] = "",
    account: Annotated[
        str,
        typer.Option(
            "--account",
            help="An account of the customer, or new (default: the first account that pays like the offering). Example: --account 21000000002",
        ),
    ] = "",
    number: Annotated[
        str,
        typer.Option(
            "--number",
            help="A golden or named number of the pool (default: the pool's next). Example: --number 600777777",
        ),
    ] = "",
    iccid: Annotated[
        str,
        typer.Option(
            "--iccid",
            help="The SIM card handed over (default: the next in stock). Example: --iccid 8934070000000000018",
        ),
    ] = "",
    pay: Annotated[
        str, typer.Option("--pay", help="cash, card or account: pays a golden number's fee. Example: --pay card")
    ] = "",
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Give an existing customer a new line; exit 4 when the checks hold it, 3 when the number was taken.

    Example: crm-tui subscribers add C0000000018 --number 600777777 --pay card --yes --json
    """
    from crm_tui.services.identity.new_line import add_line
    from crm_tui.services.lines.adding import line_options

    run = invocation()
    services, actor = run.services(), run.actor()
    options = line_options(customer_id, uow=services.reader(), actor=actor, golden_limit=10_000)  # every fee known
    wanted = number.strip()
    digits = "".join(c for c in wanted if c.isdigit())
    pick = next((g for g in options.golden_numbers if digits and g.service_number.endswith(digits)), None)
    fee = pick.fee if pick else None
    if pick is not None:
        confirm(
            _("{number} is a golden number: charge {fee}?").format(
                number=phone(pick.service_number), fee=money_text(pick.fee, run.settings.currency)
            ),
            yes=yes,
        )
    result = add_line(
        customer_id,
        services=services,
        actor=actor,
        offering=offering or options.default_offering,
        account=account or options.account_for(offering or options.default_offering),
        service_number=wanted or None,
        iccid=iccid.strip() or None,
        payment_method=pay or None,
        expected_fee=fee,
    )
    if as_json:
        print_json(result)
        return
    if result.account_opened:
        message = _("Line {line} for {customer_id} on {offering}, account {account} (new account).")
    else:
        message = _("Line {line} for {customer_id} on {offering}, account {account}.")
    say(
        message.format(
            line=phone(result.service_number),
            customer_id=result.customer_id,
            offering=result.offering,
            account=result.account_id,
        )
    )
    if result.receipt_number:
        say(
            _("Paid {amount}, receipt {receipt}.").format(
                amount=money_text(result.paid, run.settings.currency), receipt=result.receipt_number
            )
        )
    for warning in result.warnings:
        say(_("Warning: {warning}").format(warning=warning))
    print_order(result.order, as_json=False)

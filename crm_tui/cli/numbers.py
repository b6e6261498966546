"""`crm-tui numbers`: the service number pool: stock it (admins), list what is free."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.conventions import JsonFields
from crm_tui.cli.options import Json, parse_typed_amount
from crm_tui.cli.output import (
    Column,
    money_text,
    phone,
    print_json,
    print_stocked,
    print_table,
    reports_errors,
)
from crm_tui.cli.session import checked_early, invocation
from crm_tui.i18n import _

app = typer.Typer(help="The service number pool: stock it (admins), list what is free.", no_args_is_help=True)


@app.command("stock")
@reports_errors
def numbers_stock(
    numbers: Annotated[
        list[str],
        typer.Argument(
            metavar="NUMBER...", help="Service numbers, national or +E.164. Example: 600000100 '+34 600 000 101'"
        ),
    ],
    golden_fee: Annotated[
        str | None,
        typer.Option(
            "--golden-fee",
            metavar="AMOUNT",
            help="Stock them as golden numbers at this one-off fee, typed as in your locale or plainly. Example: --golden-fee 49,90",
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Add service numbers to the pool (admins); numbers already there stay as they are.

    Example: crm-tui numbers stock 600000100 600000101 --json
    """
    from crm_tui.services.lines import inventory
    from crm_tui.services.shared.validation import parse_service_number

    run = invocation()
    region = run.settings.default_region
    # bad input answers before any sign-in
    parsed = checked_early(lambda: {parse_service_number(number, region=region) for number in numbers})
    actor = run.actor()  # the operator's locale reads the fee (49,90 in Spanish)
    fee = None if golden_fee is None else parse_typed_amount(golden_fee, field="golden_fee")
    stocked = inventory.stock_numbers(numbers, region=region, golden_fee=fee, uow=run.services().writer(), actor=actor)
    print_stocked(_("Number pool"), stocked, len(parsed), as_json=as_json)


@app.command("free")
@reports_errors
def numbers_free(
    golden: Annotated[
        bool, typer.Option("--golden", help="Only golden numbers (with their fee). Example: --golden")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="How many to list. Example: --limit 50")] = 20,
    as_json: Json = False,
    json_fields: JsonFields = None,
) -> None:
    """Free numbers a CSR may offer: ordinary and golden ones, or only golden with --golden.

    Example: crm-tui numbers free --golden --json-fields service_number,fee
    """
    from crm_tui.services.lines import inventory

    run = invocation()
    run.actor()
    free = inventory.free_numbers(uow=run.services().reader(), golden=True if golden else None, limit=limit)
    if as_json or json_fields:
        print_json({"numbers": [number.model_dump(mode="json") for number in free]})
        return
    currency = run.settings.currency
    print_table(
        _("Free golden numbers") if golden else _("Free numbers"),
        [Column(_("Service number"), code=True), _("Golden"), Column(_("Fee"), numeric=True)],
        [
            (
                phone(n.service_number),
                _("Golden") if n.is_golden else "",
                money_text(n.fee, currency) if n.is_golden else "",
            )
            for n in free
        ],
    )

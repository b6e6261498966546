"""`crm-tui seed`: realistic demo customers, lines, accounts, contracts and stock."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.options import Json
from crm_tui.cli.output import (
    Column,
    as_document,
    print_json,
    print_table,
    progress_bar,
    reports_errors,
)
from crm_tui.cli.session import invocation
from crm_tui.i18n import N_, _


@reports_errors
def seed(
    customers_count: Annotated[
        int, typer.Option("--customers", min=1, help="How many customers to add. Example: --customers 1000")
    ],
    seed_value: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives the same data. Example: --seed 7")
    ] = 7,
    as_json: Json = False,
) -> None:
    """Add realistic demo customers, lines, accounts, contracts and stock (admins only).

    Example: crm-tui seed --customers 1000 --seed 7
    """
    from crm_tui.services import seeding

    run = invocation()
    actor = run.actor()
    with progress_bar(_("Seeding customers"), total=customers_count) as update:
        report = seeding.seed_customers(
            services=run.services(), actor=actor, customers=customers_count, seed=seed_value, progress=update
        )
    document = as_document(report)
    if as_json:
        print_json(document)
    else:
        print_table(
            _("Seeded"),
            [_("What"), Column(_("How many"), numeric=True)],
            [
                (_seeded_words(key), f"{value:,}" if isinstance(value, int) else value)
                for key, value in document.items()
            ],
        )


_SEEDED = {
    "customers": N_("Customers"),
    "certificates": N_("Certificates"),
    "contacts": N_("Contacts"),
    "addresses": N_("Addresses"),
    "accounts": N_("Accounts"),
    "subscribers": N_("Subscribers"),
    "contracts": N_("Contracts"),
    "charges": N_("Charges"),
    "blacklist": N_("Blacklist"),
    "numbers": N_("Numbers"),
    "sims": N_("Sims"),
    "offerings": N_("Offerings"),
    "seconds": N_("Seconds"),
    "first_customer_id": N_("First customer id"),
}
"""The words of the seeding report's keys (SeedReport's fields), as the key reads capitalised."""


def _seeded_words(key: str) -> str:
    known = _SEEDED.get(key)
    return _(known) if known else key.replace("_", " ").capitalize()

"""`crm-tui demo`: a demo database with its sign-ins, then the workbench."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.open import open_workbench
from crm_tui.cli.options import Json
from crm_tui.cli.output import (
    Column,
    print_json,
    print_table,
    reports_errors,
    say,
    words,
)
from crm_tui.cli.session import invocation
from crm_tui.domain import Role


@reports_errors
def demo(
    no_open: Annotated[
        bool,
        typer.Option("--no-open", help="Only prepare the demo database; do not open the workbench. Example: --no-open"),
    ] = False,
    customers_count: Annotated[
        int, typer.Option("--customers", min=0, help="Customers in a new demo database. Example: --customers 500")
    ] = 2000,
    as_json: Json = False,
) -> None:
    """Make the demo database if there is none, print the demo sign-ins, open the workbench.

    The demo lives in its own file (demo.db beside crm.db) unless --db names another database.

    Example: crm-tui demo --no-open --json
    """
    from crm_tui.services import seeding

    run = invocation()
    run.use_demo()
    services = run.services()
    say(f"Preparing the demo database ({services.database.short_name}) …")
    sign_ins = seeding.create_demo(services, customers=customers_count)
    if as_json:
        print_json(
            {
                "database": services.database.short_name,
                "sign_ins": [
                    {"username": username, "password": password, "role": str(role)}
                    for username, password, role in sign_ins
                ],
            }
        )
    else:
        print_table(
            "Demo sign-ins",
            [Column("Operator", code=True), "Password", "Role"],
            [(username, password, words(str(role), Role)) for username, password, role in sign_ins],
            to_stderr=True,
        )
    if not no_open:
        open_workbench(None)

"""`crm-tui demo`: a demo database with its sign-ins, then the workbench."""

from __future__ import annotations

import contextlib
from typing import Annotated

import typer

from crm_tui.cli.demo_systems import DemoSystems, demo_systems, start_dispatcher
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
from crm_tui.cli.session import Invocation, invocation
from crm_tui.domain import Role
from crm_tui.i18n import _


@reports_errors
def demo(
    no_open: Annotated[
        bool,
        typer.Option("--no-open", help="Only prepare the demo database; do not open the workbench. Example: --no-open"),
    ] = False,
    customers_count: Annotated[
        int, typer.Option("--customers", min=0, help="Customers in a new demo database. Example: --customers 500")
    ] = 2000,
    no_systems: Annotated[
        bool,
        typer.Option(
            "--no-systems",
            help="Keep billing, provisioning and notifications in-process: start no BSS simulator, mailbox or"
            " dispatcher. Example: --no-systems",
        ),
    ] = False,
    as_json: Json = False,
) -> None:
    """Make the demo database if there is none, print the demo sign-ins, open the workbench.

    The demo lives in its own file (demo.db beside crm.db) unless --db names another database. While
    the workbench is open, the BSS simulator, a mailbox for the customers' email and the dispatcher
    run beside it (unless --no-systems, or CRM_CBS_URL / CRM_SMTP_HOST point elsewhere).

    Example: crm-tui demo --no-open --json
    """
    run = invocation()
    run.use_demo()
    with contextlib.ExitStack() as running:
        systems = None
        if not no_open and not no_systems:
            systems = running.enter_context(demo_systems(run.settings.data_dir))
            run.use_demo()  # the settings are read again, with the systems' addresses
        _prepare_and_open(run, systems, customers_count=customers_count, no_open=no_open, as_json=as_json)


def _prepare_and_open(
    run: Invocation, systems: DemoSystems | None, *, customers_count: int, no_open: bool, as_json: bool
) -> None:
    from crm_tui.services import seeding

    services = run.services()
    say(_("Preparing the demo database ({database}) …").format(database=services.database.short_name))
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
            _("Demo sign-ins"),
            [Column(_("Operator"), code=True), _("Password"), _("Role")],
            [(username, password, words(str(role), Role)) for username, password, role in sign_ins],
            to_stderr=True,
        )
    if systems is not None:
        start_dispatcher(systems, services.settings.resolved_database_url)
        for line in systems.describe():
            say(line)
    if not no_open:
        open_workbench(None)

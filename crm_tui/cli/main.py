"""`crm-tui NOUN VERB`: the root typer app, its global options, and one `add_typer` per noun.

`crm_tui.launch` imports this module only when there are arguments (bare `crm-tui` opens the
workbench without typer). Each command imports its services when it runs, so `--help` and a typo
never load SQLAlchemy or touch the database.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli import (
    archive,
    attachments,
    audit,
    bss_sim,
    config,
    customers,
    db,
    dedupe,
    demo,
    dispatch,
    events,
    numbers,
    open,
    operator,
    orders,
    queue,
    registrations,
    seed,
    sims,
    subscribers,
)
from crm_tui.cli.conventions import CrmGroup, VersionOption
from crm_tui.cli.output import fresh_consoles, reports_errors
from crm_tui.cli.session import start_invocation

app = typer.Typer(
    name="crm-tui",
    help="A terminal workbench for a telecom shop counter (eTOM 1.3.4 Customer Management).",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion (crm_tui.launch routes completion here)
    cls=CrmGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.command("demo")(demo.demo)
app.command("open")(open.open_screen)
app.command("seed")(seed.seed)
app.add_typer(db.app, name="db")
app.add_typer(operator.app, name="operator")
app.add_typer(customers.app, name="customers")
app.add_typer(registrations.app, name="registrations")
app.add_typer(numbers.app, name="numbers")
app.add_typer(sims.app, name="sims")
app.add_typer(subscribers.app, name="subscribers")
app.add_typer(orders.app, name="orders")
app.add_typer(dedupe.app, name="dedupe")
app.add_typer(queue.app, name="queue")
app.add_typer(archive.app, name="archive")
app.add_typer(attachments.app, name="attachments")
app.add_typer(bss_sim.app, name="bss-sim")
app.add_typer(dispatch.app, name="dispatch")
app.add_typer(audit.app, name="audit")
app.add_typer(events.app, name="events")
app.add_typer(config.app, name="config")


def main() -> None:
    """The `crm-tui` console script (through crm_tui.launch)."""
    app()


@app.callback()
@reports_errors
def root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="SQLAlchemy database URL; else CRM_DATABASE_URL, else the embedded file. A SQLite file must exist "
            "(`db upgrade` and `demo` create it). Example: --db sqlite:///shop.db",
        ),
    ] = None,
    as_operator: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="NAME",
            help="Operator to act as; else CRM_OPERATOR. Password: CRM_OPERATOR_PASSWORD or a prompt. Example: --as alice",
        ),
    ] = None,
    show_version: VersionOption = False,
) -> None:
    """Open the workbench (sign-in screen), or run one of the commands below.

    Example: crm-tui customers search --name garcia --json
    """
    run = start_invocation(database_url=database_url, operator=as_operator)
    run.settings  # noqa: B018 - the CRM_* settings are checked at start: a bad one names its variable (exit 2)
    fresh_consoles()
    ctx.call_on_close(run.close)
    if ctx.invoked_subcommand is None:
        open.open_workbench(None)

"""`crm-tui NOUN VERB`: the root typer app, its global options, and the registry of nouns.

`crm_tui.launch` imports this module only when there are arguments (bare `crm-tui` opens the
workbench without typer). A noun's module is imported only when the command line names it (NOUNS
below, loaded by `LazyNouns`), and each command imports its services when it runs, so `--help`, a
typo or another noun never load SQLAlchemy or touch the database, and `customers show` never
loads the orders, queues or dedupe commands.
"""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.conventions import CrmGroup, LazyGroup, VersionOption, load
from crm_tui.cli.output import fresh_consoles, reports_errors
from crm_tui.cli.session import start_invocation

NOUNS: dict[str, tuple[str, str]] = {
    "demo": ("crm_tui.cli.demo:demo", "Make the demo database if there is none, print the demo sign-ins, open the workbench."),
    "open": ("crm_tui.cli.open:open_screen", "Open the workbench on a screen with its fields filled (and searched, on query)."),
    "seed": ("crm_tui.cli.seed:seed", "Add realistic demo customers, lines, accounts, contracts and stock (admins only)."),
    "batch": ("crm_tui.cli.batch:batch", "Run many commands in one process under one sign-in: one JSON result a line, in input order."),
    "db": ("crm_tui.cli.db", "Database schema migrations."),
    "operator": ("crm_tui.cli.operator", "Operators: who may sign in, with which role."),
    "customers": ("crm_tui.cli.customers", "Find, show, register and authenticate customers."),
    "registrations": ("crm_tui.cli.registrations", "Registrations held by a check: a supervisor approves or rejects them."),
    "numbers": ("crm_tui.cli.numbers", "The service number pool: stock it (admins), list what is free."),
    "sims": ("crm_tui.cli.sims", "The SIM card pool: stock it (admins)."),
    "subscribers": ("crm_tui.cli.subscribers", "Lines: show, add, suspend, resume, deregister."),
    "orders": ("crm_tui.cli.orders", "Durable orders: list, show, resume after a crash, retry, cancel, run reserved ones."),
    "dedupe": ("crm_tui.cli.dedupe", "De-duplicate customer identities: train, scan, merge, unmerge."),
    "queue": ("crm_tui.cli.queue", "The supervisor's queues."),
    "blacklist": ("crm_tui.cli.blacklist", "The blacklist: add, lift and list entries (supervisors change it)."),
    "receipts": ("crm_tui.cli.receipts", "Receipts and refund vouchers: list, show, print (text or PDF)."),
    "archive": ("crm_tui.cli.archive", "History storage of former customers and lines."),
    "attachments": ("crm_tui.cli.attachments", "Stored files: ID scans and signed forms."),
    "bss-sim": ("crm_tui.cli.bss_sim", "The BSS simulator: the systems an order talks to, over HTTP."),
    "dispatch": ("crm_tui.cli.dispatch", "Tell customers what happened: send the outbox."),
    "audit": ("crm_tui.cli.audit", "The append-only, HMAC-chained audit trail."),
    "events": ("crm_tui.cli.events", "The outbox: who must be told what."),
    "config": ("crm_tui.cli.config", "Settings that stay: theme, language, page size, keymap."),
}  # fmt: skip
"""Every noun of `crm-tui --help`, in its order: NAME -> ("module" with a typer `app`, or
"module:function" for a single command; the line `--help` shows). A new noun is one line here;
tests/cli/test_cli_layout.py checks each line against its module (the help text too)."""


def load_noun(name: str) -> typer.Typer:
    """A typer app holding the noun NAME as `add_typer` (or `command`) would register it at the root."""
    return load(name, NOUNS[name][0])


class LazyNouns(LazyGroup, CrmGroup):
    """The root group: lists every noun of NOUNS, imports one only when the command line names it."""

    registry = NOUNS


app = typer.Typer(
    name="crm-tui",
    help="A terminal workbench for a telecom shop counter (eTOM 1.3.4 Customer Management).",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    add_completion=True,  # --install-completion / --show-completion (crm_tui.launch routes completion here)
    cls=LazyNouns,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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
    if run.batch is None:  # a batch's commands share its database and sign-in: the batch closes them
        ctx.call_on_close(run.close)
    if ctx.invoked_subcommand is None:
        from crm_tui.cli.open import open_workbench

        open_workbench(None)

"""`crm-tui db`: the schema migrations (need no operator)."""

from __future__ import annotations

from typing import Any

import typer

from crm_tui.cli.options import Json
from crm_tui.cli.output import print_json, print_table, reports_errors, say
from crm_tui.cli.session import invocation
from crm_tui.i18n import _

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


def _revision_document(services: Any) -> dict[str, Any]:
    from crm_tui.storage.migrations.runner import head_revision

    current = services.database.current_revision()
    head = head_revision()
    return {"database": services.database.short_name, "revision": current, "head": head, "up_to_date": current == head}


def _print_revision(document: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print_json(document)
        return
    if document["up_to_date"]:
        state = _("up to date")
    else:
        state = _("behind head {head}: run `crm-tui db upgrade`").format(head=document["head"])
    print_table(
        _("Database schema"),
        [_("Database"), _("Revision"), _("State")],
        [(document["database"], document["revision"] or _("(empty)"), state)],
    )


@app.command("upgrade")
@reports_errors
def db_upgrade(as_json: Json = False) -> None:
    """Apply the schema migrations up to the newest (needs no operator).

    Example: crm-tui --db sqlite:///shop.db db upgrade
    """
    from crm_tui.storage.migrations.runner import upgrade

    run = invocation()
    run.create_database = True  # the one command (with `demo`) that may create a new SQLite file
    services = run.services(migrate=False)
    before = services.database.current_revision()
    upgrade(services.database.write_engine)
    document = _revision_document(services) | {"previous": before}
    say(
        _("Migrated {database} from {before} to {revision}.").format(
            database=document["database"], before=before or _("(empty)"), revision=document["revision"]
        )
    )
    _print_revision(document, as_json=as_json)


@app.command("current")
@reports_errors
def db_current(as_json: Json = False) -> None:
    """Show the schema revision of the database (without migrating it).

    Example: crm-tui db current --json
    """
    _print_revision(_revision_document(invocation().services(migrate=False)), as_json=as_json)

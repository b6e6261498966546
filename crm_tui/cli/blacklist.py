"""`crm-tui blacklist add | lift | list`: supervisors keep the blacklist; CSRs read it (a change: exit 6)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from crm_tui.cli.options import Json
from crm_tui.cli.output import Column, local_time, print_json, print_table, reports_errors, say, words
from crm_tui.cli.session import invocation
from crm_tui.domain import BlacklistSeverity, CertType
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _

if TYPE_CHECKING:
    from crm_tui.services.identity.blacklist import BlacklistEntryView

app = typer.Typer(help="The blacklist: add, lift and list entries (supervisors change it).", no_args_is_help=True)


def parse_day(value: str, *, field: str) -> date | None:
    """A YYYY-MM-DD date typed on the command line; empty is none."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            _("{field}: give a date as YYYY-MM-DD.").format(field=field.replace("_", " ").capitalize()),
            fields={field: _("YYYY-MM-DD.")},
        ) from None


def print_entries(entries: list[BlacklistEntryView], *, title: str | None = None) -> None:
    print_table(
        title or _("Blacklist"),
        [
            Column(_("Entry"), numeric=True),
            _("State"),
            _("Severity"),
            _("Who"),
            _("Reason"),
            _("Expires"),
            _("Added"),
            _("Lifted"),
        ],
        [
            (
                e.entry_id,
                words(e.state),
                words(e.severity, BlacklistSeverity),
                f"{words(e.cert_type, CertType)} {e.cert_number} ({e.cert_country})"
                if e.cert_number
                else _("{name}, born {birthday}").format(name=e.name, birthday=e.birthday),
                e.reason,
                local_time(e.expires_at),
                f"{local_time(e.created_at)} {e.created_by or ''}".strip(),
                f"{local_time(e.lifted_at)} {e.lifted_by or ''}: {e.lift_reason}" if e.lifted_at else "",
            )
            for e in entries
        ],
    )


@app.command("list")
@reports_errors
def blacklist_list(
    text: Annotated[
        str, typer.Option("--filter", help="Any part of a certificate number, name or reason. Example: --filter fraud")
    ] = "",
    state: Annotated[
        str, typer.Option("--state", help="live, expired or lifted; empty: all. Example: --state live")
    ] = "",
    as_json: Json = False,
) -> None:
    """Entries, newest first: `{"entries": [{"entry_id", "state", "severity", "cert_number", ...}]}`.

    Example: crm-tui blacklist list --state live --json
    """
    from crm_tui.services.identity.blacklist import list_blacklist

    run = invocation()
    entries = list_blacklist(uow=run.services().reader(), actor=run.actor(), text=text, state=state)
    if as_json:
        print_json({"entries": [e.model_dump(mode="json") for e in entries], "total": len(entries)})
        return
    print_entries(entries)


@app.command("add")
@reports_errors
def blacklist_add(
    reason: Annotated[str, typer.Option("--reason", help="Why, in words. Example: --reason 'Forged ID, 2026-11-30'")],
    severity: Annotated[
        BlacklistSeverity,
        typer.Option("--severity", help="warn: serve with care; ban: registrations are held. Example: --severity ban"),
    ] = BlacklistSeverity.BAN,
    cert_type: Annotated[
        str, typer.Option("--cert-type", help=f"Certificate type: {', '.join(CertType)}. Example: --cert-type passport")
    ] = "",
    cert_number: Annotated[
        str, typer.Option("--cert-number", help="Certificate number. Example: --cert-number 12345678Z")
    ] = "",
    cert_country: Annotated[
        str, typer.Option("--cert-country", help="Issuing country (ISO alpha-2). Example: --cert-country ES")
    ] = "",
    name: Annotated[
        str, typer.Option("--name", help="Full name, with --birthday (no certificate). Example: --name 'Ana Ruiz'")
    ] = "",
    birthday: Annotated[
        str, typer.Option("--birthday", help="YYYY-MM-DD, with --name. Example: --birthday 1990-05-01")
    ] = "",
    expires: Annotated[
        str,
        typer.Option("--expires", help="Last day it holds (YYYY-MM-DD); empty: never. Example: --expires 2030-12-31"),
    ] = "",
    as_json: Json = False,
) -> None:
    """Add an entry by certificate (type, number, country) or by name and birthday; supervisors only.

    Example: crm-tui blacklist add --cert-type national_id --cert-number 12345678Z --cert-country ES --reason fraud
    """
    from crm_tui.services.identity.blacklist import add_blacklist_entry

    run = invocation()
    entry = add_blacklist_entry(
        uow=run.services().writer(),
        actor=run.actor(),
        severity=severity,
        reason=reason,
        cert_type=cert_type,
        cert_number=cert_number,
        cert_country=cert_country,
        name=name,
        birthday=parse_day(birthday, field="birthday"),
        expires_on=parse_day(expires, field="expires_on"),
    )
    if as_json:
        print_json(entry)
        return
    say(
        _("Blacklist entry {entry_id} added ({severity}).").format(
            entry_id=entry.entry_id, severity=words(entry.severity, BlacklistSeverity).lower()
        )
    )


@app.command("lift")
@reports_errors
def blacklist_lift(
    entry_id: Annotated[int, typer.Argument(metavar="ENTRY", help="The entry's number (see `list`). Example: 3")],
    reason: Annotated[str, typer.Option("--reason", help="Why it is lifted. Example: --reason 'Court ruling 44/2026'")],
    as_json: Json = False,
) -> None:
    """Lift an entry: it stops matching and stays as history (who, when, why); supervisors only.

    Example: crm-tui blacklist lift 3 --reason 'Identity theft victim, documents checked'
    """
    from crm_tui.services.identity.blacklist import lift_blacklist_entry

    run = invocation()
    entry = lift_blacklist_entry(entry_id, uow=run.services().writer(), actor=run.actor(), reason=reason)
    if as_json:
        print_json(entry)
        return
    say(_("Blacklist entry {entry_id} lifted.").format(entry_id=entry.entry_id))

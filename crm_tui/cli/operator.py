"""`crm-tui operator`: who may sign in, with which role (add, list, passwd, unlock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crm_tui.cli.conventions import JsonFields
from crm_tui.cli.options import Json
from crm_tui.cli.output import (
    Column,
    local_time,
    print_json,
    print_table,
    reports_errors,
    say,
)
from crm_tui.cli.session import invocation, new_password
from crm_tui.domain import Role
from crm_tui.i18n import _

if TYPE_CHECKING:
    from crm_tui.services.shared.views import OperatorView

app = typer.Typer(help="Operators: who may sign in, with which role.", no_args_is_help=True)

OperatorName = Annotated[str, typer.Argument(metavar="NAME", help="The operator's sign-in name. Example: alice")]


def _print_operators(views: list[OperatorView], *, as_json: bool, title: str | None = None) -> None:
    if as_json:
        print_json({"operators": [view.model_dump(mode="json") for view in views]})
        return
    print_table(
        title or _("Operators"),
        [
            Column(_("Operator"), code=True),
            _("Name"),
            _("Role"),
            _("Shop"),
            _("Language"),
            _("State"),
            Column(_("Failed sign-ins"), numeric=True),
            _("Last sign-in"),
        ],
        [
            (
                view.username,
                view.display_name,
                view.role.label,
                view.shop,
                view.language or "",
                _("Locked") if view.locked else (_("Active") if view.is_active else _("Inactive")),
                view.failed_sign_ins,
                local_time(view.last_sign_in_at),
            )
            for view in views
        ],
    )


def _print_operator(view: OperatorView, *, as_json: bool, title: str) -> None:
    if as_json:
        print_json(view)
    else:
        _print_operators([view], as_json=False, title=title)


@app.command("add")
@reports_errors
def operator_add(
    username: Annotated[str, typer.Argument(metavar="NAME", help="Sign-in name, like ana.garcia.")],
    role: Annotated[
        Role, typer.Option("--role", help="csr, supervisor or admin. Example: --role csr", case_sensitive=False)
    ],
    display_name: Annotated[
        str | None,
        typer.Option("--display-name", help="Name shown in the header. Example: --display-name 'Alice Moreno'"),
    ] = None,
    shop: Annotated[str, typer.Option("--shop", help="The operator's shop. Example: --shop 'Main street shop'")] = "",
    language: Annotated[
        str | None,
        typer.Option(
            "--language",
            help="The operator's language for screens and formats (ISO 639; else CRM_LOCALE, else the system's). "
            "Example: --language es",
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Add an operator (admins only; the first admin of a database needs no sign-in).

    The password comes from CRM_NEW_PASSWORD or is asked twice at a hidden prompt.

    Example: CRM_NEW_PASSWORD=... crm-tui operator add ana --role csr --language es --display-name 'Ana Moreno'
    """
    from crm_tui.services import operators

    run = invocation()
    services = run.services()
    actor = None if operators.needs_bootstrap(uow=services.reader()) else run.actor()
    password = new_password(username)
    view = operators.add_operator(
        username,
        password,
        role=role,
        display_name=display_name,
        shop=shop,
        language=language,
        uow=services.writer(),
        actor=actor,
    )
    say(_("Added {role} {username}.").format(role=view.role.label, username=view.username))
    _print_operator(view, as_json=as_json, title=_("Added"))


@app.command("list")
@reports_errors
def operator_list(as_json: Json = False, json_fields: JsonFields = None) -> None:
    """List the operators (supervisors and admins).

    Example: crm-tui operator list --json-fields username,role
    """
    from crm_tui.services import operators

    run = invocation()
    views = operators.list_operators(uow=run.services().reader(), actor=run.actor())
    _print_operators(views, as_json=as_json or bool(json_fields))


@app.command("passwd")
@reports_errors
def operator_passwd(username: OperatorName, as_json: Json = False) -> None:
    """Change a password: your own, or anyone's as an admin (CRM_NEW_PASSWORD or a prompt).

    Example: crm-tui operator passwd alice
    """
    from crm_tui.services import operators

    run = invocation()
    actor = run.actor()
    view = operators.change_password(username, new_password(username), uow=run.services().writer(), actor=actor)
    say(_("Changed the password of {username}.").format(username=view.username))
    _print_operator(view, as_json=as_json, title=_("Password changed"))


@app.command("unlock")
@reports_errors
def operator_unlock(username: OperatorName, as_json: Json = False) -> None:
    """Unlock an operator after too many failed sign-ins (supervisors and admins).

    Example: crm-tui operator unlock alice
    """
    from crm_tui.services import operators

    run = invocation()
    view = operators.unlock_operator(username, uow=run.services().writer(), actor=run.actor())
    say(_("Unlocked {username}.").format(username=view.username))
    _print_operator(view, as_json=as_json, title=_("Unlocked"))

"""`crm-tui customers authenticate | reset-password | unlock-authentication | set-login`: signing in.

A customer is named by one sign-in key: `--service-number`, `--login` or `--email`. Secrets come from
stdin (one line each, for scripts) or a hidden prompt, never from an option.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crm_tui.cli.options import CustomersEmail, CustomersLogin, CustomersServiceNumber, Json
from crm_tui.cli.output import (
    Column,
    phone,
    print_json,
    print_table,
    reports_errors,
    say,
)
from crm_tui.cli.session import checked_early, invocation, read_secret
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _

if TYPE_CHECKING:
    from crm_tui.services.identity import authentication


def _caller_key(service_number: str, login: str, email: str, *, region: str) -> authentication.CallerKey:
    """Exactly one of the three keys, parsed before any sign-in (bad input exits 2 at once)."""
    from crm_tui.domain import KeyKind
    from crm_tui.services.identity.authentication import CallerKey
    from crm_tui.services.shared.validation import parse_email, parse_login_name, parse_service_number

    given = [
        (flag, value)
        for flag, value in (("--service-number", service_number), ("--login", login), ("--email", email))
        if value
    ]
    if len(given) != 1:
        raise InvalidInput(
            _("Name the customer by one key: --service-number, --login or --email."),
            fields={"service_number": _("One of --service-number, --login, --email.")},
        )
    if service_number:
        return CallerKey(KeyKind.SERVICE_NUMBER, parse_service_number(service_number, region=region))
    if login:
        return CallerKey(KeyKind.LOGIN_NAME, parse_login_name(login))
    return CallerKey(KeyKind.EMAIL, parse_email(email))


@reports_errors
def customers_authenticate(
    service_number: CustomersServiceNumber = "",
    login: CustomersLogin = "",
    email: CustomersEmail = "",
    as_json: Json = False,
) -> None:
    """Check a customer's service password, read from stdin (one line) or a hidden prompt.

    The customer is named by one of --service-number, --login or --email.
    Exit 0 authenticated, 6 wrong or locked (with the tries left), 5 no such customer or line, 3 an email
    several customers share.

    Example: echo 'Barca-vela-2024' | crm-tui customers authenticate --login marta.soler
    """
    from crm_tui.services.identity import authentication

    run = invocation()
    region = run.settings.default_region
    key = checked_early(lambda: _caller_key(service_number, login, email, region=region))
    actor = run.actor()
    password = read_secret(_("Service password"), field="service_password", what=_("service password"))
    done = authentication.authenticate_customer(key, password, uow=run.services().writer(), actor=actor, region=region)
    _print_authenticated(done, as_json=as_json, what=_("Authenticated"))


@reports_errors
def customers_reset_password(
    service_number: CustomersServiceNumber = "",
    login: CustomersLogin = "",
    email: CustomersEmail = "",
    as_json: Json = False,
) -> None:
    """Set a new service password when the customer forgot it: the security answer proves who they are.

    The question goes to stderr; the answer, then the new password, come from two stdin lines or hidden prompts.

    Example: printf 'calle colon\\nVela-latina-77\\n' | crm-tui customers reset-password --service-number 600000100
    """
    from crm_tui.services.identity import authentication

    run = invocation()
    region = run.settings.default_region
    key = checked_early(lambda: _caller_key(service_number, login, email, region=region))
    actor = run.actor()
    question = authentication.security_question(key, uow=run.services().reader(), actor=actor, region=region)
    say(_("Security question: {question}").format(question=question))
    answer = read_secret(_("Answer"), field="security_answer", what=_("security answer"))
    password = read_secret(
        _("New service password"), field="service_password", what=_("new service password"), twice=True
    )
    done = authentication.reset_service_password(
        key, answer, password, uow=run.services().writer(), actor=actor, region=region
    )
    _print_authenticated(done, as_json=as_json, what=_("Service password reset"))


@reports_errors
def customers_unlock_authentication(
    service_number: CustomersServiceNumber = "",
    login: CustomersLogin = "",
    email: CustomersEmail = "",
    as_json: Json = False,
) -> None:
    """Unlock a customer's authentication after repeated failures (supervisors, having seen the document).

    Example: crm-tui customers unlock-authentication --service-number 600000100
    """
    from crm_tui.services.identity import authentication

    run = invocation()
    region = run.settings.default_region
    key = checked_early(lambda: _caller_key(service_number, login, email, region=region))
    customer_id = authentication.unlock_customer_authentication(
        key, uow=run.services().writer(), actor=run.actor(), region=region
    )
    shown = phone(key.value) if key.kind == "service_number" else customer_id
    if as_json:
        body = {"customer_id": customer_id, "unlocked": True}
        if key.kind == "service_number":
            body["service_number"] = key.value
        print_json(body)
    say(_("Unlocked the authentication of {who}.").format(who=shown))


@reports_errors
def customers_set_login(
    customer_id: Annotated[str, typer.Argument(help="The customer. Example: C0000000018", show_default=False)],
    login_name: Annotated[
        str,
        typer.Argument(
            help="The new login name: 3-32 letters, digits, . _ - ; '' removes it. Example: lucia.garcia",
            show_default=False,
        ),
    ],
    as_json: Json = False,
) -> None:
    """Give, change or remove (with '') a customer's login name; it is unique whatever its case.

    Exit 0 done, 2 not a valid login name, 3 taken by another customer, 5 no such customer.

    Example: crm-tui customers set-login C0000000018 lucia.garcia
    """
    from crm_tui.services.identity.sign_in_names import set_login_name
    from crm_tui.services.shared.validation import parse_customer_id, parse_login_name

    run = invocation()
    checked_early(lambda: parse_customer_id(customer_id))
    if login_name.strip():
        checked_early(lambda: parse_login_name(login_name))  # bad input answers before any sign-in
    done = set_login_name(customer_id, login_name, uow=run.services().writer(), actor=run.actor())
    if as_json:
        print_json(done)
        return
    if done.login_name:
        say(
            _("{customer_id} now signs in as {login_name}.").format(
                customer_id=done.customer_id, login_name=done.login_name
            )
        )
    else:
        say(_("{customer_id} has no login name now.").format(customer_id=done.customer_id))


def _print_authenticated(done: authentication.CustomerAuthenticated, *, as_json: bool, what: str) -> None:
    if as_json:
        print_json(done.model_dump(mode="json") | {"authenticated": True})
        return
    print_table(
        what,
        [Column(_("Customer ID"), code=True), Column(_("Service number"), code=True), Column(_("By"))],
        [(done.customer_id, phone(done.service_number) if done.service_number else "", done.by.replace("_", " "))],
    )

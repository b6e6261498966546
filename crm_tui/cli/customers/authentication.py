"""`crm-tui customers authenticate | reset-password | unlock-authentication`: the service password.

Secrets come from stdin (one line each, for scripts) or a hidden prompt, never from an option.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_tui.cli.options import CustomersServiceNumber, Json
from crm_tui.cli.output import (
    Column,
    phone,
    print_json,
    print_table,
    reports_errors,
    say,
)
from crm_tui.cli.session import invocation, read_secret

if TYPE_CHECKING:
    from crm_tui.services.identity import authentication


@reports_errors
def customers_authenticate(service_number: CustomersServiceNumber, as_json: Json = False) -> None:
    """Check a customer's service password, read from stdin (one line) or a hidden prompt.

    Exit 0 authenticated, 6 wrong or locked (with the tries left), 5 no live line with that number.

    Example: echo 'Barca-vela-2024' | crm-tui customers authenticate --service-number 600000100
    """
    from crm_tui.services.identity import authentication
    from crm_tui.services.shared.validation import parse_service_number

    run = invocation()
    region = run.settings.default_region
    parse_service_number(service_number, region=region)  # bad input answers before any sign-in
    actor = run.actor()
    password = read_secret("Service password", field="service_password", what="service password")
    done = authentication.authenticate_customer(
        service_number, password, uow=run.services().writer(), actor=actor, region=region
    )
    _print_authenticated(done, as_json=as_json, what="Authenticated")


@reports_errors
def customers_reset_password(service_number: CustomersServiceNumber, as_json: Json = False) -> None:
    """Set a new service password when the customer forgot it: the security answer proves who they are.

    The question goes to stderr; the answer, then the new password, come from two stdin lines or hidden prompts.

    Example: printf 'calle colon\nVela-latina-77\n' | crm-tui customers reset-password --service-number 600000100
    """
    from crm_tui.services.identity import authentication
    from crm_tui.services.shared.validation import parse_service_number

    run = invocation()
    region = run.settings.default_region
    parse_service_number(service_number, region=region)
    actor = run.actor()
    question = authentication.security_question(service_number, uow=run.services().reader(), actor=actor, region=region)
    say(f"Security question: {question}")
    answer = read_secret("Answer", field="security_answer", what="security answer")
    password = read_secret("New service password", field="service_password", what="new service password", twice=True)
    done = authentication.reset_service_password(
        service_number, answer, password, uow=run.services().writer(), actor=actor, region=region
    )
    _print_authenticated(done, as_json=as_json, what="Service password reset")


@reports_errors
def customers_unlock_authentication(service_number: CustomersServiceNumber, as_json: Json = False) -> None:
    """Unlock a customer's authentication after repeated failures (supervisors, having seen the document).

    Example: crm-tui customers unlock-authentication --service-number 600000100
    """
    from crm_tui.services.identity import authentication
    from crm_tui.services.shared.validation import parse_service_number

    run = invocation()
    region = run.settings.default_region
    number = parse_service_number(service_number, region=region)
    authentication.unlock_customer_authentication(
        service_number, uow=run.services().writer(), actor=run.actor(), region=region
    )
    if as_json:
        print_json({"service_number": number, "unlocked": True})
    say(f"Unlocked the authentication of {phone(number)}.")


def _print_authenticated(done: authentication.CustomerAuthenticated, *, as_json: bool, what: str) -> None:
    if as_json:
        print_json(done.model_dump(mode="json") | {"authenticated": True})
        return
    print_table(
        what,
        [Column("Customer ID", code=True), Column("Service number", code=True)],
        [(done.customer_id, phone(done.service_number))],
    )

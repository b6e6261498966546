"""`crm-tui open SCREEN`: the workbench on a screen, its fields filled (and searched, on query).

Also the hand-over to the Textual workbench that bare `crm-tui --db URL` and `crm-tui demo` use.
`crm_tui.app` (Textual) is imported inside the functions, once the input is checked: scripts
never pay for Textual.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from crm_tui.cli.options import (
    CertNumberOption,
    CertTypeOption,
    CustomerIdOption,
    EmailOption,
    IccidOption,
    ImsiOption,
    NameOption,
    ServiceNumberOption,
)
from crm_tui.cli.output import reports_errors
from crm_tui.cli.session import invocation
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _

if TYPE_CHECKING:
    from crm_tui.app import LaunchRequest


class Screen(StrEnum):
    """The screens `crm-tui open` can start on."""

    QUERY = "query"
    CUSTOMER = "customer"
    REGISTER = "register"
    DEREGISTER = "deregister"
    SUSPEND = "suspend"
    RESUME = "resume"
    QUEUES = "queues"


def open_workbench(launch: LaunchRequest | None) -> None:
    """Hand over to the Textual workbench (imported only now: scripts never pay for Textual).

    The database opens in the workbench, behind its sign-in screen: the operator sees the screen
    and types while SQLAlchemy loads and the schema is checked.
    """
    from crm_tui import app as workbench

    workbench.run_workbench(invocation().services, launch)


@reports_errors
def open_screen(
    screen: Annotated[
        Screen,
        typer.Argument(
            help="query | customer | register | deregister | suspend | resume | queues Example: query",
            case_sensitive=False,
        ),
    ],
    customer: Annotated[
        str | None,
        typer.Argument(metavar="[ID]", help="With `customer`: the customer ID to open. Example: C0000000018"),
    ] = None,
    customer_id: CustomerIdOption = "",
    cert_type: CertTypeOption = "",
    cert_number: CertNumberOption = "",
    service_number: ServiceNumberOption = "",
    name: NameOption = "",
    imsi: ImsiOption = "",
    iccid: IccidOption = "",
    email: EmailOption = "",
) -> None:
    """Open the workbench on a screen with its fields filled (and searched, on query).

    The fields are checked first: bad input exits 2 without opening anything.

    Example: crm-tui open query --service-number 612345678
    """
    from crm_tui.services.customers.search import CustomerQuery
    from crm_tui.services.shared.validation import parse_customer_id

    run = invocation()
    if customer and customer_id and parse_customer_id(customer) != parse_customer_id(customer_id):
        raise InvalidInput(_("Give the customer ID once."), fields={"customer_id": _("Two different IDs given.")})
    if customer and screen is not Screen.CUSTOMER:
        raise InvalidInput(
            _("Only `open customer` takes an ID argument; use --customer-id with {screen}.").format(screen=screen),
            fields={"customer_id": _("Use --customer-id.")},
        )
    fields = {
        key: value
        for key, value in {
            "customer_id": customer or customer_id,
            "cert_type": cert_type,
            "cert_number": cert_number,
            "service_number": service_number,
            "name": name,
            "imsi": imsi,
            "iccid": iccid,
            "email": email,
        }.items()
        if value.strip()
    }
    query = CustomerQuery(**fields)
    parsed = query.parsed(region=run.settings.default_region)
    query.check_in_full()  # nothing is looked up here: the checks a lookup leaves until nothing is found
    target = None
    if screen is Screen.CUSTOMER:
        if not parsed.customer_id:
            raise InvalidInput(
                _("Say which customer: `crm-tui open customer ID`."), fields={"customer_id": _("Required.")}
            )
        target = parsed.customer_id
        fields.pop("customer_id")
    from crm_tui.app import LaunchRequest

    open_workbench(LaunchRequest(screen=screen.value, fields=fields, customer_id=target))

"""Options and input several commands share, declared once so their flags and help read the same.

Parse once at the edge: what a person types becomes a value here (a moment, a file's text) before
any service runs; the services parse their own identifiers (customer IDs, service numbers).
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from crm_tui.domain import CertType
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _

Json = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of tables. Example: --json | jq .")
]
Note = Annotated[str, typer.Option("--note", help="Why: recorded with the action. Example: --note 'Seen the receipt'")]
Yes = Annotated[bool, typer.Option("--yes", help="Confirm without asking (scripts). Example: --yes")]

# The customer keys of `customers search` and `open` (the fields of the Query Customers screen).
CustomerIdOption = Annotated[str, typer.Option("--customer-id", "--id", help="Customer ID, like C0000000018.")]
CertTypeOption = Annotated[
    str, typer.Option("--cert-type", help=f"Certificate type: {', '.join(CertType)}. Example: --cert-type passport")
]
CertNumberOption = Annotated[
    str, typer.Option("--cert-number", help="Certificate number. Example: --cert-number 12345678Z")
]
CertCountryOption = Annotated[
    str,
    typer.Option("--cert-country", help="Issuing country of the certificate (ISO alpha-2). Example: --cert-country ES"),
]
ServiceNumberOption = Annotated[
    str,
    typer.Option(
        "--service-number", help="Service number (MSISDN), national or +E.164. Example: --service-number 612345678"
    ),
]
NameOption = Annotated[
    str,
    typer.Option(
        "--name", help="Customer name or part of it; case and accents do not matter. Example: --name 'garcia per'"
    ),
]
ImsiOption = Annotated[str, typer.Option("--imsi", help="IMSI: 15 digits. Example: --imsi 214070000000001")]
IccidOption = Annotated[
    str, typer.Option("--iccid", help="SIM card ICCID: 18-20 digits starting 89. Example: --iccid 8934070000000000015")
]
EmailOption = Annotated[str, typer.Option("--email", help="Email address. Example: --email lucia.garcia@example.com")]

CustomersServiceNumber = Annotated[
    str, typer.Option("--service-number", help="The customer's service number. Example: --service-number 612345678")
]
"""The line whose service password a customer authentication checks or resets."""
CustomersLogin = Annotated[
    str, typer.Option("--login", help="The customer's login name (any case). Example: --login lucia.garcia")
]
"""A customer's login name, the second of the three sign-in keys."""
CustomersEmail = Annotated[
    str, typer.Option("--email", help="The customer's email address. Example: --email lucia.garcia@example.com")
]
"""A customer's email, the third sign-in key (refused when several customers share it)."""
SocialOption = Annotated[
    str,
    typer.Option(
        "--social", help="A linked social account: @handle or provider:handle. Example: --social google:marta"
    ),
]

CustomerFilter = Annotated[
    str,
    typer.Option("--customer", metavar="ID", help="Only what concerns this customer. Example: --customer C0000000018"),
]
"""Only what concerns this customer (orders, audit entries)."""


def parse_moment(value: str) -> datetime:
    """An ISO 8601 date-time typed by a person; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            _("Give the time as ISO 8601, like 2026-12-01T09:00."),
            fields={"as_of": _("ISO date-time.")},
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


MAX_AMOUNT = Decimal(100000)


def parse_typed_amount(value: str, *, field: str) -> Decimal:
    """Money typed by a person, in the operator's locale (`49,90`) or plainly (`49.90`): non-negative, cents at most.

    After sign-in, so the operator's own locale reads it (see `crm_tui.present.parse_amount`)."""
    from crm_tui import present  # Babel: only for the commands that take an amount

    try:
        amount = present.parse_amount(value)
    except ValueError:
        amount = None
    if (
        amount is None
        or not amount.is_finite()
        or not 0 <= amount < MAX_AMOUNT
        or amount != amount.quantize(Decimal("0.01"))
    ):
        example = present.typed_amount(Decimal("49.90"))
        raise InvalidInput(
            _("An amount like {example} or 49.90 is expected.").format(example=example),
            fields={field: _("An amount like {example} or 49.90.").format(example=example)},
        )
    return amount.quantize(Decimal("0.01"))


def parse_typed_day(value: str, *, field: str) -> date:
    """A date typed by a person, in the operator's locale (`31/12/2026`) or as ISO (`2026-12-31`)."""
    from crm_tui import present  # Babel: only for the commands that take a date

    try:
        return present.parse_day(value)
    except ValueError:
        example = present.day_example()
        raise InvalidInput(
            _("A date like {example} or 2026-12-31 is expected.").format(example=example),
            fields={field: _("A date like {example} or 2026-12-31.").format(example=example)},
        ) from None


def read_text(file: str) -> str:
    """A UTF-8 text file named on the command line; `-` reads stdin."""
    try:
        return sys.stdin.read() if file == "-" else Path(file).expanduser().read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(
            _("Cannot read {file}: {reason}.").format(file=file, reason=error.strerror or error),
            fields={"file": _("Cannot be read.")},
        ) from None
    except UnicodeDecodeError:
        raise InvalidInput(
            _("{file} is not UTF-8 text.").format(file=file), fields={"file": _("Not UTF-8 text.")}
        ) from None


Model = TypeVar("Model")


def build_document(model: type[Model], document: dict[str, Any], *, unknown: str, refused: str) -> Model:
    """`model(**document)` for a JSON document a script gave; its problems as one InvalidInput, each at
    its field (`unknown` for a key the model does not have, `refused` the message)."""
    from pydantic import ValidationError  # only the commands that read a document pay for it

    try:
        return model(**document)
    except ValidationError as error:
        fields = {
            ".".join(str(part) for part in problem["loc"]): unknown
            if problem["type"] == "extra_forbidden"
            else problem["msg"]
            for problem in error.errors()
        }
        raise InvalidInput(refused, fields=fields) from None


ConfirmDifferent = Annotated[
    list[str] | None,
    typer.Option(
        "--confirm-different",
        metavar="ID",
        help="A near match checked and found to be another person (repeat for each). Example: --confirm-different C0000000026",
    ),
]
"""register and update: near matches the CSR checked, so the identity check lets them pass."""

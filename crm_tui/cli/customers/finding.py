"""`crm-tui customers search | list | show`: find customers by any key; list them (the incomplete
legacy records); everything about one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from crm_tui.cli.conventions import JsonFields
from crm_tui.cli.options import (
    CertCountryOption,
    CertNumberOption,
    CertTypeOption,
    CustomerIdOption,
    EmailOption,
    IccidOption,
    ImsiOption,
    Json,
    NameOption,
    ServiceNumberOption,
    SocialOption,
)
from crm_tui.cli.output import (
    Column,
    local_time,
    money_text,
    number,
    phone,
    print_json,
    print_table,
    reports_errors,
    words,
)
from crm_tui.cli.session import checked_early, invocation
from crm_tui.domain import (
    CertType,
    CreditLevel,
    CustomerStatus,
    CustomerType,
    Gender,
    InteractionChannel,
    PaymentType,
    SubscriberStatus,
    SuspensionReason,
)
from crm_tui.i18n import _

if TYPE_CHECKING:
    from crm_tui.services.shared.views import CustomerDetail, CustomerPage


@reports_errors
def customers_search(
    customer_id: CustomerIdOption = "",
    cert_type: CertTypeOption = "",
    cert_number: CertNumberOption = "",
    cert_country: CertCountryOption = "",
    service_number: ServiceNumberOption = "",
    name: NameOption = "",
    imsi: ImsiOption = "",
    iccid: IccidOption = "",
    email: EmailOption = "",
    social: SocialOption = "",
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, max=500, help="Rows per page (default: CRM_PAGE_SIZE, 50). Example: --limit 20"),
    ] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Which page. Example: --page 2")] = 1,
    as_json: Json = False,
    json_fields: JsonFields = None,
) -> None:
    """Find customers; filled fields combine (AND). `{"customers": [...], "total": N}` with --json.

    Example: crm-tui customers search --name 'garcia per' --json-fields customer_id,name
    """
    from crm_tui.services.customers.search import CustomerQuery, search_customers

    run = invocation()
    query = CustomerQuery(
        customer_id=customer_id,
        cert_type=cert_type,
        cert_number=cert_number,
        cert_country=cert_country,
        service_number=service_number,
        name=name,
        imsi=imsi,
        iccid=iccid,
        email=email,
        social=social,
    )
    checked_early(lambda: query.parsed(region=run.settings.default_region))  # bad input answers before any sign-in
    result = search_customers(
        query,
        uow=run.reader(),
        actor=run.actor(),
        region=run.settings.default_region,
        page=page,
        page_size=limit or run.settings.page_size,
    )
    if as_json or json_fields:
        print_json(result)
    else:
        _print_page(result)


@reports_errors
def customers_list(
    incomplete: Annotated[
        bool,
        typer.Option(
            "--incomplete",
            help="Only the legacy records imported without a usable birthday (flagged incomplete). Example: --incomplete",
        ),
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", min=1, max=500, help="Rows per page (default: CRM_PAGE_SIZE, 50). Example: --limit 20"),
    ] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Which page. Example: --page 2")] = 1,
    as_json: Json = False,
    json_fields: JsonFields = None,
) -> None:
    """List customers in the order they came; --incomplete for legacy records without a usable birthday.

    `{"customers": [...], "total": N}` with --json, as search.

    Example: crm-tui customers list --incomplete --json
    """
    from crm_tui.services.customers.search import list_customers

    run = invocation()
    result = list_customers(
        uow=run.reader(),
        actor=run.actor(),
        incomplete=incomplete,
        page=page,
        page_size=limit or run.settings.page_size,
    )
    if as_json or json_fields:
        print_json(result)
    else:
        _print_page(result)


def _print_page(page: CustomerPage) -> None:
    total = f"{number(page.total)}{'+' if page.total_is_capped else ''}"
    print_table(
        _("Customers"),
        [
            Column(_("Customer ID"), code=True),
            _("Customer name"),
            _("Gender"),
            _("Nationality"),
            Column(_("Mobile number"), code=True),
            _("Email"),
            _("Credit level"),
            _("State"),
            _("Certificate"),
        ],
        [
            (
                c.customer_id,
                c.name,
                words(c.gender, Gender),
                c.nationality,
                phone(c.mobile),
                c.email,
                words(c.credit_level, CreditLevel),
                words(c.status, CustomerStatus),
                " ".join(part for part in (words(c.cert_type, CertType), c.cert_number) if part),
            )
            for c in page.customers
        ],
        caption=_("Page {page} of {pages} · {total} found").format(page=page.page, pages=page.pages, total=total),
    )


@reports_errors
def customers_show(
    customer_id: Annotated[
        str, typer.Argument(metavar="ID", help="Customer ID; a merged ID shows its survivor. Example: C0000000018")
    ],
    as_json: Json = False,
) -> None:
    """Everything about one customer: profile, certificates, accounts, lines, contracts, interactions.

    Example: crm-tui customers show C0000000018 --json
    """
    from crm_tui.services.customers.profile import get_customer
    from crm_tui.services.shared.validation import parse_customer_id

    run = invocation()
    checked_early(lambda: parse_customer_id(customer_id))  # bad input answers before any sign-in
    detail = get_customer(customer_id, uow=run.reader(), actor=run.actor())
    if as_json:
        print_json(detail)
    else:
        _print_detail(detail, currency=run.settings.currency)


def _state(status: str, reason: str | None) -> str:
    """A line's state in words, with its reason when it has one ("Suspended: Lost or stolen SIM")."""
    return words(status, SubscriberStatus) + (f": {words(reason, SuspensionReason)}" if reason else "")


def _print_detail(c: CustomerDetail, *, currency: str) -> None:
    badges = [words(c.status, CustomerStatus)]
    if c.blacklisted:
        badges.append(_("Blacklisted"))
    if c.merged_from:
        badges.append(_("{merged_from} was merged into this customer").format(merged_from=c.merged_from))
    if c.incomplete:
        badges.append(_("Incomplete: no usable birthday"))
    print_table(
        f"{c.name} · {c.customer_id} · {' · '.join(badges)}",
        [_("Field"), _("Value")],
        [
            (_("Type"), words(c.type, CustomerType)),
            (_("Gender"), words(c.gender, Gender)),
            (_("Birthday"), c.birthday),
            (_("Nationality"), c.nationality),
            (_("Certificate"), " ".join(p for p in (words(c.cert_type, CertType), c.cert_number, c.cert_country) if p)),
            (_("Email"), c.email),
            (_("Mobile number"), phone(c.mobile)),
            (
                _("Credit level"),
                _("{level} (limit {limit})").format(
                    level=words(c.credit_level, CreditLevel), limit=money_text(c.credit_limit, currency)
                ),
            ),
            (_("Outstanding"), money_text(c.outstanding, currency)),
            (_("Customer since"), local_time(c.created_at)),
        ],
    )
    print_table(
        _("Accounts"),
        [
            Column(_("Account"), code=True),
            _("Payment"),
            Column(_("Balance"), numeric=True),
            Column(_("Outstanding"), numeric=True),
            _("State"),
        ],
        [
            (
                a.account_code,
                words(a.payment_type, PaymentType),
                money_text(a.balance, a.currency),
                money_text(a.outstanding, a.currency),
                words(a.status, CustomerStatus),
            )
            for a in c.accounts
        ],
    )
    print_table(
        _("Subscribers"),
        [
            Column(_("Service number"), code=True),
            _("State"),
            _("Offering"),
            Column("ICCID", code=True),
            Column("IMSI", code=True),
            _("Account"),
        ],
        [
            (
                phone(s.service_number),
                _state(s.status, s.status_reason),
                s.primary_offering,
                s.iccid,
                s.imsi,
                s.account_id,
            )
            for s in c.subscribers
        ],
    )
    print_table(
        _("Contracts"),
        [
            _("Contract"),
            Column(_("Service number"), code=True),
            _("Offering"),
            _("From"),
            _("Until"),
            Column(_("Penalty"), numeric=True),
        ],
        [
            (
                k.name,
                phone(k.service_number),
                k.offering,
                k.effective_on,
                k.expires_on,
                money_text(k.penalty_amount, currency),
            )
            for k in c.contracts
        ],
    )
    print_table(
        _("Recent interactions"),
        [Column(_("When"), code=True), _("What"), _("Channel"), _("Operator")],
        [(local_time(i.at), i.summary, words(i.channel, InteractionChannel), i.operator) for i in c.interactions],
    )

"""`crm-tui`: the workbench's front door and the stable interface scripts drive (see CLI.md).

Bare `crm-tui` opens the workbench; nouns then verbs do the rest. Every command builds its
settings and services lazily (so `--help` never touches the database), prints data on stdout
(`--json`: exactly one document) and diagnostics on stderr, and exits with the codes of CLI.md.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crm_tui.cli_support import (
    Column,
    as_document,
    invocation,
    local_time,
    money,
    new_password,
    print_json,
    print_table,
    progress_bar,
    read_secret,
    reports_errors,
    say,
    show_error,
    start_invocation,
    words,
)
from crm_tui.domain import (
    CertType,
    CreditLevel,
    CustomerStatus,
    CustomerType,
    Gender,
    InteractionChannel,
    PaymentType,
    QueueName,
    Role,
    SubscriberStatus,
    SuspensionReason,
)
from crm_tui.errors import InvalidInput

if TYPE_CHECKING:  # the services are imported by the commands that run them: `crm-tui` alone starts fast
    from crm_tui.services.identity import authentication
    from crm_tui.services.identity.registration import RegistrationResult
    from crm_tui.services.identity.registration_form import RegistrationForm
    from crm_tui.services.shared.views import CustomerDetail, CustomerPage, OperatorView

app = typer.Typer(
    name="crm-tui",
    help="A terminal workbench for a telecom shop counter (eTOM 1.3.4 Customer Management).",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
operator_app = typer.Typer(help="Operators: who may sign in, with which role.", no_args_is_help=True)
customers_app = typer.Typer(help="Find, show, register and authenticate customers.", no_args_is_help=True)
registrations_app = typer.Typer(help="Registrations held by a check: a supervisor approves or rejects them.", no_args_is_help=True)
numbers_app = typer.Typer(help="The service number pool: stock it (admins), list what is free.", no_args_is_help=True)
sims_app = typer.Typer(help="The SIM card pool: stock it (admins).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(operator_app, name="operator")
app.add_typer(customers_app, name="customers")
app.add_typer(registrations_app, name="registrations")
app.add_typer(numbers_app, name="numbers")
app.add_typer(sims_app, name="sims")

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("100000")

# --- options shared by several commands ---------------------------------------------------------

Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout instead of tables.")]
CustomerIdOption = Annotated[str, typer.Option("--customer-id", "--id", help="Customer ID, like C0000000018.")]
CertTypeOption = Annotated[str, typer.Option("--cert-type", help=f"Certificate type: {', '.join(CertType)}.")]
CertNumberOption = Annotated[str, typer.Option("--cert-number", help="Certificate number.")]
CertCountryOption = Annotated[str, typer.Option("--cert-country", help="Issuing country of the certificate (ISO alpha-2).")]
ServiceNumberOption = Annotated[str, typer.Option("--service-number", help="Service number (MSISDN), national or +E.164.")]
NameOption = Annotated[str, typer.Option("--name", help="Customer name or part of it; case and accents do not matter.")]
ImsiOption = Annotated[str, typer.Option("--imsi", help="IMSI: 15 digits.")]
IccidOption = Annotated[str, typer.Option("--iccid", help="SIM card ICCID: 18-20 digits starting 89.")]
EmailOption = Annotated[str, typer.Option("--email", help="Email address.")]


class Screen(StrEnum):
    """The screens `crm-tui open` can start on."""

    QUERY = "query"
    CUSTOMER = "customer"
    REGISTER = "register"
    DEREGISTER = "deregister"
    SUSPEND = "suspend"
    RESUME = "resume"
    QUEUES = "queues"


def main() -> None:
    """The `crm-tui` console script."""
    app()


@app.callback()
@reports_errors
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", metavar="URL", help="SQLAlchemy database URL; else CRM_DATABASE_URL, else the embedded file."),
    ] = None,
    as_operator: Annotated[
        str | None,
        typer.Option("--as", metavar="NAME", help="Operator to act as; else CRM_OPERATOR. Password: CRM_OPERATOR_PASSWORD or a prompt."),
    ] = None,
) -> None:
    """Open the workbench (sign-in screen), or run one of the commands below."""
    run = start_invocation(database_url=db, operator=as_operator)
    ctx.call_on_close(run.close)
    if ctx.invoked_subcommand is None:
        _open_workbench(None)


def _open_workbench(launch: Any) -> None:
    """Hand over to the Textual workbench (imported only now: scripts never pay for Textual).

    The database opens in the workbench, behind its sign-in screen: the operator sees the screen
    and types while SQLAlchemy loads and the schema is checked.
    """
    from crm_tui import app as workbench

    workbench.run_workbench(invocation().services, launch)


# --- workbench entry points ---------------------------------------------------------------------


@app.command()
@reports_errors
def demo(
    no_open: Annotated[bool, typer.Option("--no-open", help="Only prepare the demo database; do not open the workbench.")] = False,
    customers_count: Annotated[int, typer.Option("--customers", min=0, help="Customers in a new demo database.")] = 2000,
    as_json: Json = False,
) -> None:
    """Make the demo database if there is none, print the demo sign-ins, open the workbench.

    The demo lives in its own file (demo.db beside crm.db) unless --db names another database.
    """
    from crm_tui.services import seeding

    run = invocation()
    run.demo = True
    services = run.services()
    say(f"Preparing the demo database ({services.database.short_name}) …")
    sign_ins = seeding.create_demo(services, customers=customers_count)
    if as_json:
        print_json({"database": services.database.short_name, "sign_ins": [
            {"username": username, "password": password, "role": str(role)} for username, password, role in sign_ins
        ]})
    else:
        print_table(
            "Demo sign-ins",
            [Column("Operator", code=True), "Password", "Role"],
            [(username, password, words(Role, str(role))) for username, password, role in sign_ins],
            to_stderr=True,
        )
    if not no_open:
        _open_workbench(None)


@app.command("open")
@reports_errors
def open_screen(
    screen: Annotated[Screen, typer.Argument(help="query | customer | register | deregister | suspend | resume | queues", case_sensitive=False)],
    customer: Annotated[str | None, typer.Argument(metavar="[ID]", help="With `customer`: the customer ID to open.")] = None,
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
    """
    from crm_tui.services.customers.search import CustomerQuery
    from crm_tui.services.shared.validation import parse_customer_id

    run = invocation()
    if customer and customer_id and parse_customer_id(customer) != parse_customer_id(customer_id):
        raise InvalidInput("Give the customer ID once.", fields={"customer_id": "Two different IDs given."})
    if customer and screen is not Screen.CUSTOMER:
        raise InvalidInput(f"Only `open customer` takes an ID argument; use --customer-id with {screen}.", fields={"customer_id": "Use --customer-id."})
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
    parsed = CustomerQuery(**fields).parsed(region=run.settings.default_region)
    target = None
    if screen is Screen.CUSTOMER:
        if not parsed.customer_id:
            raise InvalidInput("Say which customer: `crm-tui open customer ID`.", fields={"customer_id": "Required."})
        target = parsed.customer_id
        fields.pop("customer_id")
    from crm_tui.app import LaunchRequest

    _open_workbench(LaunchRequest(screen=screen.value, fields=fields, customer_id=target))


# --- db -----------------------------------------------------------------------------------------


def _revision_document(services: Any) -> dict[str, Any]:
    from crm_tui.storage.migrations.runner import head_revision

    current = services.database.current_revision()
    head = head_revision()
    return {"database": services.database.short_name, "revision": current, "head": head, "up_to_date": current == head}


def _print_revision(document: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print_json(document)
        return
    state = "up to date" if document["up_to_date"] else f"behind head {document['head']}: run `crm-tui db upgrade`"
    print_table("Database schema", ["Database", "Revision", "State"], [(document["database"], document["revision"] or "(empty)", state)])


@db_app.command("upgrade")
@reports_errors
def db_upgrade(as_json: Json = False) -> None:
    """Apply the schema migrations up to the newest (needs no operator)."""
    from crm_tui.storage.migrations.runner import upgrade

    services = invocation().services(migrate=False)
    before = services.database.current_revision()
    upgrade(services.database)
    document = _revision_document(services) | {"previous": before}
    say(f"Migrated {document['database']} from {before or '(empty)'} to {document['revision']}.")
    _print_revision(document, as_json=as_json)


@db_app.command("current")
@reports_errors
def db_current(as_json: Json = False) -> None:
    """Show the schema revision of the database (without migrating it)."""
    _print_revision(_revision_document(invocation().services(migrate=False)), as_json=as_json)


# --- seed ---------------------------------------------------------------------------------------


@app.command()
@reports_errors
def seed(
    customers_count: Annotated[int, typer.Option("--customers", min=1, help="How many customers to add.")],
    seed_value: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")] = 7,
    as_json: Json = False,
) -> None:
    """Add realistic demo customers, lines, accounts, contracts and stock (admins only)."""
    from crm_tui.services import seeding

    run = invocation()
    actor = run.actor()
    with progress_bar("Seeding customers", total=customers_count) as update:
        report = seeding.seed_customers(services=run.services(), actor=actor, customers=customers_count, seed=seed_value, progress=update)
    document = as_document(report)
    if as_json:
        print_json(document)
    else:
        print_table(
            "Seeded",
            ["What", Column("How many", numeric=True)],
            [(key.replace("_", " ").capitalize(), f"{value:,}" if isinstance(value, int) else value) for key, value in document.items()],
        )


# --- operators ----------------------------------------------------------------------------------


def _print_operators(views: list[OperatorView], *, as_json: bool, title: str = "Operators") -> None:
    if as_json:
        print_json({"operators": [view.model_dump(mode="json") for view in views]})
        return
    print_table(
        title,
        [Column("Operator", code=True), "Name", "Role", "Shop", "State", Column("Failed sign-ins", numeric=True), "Last sign-in"],
        [
            (
                view.username,
                view.display_name,
                view.role.label,
                view.shop,
                "Locked" if view.locked else ("Active" if view.is_active else "Inactive"),
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


@operator_app.command("add")
@reports_errors
def operator_add(
    username: Annotated[str, typer.Argument(metavar="NAME", help="Sign-in name, like ana.garcia.")],
    role: Annotated[Role, typer.Option("--role", help="csr, supervisor or admin.", case_sensitive=False)],
    display_name: Annotated[str | None, typer.Option("--display-name", help="Name shown in the header.")] = None,
    shop: Annotated[str, typer.Option("--shop", help="The operator's shop.")] = "",
    as_json: Json = False,
) -> None:
    """Add an operator (admins only; the first admin of a database needs no sign-in).

    The password comes from CRM_NEW_PASSWORD or is asked twice at a hidden prompt.
    """
    from crm_tui.services import operators

    run = invocation()
    services = run.services()
    actor = None if operators.needs_bootstrap(uow=services.reader()) else run.actor()
    password = new_password(username)
    view = operators.add_operator(
        username, password, role=role, display_name=display_name, shop=shop, uow=services.writer(), actor=actor
    )
    say(f"Added {view.role.label} {view.username}.")
    _print_operator(view, as_json=as_json, title="Added")


@operator_app.command("list")
@reports_errors
def operator_list(as_json: Json = False) -> None:
    """List the operators (supervisors and admins)."""
    from crm_tui.services import operators

    run = invocation()
    _print_operators(operators.list_operators(uow=run.services().reader(), actor=run.actor()), as_json=as_json)


@operator_app.command("passwd")
@reports_errors
def operator_passwd(
    username: Annotated[str, typer.Argument(metavar="NAME")],
    as_json: Json = False,
) -> None:
    """Change a password: your own, or anyone's as an admin (CRM_NEW_PASSWORD or a prompt)."""
    from crm_tui.services import operators

    run = invocation()
    actor = run.actor()
    view = operators.change_password(username, new_password(username), uow=run.services().writer(), actor=actor)
    say(f"Changed the password of {view.username}.")
    _print_operator(view, as_json=as_json, title="Password changed")


@operator_app.command("unlock")
@reports_errors
def operator_unlock(
    username: Annotated[str, typer.Argument(metavar="NAME")],
    as_json: Json = False,
) -> None:
    """Unlock an operator after too many failed sign-ins (supervisors and admins)."""
    from crm_tui.services import operators

    run = invocation()
    view = operators.unlock_operator(username, uow=run.services().writer(), actor=run.actor())
    say(f"Unlocked {view.username}.")
    _print_operator(view, as_json=as_json, title="Unlocked")


# --- customers ----------------------------------------------------------------------------------


@customers_app.command("search")
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
    limit: Annotated[int | None, typer.Option("--limit", min=1, max=500, help="Rows per page (default: CRM_PAGE_SIZE, 50).")] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Which page.")] = 1,
    as_json: Json = False,
) -> None:
    """Find customers; filled fields combine (AND). `{"customers": [...], "total": N}` with --json."""
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
    )
    query.parsed(region=run.settings.default_region)  # bad input answers before any sign-in
    result = search_customers(
        query,
        uow=run.services().reader(),
        actor=run.actor(),
        region=run.settings.default_region,
        page=page,
        page_size=limit or run.settings.page_size,
    )
    if as_json:
        print_json(result)
    else:
        _print_page(result)


def _print_page(page: CustomerPage) -> None:
    from crm_tui.services.shared.validation import format_service_number

    total = f"{page.total:,}{'+' if page.total_is_capped else ''}"
    print_table(
        "Customers",
        [Column("Customer ID", code=True), "Customer name", "Gender", "Nationality", Column("Mobile number", code=True), "Email", "Credit level", "State", "Certificate"],
        [
            (
                c.customer_id,
                c.name,
                words(Gender, c.gender),
                c.nationality,
                format_service_number(c.mobile),
                c.email,
                words(CreditLevel, c.credit_level),
                words(CustomerStatus, c.status),
                " ".join(part for part in (words(CertType, c.cert_type), c.cert_number) if part),
            )
            for c in page.customers
        ],
        caption=f"Page {page.page} of {page.pages} · {total} found",
    )


@customers_app.command("show")
@reports_errors
def customers_show(
    customer_id: Annotated[str, typer.Argument(metavar="ID", help="Customer ID; a merged ID shows its survivor.")],
    as_json: Json = False,
) -> None:
    """Everything about one customer: profile, certificates, accounts, lines, contracts, interactions."""
    from crm_tui.services.customers.profile import get_customer
    from crm_tui.services.shared.validation import parse_customer_id

    run = invocation()
    parse_customer_id(customer_id)  # bad input answers before any sign-in
    detail = get_customer(customer_id, uow=run.services().reader(), actor=run.actor())
    if as_json:
        print_json(detail)
    else:
        _print_detail(detail, currency=run.settings.currency)


def _state(status: str, reason: str | None) -> str:
    """A line's state in words, with its reason when it has one ("Suspended: Lost or stolen SIM")."""
    return words(SubscriberStatus, status) + (f": {words(SuspensionReason, reason)}" if reason else "")


def _print_detail(c: CustomerDetail, *, currency: str) -> None:
    from crm_tui.services.shared.validation import format_service_number

    badges = [words(CustomerStatus, c.status)]
    if c.blacklisted:
        badges.append("Blacklisted")
    if c.merged_from:
        badges.append(f"{c.merged_from} was merged into this customer")
    print_table(
        f"{c.name} · {c.customer_id} · {' · '.join(badges)}",
        ["Field", "Value"],
        [
            ("Type", words(CustomerType, c.type)),
            ("Gender", words(Gender, c.gender)),
            ("Birthday", c.birthday),
            ("Nationality", c.nationality),
            ("Certificate", " ".join(p for p in (words(CertType, c.cert_type), c.cert_number, c.cert_country) if p)),
            ("Email", c.email),
            ("Mobile number", format_service_number(c.mobile)),
            ("Credit level", f"{words(CreditLevel, c.credit_level)} (limit {money(c.credit_limit, currency)})"),
            ("Outstanding", money(c.outstanding, currency)),
            ("Customer since", local_time(c.created_at)),
        ],
    )
    print_table(
        "Accounts",
        [Column("Account", code=True), "Payment", Column("Balance", numeric=True), Column("Outstanding", numeric=True), "State"],
        [
            (a.account_code, words(PaymentType, a.payment_type), money(a.balance, a.currency), money(a.outstanding, a.currency), words(CustomerStatus, a.status))
            for a in c.accounts
        ],
    )
    print_table(
        "Subscribers",
        [Column("Service number", code=True), "State", "Offering", Column("ICCID", code=True), Column("IMSI", code=True), "Account"],
        [
            (format_service_number(s.service_number), _state(s.status, s.status_reason), s.primary_offering, s.iccid, s.imsi, s.account_id)
            for s in c.subscribers
        ],
    )
    print_table(
        "Contracts",
        ["Contract", Column("Service number", code=True), "Offering", "From", "Until", Column("Penalty", numeric=True)],
        [
            (k.name, format_service_number(k.service_number), k.offering, k.effective_on, k.expires_on, money(k.penalty_amount, currency))
            for k in c.contracts
        ],
    )
    print_table(
        "Recent interactions",
        [Column("When", code=True), "What", "Channel", "Operator"],
        [(local_time(i.at), i.summary, words(InteractionChannel, i.channel), i.operator) for i in c.interactions],
    )


# --- registration -------------------------------------------------------------------------------


def _read_form(file: str, *, confirm_different: list[str]) -> RegistrationForm:
    """One customer in the import format from a JSON file (`-`: stdin); attachment paths relative to it."""
    from crm_tui.services.identity.registration_form import RegistrationForm

    try:
        if file == "-":
            raw, folder = sys.stdin.read(), Path.cwd()
        else:
            path = Path(file).expanduser()
            raw, folder = path.read_text(encoding="utf-8"), path.parent
        document = json.loads(raw)
    except OSError as error:
        raise InvalidInput(f"Cannot read {file}: {error.strerror or error}.", fields={"file": "Cannot be read."}) from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{file} is not UTF-8 text.", fields={"file": "Not UTF-8 text."}) from None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"{file} is not JSON: {error.msg} at line {error.lineno}, column {error.colno}.", fields={"file": "Not JSON."}) from None
    if not isinstance(document, dict):
        raise InvalidInput("The file holds one customer: a JSON object.", fields={"file": "One JSON object expected."})
    if isinstance(document.get("attachments"), list):
        document["attachments"] = [str(folder / item) if isinstance(item, str) else item for item in document["attachments"]]
    given = document.get("confirmed_different_from", [])
    if confirm_different and isinstance(given, list):
        document["confirmed_different_from"] = [*given, *confirm_different]
    from pydantic import ValidationError

    try:
        return RegistrationForm(**document)
    except ValidationError as error:
        fields = {
            ".".join(str(part) for part in problem["loc"]): "Not a field of the import format." if problem["type"] == "extra_forbidden" else problem["msg"]
            for problem in error.errors()
        }
        raise InvalidInput("The file does not follow the import format (see the README).", fields=fields) from None


@customers_app.command("register")
@reports_errors
def customers_register(
    file: Annotated[str, typer.Option("--file", metavar="F.json", help="One customer in the import format (README); `-` reads stdin.")],
    confirm_different: Annotated[
        list[str] | None,
        typer.Option("--confirm-different", metavar="ID", help="A near match checked and found to be another person (repeat for each)."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Register a new customer with every check of the Registration screen.

    Exit 0 registered, 2 field errors, 3 already registered or near matches to confirm, 4 held for a supervisor.
    """
    from crm_tui.services.identity.near_matches import PossibleDuplicates
    from crm_tui.services.identity.registration import register_customer
    from crm_tui.services.identity.registration_form import validate_registration

    run = invocation()
    settings = run.settings
    form = _read_form(file, confirm_different=confirm_different or [])
    checks = {"region": settings.default_region, "min_age": settings.min_customer_age}
    today = datetime.now(timezone.utc).date()  # the service's own "today"
    validate_registration(form, today=today, **checks)  # bad input answers before any sign-in
    try:
        result = register_customer(
            form,
            uow=run.services().writer(),
            actor=run.actor(),
            currency=settings.currency,
            timezone=settings.timezone,
            data_dir=settings.data_dir,
            **checks,
        )
    except PossibleDuplicates as error:
        show_error(error, as_json=as_json)
        if not as_json:
            say("If each of them is another person, run again with --confirm-different ID for each.")
        raise typer.Exit(error.exit_code) from None
    if as_json:
        print_json(result)
    else:
        _print_registration(result, currency=settings.currency)
    if result.held:
        say(f"Held for review in {words(QueueName, result.held.queue)} (item {result.held.item_id}): {result.held.reason}", style="yellow")
        raise typer.Exit(4)
    say(f"Registered {result.customer_id}.")


def _print_registration(result: RegistrationResult, *, currency: str) -> None:
    from crm_tui.services.shared.validation import format_service_number

    rows = [
        ("Customer ID", result.customer_id),
        ("State", words(CustomerStatus, result.status)),
        ("Account", result.account_code),
        ("Service number", format_service_number(result.service_number)),
        ("Credit level", f"{words(CreditLevel, result.credit_level)} (limit {money(result.credit_limit, currency)})"),
    ]
    rows += [("Warning", warning) for warning in result.warnings]
    if result.near_matches_confirmed:
        rows.append(("Confirmed different from", ", ".join(result.near_matches_confirmed)))
    print_table("Held for review" if result.held else "Registered", ["Field", "Value"], [row for row in rows if row[1]])


@registrations_app.command("approve")
@reports_errors
def registrations_approve(
    item: Annotated[int, typer.Argument(metavar="ITEM", help="The held registration's item ID.")],
    note: Annotated[str, typer.Option("--note", help="Why, for the record.")] = "",
    as_json: Json = False,
) -> None:
    """Approve a held registration: the customer gets the line (supervisors)."""
    _decide(item, approve=True, note=note, as_json=as_json)


@registrations_app.command("reject")
@reports_errors
def registrations_reject(
    item: Annotated[int, typer.Argument(metavar="ITEM", help="The held registration's item ID.")],
    note: Annotated[str, typer.Option("--note", help="Why, for the record.")] = "",
    as_json: Json = False,
) -> None:
    """Reject a held registration: the customer stays registered, without the line (supervisors)."""
    _decide(item, approve=False, note=note, as_json=as_json)


def _decide(item: int, *, approve: bool, note: str, as_json: bool) -> None:
    from crm_tui.services.identity.held_registrations import decide_held_registration
    from crm_tui.services.shared.validation import format_service_number

    run = invocation()
    decision = decide_held_registration(item, approve=approve, note=note, uow=run.services().writer(), actor=run.actor())
    if as_json:
        print_json(decision)
        return
    outcome = f"approved: line {format_service_number(decision.service_number)}" if decision.approved else "rejected: no line"
    print_table("Held registration", ["Item", Column("Customer ID", code=True), "Outcome"], [(item, decision.customer_id, outcome)])


# --- customer authentication --------------------------------------------------------------------


@customers_app.command("authenticate")
@reports_errors
def customers_authenticate(
    service_number: Annotated[str, typer.Option("--service-number", help="The customer's service number.")],
    as_json: Json = False,
) -> None:
    """Check a customer's service password, read from stdin (one line) or a hidden prompt.

    Exit 0 authenticated, 6 wrong or locked (with the tries left), 5 no live line with that number.
    """
    from crm_tui.services.identity import authentication
    from crm_tui.services.shared.validation import parse_service_number

    run = invocation()
    region = run.settings.default_region
    parse_service_number(service_number, region=region)  # bad input answers before any sign-in
    actor = run.actor()
    password = read_secret("Service password", field="service_password", what="service password")
    done = authentication.authenticate_customer(service_number, password, uow=run.services().writer(), actor=actor, region=region)
    _print_authenticated(done, as_json=as_json, what="Authenticated")


@customers_app.command("reset-password")
@reports_errors
def customers_reset_password(
    service_number: Annotated[str, typer.Option("--service-number", help="The customer's service number.")],
    as_json: Json = False,
) -> None:
    """Set a new service password when the customer forgot it: the security answer proves who they are.

    The question goes to stderr; the answer, then the new password, come from two stdin lines or hidden prompts.
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
    done = authentication.reset_service_password(service_number, answer, password, uow=run.services().writer(), actor=actor, region=region)
    _print_authenticated(done, as_json=as_json, what="Service password reset")


@customers_app.command("unlock-authentication")
@reports_errors
def customers_unlock_authentication(
    service_number: Annotated[str, typer.Option("--service-number", help="The customer's service number.")],
    as_json: Json = False,
) -> None:
    """Unlock a customer's authentication after repeated failures (supervisors, having seen the document)."""
    from crm_tui.services.identity import authentication
    from crm_tui.services.shared.validation import (
        format_service_number,
        parse_service_number,
    )

    run = invocation()
    region = run.settings.default_region
    number = parse_service_number(service_number, region=region)
    authentication.unlock_customer_authentication(service_number, uow=run.services().writer(), actor=run.actor(), region=region)
    if as_json:
        print_json({"service_number": number, "unlocked": True})
    say(f"Unlocked the authentication of {format_service_number(number)}.")


def _print_authenticated(done: authentication.CustomerAuthenticated, *, as_json: bool, what: str) -> None:
    from crm_tui.services.shared.validation import format_service_number

    if as_json:
        print_json(done.model_dump(mode="json") | {"authenticated": True})
        return
    print_table(what, [Column("Customer ID", code=True), Column("Service number", code=True)], [(done.customer_id, format_service_number(done.service_number))])


# --- number and SIM pools -----------------------------------------------------------------------


def _print_stocked(what: str, stocked: int, given: int, *, as_json: bool) -> None:
    if as_json:
        print_json({"stocked": stocked, "already_in_pool": given - stocked})
        return
    print_table(what, ["What", Column("How many", numeric=True)], [("Stocked", f"{stocked:,}"), ("Already in the pool", f"{given - stocked:,}")])


def _amount(raw: str, *, field: str) -> Decimal:
    """Money typed by a person: a non-negative amount with at most two decimals."""
    try:
        amount = Decimal(raw.strip())
        if amount.is_finite() and 0 <= amount < MAX_AMOUNT and amount == amount.quantize(CENT):
            return amount.quantize(CENT)
    except InvalidOperation:
        pass
    raise InvalidInput("An amount like 49.90 is expected.", fields={field: "An amount like 49.90."})


@numbers_app.command("stock")
@reports_errors
def numbers_stock(
    numbers: Annotated[list[str], typer.Argument(metavar="NUMBER...", help="Service numbers, national or +E.164.")],
    golden_fee: Annotated[str | None, typer.Option("--golden-fee", metavar="AMOUNT", help="Stock them as golden numbers at this one-off fee.")] = None,
    as_json: Json = False,
) -> None:
    """Add service numbers to the pool (admins); numbers already there stay as they are."""
    from crm_tui.services.lines import inventory
    from crm_tui.services.shared.validation import parse_service_number

    run = invocation()
    region = run.settings.default_region
    parsed = {parse_service_number(number, region=region) for number in numbers}  # bad input answers before any sign-in
    fee = None if golden_fee is None else _amount(golden_fee, field="golden_fee")
    stocked = inventory.stock_numbers(numbers, region=region, golden_fee=fee, uow=run.services().writer(), actor=run.actor())
    _print_stocked("Number pool", stocked, len(parsed), as_json=as_json)


@numbers_app.command("free")
@reports_errors
def numbers_free(
    golden: Annotated[bool, typer.Option("--golden", help="Only golden numbers (with their fee).")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="How many to list.")] = 20,
    as_json: Json = False,
) -> None:
    """Free numbers a CSR may offer: ordinary and golden ones, or only golden with --golden."""
    from crm_tui.services.lines import inventory
    from crm_tui.services.shared.validation import format_service_number

    run = invocation()
    run.actor()
    free = inventory.free_numbers(uow=run.services().reader(), golden=True if golden else None, limit=limit)
    if as_json:
        print_json({"numbers": [number.model_dump(mode="json") for number in free]})
        return
    currency = run.settings.currency
    print_table(
        "Free golden numbers" if golden else "Free numbers",
        [Column("Service number", code=True), "Golden", Column("Fee", numeric=True)],
        [(format_service_number(n.service_number), "Golden" if n.is_golden else "", money(n.fee, currency) if n.is_golden else "") for n in free],
    )


@sims_app.command("stock")
@reports_errors
def sims_stock(
    file: Annotated[str, typer.Option("--file", metavar="F.csv", help="One SIM card a line: ICCID,IMSI (a header line is skipped); `-` reads stdin.")],
    as_json: Json = False,
) -> None:
    """Add SIM cards to the pool (admins); cards already there stay as they are."""
    from crm_tui.services.lines import inventory

    run = invocation()
    try:
        text = sys.stdin.read() if file == "-" else Path(file).expanduser().read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"Cannot read {file}: {error.strerror or error}.", fields={"file": "Cannot be read."}) from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{file} is not UTF-8 text.", fields={"file": "Not UTF-8 text."}) from None
    cards: list[tuple[str, str]] = []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or (line == 1 and not cells[0].isdigit()):
            continue  # blank lines and the header
        if len(cells) != 2:
            raise InvalidInput(f"Line {line} of {file} does not hold ICCID,IMSI.", fields={"file": f"Line {line}: two values, ICCID,IMSI."})
        cards.append((cells[0], cells[1]))
    if not cards:
        raise InvalidInput(f"No SIM cards in {file}.", fields={"file": "No ICCID,IMSI lines."})
    stocked = inventory.stock_sims(cards, uow=run.services().writer(), actor=run.actor())
    _print_stocked("SIM pool", stocked, len({iccid for iccid, _ in cards}), as_json=as_json)


# The lifecycle after registration (lines, orders, queues, archive, audit) lives in its own module.
from crm_tui import cli_operations  # noqa: E402  (needs `app` and `customers_app` defined above)

cli_operations.register(app, customers_app)

"""Demo data as a use case: an admin seeds customers; `crm-tui demo` builds a ready-to-try database."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from crm_tui.domain import Role
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.services import operators
from crm_tui.services.context import Services
from crm_tui.services.shared import audit
from crm_tui.services.shared.passwords import hash_secret
from crm_tui.services.shared.permissions import require_role
from crm_tui.services.shared.views import Actor
from crm_tui.storage.models.customers import AuthenticationInfo, Certificate, Customer, SocialAccount
from crm_tui.storage.models.operators import Operator
from crm_tui.storage.seed import FEATURED, SeedReport, seed_database
from crm_tui.storage.types import utcnow

MAX_CUSTOMERS = 10_000_000

DEMO_OPERATORS: list[tuple[str, str, Role, str]] = [
    ("admin", "demo-admin-1", Role.ADMIN, "Ana Admin"),
    ("sam", "demo-super-1", Role.SUPERVISOR, "Sam Supervisor"),
    ("alice", "demo-csr-01", Role.CSR, "Alice Counter"),
    ("bob", "demo-csr-02", Role.CSR, "Bob Counter"),
]
"""The demo sign-ins: (username, password, role, display name). Demo only: printed on screen."""

FEATURED_CUSTOMER = {
    "name": FEATURED.display_name,
    "cert_number": FEATURED.cert_number,
    "service_number": FEATURED.lines[0].service_number,
    "imsi": FEATURED.lines[0].imsi,
    "iccid": FEATURED.lines[0].iccid,
    "email": FEATURED.email,
}
"""The one demo customer whose keys are known in advance (the README searches for her)."""
FEATURED_SIGN_IN = {
    "login_name": "lucia.garcia",
    "service_password": "Giralda-1988",
    "security_question": "First pet's name?",
    "security_answer": "canela",
    "social": ("google", "lucia.garcia.88"),
}
"""How the demo's Lucía signs in (README "Verifying a caller"): demo only, printed in the README."""


def seed_customers(
    *,
    services: Services,
    actor: Actor,
    customers: int,
    seed: int = 42,
    progress: Callable[[int], None] | None = None,
) -> SeedReport:
    """Append `customers` realistic customers with lines, contracts, bills and stock (admins only)."""
    require_role(actor, Role.ADMIN, doing=_("seed demo data"))
    if not 1 <= customers <= MAX_CUSTOMERS:
        raise InvalidInput(
            _("Seed between 1 and {maximum} customers.").format(maximum=f"{MAX_CUSTOMERS:,}"),
            fields={"customers": _("1 to {maximum}.").format(maximum=f"{MAX_CUSTOMERS:,}")},
        )
    with services.writer() as uow:
        audit.record(
            uow,
            actor,
            "data.seed",
            "database",
            services.database.short_name[:32],
            {"customers": customers, "seed": seed},
        )
        uow.commit()
    return seed_database(services.database, customers=customers, seed=seed, progress=progress)


def create_demo(services: Services, *, customers: int = 2000, seed: int = 7) -> list[tuple[str, str, str]]:
    """Make a demo database: the demo operators if it has no operator, demo customers if it has none.

    Idempotent: a second call adds nothing. Returns the demo sign-ins (username, password, role)
    of the demo operators present in the database, to print.
    """
    with services.reader() as uow:
        session = uow.session
        has_operators = session.execute(select(func.count()).select_from(Operator)).scalar_one() > 0
        has_customers = session.execute(select(Customer.id).limit(1)).first() is not None
    admin: Actor | None = None
    if not has_operators:
        first, *others = DEMO_OPERATORS
        username, password, role, display = first
        operators.add_operator(
            username,
            password,
            role=role,
            display_name=display,
            shop=services.settings.shop,
            uow=services.writer(),
            actor=None,
        )
        admin = operators.sign_in(username, password, uow=services.writer())
        for username, password, role, display in others:
            operators.add_operator(
                username,
                password,
                role=role,
                display_name=display,
                shop=services.settings.shop,
                uow=services.writer(),
                actor=admin,
            )
    if not has_customers:
        with services.writer() as uow:
            audit.record(uow, admin, "data.seed", "database", "demo", {"customers": customers, "seed": seed})
            uow.commit()
        seed_database(services.database, customers=customers, seed=seed, featured=True)
        _featured_sign_in(services)
    with services.reader() as uow:
        present = set(uow.session.execute(select(Operator.username)).scalars())
    return [
        (username, password, role.value) for username, password, role, _display in DEMO_OPERATORS if username in present
    ]


def _featured_sign_in(services: Services) -> None:
    """The demo's Lucía gets a service password, a security question, a login name and a social account,
    so a caller can be verified on the demo (the bulk seed gives nobody a secret: hashing is slow)."""
    with services.writer() as uow:
        session = uow.session
        pk = session.execute(
            select(Certificate.customer_id).where(Certificate.cert_number == FEATURED.cert_number)
        ).scalar()
        if (
            pk is None
            or session.execute(select(AuthenticationInfo.id).where(AuthenticationInfo.customer_id == pk)).first()
        ):
            return
        session.add(
            AuthenticationInfo(
                customer_id=pk,
                service_password_hash=hash_secret(FEATURED_SIGN_IN["service_password"]),
                security_question=FEATURED_SIGN_IN["security_question"],
                security_answer_hash=hash_secret(FEATURED_SIGN_IN["security_answer"]),
            )
        )
        customer = session.get(Customer, pk)
        if customer is not None and customer.login_name is None:
            customer.login_name = FEATURED_SIGN_IN["login_name"]
            session.add(customer)
        provider, subject = FEATURED_SIGN_IN["social"]
        session.add(SocialAccount(customer_id=pk, provider=provider, subject=subject, linked_at=utcnow()))
        uow.commit()

"""Test data written straight through storage: a customer with a line, in one call.

Service tests for registration will use the registration service; tests of search, views and
screens need customers without depending on it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import count

from sqlmodel import select

from crm_tui.services.context import Services
from crm_tui.services.shared.validation import customer_id_for, normalize_name
from crm_tui.storage.models.customers import Certificate, Customer
from crm_tui.storage.models.lines import Account, Contract, Offering, Subscriber
from crm_tui.storage.models.money import Charge
from crm_tui.storage.sequences import next_number

_serial = count(1)


LUCIA_KEYS = dict(
    first_name="Lucía",
    last_name="García Pérez",
    cert_number="12345678Z",
    email="lucia@example.com",
    service_number="34612345678",
    imsi="214070000000001",
    iccid="8934070000000000015",
)
"""Every key a customer hands over at the counter: the `lucia` fixture of tests/conftest.py, and variants."""


def make_customer(
    services: Services,
    *,
    first_name: str = "Lucía",
    last_name: str = "García Pérez",
    cert_type: str = "national_id",
    cert_number: str | None = None,
    cert_country: str = "ES",
    email: str | None = None,
    mobile: str | None = None,
    gender: str = "female",
    nationality: str = "ES",
    birthday: date = date(1988, 4, 12),
    status: str = "active",
    service_number: str | None = None,
    imsi: str | None = None,
    iccid: str | None = None,
    balance: Decimal = Decimal("12.50"),
    outstanding: Decimal | None = None,
) -> str:
    """Insert a customer (and, given a service number, an account and an active line); return the ID."""
    n = next(_serial)
    with services.writer() as uow:
        session = uow.session
        number = next_number(session, "customer_number")
        customer = Customer(
            customer_id=customer_id_for(number),
            type="individual",
            status=status,
            first_name=first_name,
            last_name=last_name,
            display_name=f"{first_name} {last_name}",
            name_search=normalize_name(f"{first_name} {last_name}"),
            gender=gender,
            nationality=nationality,
            birthday=birthday,
            email=email,
            mobile=mobile,
            credit_level="B",
            credit_limit=Decimal("300.00"),
        )
        session.add(customer)
        session.flush()
        session.add(
            Certificate(
                customer_id=customer.id,
                cert_type=cert_type,
                cert_number=cert_number or f"{10000000 + n}X",
                cert_country=cert_country,
            )
        )
        if service_number:
            offering = session.execute(select(Offering).where(Offering.code == "TEST-4G")).scalar_one_or_none()
            if offering is None:
                offering = Offering(
                    code="TEST-4G",
                    name="Test 4G 20 GB",
                    monthly_fee=Decimal("20.00"),
                    commitment_months=12,
                    penalty_amount=Decimal("120.00"),
                    brand="Demo",
                )
                session.add(offering)
                session.flush()
            account = Account(
                account_code=f"21{next_number(session, 'account_code'):09d}", customer_id=customer.id, balance=balance
            )
            session.add(account)
            session.flush()
            subscriber = Subscriber(
                service_number=service_number,
                iccid=iccid or _iccid(n),
                imsi=imsi or f"2140799{n:08d}",  # a range explicit test values (2140700...) never use
                customer_id=customer.id,
                account_id=account.id,
                offering_id=offering.id,
                brand="Demo",
                valid_from=date(2025, 1, 1),
            )
            session.add(subscriber)
            session.flush()
            session.add(
                Contract(
                    subscriber_id=subscriber.id,
                    offering_id=offering.id,
                    name="12-month commitment",
                    effective_on=date(2026, 1, 1),
                    expires_on=date(2027, 1, 1),
                    duration_months=12,
                    penalty_amount=Decimal("120.00"),
                )
            )
            if outstanding:
                session.add(
                    Charge(account_id=account.id, subscriber_id=subscriber.id, amount=outstanding, description="Bill")
                )
        uow.commit()
        return customer.customer_id


def _iccid(n: int) -> str:
    """An automatic ICCID, in a range (8934079...) that explicit test values (8934070...) never use."""
    from stdnum import luhn

    body = f"8934079{n:011d}"
    return body + luhn.calc_check_digit(body)


def sim_card(n: int) -> tuple[str, str]:
    """The n-th test SIM: a valid ICCID (Luhn) and IMSI (MCC 214, MNC 07)."""
    from stdnum import luhn

    body = f"893407{n:012d}"
    return body + luhn.calc_check_digit(body), f"21407{n:010d}"


def stock_pools(services: Services, admin, *, numbers: int = 10, golden: tuple[str, ...] = ("600777777",)) -> None:
    """Free numbers (6000000NN), golden ones at 49.90 and as many SIM cards, for registrations."""
    from crm_tui.services.lines import inventory

    inventory.stock_numbers(
        [f"6000000{i:02d}" for i in range(numbers)], region="ES", uow=services.writer(), actor=admin
    )
    if golden:
        inventory.stock_numbers(
            list(golden), region="ES", golden_fee=Decimal("49.90"), uow=services.writer(), actor=admin
        )
    inventory.stock_sims([sim_card(n) for n in range(1, numbers + 1)], uow=services.writer(), actor=admin)

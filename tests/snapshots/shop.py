"""The shop's customers of the screen snapshots (test_every_screen_snapshots.py takes every screen at
80x24 and 120x40; the three pictures this module took at 120x40 were the same bytes as three of those).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlmodel import select

from crm_tui.storage.models.customers import Customer
from tests.factories import make_customer

SIZE = (120, 40)
CREATED = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def shop_customers(services, csr) -> list[str]:
    """Fixed customers, every key given, created at a fixed time."""
    people = [
        (
            "Lucía",
            "García Pérez",
            "female",
            "12345678Z",
            "lucia@example.com",
            "34612345678",
            "214070000000001",
            "8934070000000000015",
            Decimal("45.90"),
        ),
        (
            "Pablo",
            "García Ruiz",
            "male",
            "23456789D",
            "pablo.garcia@example.com",
            "34612345679",
            "214070000000002",
            "8934070000000000023",
            None,
        ),
        (
            "Ana",
            "Gómez García",
            "female",
            "34567890V",
            None,
            "34612345680",
            "214070000000003",
            "8934070000000000031",
            None,
        ),
    ]
    ids = [
        make_customer(
            services,
            first_name=first,
            last_name=last,
            gender=gender,
            cert_number=cert,
            email=email,
            mobile=number,
            service_number=number,
            imsi=imsi,
            iccid=iccid,
            outstanding=owed,
        )
        for first, last, gender, cert, email, number, imsi, iccid, owed in people
    ]
    with services.writer() as uow:
        for customer in uow.session.execute(select(Customer)).scalars():
            customer.created_at = CREATED
            uow.session.add(customer)
        uow.commit()
    return ids

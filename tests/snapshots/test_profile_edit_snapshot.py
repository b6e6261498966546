"""What the CSR sees of EDIT PROFILE (`e` on the customer view), at 80x24 and 120x40.

Review a changed SVG before `--snapshot-update`: the picture is the specification.
"""

from __future__ import annotations

import pytest

from tests.screens.conftest import settle, sign_in
from tests.services.test_registration import form, register


@pytest.fixture
def marta(services, csr) -> str:
    registered = register(
        services,
        csr,
        form(
            cert_number="45678912S",
            first_name="Marta",
            last_name="Soler Vidal",
            birthday="1985-09-23",
            email="marta@example.com",
            mobile="699 111 222",
            addresses=[
                {"address_type": "billing", "detail": "Apartado 88", "city": "Valencia", "postal_code": "46080"}
            ],
        ),
    )
    return registered.customer_id


def _open_edit(customer_id: str):
    async def run_before(pilot) -> None:
        await sign_in(pilot)
        await pilot.press("ctrl+f", *customer_id, "enter")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)

    return run_before


def _living_address(customer_id: str):
    async def run_before(pilot) -> None:
        await _open_edit(customer_id)(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)

    return run_before


def test_edit_profile_at_120x40(snap_compare, make_app, marta):
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=_open_edit(marta))


def test_edit_profile_living_address_at_80x24(snap_compare, make_app, marta):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_living_address(marta))

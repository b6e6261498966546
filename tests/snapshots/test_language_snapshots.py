"""The customer view in Spanish at 80x24 and 120x40 (issue 15), beside the English pictures of
test_every_screen_snapshots.py: the same data, the operator's language set on their record.

Review a changed SVG before `--snapshot-update`: the picture is the specification.
"""

from __future__ import annotations

import pytest

from crm_tui.services import operators
from tests.screens.conftest import settle, sign_in
from tests.snapshots.shop import shop_customers  # noqa: F401 - a fixture

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


@SIZES
def test_customer_view_in_spanish(snap_compare, make_app, services, csr, shop_customers, size):  # noqa: F811
    operators.set_language("es", uow=services.writer(), actor=csr)

    async def open_lucia(pilot):
        await sign_in(pilot)
        await pilot.press("ctrl+f", *"612345678", "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=open_lucia)

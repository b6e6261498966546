"""What the CSR sees of Registration at 120x40: the empty form, and the form after a submit with errors.

Review a changed SVG before `--snapshot-update`: the picture is the specification.
"""

from __future__ import annotations

from tests.screens.conftest import settle, sign_in

SIZE = (120, 40)


async def _open_registration(pilot) -> None:
    await sign_in(pilot)
    await pilot.press("f3")
    await settle(pilot)


def test_registration_empty_form(snap_compare, make_app, csr):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_open_registration)


def test_registration_with_field_errors(snap_compare, make_app, csr):
    async def submit_with_mistakes(pilot):
        await _open_registration(pilot)
        await pilot.press(*"12345678A", "tab", "tab", "tab", "tab", *"Lucía")  # the cursor starts in the number
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=submit_with_mistakes)

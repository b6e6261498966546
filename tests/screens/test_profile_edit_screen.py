"""A CSR edits a profile from the customer view by keys only (issue 13.1), records an ID document seen
(13.2), and a change made meanwhile at another terminal is refused with the form reloaded."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update
from textual.widgets import RadioSet, Select

from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.profile_edit import ProfileEditScreen
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.identity.profile_edit import update_profile
from crm_tui.services.identity.profile_patch import ProfilePatch
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.customers import Attachment, Certificate, Interaction
from crm_tui.widgets.editable_rows import EditableRows
from crm_tui.widgets.form_field import FormField
from tests.screens.conftest import settle, sign_in
from tests.services.test_registration import REGION, form, register

SIZE = (120, 40)


def recording(app):
    """Keep every toast the app shows in `app.notified` (a toast itself may expire before a loaded
    machine gets to look: the stale-edit one lives 10 s)."""
    app.notified = []
    shown = app.notify

    def notify(message, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        app.notified.append(SimpleNamespace(message=message, title=kwargs.get("title", "")))
        return shown(message, *args, **kwargs)

    app.notify = notify
    return app


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


async def open_view(pilot, customer_id: str) -> CustomerViewScreen:
    await sign_in(pilot)
    await pilot.press("ctrl+f", *customer_id, "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerViewScreen)
    return pilot.app.screen


async def test_a_new_address_in_five_keys_beyond_the_text(make_app, services, csr, marta):
    app = recording(make_app())
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, marta)
        keys = 0
        await pilot.press("e")
        keys += 1
        await settle(pilot)
        assert isinstance(app.screen, ProfileEditScreen) and app.screen.profile.version == 1
        await pilot.press("ctrl+l")
        keys += 1
        await settle(pilot)
        assert app.focused.id == "address"
        await pilot.press(*"Calle Nueva 7")  # the old street is selected: typing replaces it
        await pilot.press("tab")
        keys += 1
        await pilot.press(*"Madrid")
        await pilot.press("tab")
        keys += 1
        await pilot.press(*"28001")
        await pilot.press("ctrl+s")
        keys += 1
        await settle(pilot)
        assert keys == 5
        view = app.screen
        assert isinstance(view, CustomerViewScreen) and view.detail.version == 2
        assert [(a.address_type, a.detail, a.city, a.postal_code) for a in view.detail.addresses] == [
            ("living", "Calle Nueva 7", "Madrid", "28001"),
            ("billing", "Apartado 88", "Valencia", "46080"),
        ]
        assert view.detail.email == "marta@example.com"  # what was not touched stays
    with services.reader() as uow:
        [entry] = uow.session.execute(select(AuditEntry).where(AuditEntry.action == "customer.update")).scalars()
    assert list(entry.summary["changes"]) == ["addresses"]  # the form's round trip changes nothing else


async def test_the_form_opens_with_the_record_and_leaving_unchanged_saves_nothing(make_app, services, csr, marta):
    app = recording(make_app())
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, marta)
        await pilot.press("e")
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#gender", RadioSet).pressed_index == 1  # female
        assert screen.query_one("#title", RadioSet).pressed_index == 2  # Ms
        assert screen.query_one("#last_name").value == "Soler Vidal"
        assert screen.query_one("#language", Select).value == "es"
        assert screen.query_one("#addresses", EditableRows).rows[0]["detail"] == "Apartado 88"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is view
        assert any(n.title == "Nothing changed" for n in app.notified)
    assert get_customer(marta, uow=services.reader(), actor=csr).version == 1


async def test_a_bad_email_is_shown_at_its_field_and_nothing_is_saved(make_app, services, csr, marta):
    app = recording(make_app())
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, marta)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+l", "tab", "tab", "tab")  # address, city, postal code, social ID? no: the email
        screen = app.screen
        screen.query_one("#email").focus()
        await pilot.pause()
        await pilot.press(*"marta@", "ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        assert screen.query_one("#field-email", FormField).has_class("error")
    assert get_customer(marta, uow=services.reader(), actor=csr).version == 1


async def test_a_change_at_another_terminal_meanwhile_is_refused_and_the_form_reloads(
    make_app, services, csr, supervisor, marta
):
    app = recording(make_app())
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, marta)
        await pilot.press("e")
        await settle(pilot)
        update_profile(  # another terminal, after this form opened
            marta, ProfilePatch(email="other@example.com"), uow=services.writer(), actor=supervisor, region=REGION
        )
        await pilot.press("ctrl+l", *"Calle Nueva 7", "ctrl+s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ProfileEditScreen) and screen.profile.version == 2
        assert screen.query_one("#email").value == "other@example.com"
        assert any("changed at another terminal" in n.message for n in app.notified)
    detail = get_customer(marta, uow=services.reader(), actor=csr)
    assert (detail.email, detail.version, detail.addresses[0].detail) == ("other@example.com", 2, "Calle Mayor 5, 2º B")


async def test_a_document_is_added_and_the_old_one_retired_from_the_rows(make_app, services, csr, marta):
    app = recording(make_app())
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, marta)
        await pilot.press("e")
        await settle(pilot)
        assert app.focused.id == "documents-table"  # the documents come first
        await pilot.press("delete")  # retire the national ID
        await pilot.press("enter")  # New (the list is empty now)
        await settle(pilot)
        await pilot.press("tab", *"PA1234567", "tab", "tab", *"2031-05-01", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, CustomerViewScreen)
        assert [
            (c.cert_type, c.cert_number, c.is_primary, c.retired_at is not None) for c in view.detail.certificates
        ] == [
            ("passport", "PA1234567", True, False),
            ("national_id", "45678912S", False, True),
        ]


async def test_i_records_the_document_seen_and_flags_an_expired_one(make_app, services, csr, marta):
    with services.writer() as uow:
        uow.session.execute(update(Certificate).values(expires_on=date(2026, 1, 31)))
        uow.commit()
    app = recording(make_app())
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, marta)
        assert "ID EXPIRED" in [str(badge.render()) for badge in view.query(".badge")]
        await pilot.press("i")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, CustomerViewScreen)
        assert view.detail.document_seen_at is not None
        assert "expired" in view.detail.document_seen
        assert any(n.title == "Document expired" for n in app.notified)
    with services.reader() as uow:
        kinds = uow.session.execute(select(Interaction.kind).order_by(Interaction.id)).scalars().all()
    assert "document_seen" in kinds


async def test_b_is_re_establish_and_does_nothing_for_an_active_customer(make_app, services, csr, marta):
    app = recording(make_app())
    async with app.run_test(size=SIZE) as pilot:
        view = await open_view(pilot, marta)
        await pilot.press("b")
        await settle(pilot)
        assert app.screen is view


async def test_edit_profile_from_the_palette(make_app, services, csr, marta):
    app = recording(make_app())
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, marta)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Edit profile")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ProfileEditScreen) and app.screen.profile.customer_id == marta


async def test_a_attaches_a_file_to_the_customer(make_app, services, csr, marta, tmp_path):
    scan = tmp_path / "signed-form.pdf"
    scan.write_bytes(b"%PDF-1.4 signed")
    app = recording(make_app())
    async with app.run_test(size=SIZE) as pilot:
        await open_view(pilot, marta)
        await pilot.press("a")
        await pilot.pause()  # the upload modal (its folder tree fills in the background)
        await pilot.press(*str(scan), "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert any(n.title == "Attachment added" for n in app.notified)
    with services.reader() as uow:
        assert uow.session.execute(select(Attachment.filename)).scalars().all() == ["signed-form.pdf"]

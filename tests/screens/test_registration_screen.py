"""Registration as a CSR does it at the counter: the whole form by keyboard, Check, errors at the
field, near matches confirmed, a held line, and the new customer found afterwards."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Collapsible, Input, RadioSet, Select, Static

from crm_tui.app import LaunchRequest
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.query_customers import QueryCustomersScreen
from crm_tui.screens.registration import (
    NearMatchList,
    RegistrationResultModal,
    RegistrationScreen,
    UploadModal,
)
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.widgets.editable_rows import EditableRows, RowFormModal
from crm_tui.widgets.form_field import FormField
from tests.factories import make_customer, stock_pools
from tests.screens.conftest import burst, settle, sign_in

PASSWORD = "Tromp3ta-azul"


@pytest.fixture
def stocked(services, admin):
    stock_pools(services, admin)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def error_at(app, name: str) -> str:
    """The message under a field ("" when the field is fine)."""
    form_field = app.screen.query_one(f"#field-{name}", FormField)
    if not form_field.has_class("error"):
        return ""
    return str(form_field.query_one(".field-error", Static).render())


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def open_registration(pilot) -> RegistrationScreen:
    await sign_in(pilot)
    await pilot.press("f3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RegistrationScreen)
    return screen


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)


async def choose(pilot, downs: int) -> None:
    """Open the focused Select, move down `downs` options and take it."""
    await pilot.press("enter")
    await pilot.pause()
    await pilot.press(*(["down"] * downs), "enter")
    await pilot.pause()


async def next_field(pilot, expected_id: str) -> None:
    await pilot.press("tab")
    await pilot.pause()
    assert pilot.app.focused is not None and pilot.app.focused.id == expected_id, pilot.app.focused


def fill_person(screen: RegistrationScreen, **changes: str) -> None:
    """The fields a person needs, set at once (for tests about what happens after)."""
    values = dict(
        cert_number="12345678Z",
        first_name="Lucía",
        last_name="García Pérez",
        birthday="1988-04-12",
        service_password=PASSWORD,
        service_password_confirm=PASSWORD,
    )
    values.update(changes)
    for name, value in values.items():
        screen.query_one(f"#{name}").value = value


async def test_fill_the_whole_form_by_keyboard_and_register(make_app, csr, stocked, services, tmp_path, monkeypatch):
    scan = tmp_path / "dni-front.pdf"
    scan.write_bytes(b"%PDF-1.7\n" + b"x" * 2000)
    monkeypatch.chdir(
        tmp_path
    )  # the CSR types a path relative to where the workbench runs (each key costs the test ~0.2 s)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        # CERTIFICATE INFO: the type is a national ID unless changed (shift+tab), the cursor in the number
        assert app.focused.id == "cert_number" and screen.query_one("#cert_type", Select).value == "national_id"
        await type_text(pilot, "12345678z")
        await next_field(pilot, "cert_country")
        assert app.focused.value == "ES"  # the default region
        await next_field(pilot, "customer_type")
        await next_field(pilot, "service_number")
        await choose(pilot, 1)  # the first golden number, after "Next free number"
        assert screen.query_one("#service_number", Select).value == "+34600777777"
        await next_field(pilot, "customer_name")
        await type_text(pilot, "Lucía García Pérez")
        await next_field(pilot, "check")
        # BASIC INFO: the quick name filled the names
        await next_field(pilot, "last_name")
        assert app.focused.value == "García Pérez"
        await next_field(pilot, "middle_name")
        await next_field(pilot, "first_name")
        assert app.focused.value == "Lucía"
        await next_field(pilot, "nationality")
        await type_text(pilot, "ES")
        await next_field(pilot, "gender")
        await pilot.press("right", "enter")
        assert screen.query_one("#gender", RadioSet).pressed_button.label.plain == "Female"
        await next_field(pilot, "title")
        await pilot.press("right", "right", "enter")
        assert screen.query_one("#title", RadioSet).pressed_button.label.plain == "Ms"
        await next_field(pilot, "birthplace")
        await type_text(pilot, "Madrid")
        await pilot.press("tab", "enter")  # MORE ▾
        await pilot.pause()
        assert screen.query_one("#more", Collapsible).collapsed is False
        await next_field(pilot, "birthday")
        await type_text(pilot, "1988-04-12")
        await next_field(pilot, "email")
        await type_text(pilot, "lucia@example.com")
        await next_field(pilot, "mobile")
        await type_text(pilot, "612 345 678")
        await next_field(pilot, "social_id")
        await next_field(pilot, "address")
        await type_text(pilot, "Calle Mayor 5")
        await next_field(pilot, "city")
        await type_text(pilot, "Madrid")
        await next_field(pilot, "postal_code")
        await type_text(pilot, "28013")
        await next_field(pilot, "id_address")
        await next_field(pilot, "belief")
        # ATTACHMENT LIST: Upload
        await next_field(pilot, "attachments-new")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, UploadModal)
        await type_text(pilot, scan.name)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#attachments", EditableRows).rows[0]["filename"] == "dni-front.pdf"
        # CONTACT INFO: New
        await next_field(pilot, "contacts-new")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RowFormModal)
        await pilot.press("tab")  # the contact type stays Primary
        await type_text(pilot, "Marta")
        await pilot.press("tab", "tab")
        await type_text(pilot, "Soler")
        await pilot.press("tab", "tab", "tab")
        await type_text(pilot, "699 111 222")
        await pilot.press("enter")
        await pilot.pause()
        contacts = screen.query_one("#contacts", EditableRows).rows
        assert [(c["first_name"], c["last_name"], c["method"], c["value"]) for c in contacts] == [
            ("Marta", "Soler", "mobile", "699 111 222")
        ]
        # ADDRESS INFO: New
        await next_field(pilot, "addresses-new")
        await pilot.press("enter")
        await pilot.pause()
        await type_text(pilot, "Madrid")
        await pilot.press("tab")
        await type_text(pilot, "Madrid")
        await pilot.press("tab")
        await type_text(pilot, "Gran Via 1")
        await pilot.press("tab")
        await type_text(pilot, "28013")
        await pilot.press("tab", "tab")
        await type_text(pilot, "Reception")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.query_one("#addresses", EditableRows).rows[0]["detail"] == "Gran Via 1"
        # USER INFO
        await next_field(pilot, "service_password")
        await type_text(pilot, PASSWORD)
        await next_field(pilot, "service_password_confirm")
        await type_text(pilot, PASSWORD)
        await next_field(pilot, "language")
        await choose(pilot, 1)  # Spanish
        await next_field(pilot, "written_language")
        await choose(pilot, 5)  # English
        # PREFERENCES
        await next_field(pilot, "currency")
        await next_field(pilot, "pref_language")
        await choose(pilot, 1)
        await next_field(pilot, "dnd_channel")
        await choose(pilot, 1)  # SMS
        await next_field(pilot, "dnd_days")
        await choose(pilot, 1)  # every day
        await next_field(pilot, "dnd_start")
        await type_text(pilot, "22:00")
        await next_field(pilot, "dnd_end")
        await type_text(pilot, "08:00")
        # AUTHENTICATION and the social account
        await next_field(pilot, "security_question")
        await type_text(pilot, "First pet's name?")
        await next_field(pilot, "security_answer")
        await type_text(pilot, "Canela")
        await next_field(pilot, "social_provider")
        await choose(pilot, 1)  # Google
        await next_field(pilot, "social_subject")
        await type_text(pilot, "lucia.garcia.88")
        await next_field(pilot, "login_name")
        await type_text(pilot, "Lucia.Garcia")
        # PRIMARY OFFERING
        await next_field(pilot, "primary_offering")
        await choose(pilot, 7)  # Ola Prepago 4G 10 GB
        assert screen.query_one("#primary_offering", Select).value == "OLA-PRE-4G-10"

        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationResultModal), notes(app)
        result = app.screen.result
        assert result.service_number == "34600777777" and result.held is None
        assert text_of(app, "#result-customer-id") == result.customer_id
        assert text_of(app, "#result-service-number") == "+34 600 77 77 77"

        await pilot.press("enter")  # opens the new customer
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        detail = app.screen.detail
        assert detail.customer_id == result.customer_id
        assert (detail.gender, detail.email, detail.mobile, detail.birthplace) == (
            "female",
            "lucia@example.com",
            "34612345678",
            "Madrid",
        )
        assert [c.value for c in detail.contacts] == ["699 111 222"]
        assert {a.detail for a in detail.addresses} == {"Calle Mayor 5", "Gran Via 1"}
        assert detail.preferences.dnd_start == "22:00" and detail.preferences.language == "es"

        # ...and the new customer is found by the new line from the identify box
        await pilot.press("f2", "ctrl+f", *"600777777", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.detail.customer_id == result.customer_id
    page = search_customers(CustomerQuery(social="lucia.garcia.88"), uow=services.reader(), actor=csr, region="ES")
    assert [c.customer_id for c in page.customers] == [result.customer_id]


async def test_field_errors_sit_under_the_fields_and_the_cursor_jumps_to_the_first(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationScreen)
        assert error_at(app, "cert_number")
        assert error_at(app, "first_name") == "Required." and error_at(app, "last_name") == "Required."
        assert error_at(app, "birthday") == "Required for a person."
        assert error_at(app, "service_password").startswith("Required")
        assert app.focused is screen.query_one("#cert_number", Input)

        fill_person(screen, mobile="12", service_password_confirm="something else")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_at(app, "cert_number") == ""
        assert screen.query_one("#more", Collapsible).collapsed is False  # the bad mobile is behind MORE
        assert error_at(app, "mobile")
        assert error_at(app, "service_password_confirm") == "Does not match the password."
        assert app.focused is screen.query_one("#mobile", Input)


async def test_a_bad_contact_row_is_reported_at_the_contact_list(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        fill_person(screen)
        rows = screen.query_one("#contacts", EditableRows)
        rows.add_row(
            {
                "contact_type": "primary",
                "first_name": "",
                "middle_name": "",
                "last_name": "",
                "title": "",
                "method": "email",
                "value": "not-an-email",
            }
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_at(app, "contacts").startswith("Row 1, Value:")
        assert app.focused is rows.table


async def test_a_bad_attachment_is_refused_at_once(make_app, csr, tmp_path):
    fake = tmp_path / "photo.png"
    fake.write_bytes(b"#!/bin/sh\necho hi\n")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        screen.query_one("#attachments-new", Button).focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press(*str(fake), "enter")
        await settle(pilot)
        assert error_at(app, "attachments") == "Not a PDF, PNG or JPEG."
        assert screen.query_one("#attachments", EditableRows).rows == []


async def test_check_with_a_known_certificate_offers_the_existing_customer(make_app, csr, services):
    lucia = make_customer(services, cert_number="12345678Z")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        await pilot.press(*"1234 5678-z")
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert f"customer {lucia}" in text_of(app, "#check-message")
        assert app.focused is screen.query_one("#open-existing", Button)
        assert notes(app) == [f"Customer {lucia} already has this certificate."]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.detail.customer_id == lucia


async def test_check_with_a_new_certificate_says_go_on(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        fill_person(screen)
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert "nobody looks alike" in text_of(app, "#check-message")


async def test_submitting_a_known_certificate_offers_the_existing_customer(make_app, csr, services):
    lucia = make_customer(services, cert_number="12345678Z")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        fill_person(screen, first_name="Otra", last_name="Persona")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_at(app, "cert_number") == "Already registered."
        assert app.focused is screen.query_one("#open-existing", Button)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.detail.customer_id == lucia


async def test_a_near_match_must_be_confirmed_before_submit_succeeds(make_app, csr, services):
    twin = make_customer(services, first_name="Lucía", last_name="García Pérez", cert_number="11111111H")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        fill_person(screen, cert_type="passport", cert_number="PAA123456")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationScreen)  # not registered
        listing = screen.query_one(NearMatchList)
        assert app.focused is listing
        assert listing.get_option_at_index(0).value == twin
        line = str(listing.get_option_at_index(0).prompt)
        assert "García Pérez" in line and "score" in line and "birthday" in line
        assert "1 existing customer looks like this person" in text_of(app, "#check-message")

        await pilot.press("space")  # a different person
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationResultModal)
        assert app.screen.result.near_matches_confirmed == [twin]
        assert text_of(app, "#result-different-from") == twin


async def test_check_lists_near_matches_to_tick(make_app, csr, services):
    twin = make_customer(services, first_name="Lucía", last_name="García Pérez", cert_number="11111111H")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        fill_person(screen, cert_type="passport", cert_number="PAA123456")
        await pilot.press("ctrl+k")
        await settle(pilot)
        listing = screen.query_one(NearMatchList)
        assert [listing.get_option_at_index(i).value for i in range(listing.option_count)] == [twin]
        await pilot.press("space")
        await pilot.pause()
        assert screen.registration_form().confirmed_different_from == [twin]


async def test_a_banned_customer_is_registered_but_the_line_is_held(make_app, csr, services, stocked):
    with services.writer() as uow:
        uow.session.add(
            BlacklistEntry(
                severity="ban",
                reason="Unpaid debts with a former operator",
                cert_type="national_id",
                cert_number="12345678Z",
                cert_country="ES",
            )
        )
        uow.commit()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        fill_person(screen, primary_offering="MAR-POST-4G-25")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationResultModal)
        held = text_of(app, "#result-held")
        assert held.startswith("Held for review: Blacklisted") and "Unpaid debts with a former operator" in held
        assert text_of(app, "#result-title") == "REGISTERED · LINE HELD FOR REVIEW"
        assert text_of(app, "#result-service-number") == "— (held)"
        await pilot.press("escape")  # a new registration
        await settle(pilot)
        assert isinstance(app.screen, RegistrationScreen) and app.screen is not screen
        assert app.screen.query_one("#cert_number", Input).value == ""


async def test_an_organization_registers_with_its_legal_name(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_registration(pilot)
        await pilot.press("shift+tab")  # to the certificate type
        await choose(pilot, 4)  # Company registration
        assert screen.query_one("#customer_type", Select).value == "organization"
        assert (
            screen.query_one("#field-organization_name").display and not screen.query_one("#field-first_name").display
        )
        await pilot.press("tab", *"A58818501")
        await pilot.press("tab", "tab", "tab", "tab", *"Transportes Levante S.L.", "tab")
        assert screen.query_one("#organization_name", Input).value == "Transportes Levante S.L."
        fill_person(
            screen, cert_number="A58818501", first_name="", last_name="", birthday="", email="admin@levante.example"
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationResultModal), notes(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.detail.name == "Transportes Levante S.L." and app.screen.detail.type == "organization"


async def test_back_asks_before_throwing_typed_data_away(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_registration(pilot)
        await pilot.press("escape")  # nothing typed: straight back
        await pilot.pause()
        assert isinstance(app.screen, QueryCustomersScreen)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press(*"12345678Z", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")  # stay
        await pilot.pause()
        assert (
            isinstance(app.screen, RegistrationScreen)
            and app.screen.query_one("#cert_number", Input).value == "12345678Z"
        )
        await pilot.press("escape", "enter")  # leave
        await pilot.pause()
        assert isinstance(app.screen, QueryCustomersScreen)


async def test_launch_fills_the_registration_fields(make_app, csr, stocked):
    launch = LaunchRequest(
        "register",
        {
            "cert-number": "12345678Z",
            "name": "Lucía García Pérez",
            "service_number": "600 777 777",
            "email": "lucia@example.com",
        },
    )
    app = make_app(launch)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RegistrationScreen)
        values = {
            name: screen.query_one(f"#{name}").value
            for name in ("cert_number", "customer_name", "first_name", "last_name", "email", "service_number")
        }
        assert values == {
            "cert_number": "12345678Z",
            "customer_name": "Lucía García Pérez",
            "first_name": "Lucía",
            "last_name": "García Pérez",
            "email": "lucia@example.com",
            "service_number": "+34600777777",
        }
        assert notes(app) == []


async def test_f3_and_the_palette_open_registration(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Register customer")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationScreen)
        await pilot.press("f3")  # already there: not a second one
        await pilot.pause()
        assert sum(isinstance(s, RegistrationScreen) for s in app.screen_stack) == 1


async def test_register_with_a_line_in_twelve_keys_beyond_the_text(make_app, csr, stocked):
    """The counter's path (issue 17): enter goes to the next required field, ctrl+n takes a number of
    the pool, ctrl+down / ctrl+up skip sections; all typed at full speed."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "f3", "ctrl+down")
        screen = app.screen
        assert isinstance(screen, RegistrationScreen) and app.focused.id == "last_name"  # BASIC INFO
        await burst(pilot, "ctrl+up")
        assert app.focused.id == "cert_type"  # back to CERTIFICATE INFO

        keys = ["tab", *"87654321x", "enter", *"Begoña Álvarez Núñez", "enter", *"1985-02-28", "enter"]
        keys += [*PASSWORD, "enter", *PASSWORD, "enter"]  # the country kept its default: skipped
        keys += ["enter", "down", "enter"]  # the offering: the first one
        keys += ["ctrl+n", "ctrl+n"]  # the next free number of the pool, then the one after
        keys += ["enter"]  # SUBMIT has the cursor
        text = [*"87654321x", *"Begoña Álvarez Núñez", *"1985-02-28", *PASSWORD, *PASSWORD]
        # F3, these keys but the detour's tab and the second ctrl+n, and the enter that opens the customer
        assert 1 + (len(keys) - len(text) - 2) + 1 == 12  # the goal: 20 at most
        await burst(pilot, *keys)
        assert isinstance(app.screen, RegistrationResultModal), notes(app)
        result = app.screen.result
        assert result.service_number == "34600000001" and result.held is None
        await burst(pilot, "enter")  # opens the new customer
        assert isinstance(app.screen, CustomerViewScreen)
        detail = app.screen.detail
        assert (detail.name, str(detail.birthday)) == ("Begoña Álvarez Núñez", "1985-02-28")

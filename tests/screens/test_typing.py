"""Not one keystroke lost (issue 17): keys queued faster than the workbench reads them arrive exactly,
in order, and where the keys before them left the focus; `/`, ctrl+f, escape and the help.

`burst` queues every key before the app reads the first, as a terminal delivers `tmux send-keys` or a
fast clerk; `pilot.press` waits between keys and would hide the races this file is about.
"""

from __future__ import annotations

from textual.widgets import Collapsible, Input, Select, TabbedContent

from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.help import HelpScreen
from crm_tui.screens.query_customers import QueryCustomersScreen
from crm_tui.screens.registration import RegistrationScreen
from crm_tui.screens.sign_in import SignInScreen
from tests.conftest import PASSWORD
from tests.screens.conftest import burst, settle, sign_in

IDENTIFY = "García Núñez-Güell, Ñandú O'Brien Çağlar Muñoz Peñalver; ÁÉÍÓÚ üï 0123456789 ¿Qué tal? ¡Olé!"
QUERY = {
    "cert_number": "12345678Z",
    "service_number": "+34 612 345 678",
    "name": "María José Ñúñez Güemes",
    "imsi": "214070000000001",
    "iccid": "8934070000000000015",
    "customer_id": "C0000000018",
    "email": "josé.ñandú@ejemplo.es",
}
"""The Query Customers fields in tab order after the certificate type."""
REGISTRATION = {
    "cert_number": "98765432M",
    "customer_name": "Begoña Álvarez-Güell Núñez",
    "birthday": "1985-02-28",
    "service_password": "Contraseña/Ñ9-ü",
    "service_password_confirm": "Contraseña/Ñ9-ü",
}
"""The registration's counter path, each value then enter (the country keeps its default ES)."""


def value(app, selector: str) -> str:
    return app.screen.query_one(selector, Input).value


async def test_three_hundred_keys_at_full_speed_arrive_exactly_across_screens(make_app, csr, lucia):
    keys: list[str] = [*"alice", "enter", *PASSWORD, "enter"]  # typed before the sign-in has answered
    keys += ["/", *IDENTIFY]
    keys += ["tab", "tab"]  # the certificate type, then its number
    for text in QUERY.values():
        keys += [*text, "tab"]
    keys += ["f3"]  # Registration opens: the next keys go to its first field
    for text in REGISTRATION.values():
        keys += [*text, "enter"]
    typed = sum(len(k) == 1 for k in keys)
    assert typed >= 300, typed

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await burst(pilot, *keys)
        screen = app.screen
        assert isinstance(screen, RegistrationScreen)
        for name, text in REGISTRATION.items():
            if name != "customer_name":
                assert value(app, f"#{name}") == text, name
        assert value(app, "#cert_country") == "ES"
        assert (value(app, "#first_name"), value(app, "#last_name")) == ("Begoña", "Álvarez-Güell Núñez")
        assert app.focused is screen.query_one("#primary_offering", Select)  # the last enter: the line's offering

        await burst(pilot, "escape", "enter")  # back (confirming the data typed is thrown away)
        query = app.screen
        assert isinstance(query, QueryCustomersScreen)
        assert value(app, "#identify-input") == IDENTIFY
        for name, text in QUERY.items():
            assert value(app, f"#{name}") == text, name


async def test_digits_typed_after_a_screen_change_go_to_the_identify_box_not_the_section_keys(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "/", *"12345678Z", "enter", "/", *"612 345 678")
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.customer_id == lucia
        assert value(app, "#identify-input") == "612 345 678"
        assert app.screen.query_one(TabbedContent).active == "tab-lines"
        await burst(pilot, "enter")
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.customer_id == lucia
        assert len(app.screen.detail.interactions) == 2  # identified twice, by document then by number


async def test_keys_typed_after_a_failed_sign_in_are_not_used(make_app, csr):
    """Typed ahead for a screen that did not open, they would land in the password field and count
    as another failed sign-in: they are dropped, and the clerk told."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await burst(pilot, *"alice", "enter", *"wrong password", "enter", "/", *"garcia", "enter")
        assert isinstance(app.screen, SignInScreen)
        assert value(app, "#password") == ""
        assert "4 tries left" in str(app.screen.query_one("#sign-in-message").render())
        assert any("8 key(s) typed" in n.message for n in app._notifications)


async def test_slash_jumps_from_a_form_field_but_is_typed_in_free_text(make_app, csr):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        # nine tabs from the document number reach the nationality, not one field short
        await burst(pilot, "f3", *"12345678Z", *["tab"] * 9, *"ES", "/", *"garcia")
        screen = app.screen
        assert value(app, "#cert_number") == "12345678Z" and value(app, "#nationality") == "ES"
        assert app.focused is screen.query_one("#identify-input", Input)
        assert value(app, "#identify-input") == "garcia"
        # free text (an address) and passwords keep the `/`: "C/ Mayor 5" is a Spanish street
        screen.query_one("#more", Collapsible).collapsed = False
        await settle(pilot)
        screen.query_one("#address", Input).focus()
        await burst(pilot, *"C/ Mayor 5, 2º B")
        assert value(app, "#address") == "C/ Mayor 5, 2º B"
        screen.query_one("#service_password", Input).focus()
        await burst(pilot, *"a/b")
        assert value(app, "#service_password") == "a/b"
        await burst(pilot, "ctrl+f", *"x")  # ctrl+f jumps from anywhere, free text too
        assert app.focused is screen.query_one("#identify-input", Input) and value(app, "#identify-input") == "x"


async def test_slash_in_the_box_is_not_typed_and_filters_in_the_results(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "/", "/", *"garcía", "/", "enter")
        assert isinstance(app.screen, CustomerViewScreen)  # one García: opened
        await burst(pilot, "escape")
        assert isinstance(app.screen, QueryCustomersScreen)
        app.screen.query_one("#name", Input).value = "garcia"
        await burst(pilot, "ctrl+s")
        assert app.focused is app.screen.query_one("#results")
        await burst(pilot, "/", *"lu")  # on the results `/` is the table's filter
        assert app.focused is app.screen.query_one("#results-filter", Input)
        assert value(app, "#results-filter") == "lu"


async def test_help_and_escape_one_level_back(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "/", *"12345678Z", "enter")
        assert isinstance(app.screen, CustomerViewScreen)
        await burst(pilot, "question_mark")  # outside a text field (the lines table has the focus)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        text = help_screen.text()
        assert "Customer view" in text and len(help_screen.workflow) == 3
        for line in ("d Deregister", "1 Lines", "7 Interactions", "esc Back", "f1 Help", "/ Identify"):
            assert line in text, line
        assert "Copy selected text" not in text and "Cursor up" not in text  # Textual's own keys stay out
        await burst(pilot, "escape")  # the help closes
        assert isinstance(app.screen, CustomerViewScreen)
        await burst(pilot, "f1", "f1")  # F1 again closes it too
        assert isinstance(app.screen, CustomerViewScreen)
        await burst(pilot, "/", "?")  # in a text field `?` is typed
        assert value(app, "#identify-input") == "?" and isinstance(app.screen, CustomerViewScreen)
        await burst(pilot, "escape")  # a filled box is cleared first
        assert isinstance(app.screen, CustomerViewScreen) and value(app, "#identify-input") == ""
        await burst(pilot, "escape")
        assert isinstance(app.screen, QueryCustomersScreen)
        await burst(pilot, "f3", "escape")  # nothing typed: straight back
        assert isinstance(app.screen, QueryCustomersScreen)


async def test_the_palette_lists_the_screens_own_keys(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await burst(pilot, "/", *"12345678Z", "enter")
        view = app.screen
        assert isinstance(view, CustomerViewScreen)
        await burst(pilot, "ctrl+p")
        await pilot.press(*"Contracts")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is view and view.query_one(TabbedContent).active == "tab-contracts"
        names = [name for name, _run, _help in _palette_commands(app, view)]
        assert "Deregister (d)" in names and "Help: this screen's keys" in names
        assert not any("Delete character" in name or "Cursor" in name for name in names)


def _palette_commands(app, screen):
    from crm_tui.screens.commands import WorkbenchCommands

    provider = WorkbenchCommands(screen)
    return provider._commands()

"""The counter's main flows in Spanish and in English (issue 15): identify, register, deregister and
resume by an operator whose language is set on their record, and the language switched from the
palette and kept for the next sign-in.

Identifying runs here in both languages. Registering, deregistering and resuming run here in Spanish;
their English runs are the screens' own tests, which check the same keys in depth
(test_registration_screen.py::test_register_with_a_line_in_twelve_keys_beyond_the_text,
test_deregistration_screen.py::test_the_whole_deregistration_by_keyboard_from_the_customer_view,
test_resume_screen.py::test_resume_now_by_keyboard_from_the_customer_view). Every word asserted
must be the operator's language.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update
from textual.widgets import Input, Static

from crm_tui import i18n
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.deregistration import DeregistrationScreen
from crm_tui.screens.registration import RegistrationResultModal, RegistrationScreen
from crm_tui.screens.resume import ResumeScreen
from crm_tui.services import operators
from crm_tui.services.lifecycle.suspension import suspend_subscriber
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Subscriber
from crm_tui.storage.models.operators import Operator
from crm_tui.widgets.footer import shown_keys
from tests.conftest import PASSWORD
from tests.factories import make_customer, stock_pools
from tests.screens.conftest import open_lucia, settle, sign_in, until
from tests.screens.test_deregistration_screen import decline_and_choose, plain

LINE = "34612345678"
LANGUAGES = pytest.mark.parametrize("language", ["es", "en"])
SPANISH = pytest.mark.parametrize("language", ["es"])
WORDS = {
    "es": {
        "deregister": "Baja de línea",
        "active": "Activo",
        "title": "Consultar clientes",
        "registered": "DADO DE ALTA",
        "card": "Tarjeta",
        "deregistered": "baja",
        "resumed": "reactivada",
        "suspended": "Suspendido",
    },
    "en": {"deregister": "Deregister", "active": "Active"},
}


@pytest.fixture
def lucia(services) -> str:
    return make_customer(services, cert_number="12345678Z", service_number=LINE, outstanding=Decimal("23.45"))


def speaks(services, csr, language: str) -> None:
    operators.set_language(language, uow=services.writer(), actor=csr)


def footer_words(app) -> str:
    return " ".join(description for _key, _action, description, _enabled in shown_keys(app.screen))


@LANGUAGES
async def test_identify_a_customer(make_app, services, csr, lucia, language):
    speaks(services, csr, language)
    with services.writer() as uow:  # a title as registration stores it: the English code
        uow.session.execute(update(Customer).where(Customer.customer_id == lucia).values(title="Mrs"))
        uow.commit()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        assert i18n.current_language() == language
        view = await open_lucia(pilot)
        words = WORDS[language]
        assert words["deregister"] in footer_words(app)
        labels = [str(label.content) for label in view.query(".profile-label")]
        assert labels[0] == {"es": "ID de cliente", "en": "Customer ID"}[language]
        values = [str(value.content) for value in view.query(".profile-value")]
        assert (
            values[labels.index({"es": "Tratamiento", "en": "Title"}[language])]
            == {"es": "Sra.", "en": "Mrs"}[language]
        )
        assert any(words["active"] == str(value.content) for value in view.query(".profile-value")) or words[
            "active"
        ].upper() in " ".join(str(s.content) for s in view.query(Static))


@SPANISH
async def test_register_a_customer(make_app, services, admin, csr, language):
    stock_pools(services, admin)
    speaks(services, csr, language)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("f3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RegistrationScreen)
        fields = {
            "cert_number": "87654321X",
            "first_name": "Begoña",
            "last_name": "Álvarez Núñez",
            "birthday": {"es": "28/02/1985", "en": "28/02/1985"}[language],  # the operator's way of writing a day
            "service_password": PASSWORD,
            "service_password_confirm": PASSWORD,
        }
        for field_id, value in fields.items():
            screen.query_one(f"#{field_id}", Input).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RegistrationResultModal), [str(n.message) for n in app._notifications]
        shown = " ".join(str(s.content) for s in app.screen.query(Static))
        assert WORDS[language]["registered"] in shown
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.detail.name == "Begoña Álvarez Núñez"
        assert str(app.screen.detail.birthday) == "1985-02-28"


@SPANISH
async def test_deregister_a_line(make_app, services, csr, lucia, language):
    speaks(services, csr, language)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await open_lucia(pilot)
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DeregistrationScreen)
        await decline_and_choose(pilot)
        await pilot.press("right", "enter")  # card
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        assert WORDS[language]["card"].lower() in " ".join(app.screen.lines).lower()
        await pilot.press("enter")
        await settle(pilot)
        assert WORDS[language]["deregistered"] in plain(screen.query_one("#outcome", Static))
        with services.reader() as uow:
            assert uow.session.execute(select(Subscriber.status)).scalar_one() == "archived"


@SPANISH
async def test_resume_a_line(make_app, services, csr, lucia, language):
    suspend_subscriber(LINE, services=services, actor=csr, reason="travel")
    speaks(services, csr, language)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await open_lucia(pilot)
        await pilot.press("r")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResumeScreen)
        assert plain(screen.query_one("#status-value", Static)).strip() == WORDS[language]["suspended"]
        await pilot.press(*"De vuelta")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(pilot)
        assert WORDS[language]["resumed"] in plain(screen.query_one("#outcome", Static))
        with services.reader() as uow:
            assert uow.session.execute(select(Subscriber.status)).scalar_one() == "active"


async def test_the_language_switched_from_the_palette_is_kept_for_the_next_sign_in(make_app, services, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await open_lucia(pilot)
        assert "Deregister" in footer_words(app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"español")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert i18n.current_language() == "es"
        assert "Baja de línea" in footer_words(app)
        assert isinstance(app.screen, CustomerViewScreen)

        def redrawn_in_spanish() -> bool:  # the recompose lands after the language's service call
            labels = app.screen.query(".profile-label")
            return bool(labels) and str(labels.first().content) == "ID de cliente"

        await until(pilot, redrawn_in_spanish)
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert i18n.current_language() == "en"  # signed out: the environment's again
        await sign_in(pilot)
        assert i18n.current_language() == "es"
    with services.reader() as uow:
        kept = uow.session.execute(select(Operator.language).where(Operator.username == csr.username)).scalar_one()
    assert kept == "es"

"""Verify a caller at the counter (keys only): v, the service password, enter; tries counted down to a
lock a supervisor lifts from the palette; the security answer sets a new password; social accounts
listed and unlinked on the customer view."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from textual.widgets import DataTable, Input, Static

from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.verify_caller import VerifyCallerModal
from crm_tui.services.identity import authentication
from crm_tui.services.shared.passwords import hash_secret
from crm_tui.storage.models.customers import AuthenticationInfo, Customer, SocialAccount
from crm_tui.storage.types import utcnow
from tests.screens.conftest import burst, settle, sign_in

PASSWORD = "Tromp3ta-azul"


@pytest.fixture
def caller(services, lucia) -> str:
    """Lucía with a service password, a security question and two linked social accounts."""
    with services.writer() as uow:
        pk = uow.session.execute(select(Customer.id).where(Customer.customer_id == lucia)).scalar_one()
        uow.session.add(
            AuthenticationInfo(
                customer_id=pk,
                service_password_hash=hash_secret(PASSWORD),
                security_question="First pet's name?",
                security_answer_hash=hash_secret("canela"),
            )
        )
        for provider, subject in (("facebook", "lucia.gp"), ("x", "@luciag")):
            uow.session.add(SocialAccount(customer_id=pk, provider=provider, subject=subject, linked_at=utcnow()))
        uow.commit()
    return lucia


async def open_lucia(pilot, customer_id: str) -> None:
    await pilot.press("ctrl+f", *customer_id, "enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerViewScreen)


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def verifications(app) -> list[str]:
    return [i.summary for i in app.screen.detail.interactions if i.kind == "authenticate"]


async def test_v_the_password_and_enter_verify_the_caller_in_two_keys(make_app, csr, caller):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await open_lucia(pilot, caller)
        await burst(pilot, "v", *PASSWORD, "enter")  # as fast as a terminal sends them
        assert isinstance(app.screen, CustomerViewScreen)
        assert verifications(app) == ["Verified by service password"]
        assert PASSWORD not in str(app.screen.detail.interactions)


async def test_a_wrong_password_keeps_the_modal_open_with_the_tries_left(make_app, csr, caller):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await open_lucia(pilot, caller)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, VerifyCallerModal)
        assert text_of(app, "#verify-tries") == "5 of 5 tries left"
        await pilot.press(*"Trompeta-azul", "enter")
        await settle(pilot)
        assert isinstance(app.screen, VerifyCallerModal)
        assert text_of(app, "#verify-tries") == "4 of 5 tries left"
        assert text_of(app, "#verify-result") == "Wrong service password (4 tries left)."
        password = app.screen.query_one("#verify-password", Input)
        assert password.value == "" and app.focused is password
        await pilot.press(*PASSWORD, "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert verifications(app) == [
            "Verified by service password",
            "Verification failed: wrong service password, 4 tries left",
        ]  # newest first


async def test_the_fifth_wrong_password_locks_and_the_view_says_so_next_time(make_app, csr, caller):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await open_lucia(pilot, caller)
        await pilot.press("v")
        await settle(pilot)
        for _ in range(5):
            await pilot.press(*"wrong-guess", "enter")
            await settle(pilot)
        assert "now locked" in text_of(app, "#verify-result")
        assert text_of(app, "#verify-tries").startswith("LOCKED")
        assert app.screen.query_one("#verify-password", Input).disabled
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert verifications(app)[0] == "Verification failed: wrong service password, now locked"
        await pilot.press("v")
        await settle(pilot)
        assert text_of(app, "#verify-tries").startswith("LOCKED")
        await pilot.press("escape")
        await settle(pilot)
        assert not app.screen.check_action("unlock_verification", ())  # a CSR cannot unlock


async def test_ctrl_r_resets_the_password_by_the_security_answer(make_app, services, csr, caller):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await open_lucia(pilot, caller)
        await pilot.press("v", "ctrl+r")
        await settle(pilot)
        assert text_of(app, "#verify-question") == "Security question: First pet's name?"
        await pilot.press(*"Luna", "enter", *"Nueva-clave-22", "enter")
        await settle(pilot)
        assert "Wrong security answer (4 tries left)." == text_of(app, "#verify-result")
        assert app.focused is app.screen.query_one("#verify-answer", Input)
        await pilot.press(*"Canela", "enter")
        await settle(pilot)
        await pilot.press(*"Nueva-clave-22", "enter")  # both fields are typed again after a wrong answer
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert verifications(app)[0] == "Verified by security answer; service password reset"
    assert (
        authentication.authenticate_customer(
            caller, "Nueva-clave-22", uow=services.writer(), actor=csr, region="ES"
        ).customer_id
        == caller
    )


async def test_a_supervisor_unlocks_from_the_palette(make_app, services, csr, supervisor, caller):
    for _ in range(5):
        with pytest.raises(authentication.CustomerAuthenticationFailed):
            authentication.authenticate_customer(caller, "wrong-guess", uow=services.writer(), actor=csr, region="ES")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "sam")
        await open_lucia(pilot, caller)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Unlock caller")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen)
        assert verifications(app)[0] == "Verification unlocked by a supervisor"
        await pilot.press("v")
        await settle(pilot)
        assert text_of(app, "#verify-tries") == "5 of 5 tries left"
        await pilot.press(*PASSWORD, "enter")
        await settle(pilot)
        assert verifications(app)[0] == "Verified by service password"


async def test_the_social_tab_lists_and_delete_unlinks_after_a_confirmation(make_app, csr, caller):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await open_lucia(pilot, caller)
        await pilot.press("8")
        await settle(pilot)
        table = app.screen.query_one("#table-social", DataTable)
        assert app.focused is table and table.row_count == 2
        assert [str(c) for c in table.get_row_at(0)][:2] == ["Facebook", "lucia.gp"]
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        table = app.screen.query_one("#table-social", DataTable)
        assert table.row_count == 1 and [str(c) for c in table.get_row_at(0)][1] == "@luciag"
        assert "Social (1)" in str(app.screen.query_one("#sections").get_tab("tab-social").label)


async def test_a_customer_without_a_service_password_is_told_to_check_the_document(make_app, csr, lucia):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await open_lucia(pilot, lucia)
        await pilot.press("v")
        await settle(pilot)
        assert "no service password; verify the identity document" in text_of(app, "#verify-result")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen) and verifications(app) == []

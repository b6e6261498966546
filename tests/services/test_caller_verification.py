"""Verifying a caller: any sign-in key (service number, login name, email, customer ID), tries counted
down to a lock a supervisor lifts, every outcome on the interactions; login names and social accounts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from crm_tui.errors import Conflict, InvalidInput, NotAllowed, NotFound
from crm_tui.services import operators, seeding
from crm_tui.services.customers.identify import identify_customer, recognise_key
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.identity import authentication
from crm_tui.services.identity.sign_in_names import list_social_accounts, set_login_name, unlink_social_account
from crm_tui.services.shared.validation import parse_login_name
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.customers import AuthenticationInfo, Customer, Interaction
from tests.factories import stock_pools
from tests.services.test_registration import REGION, form, register

PASSWORD = "Tromp3ta-azul"


@pytest.fixture
def stocked(services, admin):
    stock_pools(services, admin)


@pytest.fixture
def lucia_id(services, csr, stocked) -> str:
    result = register(
        services,
        csr,
        form(
            primary_offering="OLA-PRE-4G-10",
            login_name="Lucia.Garcia",
            social_accounts=[{"provider": "facebook", "subject": "lucia.gp"}, {"provider": "x", "subject": "@luciag"}],
        ),
    )
    return result.customer_id


def authenticate(services, csr, key, password=PASSWORD):
    return authentication.authenticate_customer(key, password, uow=services.writer(), actor=csr, region=REGION)


def interactions(services, customer_id: str) -> list[tuple[str, str | None, str]]:
    with services.reader() as uow:
        rows = uow.session.execute(
            select(Interaction.kind, Interaction.key_kind, Interaction.summary)
            .join(Customer, Customer.id == Interaction.customer_id)
            .where(Customer.customer_id == customer_id, Interaction.kind == "authenticate")
            .order_by(Interaction.id)
        ).all()
    return [tuple(r) for r in rows]


def audit_text(services) -> str:
    with services.reader() as uow:
        return json.dumps([e.summary for e in uow.session.execute(select(AuditEntry)).scalars()], ensure_ascii=False)


def test_any_of_the_three_keys_signs_in_and_the_login_name_ignores_case(services, csr, lucia_id):
    assert authenticate(services, csr, "LUCIA.garcia").customer_id == lucia_id
    assert authenticate(services, csr, "Lucia@Example.com").by == "email"
    with services.reader() as uow:
        line = uow.session.execute(select(Customer.login_name).where(Customer.customer_id == lucia_id)).scalar()
    assert line == "lucia.garcia"  # stored lower-case
    done = authenticate(services, csr, lucia_id)
    assert (done.by, done.customer_id) == ("customer_id", lucia_id) and done.service_number
    assert authenticate(services, csr, done.service_number).by == "service_number"
    assert [k for _, k, _ in interactions(services, lucia_id)] == [
        "login_name",
        "email",
        "customer_id",
        "service_number",
    ]
    with pytest.raises(NotFound):
        authenticate(services, csr, "nobody.here")


def test_wrong_tries_count_down_lock_on_the_fifth_and_every_outcome_is_recorded(services, csr, supervisor, lucia_id):
    for left in (4, 3, 2, 1):
        with pytest.raises(authentication.CustomerAuthenticationFailed) as failed:
            authenticate(services, csr, "lucia.garcia", "wrong-password")
        assert failed.value.extra == {"tries_left": left, "locked": False}
    with pytest.raises(authentication.CustomerAuthenticationFailed, match="now locked"):
        authenticate(services, csr, lucia_id, "wrong-password")
    state = authentication.authentication_state(lucia_id, uow=services.reader(), actor=csr, region=REGION)
    assert (state.locked, state.tries_left, state.security_question) == (True, 0, "First pet's name?")
    with pytest.raises(authentication.CustomerAuthenticationFailed, match="locked") as refused:
        authenticate(services, csr, lucia_id)  # even the right password
    assert refused.value.extra["locked"] is True
    with pytest.raises(NotAllowed):
        authentication.unlock_customer_authentication(lucia_id, uow=services.writer(), actor=csr, region=REGION)
    assert (
        authentication.unlock_customer_authentication(lucia_id, uow=services.writer(), actor=supervisor, region=REGION)
        == lucia_id
    )
    assert authenticate(services, csr, lucia_id).customer_id == lucia_id
    summaries = [s for _, _, s in interactions(services, lucia_id)]
    assert summaries == [
        "Verification failed: wrong service password, 4 tries left",
        "Verification failed: wrong service password, 3 tries left",
        "Verification failed: wrong service password, 2 tries left",
        "Verification failed: wrong service password, 1 tries left",
        "Verification failed: wrong service password, now locked",
        "Verification refused: locked after repeated failures",
        "Verification unlocked by a supervisor",
        "Verified by service password",
    ]
    logged = audit_text(services)
    assert PASSWORD not in logged and "wrong-password" not in logged and "lucia.garcia" not in logged


def test_the_security_answer_resets_the_password_and_a_wrong_one_counts(services, csr, lucia_id):
    with pytest.raises(authentication.CustomerAuthenticationFailed, match="4 tries left"):
        authentication.reset_service_password(
            "lucia.garcia", "Luna", "Nueva-clave-22", uow=services.writer(), actor=csr, region=REGION
        )
    done = authentication.reset_service_password(
        lucia_id, " canela", "Nueva-clave-22", uow=services.writer(), actor=csr, region=REGION
    )
    assert done.customer_id == lucia_id
    assert authenticate(services, csr, lucia_id, "Nueva-clave-22")
    state = authentication.authentication_state(lucia_id, uow=services.reader(), actor=csr, region=REGION)
    assert (state.tries_left, state.locked) == (5, False)
    assert interactions(services, lucia_id)[1][2] == "Verified by security answer; service password reset"
    assert "canela" not in audit_text(services).lower()


@pytest.mark.parametrize(
    ("raw", "message"),
    [("ab", "3 to 32"), ("x" * 33, "3 to 32"), ("no spaces", "3 to 32"), ("1234", "a letter"), ("ñandú", "3 to 32")],
)
def test_login_names_are_validated(raw, message):
    with pytest.raises(InvalidInput) as bad:
        parse_login_name(raw)
    assert message in bad.value.message or message in bad.value.fields["login_name"]


def test_a_login_name_is_unique_whatever_its_case_at_registration_and_when_changed(services, csr, lucia_id):
    with pytest.raises(Conflict) as taken:
        register(
            services,
            csr,
            form(cert_number="87654321X", first_name="Otra", email="otra@example.com", login_name="LUCIA.GARCIA"),
        )
    assert taken.value.fields == {"login_name": "Taken."}
    with pytest.raises(InvalidInput):
        register(services, csr, form(cert_number="87654321X", login_name="a b"))
    other = register(services, csr, form(cert_number="87654321X", first_name="Otra", email="otra@example.com"))
    with pytest.raises(Conflict):
        set_login_name(other.customer_id, "Lucia.GARCIA", uow=services.writer(), actor=csr)
    changed = set_login_name(other.customer_id, "Otra_99", uow=services.writer(), actor=csr)
    assert (changed.login_name, changed.previous) == ("otra_99", None)
    assert authenticate(services, csr, "otra_99").customer_id == other.customer_id
    renamed = set_login_name(lucia_id, "lucia-g", uow=services.writer(), actor=csr)
    assert renamed.previous == "lucia.garcia"
    with pytest.raises(NotFound):
        authenticate(services, csr, "lucia.garcia")
    assert set_login_name(lucia_id, "", uow=services.writer(), actor=csr).login_name is None
    logged = audit_text(services)
    assert "otra_99" not in logged and "lucia-g" not in logged
    with services.reader() as uow:
        version = uow.session.execute(select(Customer.version).where(Customer.customer_id == lucia_id)).scalar()
    assert version == 3  # each change bumps the version the profile edit checks


def test_a_shared_email_cannot_sign_in_and_names_the_other_keys(services, csr, lucia_id):
    register(
        services, csr, form(cert_number="87654321X", first_name="Otra", confirmed_different_from=[lucia_id])
    )  # the same email
    with pytest.raises(Conflict, match="service number or the login name"):
        authenticate(services, csr, "lucia@example.com")


def test_social_accounts_are_found_recognised_listed_and_unlinked(services, csr, lucia_id):
    def found(social: str) -> list[str]:
        page = search_customers(CustomerQuery(social=social), uow=services.reader(), actor=csr, region=REGION)
        return [c.customer_id for c in page.customers]

    assert found("lucia.gp") == found("@lucia.gp") == found("Facebook:lucia.gp") == [lucia_id]
    assert found("luciag") == found("x:@luciag") == [lucia_id]  # stored with its @
    assert found("google:lucia.gp") == []
    with pytest.raises(InvalidInput):
        found("two words")
    assert recognise_key("@lucia.gp", region=REGION).kind == "social"
    assert recognise_key("facebook:lucia.gp", region=REGION).kind == "social"
    assert recognise_key("lucia@example.com", region=REGION).kind == "email"
    page = identify_customer("@luciag", uow=services.reader(), actor=csr, region=REGION)
    assert (page.key_kind, [c.customer_id for c in page.customers]) == ("social", [lucia_id])

    listed = list_social_accounts(lucia_id, uow=services.reader(), actor=csr)
    assert [(s.provider, s.subject) for s in listed] == [("facebook", "lucia.gp"), ("x", "@luciag")]
    left = unlink_social_account(lucia_id, "facebook", "lucia.gp", uow=services.writer(), actor=csr)
    assert [(s.provider, s.subject) for s in left] == [("x", "@luciag")]
    assert found("lucia.gp") == []
    with pytest.raises(NotFound):
        unlink_social_account(lucia_id, "facebook", "lucia.gp", uow=services.writer(), actor=csr)
    with services.reader() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "customer.social_unlink")
        ).scalar_one()
    assert entry.summary == {"provider": "facebook", "subject": "•••• .gp"}


def test_the_demo_lucia_can_be_verified_by_her_login_name_and_found_by_her_social_account(services):
    seeding.create_demo(services, customers=3, seed=7)
    seeding.create_demo(services, customers=3, seed=7)  # idempotent: one secret, one link
    alice = operators.sign_in("alice", "demo-csr-01", uow=services.writer())
    sign_in = seeding.FEATURED_SIGN_IN
    done = authenticate(services, alice, sign_in["login_name"], sign_in["service_password"])
    assert done.service_number == "34612345678"
    page = search_customers(
        CustomerQuery(social="google:" + sign_in["social"][1]), uow=services.reader(), actor=alice, region=REGION
    )
    assert [c.name for c in page.customers] == ["Lucía García Pérez"]


def test_guesses_from_many_terminals_at_once_lock_after_exactly_five(services, csr, lucia_id):
    """Eight terminals guess at the same moment: the count is never lost (the row is locked while counted)."""
    from concurrent.futures import ThreadPoolExecutor

    def guess(_: int) -> tuple[int, bool]:
        try:
            authenticate(services, csr, lucia_id, "wrong-guess")
        except authentication.CustomerAuthenticationFailed as failed:
            return failed.extra["tries_left"], "Wrong" in failed.message
        raise AssertionError("a wrong guess was accepted")

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(guess, range(8)))
    wrong = sorted(left for left, counted in outcomes if counted)
    assert wrong == [0, 1, 2, 3, 4]  # five counted, each with its own number of tries left
    assert sum(not counted for _left, counted in outcomes) == 3  # the rest refused: locked
    with services.reader() as uow:
        failures = uow.session.execute(
            select(AuthenticationInfo.failed_attempts)
            .join(Customer, Customer.id == AuthenticationInfo.customer_id)
            .where(Customer.customer_id == lucia_id)
        ).scalar_one()
    assert failures == 5

"""Two terminals must never create the same identity: 16 processes race on one certificate."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import func, select

from crm_tui.config import Settings
from crm_tui.domain import Role
from crm_tui.errors import CrmError, DuplicateIdentity
from crm_tui.services.bootstrap import open_services
from crm_tui.services.identity.registration import register_customer
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.services.shared.views import Actor
from crm_tui.storage.models.lines import Offering, Subscriber
from tests.factories import stock_pools

RACERS = 16


def _register_once(args: tuple[str, int, object]) -> str:
    url, index, barrier = args
    services = open_services(Settings(database_url=url), migrate=False)
    actor = Actor(id=1, username="admin", display_name="Admin", role=Role.ADMIN)
    form = RegistrationForm(
        cert_type="national_id",
        cert_number="12345678Z",
        cert_country="ES",
        first_name=f"Racer{chr(65 + index)}",
        last_name="Concurrent",
        birthday="1980-01-01",
        service_password="Carrera-rapida-1",
    )
    barrier.wait()  # type: ignore[attr-defined]
    try:
        return register_customer(form, uow=services.writer(), actor=actor, region="ES").customer_id
    except DuplicateIdentity as error:
        return "duplicate:" + error.extra["existing_customer_id"]
    finally:
        services.close()


@pytest.mark.slow
@pytest.mark.race
def test_sixteen_terminals_registering_one_certificate_create_one_identity(services, admin):
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        barrier = manager.Barrier(RACERS)
        with context.Pool(RACERS) as pool:
            outcomes = pool.map(_register_once, [(services.database.url, i, barrier) for i in range(RACERS)])
    created = [o for o in outcomes if not o.startswith("duplicate:")]
    assert len(created) == 1, outcomes
    assert all(o == "duplicate:" + created[0] for o in outcomes if o.startswith("duplicate:"))


def _register_someone(args: tuple[str, int, object]) -> str:
    url, index, barrier = args
    services = open_services(Settings(database_url=url), migrate=False)
    actor = Actor(id=1, username="admin", display_name="Admin", role=Role.ADMIN)
    form = RegistrationForm(
        cert_type="passport",
        cert_number=f"P{chr(65 + index)}{(index + 1) * 104729 % 10**6:06d}",  # unrelated numbers: not typos of each other
        cert_country="FR",
        first_name=f"Person{chr(65 + index)}",
        last_name=f"Different{chr(65 + index)}",
        birthday=f"19{60 + index}-02-03",
        nationality="FR",
        service_password="Carrera-rapida-1",
        primary_offering="MAR-POST-4G-25",
    )
    barrier.wait()  # type: ignore[attr-defined]
    try:
        return register_customer(form, uow=services.writer(), actor=actor, region="ES").customer_id
    except CrmError as error:
        return f"{type(error).__name__}: {error.message}"
    finally:
        services.close()


@pytest.mark.slow
@pytest.mark.race  # run on PostgreSQL in CI too: numbers and SIMs are taken FOR UPDATE SKIP LOCKED there
def test_sixteen_different_people_registering_at_once_on_a_fresh_database_all_succeed(services, admin):
    """Issue 19.3: on a fresh database the offerings catalogue was inserted check-then-insert by every
    registration at once; all but one got a false 'someone else took one of these details'."""
    stock_pools(services, admin, numbers=20, golden=())
    with services.reader() as uow:
        assert uow.session.execute(select(func.count()).select_from(Offering)).scalar_one() == 0
    context = multiprocessing.get_context("fork")
    with context.Manager() as manager:
        barrier = manager.Barrier(RACERS)
        with context.Pool(RACERS) as pool:
            outcomes = pool.map(_register_someone, [(services.database.url, i, barrier) for i in range(RACERS)])
    failed = [o for o in outcomes if not o.startswith("C") or ":" in o]
    assert not failed, failed
    assert len(set(outcomes)) == RACERS
    with services.reader() as uow:
        lines = uow.session.execute(select(Subscriber.service_number)).scalars().all()
    assert len(lines) == RACERS == len(set(lines))

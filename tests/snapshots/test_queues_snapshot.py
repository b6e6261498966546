"""The supervisor queues at 120x40 with work waiting: counts and oldest ages on the left, the possible
duplicates on the right (one held by another supervisor). The picture is the specification.

Review a changed SVG before `--snapshot-update`.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from crm_tui.services import queues
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.dedupe import DuplicateCandidate
from crm_tui.storage.models.queues import QueueItem
from tests.factories import make_customer
from tests.screens.conftest import FROZEN_NOW, settle, sign_in

SIZE = (120, 40)


@pytest.fixture
def waiting_work(services, admin, supervisor) -> None:
    """Two possible duplicates (one claimed by admin) and a held registration, queued at fixed times."""
    lucia = make_customer(services, first_name="Lucía", last_name="García Pérez", cert_number="12345678Z")
    lucia_again = make_customer(
        services, first_name="Lucia", last_name="Garcia Perez", cert_type="passport", cert_number="PAA123456"
    )
    pedro = make_customer(
        services, first_name="Pedro", last_name="Gómez Ruiz", cert_number="87654321X", birthday=date(1975, 2, 3)
    )
    pedro_again = make_customer(
        services, first_name="Pedro", last_name="Gomez Ruiz", cert_number="87654312X", birthday=date(1975, 2, 3)
    )
    ana = make_customer(services, first_name="Ana", last_name="Ruiz", cert_number="11111111H", status="idle")
    with services.writer() as uow:
        ids = dict(uow.session.execute(select(Customer.customer_id, Customer.id)).all())
        pairs = [
            (lucia, lucia_again, 0.93, ["name", "birthday"], ["certificate"], 26),
            (pedro, pedro_again, 0.97, ["name", "birthday", "certificate"], [], 3),
        ]
        for a, b, score, agree, differ, hours in pairs:
            candidate = DuplicateCandidate(
                customer_a_id=ids[a],
                customer_b_id=ids[b],
                score=score,
                reasons={"agree": agree, "differ": differ},
                found_at=FROZEN_NOW,
            )
            uow.session.add(candidate)
            uow.session.flush()
            reason = (
                f"Same {' and '.join(agree)}"
                + (f"; {' and '.join(differ)} differ" if differ else "")
                + f" (score {score:.2f})"
            )
            uow.session.add(
                QueueItem(
                    queue="duplicates",
                    ref_type="duplicate",
                    ref_id=str(candidate.id),
                    reason=reason,
                    payload={"score": score, "agree": agree, "differ": differ},
                    created_at=FROZEN_NOW - timedelta(hours=hours),
                )
            )
        uow.session.add(
            QueueItem(
                queue="held_registrations",
                ref_type="customer",
                ref_id=ana,
                reason="Blacklisted (certificate): Fraud at another operator",
                created_at=FROZEN_NOW - timedelta(minutes=40),
            )
        )
        uow.commit()
    queues.claim_item(2, uow=services.writer(), actor=admin)


def test_queues_with_work_waiting(snap_compare, make_app, waiting_work):
    async def open_queues(pilot):
        await sign_in(pilot, "sam")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("tab")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=open_queues)

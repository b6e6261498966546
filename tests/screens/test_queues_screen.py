"""A supervisor's round of the queues, by keyboard: counts, approving a held registration, merging a
pair field by field, dismissing, filtering, sorting, and being told when another supervisor was first."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from rich.console import Console
from sqlalchemy import select
from textual.widgets import DataTable, ProgressBar, Static

from crm_tui.app import LaunchRequest
from crm_tui.errors import ExternalSystemFailed
from crm_tui.screens import queues as queues_screen
from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.merge import MergeScreen
from crm_tui.screens.queues import NoteModal, OrderStepsModal, QueuesScreen
from crm_tui.services import queues
from crm_tui.services.bootstrap import services_over
from crm_tui.services.customers.linkage_model import Match
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.dedupe import scan as dedupe_scan
from crm_tui.services.identity.registration import register_customer
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.services.lifecycle.deregistration import submit_deregistration
from crm_tui.services.lifecycle.termination import terminate_customer
from crm_tui.services.orders import engine as orders
from crm_tui.services.privacy import erasure
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.customers import Contact, Customer
from crm_tui.storage.models.dedupe import DuplicateCandidate
from crm_tui.storage.models.queues import QueueItem
from tests.factories import make_customer, stock_pools
from tests.screens.conftest import FROZEN_NOW, settle, sign_in


@pytest.fixture
def twins(services, csr):
    """Two records of one person: the older with a line, the newer with another mobile and a contact."""
    older = make_customer(
        services,
        first_name="Lucía",
        last_name="García Pérez",
        cert_number="12345678Z",
        service_number="34612345678",
        email="lucia@example.com",
    )
    newer = make_customer(
        services,
        first_name="Lucia",
        last_name="Garcia Perez",
        cert_type="passport",
        cert_number="PAA123456",
        birthday=date(1988, 4, 12),
        mobile="34699111222",
    )
    with services.writer() as uow:
        pk = uow.session.execute(select(Customer.id).where(Customer.customer_id == newer)).scalar_one()
        uow.session.add(
            Contact(
                customer_id=pk,
                method="email",
                value="lucia.work@example.com",
                value_normalized="lucia.work@example.com",
            )
        )
        uow.commit()
    return older, newer


def queue_duplicate(services, older: str, newer: str, *, hours_ago: int = 2) -> int:
    """Queue the pair as the scan would, `hours_ago` before the frozen clock."""
    with services.writer() as uow:
        ids = dict(
            uow.session.execute(
                select(Customer.customer_id, Customer.id).where(Customer.customer_id.in_([older, newer]))
            ).all()
        )
        candidate = DuplicateCandidate(
            customer_a_id=ids[older],
            customer_b_id=ids[newer],
            score=0.93,
            reasons={"agree": ["name", "birthday"], "differ": ["certificate"]},
        )
        uow.session.add(candidate)
        uow.session.flush()
        item = QueueItem(
            queue="duplicates",
            ref_type="duplicate",
            ref_id=str(candidate.id),
            reason="Same name and birthday (score 0.93)",
            payload={"score": 0.93, "agree": ["name", "birthday"], "differ": ["certificate"]},
            created_at=FROZEN_NOW - timedelta(hours=hours_ago),
        )
        uow.session.add(item)
        uow.commit()
        return item.id


@pytest.fixture
def held(services, csr, admin) -> str:
    """A registration held because the certificate is on the blacklist: the customer has no line yet."""
    stock_pools(services, admin)
    with services.writer() as uow:
        uow.session.add(
            BlacklistEntry(
                cert_type="national_id",
                cert_number="12345678Z",
                cert_country="ES",
                severity="ban",
                reason="Fraud at another operator",
            )
        )
        uow.commit()
    form = RegistrationForm(
        cert_type="national_id",
        cert_number="12345678Z",
        cert_country="ES",
        first_name="Ana",
        last_name="Ruiz",
        birthday="1980-01-01",
        service_password="Largo-secreto-9",
        primary_offering="OLA-PRE-4G-10",
    )
    return register_customer(form, uow=services.writer(), actor=csr, region="ES").customer_id


def status(app) -> str:
    return str(app.screen.query_one("#queue-status", Static).content)


def rows(app, selector: str = "#queue-items") -> list[list[str]]:
    table = app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def open_queues(pilot) -> QueuesScreen:
    await sign_in(pilot, "sam")
    await pilot.press("f5")
    await settle(pilot)
    assert isinstance(pilot.app.screen, QueuesScreen)
    return pilot.app.screen


async def test_f5_shows_every_queue_with_its_count_and_oldest_age(make_app, services, supervisor, twins):
    queue_duplicate(services, *twins, hours_ago=2)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queues(pilot)
        listing = rows(app, "#queue-list")
        assert listing[0] == ["Possible duplicates\n  1 · oldest 2 h"]
        assert ["Held registrations\n  none waiting"] in listing and len(listing) == 8  # with failed notifications
        [item] = rows(app)
        assert item[1] == "Pair 1" and item[2] == "Open" and "Same name and birthday" in item[4] and item[5] == "2 h"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, QueuesScreen)


async def test_approve_a_held_registration_with_a_gives_the_customer_a_line(make_app, services, supervisor, held):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queues(pilot)
        [item] = rows(app)  # the first queue with work is chosen
        assert item[1] == held and "Fraud at another operator" in item[4]
        await pilot.press("tab", "a")
        await pilot.pause()
        assert isinstance(app.screen, NoteModal)
        await pilot.press(*"Debt settled", "enter")
        await settle(pilot)
        assert status(app).startswith("Approve: item 1 is approved. New line +34")
        assert rows(app) == []
        assert rows(app, "#queue-list")[1] == ["Held registrations\n  none waiting"]
    detail = get_customer(held, uow=services.reader(), actor=supervisor)
    assert [s.status for s in detail.subscribers] == ["active"]


async def test_enter_on_a_held_registration_opens_the_customer_and_escape_comes_back(make_app, supervisor, held):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queues(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CustomerViewScreen) and app.screen.customer_id == held
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueuesScreen)


async def test_merge_a_pair_field_by_field_and_the_old_id_resolves(make_app, services, supervisor, twins):
    older, newer = twins
    queue_duplicate(services, *twins)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queues(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MergeScreen) and (screen.survivor_id, screen.merged_id) == (older, newer)
        fields = [row[0] for row in rows(app, "#merge-fields")]
        await pilot.press(*["down"] * fields.index("Mobile"), "right")
        assert screen.take_from_merged() == ["mobile"]
        # what will happen is on the screen before the one key that merges (no confirmation: u undoes it)
        sides = str(screen.query_one("#merge-sides", Static).content)
        assert f"Left survives: {older} Lucía García Pérez" in sides and f"merged into it: {newer}" in sides
        assert "certificates: 1, contacts: 1" in str(screen.query_one("#merge-moving", Static).content)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen
        result = str(screen.query_one("#merge-result", Static).content)
        assert f"{newer} now resolves to {older}" in result and screen.result is not None
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueuesScreen) and rows(app) == []
    via_old = get_customer(newer, uow=services.reader(), actor=supervisor)
    assert via_old.customer_id == older and via_old.merged_from == newer and via_old.mobile == "34699111222"
    with services.reader() as uow:
        assert uow.session.execute(select(QueueItem.status)).scalar_one() == "done"


async def test_unmerge_right_after_merging(make_app, services, supervisor, twins):
    older, newer = twins
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "sam")
        app.push_screen(MergeScreen(older, newer))
        await settle(pilot)
        await pilot.press("x")  # the newer record survives instead
        await settle(pilot)
        assert (app.screen.survivor_id, app.screen.merged_id) == (newer, older)
        await pilot.press("ctrl+s")  # one key: no confirmation
        await settle(pilot)
        assert get_customer(older, uow=services.reader(), actor=supervisor).customer_id == newer
        await pilot.press("u")  # one key undoes it
        await settle(pilot)
        assert "separate again" in str(app.screen.query_one("#merge-result", Static).content)
    assert get_customer(older, uow=services.reader(), actor=supervisor).customer_id == older


async def test_dismiss_with_d_sticks(make_app, services, supervisor, twins):
    queue_duplicate(services, *twins)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queues(pilot)
        await pilot.press("tab", "d", *"Twins", "enter")
        await settle(pilot)
        assert status(app) == "Dismiss: item 1 is dismissed."
        assert rows(app) == []
    with services.reader() as uow:
        assert uow.session.execute(select(DuplicateCandidate.status)).scalar_one() == "dismissed"
        assert uow.session.execute(select(QueueItem.note)).scalar_one() == "Twins"
    dedupe_scan.scan_duplicates(services=services, actor=supervisor)
    assert queues.list_queue("duplicates", uow=services.reader(), actor=supervisor) == []


async def test_an_action_the_queue_does_not_have_is_refused(make_app, services, supervisor, twins):
    queue_duplicate(services, *twins)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queues(pilot)
        await pilot.press("tab", "a")
        await pilot.pause()
        assert isinstance(app.screen, QueuesScreen)
        assert status(app) == "Possible duplicates cannot approve. Keys here: m merge, d dismiss."


async def test_filter_with_slash_and_sort_with_s(make_app, services, supervisor, twins):
    third = make_customer(services, first_name="Pedro", last_name="Gómez", cert_number="87654321X")
    queue_duplicate(services, *twins, hours_ago=5)
    with services.writer() as uow:
        ids = dict(uow.session.execute(select(Customer.customer_id, Customer.id)).all())
        candidate = DuplicateCandidate(
            customer_a_id=ids[twins[0]],
            customer_b_id=ids[third],
            score=0.81,
            reasons={"agree": ["address"], "differ": ["name"]},
        )
        uow.session.add(candidate)
        uow.session.flush()
        uow.session.add(
            QueueItem(
                queue="duplicates",
                ref_type="duplicate",
                ref_id=str(candidate.id),
                reason="Same address (score 0.81)",
                created_at=FROZEN_NOW,
            )
        )
        uow.commit()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queues(pilot)
        assert [r[1] for r in rows(app)] == ["Pair 1", "Pair 2"]
        await pilot.press("s")
        await settle(pilot)
        assert [r[1] for r in rows(app)] == ["Pair 2", "Pair 1"]
        assert "newest first" in str(app.screen.query_one("#queue-heading", Static).content)
        await pilot.press("slash", *"address")
        await settle(pilot)
        assert [r[1] for r in rows(app)] == ["Pair 2"]
        await pilot.press("escape", "escape")  # clear the filter, then hide it
        await settle(pilot)
        assert len(rows(app)) == 2 and isinstance(app.screen, QueuesScreen)


async def test_a_csr_pressing_f5_sees_nothing_of_the_queues(make_app, csr, twins, services):
    queue_duplicate(services, *twins)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert not isinstance(app.screen, QueuesScreen)
        assert notes(app) == ["The queues are for supervisors."]


async def test_launch_on_the_queues(make_app, supervisor, twins, services):
    queue_duplicate(services, *twins)
    app = make_app(LaunchRequest("queues"))
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "sam")
        await settle(pilot)
        assert isinstance(app.screen, QueuesScreen) and len(rows(app)) == 1


async def test_another_supervisor_acting_first_is_told_it_changed(make_app, services, supervisor, admin, twins):
    item_id = queue_duplicate(services, *twins)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queues(pilot)
        queues.claim_item(item_id, uow=services.writer(), actor=admin)  # the other supervisor, meanwhile
        await pilot.press("tab", "d", "enter")
        await settle(pilot)
        assert status(app) == "Changed: Item 1 is claimed by admin. Refreshed."
        [item] = rows(app)
        assert item[2] == "Claimed" and item[3] == "admin"
        queues.act_on_item("duplicates", item_id, "dismiss", services=services, actor=admin)
        await pilot.press("c")
        await settle(pilot)
        assert status(app).startswith("Changed: Item 1 changed since you saw it (now dismissed)")
        assert rows(app) == []
    with services.reader() as uow:
        assert uow.session.execute(select(QueueItem.decided_by)).scalar_one() == admin.id


async def test_a_failed_order_opens_with_its_steps_and_a_retries_it(make_app, services, supervisor, csr):
    make_customer(services, cert_number="12345678Z", service_number="34612345678")
    faulty = services_over(
        services.database, services.settings.model_copy(update={"faults": "provisioning.deactivate:fail-once"})
    )
    with pytest.raises(ExternalSystemFailed) as caught:
        submit_deregistration(
            "34612345678",
            services=faulty,
            actor=csr,
            reason="fee_problem",
            number_mode="immediate",
            sim_mode="reuse",
            payment_method="card",
        )
    order_id = caught.value.extra["order_id"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queues(pilot)
        [item] = rows(app)
        assert item[1] == order_id and "Failed at step 2" in item[4]
        await pilot.press("tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderStepsModal) and app.screen.view.failed_step.seq == 2
        await pilot.press("escape", "a", *"Provisioning back", "enter")
        await settle(pilot)
        assert status(app) == "Retry: item 1 is done."
    assert orders.get_order(order_id, uow=services.reader(), actor=supervisor).status == "closed"


async def test_ctrl_d_scans_for_duplicates_with_progress_and_the_screen_stays_usable(
    make_app, services, supervisor, twins, monkeypatch
):
    gate = threading.Event()
    real_scan = queues_screen.scan_duplicates

    asked: list[int | None] = []

    def held_scan(**kwargs):
        asked.append(kwargs.get("workers"))
        kwargs["progress"]("read", 1, 2)
        gate.wait(20)  # until the test has looked at the progress bar and used the screen
        return real_scan(**kwargs)

    monkeypatch.setattr(queues_screen, "scan_duplicates", held_scan)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_queues(pilot)
        assert rows(app, "#queue-list")[0] == ["Possible duplicates\n  none waiting"]
        await pilot.press("ctrl+d")
        for _ in range(50):
            await pilot.pause(0.05)
            if str(screen.query_one("#scan-stage", Static).content) != "Scanning for duplicates…":
                break
        assert screen.query_one("#scan-row").display
        assert str(screen.query_one("#scan-stage", Static).content) == "Reading customers: 1 of 2"
        assert screen.query_one("#scan-progress", ProgressBar).percentage == 0.5
        await pilot.press("s")  # still usable while the scan runs
        await pilot.pause()
        assert screen.sort == "newest"
        gate.set()
        await settle(pilot)
        assert status(app).startswith("Scan done: 1 new possible duplicate(s) among 2 customers")
        assert not screen.scanning and not screen.query_one("#scan-row").display
        assert rows(app, "#queue-list")[0] == ["Possible duplicates\n  1 · oldest just now"]
        assert [r[1] for r in rows(app)] == ["Pair 1"]
    assert asked == [1]  # one process: the workbench is threaded, and forking it could copy a held lock


async def test_approve_an_erasure_says_it_is_proven_and_whether_the_person_was_told(
    make_app, services, csr, supervisor
):
    leaver = make_customer(services, first_name="Olvido", last_name="Borrado", cert_number="87654321X")
    terminate_customer(leaver, services=services, actor=csr, reason="customer_request", archive_consent=False)
    erasure.request_erasure(leaver, uow=services.writer(), actor=csr, requested_by="in person", legal_ground="GDPR")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queues(pilot)
        [item] = rows(app)
        await pilot.press("tab", "a")
        await pilot.pause()
        assert isinstance(app.screen, NoteModal)
        await pilot.press("enter")
        await settle(pilot)
        assert "is approved. Erased: nothing of the person is left; confirmation " in status(app)


async def test_the_merge_screen_shows_why_the_pair_matched_field_by_field(make_app, services, supervisor, twins):
    """The waterfall: each comparison's level and weight, running from the prior to the probability; w hides it."""
    match = Match(
        probability=0.99991,
        weight=13.4,
        parts=(("last_name", "same", 12.5), ("birthday", "different", -6.0), ("document", "different", -0.5)),
    )
    item = queue_duplicate(services, *twins)
    with services.writer() as uow:
        candidate = uow.session.execute(select(DuplicateCandidate)).scalar_one()
        candidate.reasons = match.reasons()
        uow.session.add(candidate)
        uow.commit()
    assert item
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_queues(pilot)
        await pilot.press("tab", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, MergeScreen)
        panel = screen.query_one("#merge-waterfall", Static)
        assert panel.display
        lines = [line.rstrip() for line in screen_text(panel).splitlines()]
        assert lines[0].split()[:6] == ["Prior", "any", "two", "records", "+7.4", "+7.4"]  # 13.4 - (12.5 - 6 - 0.5)
        assert lines[1].split()[:5] == ["Last", "name", "Same", "+12.5", "+19.9"]
        assert lines[2].split()[:4] == ["Birthday", "Different", "-6.0", "+13.9"]
        assert lines[3].split()[:4] == ["Document", "Different", "-0.5", "+13.4"]
        assert lines[-1].split()[:5] == ["Match", "weight", "probability", "+13.4", "0.9999"]
        await pilot.press("w")
        assert not panel.display


def screen_text(widget: Static) -> str:
    console = Console(width=110, record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


async def test_a_queue_whose_name_wraps_still_shows_its_count(make_app, services, supervisor, twins):
    """In Spanish 'Solicitudes de supresión' takes two lines of the list: a fixed two-line row hid
    its 'nada en espera' (or its count) under the name. Each row is as tall as its words."""
    from crm_tui.screens.queues import QUEUE_WIDTH
    from crm_tui.services import operators

    operators.set_language("es", uow=services.writer(), actor=supervisor)
    queue_duplicate(services, *twins, hours_ago=2)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queues(pilot)
        listing = screen.query_one("#queue-list")
        for row in listing.ordered_rows:
            cell = listing.get_cell(row.key, "queue")
            lines = [line.plain.strip() for line in cell.wrap(app.console, QUEUE_WIDTH)]
            assert row.height == len(lines), lines
            assert " ".join(lines).endswith(("nada en espera", "1 · la más antigua 2 h")), lines  # all of it shown
        assert any(row.height == 3 for row in listing.ordered_rows)  # a wrapped name, its count kept
        await pilot.press("down")  # the list still moves row by row
        await settle(pilot)
        assert screen.queue != "duplicates"

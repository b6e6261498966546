"""Merge and unmerge, and the supervisor's queues: one mechanism, one winner per item."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from crm_tui.domain import KeyKind
from crm_tui.errors import Conflict, InvalidInput, NotAllowed
from crm_tui.services import queues
from crm_tui.services.customers.profile import get_customer, open_customer
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.dedupe import merge
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.blacklist import BlacklistEntry
from crm_tui.storage.models.customers import Contact, Customer
from crm_tui.storage.models.dedupe import DuplicateCandidate
from crm_tui.storage.models.queues import QueueItem
from tests.factories import make_customer


@pytest.fixture
def twins(services, csr):
    """Two records of one person: the older with a line, the newer with a contact and an interaction."""
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
    open_customer(newer, uow=services.writer(), actor=csr, key_kind=KeyKind.NAME)
    return older, newer


def test_merge_moves_every_row_and_the_old_id_resolves(services, csr, supervisor, twins):
    older, newer = twins
    preview = merge.preview_merge(older, newer, uow=services.reader(), actor=supervisor)
    assert {f.field: f.same for f in preview.fields}["birthday"] is True
    assert preview.moving["contacts"] == 1 and preview.moving["interactions"] == 1
    result = merge.merge_customers(older, newer, uow=services.writer(), actor=supervisor, take_from_merged=["mobile"])
    assert result.moved["certificates"] == 1
    survivor = get_customer(older, uow=services.reader(), actor=csr)
    assert survivor.mobile == "34699111222"
    assert {c.cert_number for c in survivor.certificates} == {"12345678Z", "PAA123456"}
    assert [c.value for c in survivor.contacts] == ["lucia.work@example.com"]
    via_old = get_customer(newer, uow=services.reader(), actor=csr)
    assert via_old.customer_id == older and via_old.merged_from == newer
    page = search_customers(CustomerQuery(customer_id=newer), uow=services.reader(), actor=csr, region="ES")
    assert page.customers[0].customer_id == older and page.customers[0].merged_from == newer
    assert (
        search_customers(CustomerQuery(name="lucia garcia"), uow=services.reader(), actor=csr, region="ES").total == 1
    )
    assert (
        search_customers(CustomerQuery(cert_number="PAA123456"), uow=services.reader(), actor=csr, region="ES")
        .customers[0]
        .customer_id
        == older
    )


def test_unmerge_restores_both(services, csr, supervisor, twins):
    older, newer = twins
    before_older = get_customer(older, uow=services.reader(), actor=csr)
    before_newer = get_customer(newer, uow=services.reader(), actor=csr)
    result = merge.merge_customers(
        older, newer, uow=services.writer(), actor=supervisor, take_from_merged=["mobile", "first_name"]
    )
    merge.unmerge(result.merge_id, uow=services.writer(), actor=supervisor)
    after_older = get_customer(older, uow=services.reader(), actor=csr)
    after_newer = get_customer(newer, uow=services.reader(), actor=csr)
    for before, after in ((before_older, after_older), (before_newer, after_newer)):
        assert (after.name, after.mobile, after.status) == (before.name, before.mobile, before.status)
        assert [c.cert_number for c in after.certificates] == [c.cert_number for c in before.certificates]
        assert [c.value for c in after.contacts] == [c.value for c in before.contacts]
        assert [s.service_number for s in after.subscribers] == [s.service_number for s in before.subscribers]
    assert after_newer.merged_from is None
    with pytest.raises(Conflict):
        merge.unmerge(result.merge_id, uow=services.writer(), actor=supervisor)


def test_merge_rules(services, csr, supervisor, twins):
    older, newer = twins
    with pytest.raises(NotAllowed):
        merge.merge_customers(older, newer, uow=services.writer(), actor=csr)
    with pytest.raises(InvalidInput):
        merge.merge_customers(older, older, uow=services.writer(), actor=supervisor)
    with pytest.raises(InvalidInput):
        merge.merge_customers(older, newer, uow=services.writer(), actor=supervisor, take_from_merged=["password"])
    merge.merge_customers(older, newer, uow=services.writer(), actor=supervisor)
    with pytest.raises(Conflict):
        merge.merge_customers(older, newer, uow=services.writer(), actor=supervisor)


# --- queues ----------------------------------------------------------------------------------------


def _queue_duplicate(services, older: str, newer: str) -> int:
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
            queue="duplicates", ref_type="duplicate", ref_id=str(candidate.id), reason="Same name and birthday (0.93)"
        )
        uow.session.add(item)
        uow.commit()
        return item.id


def test_summaries_count_open_items_and_a_csr_sees_nothing(services, csr, supervisor, twins):
    _queue_duplicate(services, *twins)
    summary = {s.queue: s for s in queues.queue_summaries(uow=services.reader(), actor=supervisor)}
    assert summary["duplicates"].open == 1 and summary["duplicates"].oldest is not None
    assert summary["duplicates"].actions == ["merge", "dismiss"]
    assert summary["failed_orders"].open == 0
    with pytest.raises(NotAllowed):
        queues.queue_summaries(uow=services.reader(), actor=csr)
    with pytest.raises(NotAllowed):
        queues.act_on_item("duplicates", 1, "merge", services=services, actor=csr)


def test_merge_from_the_duplicates_queue(services, csr, supervisor, twins):
    item_id = _queue_duplicate(services, *twins)
    [item] = queues.list_queue("duplicates", uow=services.reader(), actor=supervisor, text="birthday")
    result = queues.act_on_item(
        "duplicates",
        item.item_id,
        "m",
        services=services,
        actor=supervisor,
        note="Same DNI photo",
        expected_version=item.version,
    )
    assert result.status == "done" and result.detail["survivor_id"] == twins[0]
    assert queues.list_queue("duplicates", uow=services.reader(), actor=supervisor) == []
    with services.reader() as uow:
        assert uow.session.execute(select(DuplicateCandidate.status)).scalar_one() == "merged"
        actions = uow.session.execute(select(AuditEntry.action)).scalars().all()
    assert {"queue.merge", "customer.merge"} <= set(actions)
    assert item_id


def test_dismiss_sticks_and_a_claimed_item_shows_its_holder(services, supervisor, admin, twins):
    item_id = _queue_duplicate(services, *twins)
    claimed = queues.claim_item(item_id, uow=services.writer(), actor=supervisor)
    assert claimed.claimed_by == "sam"
    with pytest.raises(Conflict, match="claimed by sam"):
        queues.act_on_item("duplicates", item_id, "dismiss", services=services, actor=admin)
    queues.act_on_item(
        "duplicates", item_id, "dismiss", services=services, actor=supervisor, note="Twins, different people"
    )
    with services.reader() as uow:
        assert uow.session.execute(select(DuplicateCandidate.status)).scalar_one() == "dismissed"


def test_a_stale_version_is_told_it_changed(services, supervisor, twins):
    item_id = _queue_duplicate(services, *twins)
    [item] = queues.list_queue("duplicates", uow=services.reader(), actor=supervisor)
    queues.claim_item(item_id, uow=services.writer(), actor=supervisor)
    with pytest.raises(Conflict, match="changed"):
        queues.act_on_item(
            "duplicates", item_id, "dismiss", services=services, actor=supervisor, expected_version=item.version
        )


def test_two_supervisors_acting_at_once_one_wins(services, supervisor, admin, twins):
    item_id = _queue_duplicate(services, *twins)
    [item] = queues.list_queue("duplicates", uow=services.reader(), actor=supervisor)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(actor, action):
        barrier.wait()
        try:
            queues.act_on_item(
                "duplicates", item_id, action, services=services, actor=actor, expected_version=item.version
            )
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [
        threading.Thread(target=act, args=(supervisor, "merge")),
        threading.Thread(target=act, args=(admin, "dismiss")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "ok"]
    with services.reader() as uow:
        assert (
            uow.session.execute(
                select(func.count()).select_from(QueueItem).where(QueueItem.status.in_(["done", "dismissed"]))
            ).scalar_one()
            == 1
        )


def test_held_registration_approved_from_the_queue(services, csr, supervisor, admin):
    from crm_tui.services.identity.registration import register_customer
    from crm_tui.services.identity.registration_form import RegistrationForm
    from tests.factories import stock_pools

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
    held = register_customer(form, uow=services.writer(), actor=csr, region="ES").held
    [item] = queues.list_queue("held_registrations", uow=services.reader(), actor=supervisor)
    assert item.item_id == held.item_id and "Fraud at another operator" in item.reason
    result = queues.act_on_item("held_registrations", item.item_id, "a", services=services, actor=supervisor)
    assert result.status == "approved" and result.detail["service_number"]


def test_unknown_queue_or_action(services, supervisor):
    with pytest.raises(InvalidInput):
        queues.list_queue("nope", uow=services.reader(), actor=supervisor)
    with pytest.raises(InvalidInput):
        queues.act_on_item("duplicates", 1, "explode", services=services, actor=supervisor)

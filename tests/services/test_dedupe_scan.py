"""De-duplicate Customer Identity: the scan finds near-duplicates, explains them, never re-opens a
decided pair, and leaves namesakes alone."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from crm_tui.errors import Conflict, InvalidInput, NotAllowed
from crm_tui.services.bootstrap import services_over
from crm_tui.services.customers.matching import (
    certificate_neighbours,
    name_tokens,
    normalize_address,
)
from crm_tui.services.dedupe.scan import dismiss_pair, scan_duplicates
from crm_tui.storage.models.customers import Address, Contact, Customer
from crm_tui.storage.models.dedupe import DuplicateCandidate
from crm_tui.storage.models.queues import QueueItem
from tests.factories import make_customer


def scan(services, actor):
    return scan_duplicates(services=services, actor=actor)


def pair_of(report, a, b):
    wanted = {a, b}
    return next((p for p in report.pairs if {p.customer_id_a, p.customer_id_b} == wanted), None)


def add_rows(services, customer_id, *rows_of):
    with services.writer() as uow:
        pk = uow.session.execute(select(Customer.id).where(Customer.customer_id == customer_id)).scalar_one()
        for make in rows_of:
            uow.session.add(make(pk))
        uow.commit()


def test_a_typo_in_the_name_with_the_same_mobile_is_found_and_explained(services, supervisor):
    a = make_customer(
        services, first_name="Lucía", last_name="García Pérez", cert_number="12345678Z", mobile="34612345678"
    )
    b = make_customer(
        services,
        first_name="Lucia",
        last_name="Garcia Peres",
        cert_type="residence_permit",
        cert_number="X1234567L",
        mobile="34612345678",
    )
    report = scan(services, supervisor)
    pair = pair_of(report, a, b)
    assert pair is not None and pair.status == "open" and pair.score >= 0.9
    assert {"name", "birthday", "contact"} <= set(pair.reasons["agree"])
    assert "phone shared +" in pair.reason and "birthday same +" in pair.reason and "last name close +" in pair.reason
    weights = {c: (level, w) for c, level, w in pair.reasons["weights"]}
    assert weights["phone"][0] == "shared" and weights["document"][0] == "another document"
    assert abs(weights["document"][1]) < 2  # a DNI and an NIE: documents of two kinds, weak evidence
    assert pair.reasons["probability"] == pair.score
    with services.reader() as uow:
        item = uow.session.execute(select(QueueItem).where(QueueItem.queue == "duplicates")).scalar_one()
    assert item.ref_type == "duplicate" and item.ref_id == str(pair.candidate_id)
    assert item.reason == pair.reason and "García" not in item.reason and "346" not in item.reason  # no personal data


def test_swapped_first_and_last_name_with_transposed_certificate_digits(services, supervisor):
    a = make_customer(
        services,
        first_name="John",
        last_name="Smith",
        cert_type="passport",
        cert_country="GB",
        cert_number="123456789",
        birthday=date(1980, 1, 2),
    )
    b = make_customer(
        services,
        first_name="Smith",
        last_name="John",
        cert_type="passport",
        cert_country="GB",
        cert_number="123465789",
        birthday=date(1980, 1, 2),
    )
    pair = pair_of(scan(services, supervisor), a, b)
    assert pair is not None and pair.score >= 0.9
    assert {"name", "birthday", "certificate"} <= set(pair.reasons["agree"])
    assert "document one keystroke apart +" in pair.reason


def test_a_transposed_certificate_finds_a_pair_without_a_birthday_or_contact(services, supervisor):
    a = make_customer(
        services,
        first_name="Ion",
        last_name="Popescu",
        cert_type="residence_permit",
        cert_number="X1234567L",
        birthday=date(1975, 3, 9),
    )
    b = make_customer(
        services,
        first_name="Ioan",
        last_name="Popesku",
        cert_type="residence_permit",
        cert_number="X1234657L",
        birthday=None,
    )
    pair = pair_of(scan(services, supervisor), a, b)
    assert pair is not None
    assert "certificate" in pair.reasons["agree"] and "birthday" not in pair.reasons["agree"] + pair.reasons["differ"]


def test_a_dropped_certificate_digit_is_one_digit_apart(services, supervisor):
    a = make_customer(
        services, first_name="Ana", last_name="Ruiz Gil", cert_number="12345678Z", birthday=date(1990, 5, 6)
    )
    b = make_customer(services, first_name="Ana", last_name="Ruiz", cert_number="1234578Z", birthday=date(1990, 6, 5))
    pair = pair_of(scan(services, supervisor), a, b)
    assert pair is not None and "one keystroke apart" in pair.reason and "day and month swapped" in pair.reason


def test_the_same_email_with_another_name_formatting_and_a_nickname(services, supervisor):
    a = make_customer(
        services,
        first_name="Francisco José",
        last_name="Núñez de la Torre",
        email="fjnt@example.com",
        birthday=date(1970, 2, 3),
    )
    b = make_customer(
        services,
        first_name="PACO JOSE",
        last_name="NUNEZ TORRE",
        cert_type="passport",
        cert_number="PAB765432",
        email="fjnt@example.com",
        birthday=None,
    )
    add_rows(
        services,
        a,
        lambda pk: Address(customer_id=pk, detail="Calle Mayor, 5, 2º B", city="Madrid", postal_code="28013"),
    )
    add_rows(
        services,
        b,
        lambda pk: Address(customer_id=pk, detail="C/ MAYOR N 5 2B", city="Madrid", postal_code="28013"),
    )
    pair = pair_of(scan(services, supervisor), a, b)
    assert pair is not None and pair.score == 1.0
    assert {"name", "contact", "address"} <= set(pair.reasons["agree"])


def test_a_shared_family_phone_with_another_name_is_not_a_duplicate(services, supervisor):
    a = make_customer(services, first_name="Lucía", last_name="García Pérez", mobile="34612345678")
    b = make_customer(services, first_name="Marcos", last_name="García Pérez", birthday=date(1960, 1, 1))
    add_rows(
        services,
        b,
        lambda pk: Contact(
            customer_id=pk, contact_type="family", method="mobile", value="612 345 678", value_normalized="34612345678"
        ),
    )
    assert pair_of(scan(services, supervisor), a, b) is None


def test_namesakes_with_another_birthday_and_nothing_else_are_not_reported(services, supervisor):
    make_customer(services, first_name="María", last_name="López", cert_number="11111111H", birthday=date(1980, 1, 1))
    make_customer(
        services,
        first_name="María",
        last_name="López",
        cert_type="passport",
        cert_number="PAA000001",
        birthday=date(1992, 7, 30),
    )
    make_customer(
        services,
        first_name="María",
        last_name="López",
        cert_type="passport",
        cert_number="XK9081726",
        birthday=date(1961, 3, 14),
    )
    report = scan(services, supervisor)
    assert report.pairs == [] and report.new == 0
    assert report.customers == 3 and report.candidates >= 1 and report.compared == report.candidates


def test_a_rescan_adds_nothing_and_a_dismissed_pair_stays_dismissed(services, supervisor, admin):
    a = make_customer(
        services, first_name="John", last_name="Smith", cert_number="123456789", birthday=date(1980, 1, 2)
    )
    b = make_customer(
        services, first_name="Smith", last_name="John", cert_number="123465789", birthday=date(1980, 1, 2)
    )
    first = scan(services, supervisor)
    assert first.new == 1
    again = scan(services, admin)
    assert again.new == 0 and [p.candidate_id for p in again.pairs] == [p.candidate_id for p in first.pairs]
    candidate_id = pair_of(first, a, b).candidate_id
    dismissed = dismiss_pair(candidate_id, uow=services.writer(), actor=supervisor, note="Twins, checked the documents")
    assert dismissed.status == "dismissed"
    with pytest.raises(Conflict):
        dismiss_pair(candidate_id, uow=services.writer(), actor=supervisor, note="")
    third = scan(services, supervisor)
    assert third.new == 0 and third.pairs == [] and third.compared == third.candidates - 1
    with services.reader() as uow:
        assert uow.session.get(DuplicateCandidate, candidate_id).status == "dismissed"
        item = uow.session.execute(select(QueueItem).where(QueueItem.ref_id == str(candidate_id))).scalar_one()
        assert (
            item.status == "dismissed"
            and item.note == "Twins, checked the documents"
            and item.decided_by == supervisor.id
        )
        assert uow.session.execute(select(DuplicateCandidate)).scalars().all().__len__() == 1


def test_a_csr_may_neither_scan_nor_dismiss(services, csr, supervisor):
    make_customer(services, first_name="John", last_name="Smith", cert_number="123456789")
    make_customer(services, first_name="Smith", last_name="John", cert_number="123465789")
    with pytest.raises(NotAllowed):
        scan(services, csr)
    candidate_id = scan(services, supervisor).pairs[0].candidate_id
    with pytest.raises(NotAllowed):
        dismiss_pair(candidate_id, uow=services.writer(), actor=csr, note="")


@pytest.mark.parametrize("status", ["merged", "erased"])
def test_merged_and_erased_customers_are_skipped(services, supervisor, status):
    a = make_customer(services, first_name="John", last_name="Smith", cert_number="123456789")
    b = make_customer(services, first_name="Smith", last_name="John", cert_number="123465789", status=status)
    report = scan(services, supervisor)
    assert report.customers == 1 and pair_of(report, a, b) is None


def test_a_huge_block_is_skipped_and_counted(services, supervisor):
    for n in range(3):
        make_customer(
            services, first_name="Ana", last_name="Ruiz", cert_number=f"1000000{n}X", birthday=date(1990, 1, 1)
        )
    report = scan_duplicates(services=services, actor=supervisor, max_block=2)
    assert report.skipped_blocks >= 1


def test_a_merged_pair_is_not_scored_again(services, supervisor):
    make_customer(services, first_name="John", last_name="Smith", cert_number="123456789")
    make_customer(services, first_name="Smith", last_name="John", cert_number="123465789")
    found = scan(services, supervisor)
    with services.writer() as uow:
        uow.session.execute(update(DuplicateCandidate).values(status="merged"))
        uow.commit()
    again = scan(services, supervisor)
    assert found.new == 1 and again.pairs == [] and again.new == 0


# --- the scoring on its own --------------------------------------------------------------------


def test_normalising_helpers():
    assert name_tokens("Paco García") == ("francisco", "garcia")
    assert name_tokens("Bill Smith") == ("william", "smith")
    assert normalize_address("Avda. de la Constitución 12, 3º B") == normalize_address("AV CONSTITUCION N 12 3B")
    assert {"213456789", "12345679", "23456789"} <= certificate_neighbours("123456789")


def test_the_review_band_queues_above_its_top_and_lists_the_band_without_queueing(services, supervisor):
    """CRM_DEDUPE_QUEUE_ABOVE / CRM_DEDUPE_IGNORE_BELOW: namesakes with other birthdays fall in a wide band."""
    a = make_customer(
        services, first_name="Lucía", last_name="García Pérez", cert_number="12345678Z", mobile="34612345678"
    )
    b = make_customer(
        services,
        first_name="Lucia",
        last_name="Garcia Peres",
        cert_type="residence_permit",
        cert_number="X1234567L",
        mobile="34612345678",
    )
    namesake = make_customer(
        services,
        first_name="Lucía",
        last_name="García Pérez",
        cert_type="passport",
        cert_number="PAA000001",
        birthday=date(1992, 7, 30),
    )
    banded = services_over(
        services.database, services.settings.model_copy(update={"dedupe_queue_above": 0.9, "dedupe_ignore_below": 1e-9})
    )
    report = scan(banded, supervisor)
    assert (report.threshold, report.ignore_below) == (0.9, 1e-9)
    assert [(p.customer_id_a, p.customer_id_b) for p in report.pairs] == [(a, b)]
    unsure = {frozenset((p.customer_id_a, p.customer_id_b)) for p in report.borderline}
    assert frozenset((a, namesake)) in unsure and all(p.status == "borderline" for p in report.borderline)
    assert all(report.ignore_below <= p.score < 0.9 for p in report.borderline)
    with services.reader() as uow:
        assert len(uow.session.execute(select(QueueItem).where(QueueItem.queue == "duplicates")).all()) == 1
        assert len(uow.session.execute(select(DuplicateCandidate)).all()) == 1  # the band is listed, not stored
    # the default band is the model's threshold: nothing borderline
    assert scan(services, supervisor).borderline == []


def test_an_empty_review_band_is_refused_with_the_settings_named(services, supervisor):
    inverted = services_over(
        services.database, services.settings.model_copy(update={"dedupe_queue_above": 0.5, "dedupe_ignore_below": 0.7})
    )
    with pytest.raises(InvalidInput) as refused:
        scan(inverted, supervisor)
    assert "CRM_DEDUPE_IGNORE_BELOW" in refused.value.message and "CRM_DEDUPE_QUEUE_ABOVE" in refused.value.message

"""The duplicate scan on several processes (issue 14, speed): forked workers build the blocks and
score the pairs, and what they find is exactly what one process finds, on the same base.

The base is small, so the fork threshold is lowered for these tests; a spy on `forked_map` proves
the workers really ran (a parallel path silently falling back to the serial one would pass the
comparison)."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from crm_tui import collector
from crm_tui.services.dedupe import blocking, parallel
from crm_tui.services.dedupe.blocking import Records, customer_rows, person_of
from crm_tui.services.dedupe.scan import SCORE_SPANS, dismiss_pair, scan_duplicates
from crm_tui.storage.models.customers import Certificate, Customer
from crm_tui.storage.models.dedupe import DuplicateCandidate
from crm_tui.storage.seed import seed_database
from tests.factories import make_customer

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.skipif(not parallel.can_fork(), reason="the workers are forked: Linux only")


@pytest.fixture
def forks(monkeypatch):
    """Fork from the first customer on, and count the forked rounds."""
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    rounds: list[int] = []
    real = parallel.forked_map

    def counted(fn, jobs, **kwargs):
        rounds.append(len(jobs))
        return real(fn, jobs, **kwargs)

    monkeypatch.setattr(parallel, "forked_map", counted)
    return rounds


@pytest.fixture
def base(services):
    """300 seeded customers, 40 of them copied with a renewed passport and a typo, a transposed or
    dropped document digit, a day-month swap or no birthday; and a family too big for a block of 4."""
    seed_database(services.database, customers=300, seed=11, now=NOW)
    with services.reader() as uow:
        rows = uow.session.execute(
            select(
                Customer.customer_id,
                Customer.first_name,
                Customer.last_name,
                Customer.birthday,
                Certificate.cert_type,
                Certificate.cert_number,
                Certificate.cert_country,
            )
            .join(Certificate, Certificate.customer_id == Customer.id)
            .where(Customer.status == "active", Customer.type == "individual", Certificate.is_primary)
            .order_by(Customer.id)
            .limit(40)
        ).all()
    made = []
    for k, (customer_id, first, last, birthday, cert_type, number, country) in enumerate(rows):
        copy = {"first_name": first, "last_name": last, "birthday": birthday, "cert_number": number}
        if k % 4 == 0:  # a renewed passport: another document, a typo in the name
            copy["first_name"] = first[:-1] + ("a" if first[-1] != "a" else "e")
            copy["cert_number"], cert_type, country = f"PA{k:07d}", "passport", "ES"
        elif k % 4 == 1:
            copy["cert_number"] = number[:2] + number[3] + number[2] + number[4:]
        elif k % 4 == 2:
            copy["cert_number"] = number[:3] + number[4:]
            if birthday and birthday.day <= 12:
                copy["birthday"] = birthday.replace(day=birthday.month, month=birthday.day)
        else:
            copy["birthday"] = None
            copy["cert_number"] = number[:4] + number[5] + number[4] + number[6:]
        if copy["cert_number"] == number:  # transposed two equal digits: renew the passport instead
            copy["cert_number"], cert_type, country = f"PB{k:07d}", "passport", "ES"
        copy = {**copy, "cert_type": cert_type, "cert_country": country}
        made.append((customer_id, make_customer(services, **copy)))
    only_by_document = [  # only a document links these to blocking (no names, no birthday in common)
        ({"first_name": "Ion", "last_name": "Popescu", "cert_number": "X1234567L"}, {"cert_number": "X1234657L"}),
        ({"first_name": "Mihai", "last_name": "Stan", "cert_number": "Y7654321K"}, {"cert_number": "Y7654321K"}),
    ]
    for original, copy in only_by_document:
        make_customer(services, cert_type="residence_permit", birthday=date(1975, 3, 9), **original)
        make_customer(
            services,
            first_name="Vasile",
            last_name="Ionescu",
            cert_type="passport",
            cert_country="RO",
            birthday=None,
            **copy,
        )
    for n in range(5):  # one block too big for max_block=4 below
        make_customer(
            services, first_name="Marta", last_name="Gil", cert_number=f"3000000{n}X", birthday=date(1970, 1, 1)
        )
    return made


def _pairs(services, workers: int, max_block: int) -> tuple[set[int], int]:
    records = Records(max_block, workers)
    with services.reader() as uow, collector.held():
        for row in customer_rows(uow):
            records.add(row[0], person_of(row, NOW.date()))
    return records.candidate_pairs()


@pytest.mark.parametrize(("workers", "parts"), [(2, 64), (3, 5), (2, 1)])
def test_forked_blocking_gives_the_pairs_and_skips_of_one_process(services, base, forks, monkeypatch, workers, parts):
    monkeypatch.setattr(blocking, "PARTS", parts)
    one = _pairs(services, 1, max_block=4)
    assert forks == []
    many = _pairs(services, workers, max_block=4)
    assert forks == [workers, workers]  # keys by share, then blocks and pairs by part
    assert many == one
    pairs, skipped = one
    assert len(pairs) >= 40 and skipped >= 1


def _summary(report):
    return (
        sorted((p.customer_id_a, p.customer_id_b, p.score, p.reason) for p in report.pairs),
        sorted((p.customer_id_a, p.customer_id_b, p.score) for p in report.borderline),
        report.compared,
        report.candidates,
        report.customers,
        report.skipped_blocks,
    )


def _blocking_ticks(ticks):
    return [(done, total) for stage, done, total in ticks if stage == "block"]


def test_a_scan_on_two_processes_reports_what_one_process_reports(services, supervisor, base, forks):
    ticks: list[tuple[str, int, int]] = []
    told = lambda *tick: ticks.append(tick)  # noqa: E731
    parallel_first = scan_duplicates(services=services, actor=supervisor, workers=2, now=NOW, progress=told)
    assert forks == [2, 2, SCORE_SPANS]  # keys, blocks and pairs, then the scoring
    blocking_ticks = _blocking_ticks(ticks)  # each worker's job of both rounds, then the pairs found
    assert blocking_ticks[:4] == [(1, 4), (2, 4), (3, 4), (4, 4)] and len(blocking_ticks) == 5
    ticks.clear()
    serial = scan_duplicates(services=services, actor=supervisor, workers=1, now=NOW, progress=told)
    assert len(forks) == 3  # the serial scan forked nothing
    steps = blocking.PARTS + 1  # each part of the blocks, then the certificates
    assert _blocking_ticks(ticks)[:steps] == [(k, steps) for k in range(1, steps + 1)]
    assert parallel_first.new == len(parallel_first.pairs) and serial.new == 0  # the second finds them stored
    assert _summary(parallel_first) == _summary(serial)
    found = {frozenset((p.customer_id_a, p.customer_id_b)) for p in parallel_first.pairs}
    assert {frozenset(pair) for pair in base} <= found

    dismissed = next(p for p in parallel_first.pairs if frozenset((p.customer_id_a, p.customer_id_b)) in found)
    dismiss_pair(dismissed.candidate_id, uow=services.writer(), actor=supervisor, note="checked")
    again = [scan_duplicates(services=services, actor=supervisor, workers=w, now=NOW) for w in (2, 1)]
    assert _summary(again[0]) == _summary(again[1])
    assert again[0].compared == again[0].candidates - 1
    assert dismissed.candidate_id not in {p.candidate_id for p in again[0].pairs}
    assert multiprocessing.active_children() == []


def test_a_failing_worker_fails_the_scan_and_stores_nothing(services, supervisor, base, forks, monkeypatch):
    keys = blocking.blocking_keys

    def broken(person):
        if person.last == ("gil",):  # the last customers: the second share's worker fails
            raise MemoryError
        return keys(person)

    monkeypatch.setattr(blocking, "blocking_keys", broken)
    with pytest.raises(MemoryError):
        scan_duplicates(services=services, actor=supervisor, workers=2, now=NOW)
    assert multiprocessing.active_children() == []
    with services.reader() as uow:
        assert uow.session.execute(select(DuplicateCandidate)).first() is None


def test_the_setting_chooses_the_processes_and_zero_means_one_per_core(services, supervisor, base, forks, monkeypatch):
    monkeypatch.setattr(services.settings, "dedupe_workers", 1)
    scan_duplicates(services=services, actor=supervisor, now=NOW)
    assert forks == []
    monkeypatch.setattr(services.settings, "dedupe_workers", 2)
    scan_duplicates(services=services, actor=supervisor, now=NOW)
    assert forks == [2, 2, SCORE_SPANS]
    assert parallel.worker_count(0) == parallel.worker_count(None) >= 1
    assert parallel.worker_count(5) == 5


def test_below_the_threshold_a_scan_asked_for_many_processes_stays_in_one(services, supervisor, base, monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(parallel, "forked_map", lambda *a, **k: calls.append(1))
    assert 300 < parallel.PARALLEL_FROM
    report = scan_duplicates(services=services, actor=supervisor, workers=4, now=NOW)
    assert calls == [] and report.customers > 300 and report.pairs


def test_spans_cover_the_range_in_order_without_empties():
    assert parallel.spans(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert parallel.spans(2, 5) == [(0, 1), (1, 2)]
    assert parallel.spans(0, 4) == [(0, 0)]

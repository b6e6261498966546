"""The duplicate scan (eTOM 1.3.4.2.4 De-duplicate Customer Identity): find pairs of customers that
may be one person, explain each, and queue the new ones for a supervisor.

One streaming read of every live customer into `linkage.Person`s, the blocking rules of
`blocking` (chosen for recall), then the linkage model in force (`linkage_store.current_model`:
the newest trained with `crm-tui dedupe train`, else the shipped one) on the candidate pairs only.
A pair at or above the model's threshold probability is reported, with each comparison's level
and match weight (the waterfall the merge screen can show).

Why this model and not splink in the scan: the same comparisons must also answer the
registration check in a few milliseconds, without importing DuckDB, sqlglot and pyarrow (0.5 s,
255 MB) on the counter's path; one implementation of the levels serves both, and bench_dedupe.py's
public mode measures it beside a plain splink model and recordlinkage's ECM on the same records.

Pairs already stored are never re-opened: a rescan adds only new pairs, and a dismissed or
merged pair is not even scored again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from crm_tui import collector
from crm_tui.domain import HIDDEN_STATUSES, QueueName
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.i18n import N_, _
from crm_tui.services.context import Services
from crm_tui.services.customers.linkage_model import Match, MatchModel
from crm_tui.services.customers.linkage_store import current_model
from crm_tui.services.dedupe import parallel
from crm_tui.services.dedupe.blocking import MAX_BLOCK, Records, customer_rows, person_of
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.validation import clean_text
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.dedupe import DuplicateCandidate
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

PROGRESS_EVERY = 50_000
SCORE_SPANS = 32
"""The candidate pairs are scored in this many spans (progress is told after each)."""
DECIDED = ("dismissed", "merged")

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total): stages "read" (customers), "block" (candidate pairs), "score" (pairs), "store" (new pairs)."""
SCAN_STAGES = {
    "read": N_("Reading customers"),
    "block": N_("Pairing candidates"),
    "score": N_("Scoring pairs"),
    "store": N_("Saving new pairs"),
}
"""The stages `progress` is told of, in words (translated where shown: the queue screen, the CLI)."""


class PairView(View):
    """One possible duplicate: the two customer IDs (older first), the score (the model's
    probability) and why: agree/differ by field, and `weights`, each comparison's level and match
    weight."""

    candidate_id: int
    customer_id_a: str
    customer_id_b: str
    score: float
    reasons: dict[str, Any]
    reason: str
    status: str


class ScanReport(View):
    """What one scan found and what it cost."""

    pairs: list[PairView]
    new: int
    compared: int
    candidates: int
    customers: int
    skipped_blocks: int
    seconds: float
    model: str
    threshold: float
    """The review band's top: pairs at or above it were queued."""
    ignore_below: float = 0.0
    """The review band's bottom: pairs between it and `threshold` are in `borderline`, not queued."""
    borderline: list[PairView] = []
    """Pairs in the review band, best first: worth a look, not sure enough to queue (not stored)."""


# --- the scan ---------------------------------------------------------------------------------


def scan_duplicates(
    *,
    services: Services,
    actor: Actor,
    progress: Progress | None = None,
    now: datetime | None = None,
    model: MatchModel | None = None,
    max_block: int = MAX_BLOCK,
    workers: int | None = None,
) -> ScanReport:
    """Find possible duplicates among all live customers; store and queue the new ones.

    Supervisors and admins only. Safe to rerun: known pairs keep their status and are not
    added again. `model` replaces the one in force (the benchmark compares models this way).
    `workers`: processes for blocking and scoring (`parallel`); None: the `dedupe_workers` setting.
    """
    require_role(actor, *SUPERVISORS, doing=_("scan for duplicates"))
    settings = services.settings
    started = time.perf_counter()
    tick = progress or (lambda _stage, _done, _total: None)
    workers = parallel.worker_count(workers if workers is not None else settings.dedupe_workers)
    today = (now or utcnow()).date()
    records = Records(max_block, workers)
    with services.reader() as uow:
        model = model or current_model(uow)
        total = uow.session.execute(
            select(func.count()).select_from(Customer).where(Customer.status.not_in(HIDDEN_STATUSES))
        ).scalar_one()
        with collector.held():
            for row in customer_rows(uow):
                records.add(row[0], person_of(row, today))
                if len(records) % PROGRESS_EVERY == 0:
                    tick("read", len(records), total)
        tick("read", len(records), total)
        known = {
            (a, b): (cid, status)
            for cid, a, b, status in uow.session.execute(
                select(
                    DuplicateCandidate.id,
                    DuplicateCandidate.customer_a_id,
                    DuplicateCandidate.customer_b_id,
                    DuplicateCandidate.status,
                )
            )
        }
    with collector.held():  # the pairs and the scores: millions of objects, no cycles among them
        pairs, skipped = records.candidate_pairs(lambda done, steps: tick("block", done, steps))
        tick("block", len(pairs), len(pairs))
        n, pks, people = len(records), records.pks, records.people
        threshold, floor = review_band(model.threshold, settings.dedupe_queue_above, settings.dedupe_ignore_below)
        decided = {pair for pair, (_cid, status) in known.items() if status in DECIDED}
        scoring = _Scoring(sorted(pairs), n, pks, people, decided, model, threshold, floor)
        del pairs
        found: list[tuple[int, int, Match]] = []
        borderline: list[tuple[int, int, Match]] = []
        compared = 0
        total = len(scoring.ordered)
        spans = parallel.spans(total, SCORE_SPANS)
        if parallel.forks(workers, n):
            results = parallel.forked_map(
                _score_span,
                spans,
                workers=workers,
                data=scoring,
                done=lambda k: tick("score", spans[k - 1][1], total),
            )
        else:
            results = []
            for lo, hi in spans:
                results.append(_score_span(lo, hi, scoring))
                tick("score", hi, total)
        for span_found, span_borderline, span_compared in results:
            found += span_found
            borderline += span_borderline
            compared += span_compared
    tick("score", total, total)
    del records, people, scoring, results
    views, new = _store(services, actor, found, known, now or utcnow(), tick)
    unsure = _unstored_views(services, borderline)
    return ScanReport(
        pairs=views,
        new=new,
        compared=compared,
        candidates=total,
        customers=n,
        skipped_blocks=skipped,
        seconds=round(time.perf_counter() - started, 2),
        model=model.version,
        threshold=threshold,
        ignore_below=floor,
        borderline=unsure,
    )


@dataclass(frozen=True, slots=True)
class _Scoring:
    """What scoring needs, handed whole to the forked workers (see `parallel`)."""

    ordered: list[int]
    """The candidate pairs (i * n + j), ascending: the order pairs are scored and reported in."""
    n: int
    pks: Any
    people: list[Any]
    decided: set[tuple[int, int]]
    """Pairs (pk, pk) a supervisor dismissed or merged: never scored again."""
    model: MatchModel
    threshold: float
    floor: float


Scored = tuple[list[tuple[int, int, Match]], list[tuple[int, int, Match]], int]


def _score_span(lo: int, hi: int, scoring: _Scoring | None = None) -> Scored:
    """(found, borderline, compared) for the pairs ordered[lo:hi]; in a worker, of the shared scoring."""
    s: _Scoring = scoring or parallel.shared()
    n, pks, people, decided, score = s.n, s.pks, s.people, s.decided, s.model.score
    probability, floor = s.model.probability_of_pair, s.floor
    found: list[tuple[int, int, Match]] = []
    borderline: list[tuple[int, int, Match]] = []
    compared = 0
    for code in s.ordered[lo:hi]:
        i, j = divmod(code, n)
        a, b = (pks[i], pks[j]) if pks[i] < pks[j] else (pks[j], pks[i])
        if decided and (a, b) in decided:
            continue
        compared += 1
        if probability(people[i], people[j]) < floor:
            continue  # most pairs: no Match made for them
        result = score(people[i], people[j])
        if result.probability >= s.threshold:
            found.append((a, b, result))
        elif result.probability >= s.floor:
            borderline.append((a, b, result))
    return found, borderline, compared


def review_band(model_threshold: float, queue_above: float | None, ignore_below: float | None) -> tuple[float, float]:
    """(queue at or above, ignore below): the supervisor's settings, else the model's threshold for both."""
    top = queue_above if queue_above is not None else model_threshold
    bottom = ignore_below if ignore_below is not None else top
    if bottom > top:
        raise InvalidInput(
            _(
                "CRM_DEDUPE_IGNORE_BELOW ({bottom}) is above CRM_DEDUPE_QUEUE_ABOVE ({top}): the review band is empty."
            ).format(bottom=bottom, top=top),
            fields={"dedupe_ignore_below": _("must not be above dedupe_queue_above")},
        )
    return top, bottom


def _unstored_views(services: Services, pairs: list[tuple[int, int, Match]]) -> list[PairView]:
    """Borderline pairs for the report: their customer IDs, score and reasons; nothing is stored."""
    if not pairs:
        return []
    pks = {pk for a, b, _ in pairs for pk in (a, b)}
    with services.reader() as uow:
        ids = dict(uow.session.execute(select(Customer.id, Customer.customer_id).where(Customer.id.in_(pks))).all())
    ordered = sorted(pairs, key=lambda f: (-f[2].score, f[0], f[1]))
    return [
        PairView(
            candidate_id=0,
            customer_id_a=ids[a],
            customer_id_b=ids[b],
            score=result.score,
            reasons=result.reasons(),
            reason=_reason(result),
            status="borderline",
        )
        for a, b, result in ordered
    ]


def _store(
    services: Services,
    actor: Actor,
    found: list[tuple[int, int, Match]],
    known: dict[tuple[int, int], tuple[int, str]],
    now: datetime,
    tick: Progress,
) -> tuple[list[PairView], int]:
    """Insert the new pairs and their queue items in one transaction; views of every pair found."""
    with services.writer() as uow:
        session = uow.session
        stored = (
            {
                (a, b): (cid, status)
                for cid, a, b, status in session.execute(
                    select(
                        DuplicateCandidate.id,
                        DuplicateCandidate.customer_a_id,
                        DuplicateCandidate.customer_b_id,
                        DuplicateCandidate.status,
                    )
                )
            }
            if found
            else known
        )  # read again under the write lock: another scan may have finished meanwhile
        new_rows: list[tuple[DuplicateCandidate, Match]] = []
        for a, b, result in found:
            if (a, b) in stored:
                continue
            row = DuplicateCandidate(
                customer_a_id=a,
                customer_b_id=b,
                score=result.score,
                reasons=result.reasons(),
                status="open",
                found_at=now,
            )
            session.add(row)
            new_rows.append((row, result))
        session.flush()
        for row, result in new_rows:
            session.add(
                QueueItem(
                    queue=QueueName.DUPLICATES.value,
                    ref_type="duplicate",
                    ref_id=str(row.id),
                    reason=_reason(result),
                    payload={"score": result.score, "agree": list(result.agree), "differ": list(result.differ)},
                    created_at=now,
                )
            )
            stored[(row.customer_a_id, row.customer_b_id)] = (row.id, "open")
        tick("store", len(new_rows), len(new_rows))
        wanted = {pk for a, b, _ in found for pk in (a, b)}
        ids: dict[int, str] = {}
        wanted_list = sorted(wanted)
        for start in range(0, len(wanted_list), 500):
            chunk = wanted_list[start : start + 500]
            ids.update(session.execute(select(Customer.id, Customer.customer_id).where(Customer.id.in_(chunk))).all())
        audit.record(
            uow,
            actor,
            "duplicate.scan",
            "duplicate_scan",
            now.isoformat(timespec="seconds"),
            {"found": len(found), "new": len(new_rows)},
        )
        uow.commit()
    views = [
        PairView(
            candidate_id=stored[(a, b)][0],
            customer_id_a=ids[a],
            customer_id_b=ids[b],
            score=result.score,
            reasons=result.reasons(),
            reason=_reason(result),
            status=stored[(a, b)][1],
        )
        for a, b, result in sorted(found, key=lambda f: (-f[2].score, f[0], f[1]))
    ]
    return views, len(new_rows)


def _reason(result: Match) -> str:
    return result.describe()[:300]


# --- deciding ----------------------------------------------------------------------------------


def dismiss_pair(candidate_id: int | str, *, uow: UnitOfWork, actor: Actor, note: str = "") -> PairView:
    """A supervisor says the pair are two people: the pair and its queue item close for good.

    Conflict if the pair was already dismissed or merged; NotFound for an unknown ID.
    """
    require_role(actor, *SUPERVISORS, doing=_("dismiss possible duplicates"))
    note = clean_text(note, field="note", max_length=500)
    try:
        key = int(candidate_id)
    except (TypeError, ValueError):
        raise NotFound(_("No possible duplicate {candidate_id}.").format(candidate_id=candidate_id)) from None
    with uow:
        session = uow.session
        candidate = session.get(DuplicateCandidate, key)
        if candidate is None:
            raise NotFound(_("No possible duplicate {candidate_id}.").format(candidate_id=key))
        if candidate.status != "open":
            raise Conflict(
                _("Possible duplicate {candidate_id} was already {status}.").format(
                    candidate_id=key, status=candidate.status
                )
            )
        candidate.status = "dismissed"
        session.add(candidate)
        now = utcnow()
        items = session.execute(
            select(QueueItem).where(
                QueueItem.queue == QueueName.DUPLICATES.value,
                QueueItem.ref_type == "duplicate",
                QueueItem.ref_id == str(key),
            )
        ).scalars()
        for item in items:
            if item.status in ("open", "claimed"):
                item.status, item.decided_by, item.decided_at, item.note = "dismissed", actor.id, now, note or None
                item.version += 1
                session.add(item)
        ids = dict(
            session.execute(
                select(Customer.id, Customer.customer_id).where(
                    Customer.id.in_([candidate.customer_a_id, candidate.customer_b_id])
                )
            ).all()
        )
        audit.record(uow, actor, "duplicate.dismiss", "duplicate_candidate", str(key), {"noted": bool(note)})
        uow.commit()
        reasons = candidate.reasons or {}
        return PairView(
            candidate_id=key,
            customer_id_a=ids[candidate.customer_a_id],
            customer_id_b=ids[candidate.customer_b_id],
            score=candidate.score,
            reasons=dict(reasons),
            reason="",
            status=candidate.status,
        )

"""`crm-tui dedupe train`: estimate the linkage model on the current base and store it, with a
version and the date, as the model the scan and the registration check use from then on."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from crm_tui import collector
from crm_tui.domain import HIDDEN_STATUSES
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.services.context import Services
from crm_tui.services.customers.linkage import COMPARISONS, NAMES, Person
from crm_tui.services.customers.linkage_model import MatchModel
from crm_tui.services.customers.linkage_store import current_model, next_version, store_model
from crm_tui.services.customers.linkage_training import TooFewRecords, train
from crm_tui.services.dedupe.blocking import customer_rows, person_of
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.types import utcnow

Progress = Callable[[str, int, int], None]


class TrainReport(View):
    """The stored model: its version and date, what it learnt (each level's match weight), how."""

    version: str
    trained_at: datetime
    records: int
    prior: float
    threshold: float
    address: str
    """How the model counts the address: "household" or "independent" (its parts apart), chosen
    from the base (`linkage_training.address_model_of`); the evidence is in `training["address"]`."""
    weights: dict[str, dict[str, float]]
    """comparison -> level -> log2(m/u): positive is evidence of one person, negative of two."""
    training: dict[str, object]
    seconds: float


def read_people(services: Services, today: datetime, progress: Progress | None = None) -> list[Person]:
    tick = progress or (lambda _stage, _done, _total: None)
    people = []
    with services.reader() as uow:
        total = uow.session.execute(
            select(func.count()).select_from(Customer).where(Customer.status.not_in(HIDDEN_STATUSES))
        ).scalar_one()
        with collector.held():
            for row in customer_rows(uow):
                people.append(person_of(row, today.date()))
                if len(people) % 50_000 == 0:
                    tick("read", len(people), total)
        tick("read", len(people), total)
    return people


def train_model(
    *,
    services: Services,
    actor: Actor,
    seed: int = 42,
    threshold: float | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> TrainReport:
    """Estimate u from random pairs and m by EM over blocking rules on every live customer, and
    store the model as the one in force. Supervisors and admins only. The same base and seed give
    the same parameters."""
    require_role(actor, *SUPERVISORS, doing=_("train the duplicate model"))
    if threshold is not None and not 0.0 < threshold < 1.0:
        raise InvalidInput(
            _("The threshold is a probability between 0 and 1."), fields={"threshold": _("Between 0 and 1.")}
        )
    started = time.perf_counter()
    now = now or utcnow()
    people = read_people(services, now, progress)
    with services.reader() as uow:
        in_force = current_model(uow)
    try:
        model = train(
            people,
            version="new",
            trained_at=now.isoformat(timespec="seconds"),
            seed=seed,
            threshold=in_force.threshold if threshold is None else threshold,
        )
    except TooFewRecords as error:
        raise InvalidInput(str(error)) from None
    with services.writer() as uow:
        model = dataclasses.replace(model, version=next_version(uow, now))
        store_model(uow, model, trained_at=now, trained_by=actor.id if actor.id > 0 else None)
        audit.record(
            uow, actor, "duplicate.train", "match_model", model.version, {"records": len(people), "seed": seed}
        )
        uow.commit()
    return report_of(model, now, time.perf_counter() - started)


def report_of(model: MatchModel, trained_at: datetime, seconds: float = 0.0) -> TrainReport:
    return TrainReport(
        version=model.version,
        trained_at=trained_at,
        records=int(model.training.get("records", 0)),
        prior=model.prior,
        threshold=model.threshold,
        address=model.address,
        weights={
            name: {level: round(model.level_weight(name, k), 2) for k, level in enumerate(COMPARISONS[name])}
            for name in NAMES
        },
        training=model.training,
        seconds=round(seconds, 2),
    )

"""Where the linkage model in force comes from: the newest trained one stored in `match_models`, or
the shipped one while none was trained. Parsed models are kept by version, so the registration
check pays one indexed read to learn which model is in force. A stored model trained on other
comparisons (by an earlier version) cannot score this version's pairs: the shipped model is used
instead, with a warning in the log, until a supervisor trains one again."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select

from crm_tui.services.customers.linkage_model import MatchModel, StaleModel, shipped_model
from crm_tui.storage.models.dedupe import MatchModelRecord
from crm_tui.storage.unit_of_work import UnitOfWork

_PARSED: dict[tuple[str, int, str, datetime], MatchModel] = {}
"""Parsed models by database, row, version and the time they were trained: two bases read in one
process (the public bench's sets, test workers) may each hold a model called 20261203-1, and a base
emptied and filled again (a test database, a demo made anew) may give it the same row too."""
log = logging.getLogger("crm_tui.dedupe")


def current_model(uow: UnitOfWork) -> MatchModel:
    """The newest stored model, else (none stored, or the newest one stale) the shipped one."""
    row = uow.session.execute(
        select(MatchModelRecord.id, MatchModelRecord.version, MatchModelRecord.trained_at)
        .order_by(MatchModelRecord.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return shipped_model()
    key = (str(uow.session.get_bind().url), row.id, row.version, row.trained_at)
    model = _PARSED.get(key)
    if model is None:
        parameters = uow.session.execute(
            select(MatchModelRecord.parameters).where(MatchModelRecord.id == row.id)
        ).scalar_one()
        try:
            parsed = MatchModel.from_dict(parameters)
        except StaleModel as error:
            parsed = shipped_model()
            log.warning("%s Until then the shipped model %s is used.", error, parsed.version)
        model = _PARSED.setdefault(key, parsed)
    return model


def next_version(uow: UnitOfWork, now: datetime) -> str:
    count = uow.session.execute(select(func.count()).select_from(MatchModelRecord)).scalar_one()
    return f"{now:%Y%m%d}-{count + 1}"


def store_model(uow: UnitOfWork, model: MatchModel, *, trained_at: datetime, trained_by: int | None) -> int:
    """Add the model as the one in force (the caller commits); its row id."""
    row = MatchModelRecord(
        version=model.version,
        trained_at=trained_at,
        trained_by=trained_by,
        records=int(model.training.get("records", 0)),
        parameters=model.to_dict(),
    )
    uow.session.add(row)
    uow.session.flush()
    return int(row.id or 0)

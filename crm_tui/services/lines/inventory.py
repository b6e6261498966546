"""Number and SIM pools: stock, list what is free, and take one for a new line without two
terminals ever taking the same (a guarded UPDATE: only the one that sees it available wins)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, select, update
from sqlmodel import Session

from crm_tui.domain import NumberState, Role, SimState
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.i18n import _
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import require_role
from crm_tui.services.shared.validation import (
    is_iccid,
    parse_imsi,
    parse_mobile,
)
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.lines import NumberPoolEntry, SimCard
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

T = TypeVar("T", NumberPoolEntry, SimCard)


class FreeNumber(View):
    service_number: str
    is_golden: bool
    fee: Decimal


def stock_numbers(
    numbers: list[str], *, region: str, golden_fee: Decimal | None = None, uow: UnitOfWork, actor: Actor
) -> int:
    """Add service numbers to the pool (admin); numbers already there are left as they are."""
    require_role(actor, Role.ADMIN, doing=_("stock numbers"))
    parsed = [parse_mobile(n, region=region, field="service_number", home_only=True) for n in numbers]
    with uow:
        known = set(
            uow.session.execute(
                select(NumberPoolEntry.service_number).where(NumberPoolEntry.service_number.in_(parsed))
            ).scalars()
        )
        fresh = [n for n in dict.fromkeys(parsed) if n not in known]
        for number in fresh:
            uow.session.add(
                NumberPoolEntry(
                    service_number=number, is_golden=golden_fee is not None, fee=golden_fee or Decimal("0.00")
                )
            )
        audit.record(uow, actor, "inventory.stock_numbers", "number_pool", str(len(fresh)))
        uow.commit()
        return len(fresh)


def stock_sims(sims: list[tuple[str, str]], *, uow: UnitOfWork, actor: Actor) -> int:
    """Add (ICCID, IMSI) pairs to the SIM pool (admin)."""
    require_role(actor, Role.ADMIN, doing=_("stock SIM cards"))
    for iccid, imsi in sims:
        if not is_iccid(iccid):
            raise InvalidInput(_("Not an ICCID: {iccid}").format(iccid=iccid), fields={"iccid": _("Invalid ICCID.")})
        parse_imsi(imsi)
    with uow:
        known = set(uow.session.execute(select(SimCard.iccid).where(SimCard.iccid.in_([i for i, _ in sims]))).scalars())
        fresh = [(i, m) for i, m in sims if i not in known]
        for iccid, imsi in fresh:
            uow.session.add(SimCard(iccid=iccid, imsi=imsi))
        audit.record(uow, actor, "inventory.stock_sims", "sim_pool", str(len(fresh)))
        uow.commit()
        return len(fresh)


def free_numbers(*, uow: UnitOfWork, golden: bool | None = None, limit: int = 20) -> list[FreeNumber]:
    """Numbers a CSR may offer: golden ones (with their fee) or the next ordinary ones."""
    with uow:
        query = select(NumberPoolEntry).where(NumberPoolEntry.state == NumberState.AVAILABLE)
        if golden is not None:
            query = query.where(NumberPoolEntry.is_golden == golden)
        rows = uow.session.execute(query.order_by(NumberPoolEntry.service_number).limit(limit)).scalars()
        return [FreeNumber(service_number=r.service_number, is_golden=r.is_golden, fee=r.fee) for r in rows]


def release_frozen_numbers(session: Session) -> int:
    """Frozen numbers whose date has passed go back to the pool."""
    result = session.execute(
        update(NumberPoolEntry)
        .where(NumberPoolEntry.state == NumberState.FROZEN, NumberPoolEntry.frozen_until <= utcnow())
        .values(state=NumberState.AVAILABLE, frozen_until=None, subscriber_id=None, version=NumberPoolEntry.version + 1)
    )
    return result.rowcount or 0


TAKE_TRIES = 5
"""How often a terminal tries the next free item when others keep taking the one it saw."""


def _take(
    session: Session,
    model: type[T],
    find: Callable[[], T],
    *,
    available: str,
    in_use: str,
    lost: Callable[[], None] | None = None,
) -> T | None:
    """Compare-and-set the item `find` returns from `available` to `in_use`; None after TAKE_TRIES losses.

    `find` raises when nothing is free; `lost` (if given) is called when another terminal took the
    item first and should raise instead of trying the next one (a golden pick names one number).

    The next free item is read `FOR UPDATE SKIP LOCKED` on PostgreSQL: each terminal locks a free row
    no other holds, so sixteen registering at once take sixteen numbers at the first try. Reading the
    lowest free one without it, all of them wanted the same row, waited for its holder, and went on
    to the next: one in a few runs of sixteen lost five times running and was told to try again.
    SQLite's writers hold the whole file (BEGIN IMMEDIATE), so nothing races there, and no FOR UPDATE
    is written.
    """
    for _try in range(TAKE_TRIES):
        item = find()
        taken = session.execute(
            update(model)
            .where(model.id == item.id, model.state == available)  # type: ignore[attr-defined]
            .values(state=in_use, version=model.version + 1)  # type: ignore[attr-defined]
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken == 1:
            session.refresh(item)
            return item
        if lost is not None:
            lost()
    return None


def take_number(session: Session, wanted: str | None = None) -> NumberPoolEntry:
    """Take `wanted` (a golden pick) or the next ordinary free number; raise if none is free."""
    release_frozen_numbers(session)

    def find_wanted() -> NumberPoolEntry:
        entry = session.execute(
            select(NumberPoolEntry).where(NumberPoolEntry.service_number == wanted)
        ).scalar_one_or_none()
        if entry is None:
            raise NotFound(
                _("{number} is not in the number pool.").format(number=wanted),
                fields={"service_number": _("Not in the pool.")},
            )
        if entry.state != NumberState.AVAILABLE:
            raise Conflict(
                _("{number} is not free ({state}).").format(
                    number=wanted, state=NumberState(entry.state).label.lower()
                ),
                fields={"service_number": _("Not free.")},
            )
        return entry

    def find_next() -> NumberPoolEntry:
        entry = session.execute(
            select(NumberPoolEntry)
            .where(NumberPoolEntry.state == NumberState.AVAILABLE, NumberPoolEntry.is_golden.is_(False))
            .order_by(NumberPoolEntry.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # see _take
        ).scalar_one_or_none()
        if entry is None:
            raise Conflict(_("No free number is left in the pool; ask an admin to stock numbers."))
        return entry

    def just_taken() -> None:
        raise Conflict(
            _("{number} was just taken at another terminal.").format(number=wanted),
            fields={"service_number": _("Just taken.")},
        )

    entry = _take(
        session,
        NumberPoolEntry,
        find_wanted if wanted else find_next,
        available=NumberState.AVAILABLE,
        in_use=NumberState.IN_USE,
        lost=just_taken if wanted else None,
    )
    if entry is None:
        raise Conflict(_("Numbers are being taken fast at other terminals; try again."))
    return entry


def take_sim(session: Session, wanted: str | None = None) -> SimCard:
    """Take the SIM card handed over at the counter (`wanted`, its ICCID) or the next free one."""

    def find_wanted() -> SimCard:
        sim = session.execute(select(SimCard).where(SimCard.iccid == wanted)).scalar_one_or_none()
        if sim is None:
            raise NotFound(_("SIM {iccid} is not in stock.").format(iccid=wanted), fields={"iccid": _("Not in stock.")})
        if sim.state != SimState.AVAILABLE:
            raise Conflict(
                _("SIM {iccid} is not free ({state}).").format(iccid=wanted, state=SimState(sim.state).label.lower()),
                fields={"iccid": _("Not free.")},
            )
        return sim

    def just_taken() -> None:
        raise Conflict(
            _("SIM {iccid} was just taken at another terminal.").format(iccid=wanted),
            fields={"iccid": _("Just taken.")},
        )

    def find_next() -> SimCard:
        sim = session.execute(
            select(SimCard)
            .where(SimCard.state == SimState.AVAILABLE)
            .order_by(SimCard.id)
            .limit(1)
            .with_for_update(skip_locked=True)  # see _take
        ).scalar_one_or_none()
        if sim is None:
            raise Conflict(_("No free SIM card is left in stock; ask an admin to stock SIM cards."))
        return sim

    sim = _take(
        session,
        SimCard,
        find_wanted if wanted else find_next,
        available=SimState.AVAILABLE,
        in_use=SimState.IN_USE,
        lost=just_taken if wanted else None,
    )
    if sim is None:
        raise Conflict(_("SIM cards are being taken fast at other terminals; try again."))
    return sim


def pool_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(NumberPoolEntry.state, func.count()).group_by(NumberPoolEntry.state)).all()
    return {state: count for state, count in rows}

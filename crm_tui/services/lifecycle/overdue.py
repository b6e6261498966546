"""The overdue scan (for cron): every active line whose account's debt is past its grace period is
suspended for debt, by the system, under the rules of `crm_tui/data/overdue_rules.json`.

Idempotent and safe to run twice or on two machines at once: a line already suspended (or with an
order under way) is left alone, and the suspension itself claims the line with a compare-and-set,
so one scan's order wins and the other's attempt is counted as skipped. `as_of` later than now is a
drill only a supervisor may run (audited), as for `orders run-due`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from crm_tui.domain import ChargeStatus, SubscriberStatus, SuspensionReason
from crm_tui.errors import Conflict, ExternalSystemFailed
from crm_tui.i18n import _
from crm_tui.services.context import Services
from crm_tui.services.lifecycle.suspension import suspend_subscriber
from crm_tui.services.orders.operations import runs_ahead
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import SUPERVISORS, require_role
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Account, Subscriber
from crm_tui.storage.models.money import Charge
from crm_tui.storage.types import utcnow


@cache
def overdue_rules() -> dict[str, Any]:
    return json.loads(resources.files("crm_tui.data").joinpath("overdue_rules.json").read_text())


class OverdueLine(View):
    service_number: str
    customer_id: str
    account_id: str
    overdue: Decimal
    oldest_due_on: date
    outcome: str
    """suspended, failed (an external system: the order waits in failed orders) or skipped."""
    order_id: str | None = None
    detail: str | None = None


class OverdueScan(View):
    as_of: datetime
    grace_days: int
    minimum_amount: Decimal
    accounts_overdue: int
    lines: list[OverdueLine]

    @property
    def failed(self) -> list[OverdueLine]:
        return [line for line in self.lines if line.outcome == "failed"]


def _due_day(charge: Charge, rules: dict[str, Any], zone: ZoneInfo) -> date:
    if charge.due_on is not None:
        return charge.due_on
    return charge.created_at.astimezone(zone).date() + timedelta(days=int(rules["due_days_when_missing"]))


def suspend_overdue(
    *, services: Services, actor: Actor | None, as_of: datetime | None = None, dry_run: bool = False
) -> OverdueScan:
    """Suspend for debt every active line of an account owing more than the minimum past its grace."""
    now = utcnow()
    if runs_ahead(as_of, now):
        require_role(actor, *SUPERVISORS, doing=_("run the overdue scan ahead of today"))
        with services.writer() as uow:
            audit.record(
                uow, actor, "subscriber.suspend_overdue_ahead", "subscriber", "*", {"as_of": as_of.isoformat()}
            )
            uow.commit()
    as_of = as_of or now
    rules = overdue_rules()
    zone = ZoneInfo(services.settings.timezone)
    today = as_of.astimezone(zone).date()
    grace = int(rules["grace_days"])
    minimum = Decimal(rules["minimum_amount"])
    with services.reader() as uow:
        session = uow.session
        charges = session.execute(
            select(Charge)
            .join(Account, Account.id == Charge.account_id)
            .where(
                Charge.status == ChargeStatus.OUTSTANDING.value,
                Charge.kind.in_(rules["charge_kinds"]),
                Account.payment_type.in_(rules["payment_types"]),
            )
        ).scalars()
        owed: dict[int, list[tuple[Decimal, date]]] = defaultdict(list)
        for charge in charges:
            due = _due_day(charge, rules, zone)
            if due + timedelta(days=grace) < today:
                owed[charge.account_id].append((charge.amount, due))
        overdue = {pk: rows for pk, rows in owed.items() if sum(a for a, _ in rows) >= minimum}
        candidates = session.execute(
            select(Subscriber.service_number, Customer.customer_id, Account.account_code, Account.id)
            .join(Customer, Customer.id == Subscriber.customer_id)
            .join(Account, Account.id == Subscriber.account_id)
            .where(
                Subscriber.account_id.in_(list(overdue)),
                Subscriber.status == SubscriberStatus.ACTIVE.value,
                Subscriber.payment_type.in_(rules["payment_types"]),
            )
            .order_by(Subscriber.id)
        ).all()
    lines = []
    for number, customer_id, account_code, account_pk in candidates:
        rows = overdue[account_pk]
        base = {
            "service_number": number,
            "customer_id": customer_id,
            "account_id": account_code,
            "overdue": sum((a for a, _ in rows), Decimal("0.00")),
            "oldest_due_on": min(d for _, d in rows),
        }
        if dry_run:
            lines.append(OverdueLine(**base, outcome="would_suspend"))
            continue
        try:
            order = suspend_subscriber(
                number,
                services=services,
                actor=None,
                reason=SuspensionReason.DEBT.value,
                note=_("{note} ({amount} due since {date})").format(
                    note=rules["note"], amount=base["overdue"], date=base["oldest_due_on"]
                ),
            )
            lines.append(OverdueLine(**base, outcome="suspended", order_id=order.order_id))
        except ExternalSystemFailed as failure:
            lines.append(
                OverdueLine(**base, outcome="failed", order_id=failure.extra.get("order_id"), detail=failure.message)
            )
        except Conflict as conflict:  # suspended or ordered meanwhile (another scan, a terminal): nothing to do
            lines.append(OverdueLine(**base, outcome="skipped", detail=conflict.message))
    return OverdueScan(
        as_of=as_of, grace_days=grace, minimum_amount=minimum, accounts_overdue=len(overdue), lines=lines
    )

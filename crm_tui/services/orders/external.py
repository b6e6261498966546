"""Adapters to the external systems: billing (CBS), network provisioning, notifications.

The shipped adapters are local simulators. Each records every request it receives, with its
idempotency key, in `external_requests` (in a transaction of its own: it stands for another
system), applies an effect at most once per key, and obeys `CRM_FAULTS` so retries, resumes and
the failed-orders queue can be exercised:

    CRM_FAULTS="cbs.deactivate:fail,provisioning.*:fail-once,notify.send:crash"

`fail` fails every time, `fail-once` fails the first attempt of each order step, and `crash`
ends the process hard right after the request was received, before the step is marked done.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.services.context import ExternalFailure
from crm_tui.storage.db import Database
from crm_tui.storage.models.orders import ExternalRequest
from crm_tui.storage.types import utcnow

SYSTEMS = ("cbs", "provisioning", "notify")
MODES = ("fail", "fail-once", "crash")
CRASH_EXIT_CODE = 86


@dataclass(frozen=True)
class Fault:
    system: str
    operation: str
    mode: str

    def applies(self, system: str, operation: str) -> bool:
        return self.system == system and self.operation in ("*", operation)


def parse_faults(spec: str) -> tuple[Fault, ...]:
    """`SYSTEM.OPERATION:MODE,...` -> faults; a malformed entry is an input error, not ignored."""
    faults = []
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        target, _colon, mode = part.partition(":")
        system, _dot, operation = target.partition(".")
        if system not in SYSTEMS or not operation or mode not in MODES:
            raise InvalidInput(
                _(
                    "CRM_FAULTS entry {entry} is not SYSTEM.OPERATION:MODE with SYSTEM one of {systems} and MODE one of {modes}."
                ).format(entry=repr(part), systems=", ".join(SYSTEMS), modes=", ".join(MODES)),
                fields={"CRM_FAULTS": _("Malformed.")},
            )
        faults.append(Fault(system, operation, mode))
    return tuple(faults)


class SimulatedExternalSystems:
    """The simulators of billing, provisioning and notifications, sharing one fault plan."""

    def __init__(self, database: Database, faults: str = "") -> None:
        self.database = database
        self.faults = parse_faults(faults)

    def send(
        self, system: str, operation: str, *, idempotency_key: str, payload: dict[str, Any], attempt: int
    ) -> dict[str, Any]:
        """Deliver one request; the same key twice has its effect once."""
        fault = next((f for f in self.faults if f.applies(system, operation)), None)
        failing = fault is not None and (fault.mode == "fail" or (fault.mode == "fail-once" and attempt <= 1))
        with Session(self.database.write_engine) as session:
            already = session.execute(
                select(ExternalRequest.id).where(
                    ExternalRequest.idempotency_key == idempotency_key,
                    ExternalRequest.system == system,
                    ExternalRequest.operation == operation,
                    ExternalRequest.outcome == "ok",
                )
            ).first()
            outcome = "failed" if failing else ("duplicate" if already else "ok")
            session.add(
                ExternalRequest(
                    system=system,
                    operation=operation,
                    idempotency_key=idempotency_key,
                    payload=payload,
                    outcome=outcome,
                    created_at=utcnow(),
                )
            )
            session.commit()
        if fault is not None and fault.mode == "crash":
            sys.stderr.flush()
            os._exit(CRASH_EXIT_CODE)
        if failing:
            raise ExternalFailure(system, operation, _("simulated failure ({mode})").format(mode=fault.mode))
        return {"status": "ok", "duplicate": bool(already), "in_process": True}

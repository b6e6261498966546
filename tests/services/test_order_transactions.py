"""An order commits once per call to another system, not once per step (issue 20: the order flows
were the slowest actions with fifty terminals on PostgreSQL, and each commit is a round of statements
and a flush of the log). Counted, not timed: the engine's commits and statements while a flow runs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import event

from crm_tui.services.orders.engine import STEP_KINDS
from tests.services import test_deregistration
from tests.services.test_deregistration import LINE, deregister
from tests.services.test_suspension import resume, suspend

lucia = test_deregistration.lucia
"""Her line, with a bill to pay (the deregistration tests' customer)."""


class Counted:
    def __init__(self, services) -> None:
        self.engine, self.commits, self.statements = services.database.engine, 0, 0

    def _commit(self, _connection) -> None:
        self.commits += 1

    def _statement(self, *_args) -> None:
        self.statements += 1

    def __enter__(self) -> Counted:
        event.listen(self.engine, "commit", self._commit)
        event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "before_cursor_execute", self._statement)


def calls_out(order) -> int:
    return sum(STEP_KINDS[step.name].external is not None for step in order.steps)


FLOWS = {
    "suspend": (None, lambda services, csr: suspend(services, csr)),
    "resume": (suspend, lambda services, csr: resume(services, csr).order),
    "deregister": (None, lambda services, csr: deregister(services, csr, expected_total=Decimal("35.29")).order),
}


@pytest.mark.usefixtures("lucia")
@pytest.mark.parametrize("flow", FLOWS)
def test_an_order_commits_once_per_call_out_and_once_at_the_end(services, csr, flow):
    """The submission; the claim with the first call's attempt; each answer with the next call's
    attempt; the last answer with the local steps and the close; and each in-process system's own
    record of the request it applied (the external systems share this database in the tests)."""
    before, run = FLOWS[flow]
    if before:
        before(services, csr)
    with Counted(services) as counted:
        order = run(services, csr)
    assert order.status == "closed" and order.service_number == LINE
    calls = calls_out(order)
    assert calls >= 2
    assert counted.commits == 1 + (1 + calls) + calls  # submission, engine, the systems' records
    assert counted.statements <= 16 * len(order.steps)  # SQLite: suspend 52, deregister 90; PostgreSQL 45, 79

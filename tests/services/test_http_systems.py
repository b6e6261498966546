"""Orders against the BSS simulator as a separate process on a loopback port (issue 18): every fault
mode at every external step of a deregistration, and a suspension and resumption, end with each
effect applied once by the simulator's own ledger, on SQLite and PostgreSQL. The simulator is killed
mid-order (crash) and restarted: `retry` finishes the order and nothing is applied twice."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from crm_tui.errors import ExternalSystemFailed
from crm_tui.services.bootstrap import services_over
from crm_tui.services.identity.new_line import add_line
from crm_tui.services.lifecycle.deregistration import submit_deregistration
from crm_tui.services.lifecycle.resumption import resume_subscriber
from crm_tui.services.lifecycle.suspension import suspend_subscriber
from crm_tui.services.lines.adding import line_options
from crm_tui.services.orders import engine as orders
from crm_tui.services.orders import operations
from tests.factories import make_customer, stock_pools

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
LINE = "34612345678"
STEPS = ["cbs.change_state", "provisioning.deactivate", "cbs.deactivate"]


class Simulator:
    """`python -m crm_tui.simulator` on a free loopback port, with its own ledger file."""

    def __init__(self, folder: Path) -> None:
        self.ledger = folder / "bss-sim.db"
        self.process: subprocess.Popen[bytes] | None = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self, faults: str = "") -> Simulator:
        command = [sys.executable, "-m", "crm_tui.simulator", "--port", str(self.port), "--ledger", str(self.ledger)]
        self.process = subprocess.Popen(
            [*command, "--faults", faults], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/_health", timeout=0.5).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(
            f"the simulator did not start: {self.process.stderr.read().decode() if self.process.stderr else ''}"
        )

    def faults(self, spec: str) -> None:
        httpx.put(f"{self.url}/_faults", json={"faults": spec}, timeout=5).raise_for_status()

    def applied(self) -> dict[tuple[str, str], int]:
        ledger = httpx.get(f"{self.url}/_ledger", timeout=5).json()
        counts: dict[tuple[str, str], int] = {}
        for entry in ledger["applied"]:
            counts[(entry["system"] + "." + entry["operation"], entry["key"])] = (
                counts.get((entry["system"] + "." + entry["operation"], entry["key"]), 0) + 1
            )
        return counts

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


@pytest.fixture
def simulator(tmp_path):
    running = Simulator(tmp_path).start()
    yield running
    running.stop()


@pytest.fixture
def lucia(services):
    return make_customer(services, cert_number="12345678Z", service_number=LINE, outstanding=Decimal("23.45"))


def over_http(services, simulator, **settings):
    changes = {
        "cbs_url": simulator.url,
        "provisioning_url": simulator.url,
        "external_timeout": 1.0,
        "external_retries": 2,
    }
    return services_over(services.database, services.settings.model_copy(update=changes | settings))


def deregister(services, actor):
    return submit_deregistration(
        LINE,
        services=services,
        actor=actor,
        reason="fee_problem",
        number_mode="immediate",
        sim_mode="reuse",
        payment_method="card",
        now=NOW,
    )


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("mode", ["fail-once", "apply-then-drop"])
def test_a_transient_fault_is_retried_inside_the_step_and_applied_once(services, csr, lucia, simulator, step, mode):
    simulator.faults(f"{step}:{mode}")
    result = deregister(over_http(services, simulator), csr)
    assert result.order.status == "closed"
    applied = simulator.applied()
    assert len(applied) == 3 and set(applied.values()) == {1}, applied


@pytest.mark.parametrize("step", STEPS)
def test_a_lasting_fault_fails_the_order_then_a_retry_applies_each_effect_once(
    services, csr, supervisor, lucia, simulator, step
):
    simulator.faults(f"{step}:fail")
    crm = over_http(services, simulator)
    with pytest.raises(ExternalSystemFailed) as caught:
        deregister(crm, csr)
    assert "gave up after 3 tries" in caught.value.message
    order_id = caught.value.extra["order_id"]
    assert orders.get_order(order_id, uow=services.reader(), actor=csr).status == "failed"
    simulator.faults("")
    assert operations.retry_order(order_id, services=crm, actor=supervisor).status == "closed"
    applied = simulator.applied()
    assert len(applied) == 3 and set(applied.values()) == {1}, applied


def test_the_simulator_killed_mid_order_and_restarted(services, csr, supervisor, lucia, tmp_path):
    simulator = Simulator(tmp_path).start("provisioning.deactivate:crash")
    try:
        crm = over_http(services, simulator)
        with pytest.raises(ExternalSystemFailed) as caught:
            deregister(crm, csr)  # applied, then the simulator died before answering
        assert simulator.process.wait(10) == 86
        simulator.start("")  # the same ledger file
        assert operations.retry_order(caught.value.extra["order_id"], services=crm, actor=supervisor).status == "closed"
        applied = simulator.applied()
        assert len(applied) == 3 and set(applied.values()) == {1}, applied
    finally:
        simulator.stop()


def test_suspend_and_resume_over_http_with_faults(services, csr, lucia, simulator):
    simulator.faults("cbs.suspend:fail-once,provisioning.resume:apply-then-drop")
    crm = over_http(services, simulator)
    assert suspend_subscriber(LINE, services=crm, actor=csr, reason="travel").status == "closed"
    resumed = resume_subscriber(LINE, services=crm, actor=csr, operation="customer_request")
    assert resumed.order.status == "closed"
    applied = simulator.applied()
    assert {name for name, _ in applied} == {"cbs.suspend", "provisioning.suspend", "cbs.resume", "provisioning.resume"}
    assert set(applied.values()) == {1}


def test_a_system_without_a_url_stays_in_process(services, csr, lucia, simulator):
    crm = services_over(services.database, services.settings.model_copy(update={"provisioning_url": simulator.url}))
    assert deregister(crm, csr).order.status == "closed"
    assert {name for name, _ in simulator.applied()} == {"provisioning.deactivate"}


def test_each_done_step_keeps_the_systems_answer(services, simulator, lucia, csr):
    """Order progress shows what the system answered: over HTTP, how many tries, how long."""
    http = over_http(services, simulator)
    simulator.faults("cbs.change_state:fail-once")
    result = deregister(http, csr)
    steps = {s.name: s for s in result.order.steps}
    change_state = steps["cbs.change_state"]
    assert change_state.status == "done" and change_state.answer.startswith("HTTP 200 · 2 tries · ")
    assert change_state.answer.endswith(" ms") and change_state.elapsed_ms is not None
    assert steps["provisioning.deactivate"].answer.startswith("HTTP 200 · ")
    assert "tries" not in steps["provisioning.deactivate"].answer
    assert all(s.answer is None for s in result.order.steps if s.name not in STEPS)  # local work asks nobody
    again = orders.get_order(result.order.order_id, uow=services.reader(), actor=csr)
    assert {s.name: s.answer for s in again.steps}["cbs.change_state"] == change_state.answer


def test_an_in_process_step_says_so(services, lucia, csr):
    result = deregister(services, csr)
    answers = [s.answer for s in result.order.steps if s.name in STEPS]
    assert answers and all(a.startswith("in-process · ") for a in answers)


NEW_LINE_STEPS = ["cbs.create_subscriber", "provisioning.activate"]


def new_line(services, actor, customer_id):
    options = line_options(customer_id, uow=services.reader(), actor=actor)
    return add_line(
        customer_id,
        services=services,
        actor=actor,
        offering=options.default_offering,
        account=options.default_account,
    )


@pytest.fixture
def stocked(services, admin, lucia):
    stock_pools(services, admin, numbers=5)
    return lucia


@pytest.mark.parametrize("step", NEW_LINE_STEPS)
@pytest.mark.parametrize("mode", ["fail-once", "apply-then-drop"])
def test_a_new_line_over_http_rides_out_a_transient_fault_and_applies_each_effect_once(
    services, csr, stocked, simulator, step, mode
):
    simulator.faults(f"{step}:{mode}")
    result = new_line(over_http(services, simulator), csr, stocked)
    assert result.order.status == "closed"
    applied = simulator.applied()
    assert sorted(k[0] for k in applied) == sorted(NEW_LINE_STEPS) and set(applied.values()) == {1}, applied


@pytest.mark.parametrize("step", NEW_LINE_STEPS)
def test_a_new_line_failed_by_a_lasting_fault_is_retried_and_each_effect_applied_once(
    services, csr, supervisor, stocked, simulator, step
):
    simulator.faults(f"{step}:fail")
    crm = over_http(services, simulator)
    with pytest.raises(ExternalSystemFailed) as caught:
        new_line(crm, csr, stocked)
    simulator.faults("")
    assert operations.retry_order(caught.value.extra["order_id"], services=crm, actor=supervisor).status == "closed"
    applied = simulator.applied()
    assert sorted(k[0] for k in applied) == sorted(NEW_LINE_STEPS) and set(applied.values()) == {1}, applied

"""Orders and notifications against the systems the CRM talks to (issue 18), run on purpose:

1. M deregistration orders end to end through the service layer, in the same run: against the
   in-process simulator (the baseline) and against the BSS simulator as a separate process over
   HTTP on a loopback port; per-order p50/p95 and orders per second.
2. N notifications dispatched by email to an aiosmtpd server on a loopback port (`dispatch_once`
   passes), messages per second, beside the bare smtplib send of the same messages in one
   connection.

    .venv/bin/python bench/bench_external.py --customers 2000 --orders 300 --notifications 10000

Each part uses its own copy of one seeded SQLite file in a temp folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import smtplib
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller
from rich.console import Console
from rich.table import Table

from crm_tui.config import Settings
from crm_tui.domain import Role
from crm_tui.services import operators
from crm_tui.services.bootstrap import open_services
from crm_tui.services.context import Services
from crm_tui.services.lifecycle.deregistration import submit_deregistration
from crm_tui.services.notifications.dispatcher import dispatch_once
from crm_tui.services.shared import outbox
from crm_tui.services.shared.views import Actor
from crm_tui.storage.seed import seed_database

console = Console(stderr=True)
PASSWORD = "bench-password-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def bench_actor(services: Services) -> Actor:
    """An admin to act as (orders and payments point at an operator); the first one needs no sign-in."""
    operators.add_operator(
        "bench", PASSWORD, role=Role.ADMIN, display_name="Bench", shop="", uow=services.writer(), actor=None
    )
    return operators.sign_in("bench", PASSWORD, uow=services.writer())


def lines(db_path: Path, count: int) -> list[str]:
    with sqlite3.connect(db_path) as connection:
        return [
            r[0]
            for r in connection.execute(
                "SELECT service_number FROM subscribers WHERE status = 'active' ORDER BY id LIMIT ?", (count,)
            )
        ]


def run_orders(services: Services, actor: Actor, numbers: list[str]) -> dict:
    times, failures = [], 0
    started = time.perf_counter()
    for number in numbers:
        begin = time.perf_counter()
        try:
            submit_deregistration(
                number,
                services=services,
                actor=actor,
                reason="fee_problem",
                number_mode="freeze",
                sim_mode="reuse",
                payment_method="cash",
                balance="forfeit",
            )
        except Exception as error:  # noqa: BLE001 - counted and shown
            failures += 1
            console.print(f"[yellow]{number}: {type(error).__name__}: {error}")
        times.append((time.perf_counter() - begin) * 1000)
    seconds = time.perf_counter() - started
    return {
        "orders": len(numbers) - failures,
        "failures": failures,
        "p50_ms": percentile(times, 0.5),
        "p95_ms": percentile(times, 0.95),
        "orders_per_s": round((len(numbers) - failures) / seconds, 1),
    }


def bench_orders(seeded: Path, folder: Path, count: int) -> dict:
    results = {}
    for mode in ("in-process", "http"):
        db_path = folder / f"orders-{mode}.db"
        shutil.copy(seeded, db_path)
        settings = Settings(database_url=f"sqlite:///{db_path}", data_dir=folder / mode)
        simulator = None
        if mode == "http":
            port = free_port()
            simulator = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "crm_tui.simulator",
                    "--port",
                    str(port),
                    "--ledger",
                    str(folder / "bss-sim.db"),
                ],
                stderr=subprocess.DEVNULL,
            )
            url = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    httpx.get(f"{url}/_health", timeout=0.5)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            settings = settings.model_copy(update={"cbs_url": url, "provisioning_url": url})
        services = open_services(settings)
        try:
            results[mode] = run_orders(services, bench_actor(services), lines(db_path, count))
        finally:
            services.close()
            if simulator:
                simulator.terminate()
                simulator.wait(10)
    return results


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802 - aiosmtpd's API
        self.count += 1
        return "250 OK"


def bench_notifications(seeded: Path, folder: Path, count: int) -> dict:
    db_path = folder / "notifications.db"
    shutil.copy(seeded, db_path)
    port = free_port()
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    settings = Settings(database_url=f"sqlite:///{db_path}", data_dir=folder / "mail", smtp_port=port)
    services = open_services(settings)
    try:
        with sqlite3.connect(db_path) as connection:
            people = [
                r[0]
                for r in connection.execute("SELECT customer_id FROM customers WHERE email IS NOT NULL ORDER BY id")
            ]
        with services.writer() as uow:
            for i in range(count):
                outbox.emit(uow, "customer.merged", "customer", people[i % len(people)], {})
            uow.commit()
        started = time.perf_counter()
        sent = deferred = handled = 0
        while handled < count:
            report = dispatch_once(services=services, limit=1000)
            done = report.sent + report.deferred + report.skipped + report.failed + report.retrying
            if done == 0:
                break
            sent, deferred, handled = sent + report.sent, deferred + report.deferred, handled + done
        seconds = time.perf_counter() - started
        bare_started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for i in range(count):
                message = EmailMessage()
                message["From"], message["To"], message["Subject"] = "a@example.com", f"c{i}@example.com", "Hello"
                message.set_content("Hello")
                smtp.send_message(message)
        bare_seconds = time.perf_counter() - bare_started
    finally:
        services.close()
        controller.stop()
    return {
        "events": count,
        "sent": sent,
        "deferred_quiet_hours": deferred,
        "received_by_smtp": counter.count - count,
        "events_handled_per_s": round(handled / seconds, 1),
        "msgs_per_s": round(sent / seconds, 1),
        "bare_smtp_msgs_per_s": round(count / bare_seconds, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--notifications", type=int, default=10_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crm-external-"))
    seeded = folder / "seeded.db"
    services = open_services(Settings(database_url=f"sqlite:///{seeded}", data_dir=folder))
    console.print(f"Seeding {args.customers:,} customers ...")
    seed_database(services.database, customers=args.customers, seed=7)
    services.close()
    with sqlite3.connect(seeded) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    orders = bench_orders(seeded, folder, args.orders)
    notifications = bench_notifications(seeded, folder, args.notifications)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "customers": args.customers,
        "orders": orders,
        "notifications": notifications,
    }
    table = Table(title=f"External systems, {args.orders} orders, {args.notifications:,} notifications")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for mode, figures in orders.items():
        table.add_row(f"deregistration, {mode}: p50 / p95 per order", f"{figures['p50_ms']} / {figures['p95_ms']} ms")
        table.add_row(f"deregistration, {mode}: orders/s", f"{figures['orders_per_s']} ({figures['failures']} failed)")
    table.add_row("notifications dispatched (email): msgs/s", str(notifications["msgs_per_s"]))
    table.add_row("bare smtplib, one connection: msgs/s", str(notifications["bare_smtp_msgs_per_s"]))
    Console().print(table)
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / f"external-{datetime.now(UTC).date()}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

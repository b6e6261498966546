"""The workbench's resident memory after a CSR has opened 100 customers (issue 20: under 150 MB at
1,000,000 customers), beside a bare Textual app's (header, an input, footer) measured the same way.

Each side runs in its own process, headless at 120x40, and reports its resident set (VmRSS from
/proc/self/status, after a garbage collection) at each stage. The workbench side is the CrmApp the
`crm-tui` command builds, over a seeded SQLite file: it signs in as a CSR and opens customers one
after another through the identify box (ctrl+f, the customer ID, Enter), as a counter does, each
opening its customer view over the last. Run from the repository root:

    PYTHONPATH=$PWD .venv/bin/python bench/bench_memory.py --db /tmp/crm1m.db          # a seeded file
    PYTHONPATH=$PWD .venv/bin/python bench/bench_memory.py --customers 20000           # seeds a temporary one

It prints one JSON document: the RSS of each side at each stage, in MiB, and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "Memory-bench-2026"
STAGES = (1, 10, 50, 100)


def rss_mib() -> float:
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def prepare(path: Path, customers: int) -> list[str]:
    """The file seeded (when new), a CSR to sign in as, and the customer IDs to open."""
    from sqlalchemy import select, text

    from crm_tui.config import Settings
    from crm_tui.domain import Role
    from crm_tui.services.bootstrap import open_services
    from crm_tui.services.shared.passwords import hash_secret
    from crm_tui.storage.models.operators import Operator
    from crm_tui.storage.seed import seed_database

    fresh = not path.exists()
    services = open_services(Settings(database_url=f"sqlite:///{path}", data_dir=path.parent / "data"))
    if fresh:
        print(f"seeding {customers:,} customers into {path} ...", file=sys.stderr)
        seed_database(services.database, customers=customers, seed=3)
    with services.writer() as uow:  # the CSR, written directly: a file that has admins needs none of them
        if uow.session.execute(select(Operator).where(Operator.username == "membench")).scalar_one_or_none() is None:
            uow.session.add(
                Operator(username="membench", display_name="Memory", role=Role.CSR, password_hash=hash_secret(PASSWORD))
            )
            uow.commit()
    with services.database.engine.connect() as connection:
        total = connection.execute(text("SELECT max(id) FROM customers")).scalar_one()
        ids = []
        step = max(1, total // 150)
        for pk in range(1, total + 1, step):
            row = connection.execute(
                text(
                    "SELECT customer_id FROM customers WHERE id >= :pk AND type = 'individual' AND status = 'active' "
                    "ORDER BY id LIMIT 1"
                ),  # fmt: skip
                {"pk": pk},
            ).first()
            if row and row[0] not in ids:
                ids.append(row[0])
    services.close()
    return ids[: STAGES[-1]]


async def sign_in(pilot, username: str, password: str) -> None:  # noqa: ANN001 (textual's Pilot)
    """Wait for the database to open, then sign in on the sign-in screen as a CSR does (bench_typing too)."""
    app = pilot.app
    while not app.services_state[0]:
        await asyncio.sleep(0.01)
    app.screen.query_one("#username").value = username
    app.screen.query_one("#password").value = password
    app.screen.query_one("#password").focus()
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def workbench(path: Path, ids: list[str]) -> dict[str, float]:
    from crm_tui.app import CrmApp
    from crm_tui.cli.session import Invocation
    from crm_tui.screens.customer_view import CustomerViewScreen

    run = Invocation(database_url=f"sqlite:///{path}")
    app = CrmApp(open_services=run.services)
    figures = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "membench", PASSWORD)
        figures["signed in"] = rss_mib()
        started = time.perf_counter()
        for n, customer_id in enumerate(ids, 1):
            await pilot.press("ctrl+f")
            await pilot.press(*customer_id, "enter")
            for _ in range(500):
                await app.workers.wait_for_complete()
                await pilot.pause()
                if isinstance(app.screen, CustomerViewScreen) and app.screen.customer_id == customer_id:
                    break
            else:
                raise RuntimeError(f"customer {customer_id} did not open")
            if n in STAGES:
                figures[f"{n} opened"] = rss_mib()
        figures["seconds per customer"] = (time.perf_counter() - started) / len(ids)
        figures["screens on the stack"] = len(app.screen_stack)
    run.close()
    return figures


async def bare() -> dict[str, float]:
    from textual.app import App
    from textual.widgets import Footer, Header, Input

    class Bare(App):
        def compose(self):  # noqa: ANN202
            yield Header()
            yield Input(placeholder="name")
            yield Footer()

    async with Bare().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        return {"started": rss_mib()}


def child(kind: str, path: str, ids: str) -> None:
    if kind == "workbench":  # as the `crm-tui` console script starts (crm_tui.launch.script)
        from crm_tui import collector

        collector.start_up()
    figures = asyncio.run(workbench(Path(path), ids.split(",")) if kind == "workbench" else bare())
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a SQLite file, seeded here when missing")
    parser.add_argument("--customers", type=int, default=20_000, help="customers to seed into a new file (20,000)")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    os.environ.setdefault("CRM_AUDIT_KEY", "membench")  # the audit chain's key, for the operators added
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "memory.db"
        ids = prepare(path, args.customers)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}

        def side(kind: str) -> dict[str, float]:
            command = [sys.executable, __file__, "--child", kind, str(path), ",".join(ids)]
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, check=False)
            if done.returncode:
                raise RuntimeError(done.stderr[-3000:])
            return json.loads(done.stdout.strip().splitlines()[-1])

        mine, theirs = side("workbench"), side("bare")
    with_customers = mine[f"{STAGES[-1]} opened"]
    print(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "database": str(args.db or f"temporary, {args.customers:,} customers"),
                "customers_opened": len(ids),
                "workbench_rss_mib": {k: round(v, 1) for k, v in mine.items()},
                "bare_textual_rss_mib": {k: round(v, 1) for k, v in theirs.items()},
                "goal": "< 150 MB after 100 customers",
                "met": with_customers * 1.048576 < 150,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

"""The foundation benchmark of issue 2: seeding, lookups by every key, name search, cold start.

Each figure is printed beside the same operation done with the bare `sqlite3` module in the
same run, on the same machine, so the ratio is what the layers cost. Run on purpose, not in
pytest:

    .venv/bin/python bench/bench_foundation.py --customers 1000000

Results are printed as a table and written to bench/results/<date>.json (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import event

from crm_tui.config import Settings
from crm_tui.domain import Role
from crm_tui.services.bootstrap import open_services
from crm_tui.services.context import Services
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.shared.views import Actor
from crm_tui.storage.seed import seed_database

ROOT = Path(__file__).resolve().parent
console = Console(stderr=True)
ACTOR = Actor(id=0, username="bench", display_name="Bench", role=Role.ADMIN, shop="")
REGION = "ES"
GOAL_LOOKUP_MS = 2.0
GOAL_LOOKUP_RATIO = 15.0
GOAL_NAME_MS = 30.0
GOAL_START_RATIO = 1.5

# key -> (query field, bare SELECT of the same customer by that key)
KEYS = {
    "customer id": ("customer_id", "SELECT c.* FROM customers c WHERE c.customer_id = ?"),
    "certificate": (
        "cert_number",
        "SELECT c.* FROM certificates t JOIN customers c ON c.id = t.customer_id WHERE t.cert_number = ?",
    ),
    "service number": (
        "service_number",
        "SELECT c.* FROM subscribers s JOIN customers c ON c.id = s.customer_id WHERE s.service_number = ?",
    ),
    "IMSI": ("imsi", "SELECT c.* FROM subscribers s JOIN customers c ON c.id = s.customer_id WHERE s.imsi = ?"),
    "ICCID": ("iccid", "SELECT c.* FROM subscribers s JOIN customers c ON c.id = s.customer_id WHERE s.iccid = ?"),
    "email": ("email", "SELECT c.* FROM customers c WHERE c.email = ?"),
}
BARE_NAME = (
    "SELECT c.* FROM customers c WHERE c.id IN (SELECT rowid FROM customers_fts WHERE customers_fts MATCH ?) "
    "ORDER BY c.display_name, c.id LIMIT 50"
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def timed(fn, *args) -> float:  # noqa: ANN001
    started = time.perf_counter()
    fn(*args)
    return (time.perf_counter() - started) * 1000


# --- seeding ----------------------------------------------------------------------------------


def seed(services: Services, customers: int) -> dict:
    columns = (
        TextColumn("seeding"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("seed", total=customers)
        report = seed_database(
            services.database, customers=customers, seed=42, progress=lambda done: bar.update(task, completed=done)
        )
    return {
        "customers": report.customers,
        "rows": report.rows,
        "seconds": report.seconds,
        "rows_per_s": report.rows / report.seconds,
    }


def bare_insert(db_path: Path, customers: int) -> dict:
    """The customer rows just seeded, inserted again with bare sqlite3 executemany into the same schema."""
    bare_path = db_path.with_name("bare.db")
    source = sqlite3.connect(db_path)
    target = sqlite3.connect(bare_path, isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute("PRAGMA synchronous=NORMAL")
    schema = source.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'customers' AND type IN ('table', 'index') AND sql IS NOT NULL ORDER BY type DESC"
    ).fetchall()
    for (sql,) in schema:
        target.execute(sql)  # foreign keys are off on a bare connection: the same table, no operators needed
    width = len(source.execute("SELECT * FROM customers LIMIT 1").description)
    insert = f"INSERT INTO customers VALUES ({','.join('?' * width)})"
    cursor = source.execute("SELECT * FROM customers ORDER BY id")
    spent, rows = 0.0, 0
    while chunk := cursor.fetchmany(10_000):
        started = time.perf_counter()
        target.execute("BEGIN IMMEDIATE")
        target.executemany(insert, chunk)
        target.execute("COMMIT")
        spent += time.perf_counter() - started
        rows += len(chunk)
    source.close()
    target.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{bare_path}{suffix}").unlink(missing_ok=True)
    return {"rows": rows, "seconds": spent, "rows_per_s": rows / spent}


# --- lookups ------------------------------------------------------------------------------------


def sample_keys(db_path: Path, count: int, rng: random.Random) -> list[dict[str, str]]:
    """Keys of random customers that have a line (so every key exists)."""
    connection = sqlite3.connect(db_path)
    top = connection.execute("SELECT MAX(id) FROM customers").fetchone()[0]
    picked: list[dict[str, str]] = []
    while len(picked) < count:
        row = connection.execute(
            "SELECT c.customer_id, t.cert_number, s.service_number, s.imsi, s.iccid, c.email, c.first_name, c.last_name "
            "FROM customers c JOIN certificates t ON t.customer_id = c.id JOIN subscribers s ON s.customer_id = c.id "
            "WHERE c.id = ? AND c.type = 'individual' AND s.status IN ('active', 'suspended') LIMIT 1",
            (rng.randint(1, top),),
        ).fetchone()
        if row:
            picked.append(
                dict(
                    zip(
                        (
                            "customer_id",
                            "cert_number",
                            "service_number",
                            "imsi",
                            "iccid",
                            "email",
                            "first_name",
                            "last_name",
                        ),
                        row,
                        strict=True,
                    )
                )
            )
    connection.close()
    return picked


class StatementLog:
    """The SQL the service sends, captured to EXPLAIN it."""

    def __init__(self, services: Services) -> None:
        self.statements: list[tuple[str, tuple]] = []
        self.on = False
        event.listen(services.database.engine, "before_cursor_execute", self._capture)
        services.database.watch_reads(self._driver)  # the searches run at the driver (storage.prepared)

    def _driver(self, statement: str, parameters) -> None:  # noqa: ANN001
        self._capture(None, None, statement, parameters, None, False)

    def _capture(self, _conn, _cursor, statement, parameters, _context, _many) -> None:  # noqa: ANN001
        if self.on and statement.lstrip().upper().startswith("SELECT"):
            self.statements.append(
                (statement, tuple(parameters) if isinstance(parameters, (list, tuple)) else parameters)
            )


def explain(db_path: Path, statements: list[tuple[str, tuple]]) -> tuple[list[str], bool]:
    """EXPLAIN QUERY PLAN of each statement; True when one reads the customers table in full."""
    connection = sqlite3.connect(db_path)
    lines: list[str] = []
    full_scan = False
    for statement, parameters in statements:
        for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters):
            detail = row[-1]
            lines.append(detail)
            if (
                re.match(r"SCAN (customers|certificates|subscribers|contacts)\b(?! USING| VIRTUAL)", detail)
                and "COVERING" not in detail
            ):
                full_scan = True
    connection.close()
    return lines, full_scan


def lookups(services: Services, db_path: Path, keys: list[dict[str, str]], log: StatementLog) -> list[dict]:
    bare = sqlite3.connect(db_path)
    results = []
    for label, (field, sql) in KEYS.items():
        service_ms, bare_ms = [], []
        for key in keys:
            value = key[field]
            query = CustomerQuery(**{field: value})
            page = search_customers(query, uow=services.reader(), actor=ACTOR, region=REGION)
            assert page.customers and page.customers[0].customer_id == key["customer_id"], (label, value)
        for key in keys:  # measured after a warm-up pass over the same keys, like a counter in use
            value = key[field]
            query = CustomerQuery(**{field: value})
            service_ms.append(
                timed(lambda q=query: search_customers(q, uow=services.reader(), actor=ACTOR, region=REGION))
            )
            bare_ms.append(timed(lambda v=value, s=sql: bare.execute(s, (v,)).fetchall()))
        log.statements.clear()
        log.on = True
        search_customers(CustomerQuery(**{field: keys[0][field]}), uow=services.reader(), actor=ACTOR, region=REGION)
        log.on = False
        plan, full_scan = explain(db_path, log.statements)
        results.append(_row(label, service_ms, bare_ms, plan=plan, full_scan=full_scan))
    bare.close()
    return results


def name_searches(services: Services, db_path: Path, keys: list[dict[str, str]], log: StatementLog) -> list[dict]:
    bare = sqlite3.connect(db_path)
    from crm_tui.services.shared.validation import normalize_name

    kinds = {
        "name: surname fragment": lambda k: normalize_name(k["last_name"].split()[0])[:5],
        "name: first + surname fragment": lambda k: (
            f"{normalize_name(k['first_name'])} {normalize_name(k['last_name'].split()[0])[:4]}"
        ),
        "name: full name": lambda k: normalize_name(f"{k['first_name']} {k['last_name']}"),
    }
    results = []
    for label, make in kinds.items():
        fragments = [make(k) for k in keys if len(make(k)) >= 3]
        service_ms, bare_ms = [], []
        for fragment in fragments:
            match = " AND ".join('"' + w.replace('"', '""') + '"' for w in fragment.split() if len(w) >= 3)
            search_customers(CustomerQuery(name=fragment), uow=services.reader(), actor=ACTOR, region=REGION)
            service_ms.append(
                timed(
                    lambda f=fragment: search_customers(
                        CustomerQuery(name=f), uow=services.reader(), actor=ACTOR, region=REGION
                    )
                )
            )
            bare_ms.append(timed(lambda m=match: bare.execute(BARE_NAME, (m,)).fetchall()))
        log.statements.clear()
        log.on = True
        search_customers(CustomerQuery(name=fragments[0]), uow=services.reader(), actor=ACTOR, region=REGION)
        log.on = False
        plan, full_scan = explain(db_path, log.statements)
        results.append(
            _row(
                label,
                service_ms,
                bare_ms,
                plan=plan,
                full_scan=full_scan,
                goal_ms=GOAL_NAME_MS,
                ratio_goal=None,
                example=fragments[0],
            )
        )
    bare.close()
    return results


def _row(
    label, service_ms, bare_ms, *, plan, full_scan, goal_ms=GOAL_LOOKUP_MS, ratio_goal=GOAL_LOOKUP_RATIO, example=None
) -> dict:  # noqa: ANN001
    p50, bare50 = statistics.median(service_ms), statistics.median(bare_ms)
    ratio = p50 / bare50 if bare50 else float("inf")
    ok = p50 < goal_ms and (ratio_goal is None or ratio <= ratio_goal) and not full_scan
    return {
        "what": label,
        "n": len(service_ms),
        "p50_ms": p50,
        "p95_ms": percentile(service_ms, 0.95),
        "bare_p50_ms": bare50,
        "bare_p95_ms": percentile(bare_ms, 0.95),
        "ratio_p50": ratio,
        "goal": f"p50 < {goal_ms:g} ms" + (f", <= {ratio_goal:g}x" if ratio_goal else ""),
        "met": ok,
        "full_scan": full_scan,
        "plan": plan,
        **({"example": example} if example else {}),
    }


# --- cold start ---------------------------------------------------------------------------------

WORKBENCH = """
import sys, asyncio
from crm_tui import collector
collector.start_up()  # as the `crm-tui` console script starts (crm_tui.launch.script)
import crm_tui.launch  # bare `crm-tui` then does what follows
from crm_tui.app import CrmApp
from crm_tui.cli.session import Invocation
from crm_tui.screens.sign_in import SignInScreen
run = Invocation(database_url=sys.argv[1])
app = CrmApp(open_services=run.services)  # as crm_tui.app.run_workbench builds it
until_open = sys.argv[2] == "open"
async def ready(pilot):
    while not (isinstance(pilot.app.screen, SignInScreen) and pilot.app.focused is not None):
        await asyncio.sleep(0.002)
    while until_open and not pilot.app.services_state[0]:
        await asyncio.sleep(0.002)
    print("ready", flush=True)
    pilot.app.exit()
app.run(headless=True, auto_pilot=ready)
run.close()
"""

BARE_APP = """
import sys, asyncio
from textual.app import App
from textual.widgets import Header, Footer, Input
class Bare(App):
    def compose(self):
        yield Header()
        yield Input(placeholder="name")
        yield Footer()
app = Bare()
async def ready(pilot):
    while pilot.app.focused is None:
        await asyncio.sleep(0.002)
    print("ready", flush=True)
    pilot.app.exit()
app.run(headless=True, auto_pilot=ready)
"""


def cold_start(url: str, runs: int) -> dict:
    if not (ROOT.parent / "crm_tui" / "app.py").exists():
        console.print("[yellow]cold start skipped: crm_tui/app.py is not there yet[/]")
        return {"skipped": "crm_tui/app.py missing"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}

    def run(code: str, *args: str) -> float:
        """Milliseconds from spawning the process to its "ready" line (the screen is up, the cursor in a field)."""
        started = time.perf_counter()
        with subprocess.Popen(
            [sys.executable, "-c", code, *args], env=env, cwd=ROOT.parent, stdout=subprocess.PIPE, text=True
        ) as child:
            assert child.stdout is not None
            line = child.stdout.readline()
            spent = (time.perf_counter() - started) * 1000
            child.stdout.read()
            if child.wait(timeout=60) != 0 or line.strip() != "ready":
                raise RuntimeError(f"the app did not start: {line!r}")
        return spent

    run(WORKBENCH, url, "open")  # warm the OS file cache for both, once
    run(BARE_APP)
    workbench, opened, bare = [], [], []
    for _ in range(runs):
        workbench.append(run(WORKBENCH, url, "sign-in"))
        bare.append(run(BARE_APP))
        opened.append(run(WORKBENCH, url, "open"))
    p50, bare50 = statistics.median(workbench), statistics.median(bare)
    return {
        "what": "cold start to sign-in",
        "n": runs,
        "p50_ms": p50,
        "p95_ms": max(workbench),
        "bare_p50_ms": bare50,
        "bare_p95_ms": max(bare),
        "ratio_p50": p50 / bare50,
        "goal": f"<= {GOAL_START_RATIO:g}x",
        "met": p50 / bare50 <= GOAL_START_RATIO,
        "database_open_p50_ms": statistics.median(opened),
        "database_open_max_ms": max(opened),
    }


# --- main ---------------------------------------------------------------------------------------


def markdown(path: Path) -> str:
    """The README's figures section from a results file."""
    d = json.loads(path.read_text())
    s, b = d["seeding"], d["bare_seeding"]
    lines = [
        f"Measured {d['date']} on the project machine: {d['machine']['cpus']} cores"
        + (
            f", load average {d['machine']['load_before']:.1f} before the run and {d['machine']['load_after']:.1f} after"
            if "load_before" in d["machine"]
            else ""
        )
        + f", Python {d['machine']['python']}, SQLite {d['machine']['sqlite']}. Raw figures: `bench/results/{d['date']}.json`.",
        "",
        "| operation | crm-tui p50 | crm-tui p95 | bare sqlite3 p50 | ratio (p50) | goal | met |",
        "|---|---|---|---|---|---|---|",
        f"| seeding, {s['customers']:,} customers ({s['rows']:,} rows) | {s['rows_per_s']:,.0f} rows/s, {s['seconds'] / 60:.1f} min | | {b['rows_per_s']:,.0f} rows/s (customers only) | crm-tui at {s['rows_per_s'] / b['rows_per_s']:.2f}x the bare rate | minutes | {'yes' if s['seconds'] < 3600 else 'no'} |",
    ]
    for r in d["lookups"] + d["names"]:
        lines.append(
            f"| {r['what']}{' (e.g. `' + r['example'] + '`)' if r.get('example') else ''} | {r['p50_ms']:.2f} ms | {r['p95_ms']:.2f} ms | {r['bare_p50_ms']:.3f} ms | {r['ratio_p50']:.1f}x | {r['goal']} | {'yes' if r['met'] else '**no**'} |"
        )
    c = d["cold_start"]
    if "what" in c:
        lines.append(
            f"| cold start to the sign-in screen | {c['p50_ms']:.0f} ms | {c['p95_ms']:.0f} ms (max) | {c['bare_p50_ms']:.0f} ms (bare Textual app) | {c['ratio_p50']:.2f}x | {c['goal']} | {'yes' if c['met'] else '**no**'} |"
        )
        if "database_open_p50_ms" in c:
            lines.append(
                f"| ... and the database open behind it (the operator is typing) | {c['database_open_p50_ms']:.0f} ms | {c['database_open_max_ms']:.0f} ms (max) | | | | |"
            )
    lines.append("")
    lines.append("Query plans (every lookup and name search is served by an index; no full scan of customers):")
    lines.append("")
    for r in d["lookups"] + d["names"]:
        lines.append(
            f"- {r['what']}: " + ("**FULL SCAN** " if r["full_scan"] else "") + "; ".join(dict.fromkeys(r["plan"]))
        )
    return "\n".join(lines)


def _customers(path: Path) -> int:
    connection = sqlite3.connect(path)
    try:
        return connection.execute("SELECT count(*) FROM customers").fetchone()[0]
    except sqlite3.OperationalError:  # an empty file: no tables yet
        return 0
    finally:
        connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=300, help="random customers looked up by each key")
    parser.add_argument("--starts", type=int, default=7, help="cold starts of each app")
    parser.add_argument("--keep", action="store_true", help="keep the database (its path is printed)")
    parser.add_argument(
        "--db",
        type=Path,
        help="a SQLite file to measure: seeded (and kept) when missing, reused as it is when it exists, with the seeding "
        "figures of the run that made it (kept beside it in FILE.seeding.json)",
    )
    parser.add_argument("--seed-only", action="store_true", help="with --db: seed the file and stop")
    parser.add_argument("--markdown", type=Path, help="only print the README figures of this results file")
    args = parser.parse_args()
    if args.markdown:
        print(markdown(args.markdown))
        return 0

    load_before = os.getloadavg()[0]
    if args.db:
        db_path = args.db.resolve()
        folder = db_path.parent
        args.keep = True
    else:
        folder = Path(tempfile.mkdtemp(prefix="crm-bench-"))
        db_path = folder / "bench.db"
    url = f"sqlite:///{db_path}"
    figures = db_path.with_name(db_path.name + ".seeding.json")
    seeding: dict | None = None
    bare_seed: dict | None = None
    services = open_services(Settings(database_url=url, data_dir=folder))
    console.print(f"database: {db_path}")
    if db_path.exists() and figures.exists():
        seeding, bare_seed = json.loads(figures.read_text()).values()
        args.customers = seeding["customers"]
        console.print(f"reusing {seeding['customers']:,} seeded customers (seeding figures from {figures.name})")
    elif args.db and (stored := _customers(db_path)):
        # Made by another bench (bench_dedupe.py speed, say): measured as it is, never seeded into.
        args.customers = stored
        console.print(f"reusing {args.customers:,} customers (seeded elsewhere: no seeding figures)")
    else:
        seeding = seed(services, args.customers)
        console.print(f"seeded {seeding['rows']:,} rows in {seeding['seconds']:.0f} s")
        bare_seed = bare_insert(db_path, args.customers)
        if args.db:
            figures.write_text(json.dumps({"seeding": seeding, "bare_seeding": bare_seed}, indent=2))
    if args.seed_only:
        services.close()
        return 0

    rng = random.Random(2026)
    keys = sample_keys(db_path, args.lookups, rng)
    log = StatementLog(services)
    lookup_rows = lookups(services, db_path, keys, log)
    name_rows = name_searches(services, db_path, keys[:100], log)
    start = cold_start(url, args.starts)
    services.close()

    table = Table(title=f"crm-tui foundation benchmark: {args.customers:,} customers, SQLite {sqlite3.sqlite_version}")
    for column in ("operation", "crm-tui p50", "p95", "bare sqlite3 p50", "ratio", "goal", "met"):
        table.add_column(column, justify="left" if column in ("operation", "goal") else "right")
    if seeding and bare_seed:
        table.add_row(
            "seeding (rows/s)",
            f"{seeding['rows_per_s']:,.0f}",
            "",
            f"{bare_seed['rows_per_s']:,.0f}",
            f"{seeding['rows_per_s'] / bare_seed['rows_per_s']:.2f}x of bare",
            f"{args.customers:,} in minutes",
            f"{seeding['seconds'] / 60:.1f} min",
        )
    for row in [*lookup_rows, *name_rows, *([start] if "what" in start else [])]:
        table.add_row(
            row["what"],
            f"{row['p50_ms']:.2f} ms",
            f"{row['p95_ms']:.2f} ms",
            f"{row['bare_p50_ms']:.3f} ms",
            f"{row['ratio_p50']:.1f}x",
            row["goal"],
            "yes" if row["met"] else "[red]no[/]",
        )
    Console().print(table)
    for row in [*lookup_rows, *name_rows]:
        marker = "[red]FULL SCAN[/]" if row["full_scan"] else "indexed"
        console.print(f"[bold]{row['what']}[/] ({marker}): " + " | ".join(dict.fromkeys(row["plan"])))

    results = {
        "date": datetime.now(UTC).date().isoformat(),
        "customers": args.customers,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "platform": platform.platform(),
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
        },
        "seeding": seeding,
        "bare_seeding": bare_seed,
        "lookups": lookup_rows,
        "names": name_rows,
        "cold_start": start,
    }
    out = ROOT / "results" / f"{results['date']}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    console.print(f"written {out}")
    if not args.keep:
        for path in folder.glob("*"):
            path.unlink()
        folder.rmdir()
    else:
        console.print(f"kept {db_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

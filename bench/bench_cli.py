"""Scripts at speed (issue 21), run on purpose (never by pytest): what one `crm-tui` command costs a
script, beside what Python needs before any of our code runs.

1. One read command, whole process: `python -m crm_tui customers show ID --json`, from spawning to
   exit, beside the import floor `python -c "import typer, sqlmodel, pydantic_settings"` (the
   libraries every command needs). Runs alternate (floor, command, floor, command...) after one
   warm-up of each, so a busy machine slows both alike; medians of wall time and of CPU time
   (user + system of the child), and their ratios (of the medians, and the median of each
   alternation's own ratio: runs next to each other saw about the same load). `--before TREE` times the same command from
   another checkout (the code before a change) in the same alternation. A second floor starts and leaves
   as `crm-tui` does (crm_tui.collector: no collector walks over the imports): the ratio to it is
   what our code adds.
2. 1,000 `customers show` of random customers through `crm-tui batch` (one process), beside the
   same lookups as separate processes (N of them, the per-process median times 1,000: 1,000 real
   processes take half an hour on a busy 2-core machine; say `--separate 1000` to run them all).

    .venv/bin/python bench/bench_cli.py                      # a demo database of 2,000 customers
    .venv/bin/python bench/bench_cli.py --db sqlite:////tmp/crm1m.db --operator NAME --password PW
    .venv/bin/python bench/bench_cli.py --starts 11 --lookups 1000 --separate 20

The machine is shared: the load average before and after is reported with the figures, and
`bench/results/cli-<date>.json` (git-ignored) keeps them.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOOR = [sys.executable, "-c", "import typer, sqlmodel, pydantic_settings"]
FLOOR_LEAVING_FAST = [
    sys.executable,
    "-c",
    "import atexit, gc; gc.disable(); atexit.register(gc.freeze); import typer, sqlmodel, pydantic_settings",
]
"""The floor started and left as `crm-tui` is (crm_tui.collector: no collections while importing, none at
exit), so the ratio to it counts only what our code adds, not the collector's walks that the plain
floor pays and `crm-tui` skips."""
CRM = [sys.executable, "-m", "crm_tui"]


def timed(command: list[str], env: dict[str, str], stdin: bytes | None = None) -> tuple[float, float, bytes]:
    """Wall seconds, CPU seconds (user + system of the child) and stdout of one process.

    It runs in the tree its PYTHONPATH names: `python -m` puts the working folder first on the path,
    so a run started in another checkout would time that checkout's code, whatever PYTHONPATH says."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    cwd = env.get("PYTHONPATH") or None
    done = subprocess.run(command, env=env, input=stdin, cwd=cwd, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:6])} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def demo_database(customers: int) -> tuple[str, str, str]:
    """A demo database (made once, kept in the temp folder) and its CSR sign-in."""
    path = Path(tempfile.gettempdir()) / f"crm-bench-cli-{customers}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        print(f"Making {path} with {customers:,} customers ...", file=sys.stderr)
        subprocess.run(
            [*CRM, "--db", url, "demo", "--no-open", "--customers", str(customers), "--json"],
            env=os.environ | {"CRM_DATA_DIR": str(path.with_suffix(".data"))},
            check=True,
            capture_output=True,
        )
    return url, "alice", "demo-csr-01"


def customer_ids(url: str, count: int, seed: int) -> list[str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        ids = [row[0] for row in connection.execute(text("SELECT customer_id FROM customers WHERE status = 'active'"))]
    engine.dispose()
    return random.Random(seed).choices(ids, k=count)


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="database URL (default: a demo database made once in the temp folder)")
    parser.add_argument("--customers", type=int, default=2000, help="customers in the demo database (2000)")
    parser.add_argument("--operator", default=None, help="operator to sign in as (demo: alice)")
    parser.add_argument("--password", default=None, help="the operator's password (demo: demo-csr-01)")
    parser.add_argument("--data-dir", default=None, help="CRM_DATA_DIR (the audit key's folder)")
    parser.add_argument("--starts", type=int, default=7, help="alternating runs of floor and command (7)")
    parser.add_argument("--lookups", type=int, default=1000, help="customers show through one batch (1000)")
    parser.add_argument("--separate", type=int, default=20, help="of them also as separate processes (20)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--before", metavar="TREE", help="another checkout (e.g. /work/main): its `customers show` timed alongside"
    )
    args = parser.parse_args()

    if args.db:
        url, operator, password = args.db, args.operator, args.password
        data_dir = args.data_dir
    else:
        url, operator, password = demo_database(args.customers)
        data_dir = args.data_dir or str(Path(url.removeprefix("sqlite:///")).with_suffix(".data"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env |= {"CRM_DATABASE_URL": url, "CRM_OPERATOR": operator or "", "CRM_OPERATOR_PASSWORD": password or ""}
    env |= {"PYTHONPATH": str(ROOT)} | ({"CRM_DATA_DIR": data_dir} if data_dir else {})
    ids = customer_ids(url, max(args.lookups, args.separate, args.starts + 1), args.seed)
    for tree in [ROOT, *([Path(args.before)] if args.before else [])]:
        # What pip does when it installs a wheel: without it a tree run with PYTHONDONTWRITEBYTECODE set
        # (or read-only) compiles every module of ours from source in every run.
        compileall.compile_dir(tree / "crm_tui", quiet=1)
    load_before = os.getloadavg()
    started_at = datetime.now(UTC)

    # 1. one read command beside the import floor, alternating, after a warm-up of each
    timed(FLOOR, env)
    timed([*CRM, "customers", "show", ids[0], "--json"], env)
    timed(FLOOR_LEAVING_FAST, env)
    floor_wall, floor_cpu, show_wall, show_cpu, before_wall, before_cpu = [], [], [], [], [], []
    fast_wall, fast_cpu = [], []
    before_env = env | {"PYTHONPATH": str(Path(args.before).resolve())} if args.before else None
    if before_env:
        timed([*CRM, "customers", "show", ids[0], "--json"], before_env)
    for i in range(args.starts):
        if before_env:
            wall, cpu, _ = timed([*CRM, "customers", "show", ids[i + 1], "--json"], before_env)
            before_wall.append(wall)
            before_cpu.append(cpu)
        wall, cpu, _ = timed(FLOOR, env)
        floor_wall.append(wall)
        floor_cpu.append(cpu)
        wall, cpu, _ = timed(FLOOR_LEAVING_FAST, env)
        fast_wall.append(wall)
        fast_cpu.append(cpu)
        wall, cpu, out = timed([*CRM, "customers", "show", ids[i + 1], "--json"], env)
        assert json.loads(out)["customer_id"], out
        show_wall.append(wall)
        show_cpu.append(cpu)
        print(f"start {i + 1}/{args.starts}: floor {floor_wall[-1]:.3f} s, show {show_wall[-1]:.3f} s", file=sys.stderr)

    # 2. many lookups: separate processes (half before, half after the batch), and one batch
    separate = []
    half = args.separate // 2
    for customer in ids[:half]:
        separate.append(timed([*CRM, "customers", "show", customer, "--json"], env)[0])
    lines = "".join(json.dumps({"cmd": ["customers", "show", customer]}) + "\n" for customer in ids[: args.lookups])
    batch_wall, batch_cpu, out = timed([*CRM, "batch", "-"], env, stdin=lines.encode())
    results = [json.loads(line) for line in out.decode().splitlines()]
    assert len(results) == args.lookups and all(r["exit_code"] == 0 for r in results), "a lookup failed"
    for customer in ids[half : args.separate]:
        separate.append(timed([*CRM, "customers", "show", customer, "--json"], env)[0])
    load_after = os.getloadavg()

    per_process = median(separate)
    report = {
        "date": started_at.isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "database": url.split("://")[0] + ("" if args.db else f" demo, {args.customers:,} customers"),
        "starts": args.starts,
        "floor_wall_s": round(median(floor_wall), 3),
        "show_wall_s": round(median(show_wall), 3),
        "wall_ratio": round(median(show_wall) / median(floor_wall), 2),
        "floor_cpu_s": round(median(floor_cpu), 3),
        "show_cpu_s": round(median(show_cpu), 3),
        "cpu_ratio": round(median(show_cpu) / median(floor_cpu), 2),
        "paired_wall_ratio": round(median([s / f for s, f in zip(show_wall, floor_wall, strict=True)]), 2),
        "paired_cpu_ratio": round(median([s / f for s, f in zip(show_cpu, floor_cpu, strict=True)]), 2),
        "floor_leaving_fast_wall_s": round(median(fast_wall), 3),
        "floor_leaving_fast_cpu_s": round(median(fast_cpu), 3),
        "paired_cpu_ratio_to_floor_leaving_fast": round(
            median([s / f for s, f in zip(show_cpu, fast_cpu, strict=True)]), 2
        ),
        **(
            {
                "before_tree": args.before,
                "before_show_wall_s": round(median(before_wall), 3),
                "before_wall_ratio": round(median(before_wall) / median(floor_wall), 2),
                "before_show_cpu_s": round(median(before_cpu), 3),
                "before_cpu_ratio": round(median(before_cpu) / median(floor_cpu), 2),
                "before_paired_cpu_ratio": round(
                    median([b / f for b, f in zip(before_cpu, floor_cpu, strict=True)]), 2
                ),
                "paired_cpu_ratio_to_before": round(
                    median([s / b for s, b in zip(show_cpu, before_cpu, strict=True)]), 2
                ),
            }
            if before_env
            else {}
        ),
        "lookups": args.lookups,
        "batch_wall_s": round(batch_wall, 2),
        "batch_cpu_s": round(batch_cpu, 2),
        "batch_per_lookup_ms": round(1000 * batch_wall / args.lookups, 2),
        "separate_processes_run": len(separate),
        "separate_per_process_s": round(per_process, 3),
        "separate_extrapolated_s": round(per_process * args.lookups, 1),
        "speedup": round(per_process * args.lookups / batch_wall, 1),
    }
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    (results_dir / f"cli-{started_at:%Y-%m-%dT%H%M}.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(
        f"\none read command: {report['show_wall_s']:.3f} s wall beside the floor's {report['floor_wall_s']:.3f} s "
        f"({report['wall_ratio']}x; CPU {report['show_cpu_s']:.3f} s beside {report['floor_cpu_s']:.3f} s, "
        f"{report['cpu_ratio']}x); beside the floor started and left as crm-tui is, "
        f"{report['floor_leaving_fast_cpu_s']:.3f} s CPU: {report['paired_cpu_ratio_to_floor_leaving_fast']}x\n"
        f"{args.lookups:,} customers show through batch: {batch_wall:.1f} s "
        f"({report['batch_per_lookup_ms']} ms each); as separate processes: {per_process:.3f} s each, "
        f"{report['separate_extrapolated_s']:,.0f} s for {args.lookups:,} (from {len(separate)} runs), "
        f"{report['speedup']}x\nload average {load_before[0]:.1f} before, {load_after[0]:.1f} after",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

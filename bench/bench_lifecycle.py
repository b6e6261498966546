"""Benchmarks of the lifecycle services, run on purpose (never by pytest):

1. Registration (issue 3): one `register_customer` through the service (validation, certificate
   and near-match checks, customer ID, rows, interaction, outbox event, audit) on a database of
   N customers, without secrets so password hashing is not in the figure; Argon2id hashing is
   timed apart; baseline: the bare sqlite3 insert of a customer and its certificate.
2. Deregistration orders (issue 5): M lines deregistered end to end through the service layer
   (quote, charges, payment, the six-step order with its simulated external requests), orders
   per second; baseline: bare sqlite3 inserts of the same order rows (an order and six steps).

    .venv/bin/python bench/bench_lifecycle.py --db /tmp/crm1m.db --registrations 200 --orders 1000

`--db` is an existing seeded SQLite file (copied first, never changed); without it a database of
`--customers` customers is seeded in a temp folder.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stdnum.es import dni  # noqa: E402

from crm_tui.config import Settings  # noqa: E402
from crm_tui.domain import Role  # noqa: E402
from crm_tui.services import operators
from crm_tui.services.bootstrap import open_services  # noqa: E402
from crm_tui.services.context import Services  # noqa: E402
from crm_tui.services.identity.registration import register_customer
from crm_tui.services.identity.registration_form import RegistrationForm
from crm_tui.services.lifecycle.deregistration import submit_deregistration
from crm_tui.services.shared.passwords import hash_secret
from crm_tui.storage.seed import seed_database  # noqa: E402

console = Console(stderr=True)


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def admin(services: Services):  # noqa: ANN201
    password = "bench-admin-password"
    try:
        operators.add_operator("benchadmin", password, role=Role.ADMIN, uow=services.writer(), actor=None)
    except Exception:  # noqa: BLE001 - an admin exists: add ours through a fresh bootstrap-free path
        from sqlalchemy import select

        from crm_tui.services.shared.passwords import hash_secret as hs
        from crm_tui.storage.models.operators import Operator

        with services.writer() as uow:
            if (
                uow.session.execute(select(Operator).where(Operator.username == "benchadmin")).scalar_one_or_none()
                is None
            ):
                uow.session.add(
                    Operator(username="benchadmin", display_name="Bench", role="admin", password_hash=hs(password))
                )
                uow.commit()
    return operators.sign_in("benchadmin", password, uow=services.writer())


def fresh_dni(rng: random.Random) -> str:
    body = f"{rng.randrange(90_000_000, 99_999_999):08d}"
    return body + dni.calc_check_digit(body)


def bench_registration(services: Services, db_path: Path, count: int, rng: random.Random) -> dict:
    actor = admin(services)
    timings = []
    for i in range(count):
        form = RegistrationForm(
            cert_type="national_id",
            cert_number=fresh_dni(rng),
            cert_country="ES",
            first_name=rng.choice(["Abril", "Bruno", "Carla", "Dario", "Elena", "Fabio", "Gala", "Hugo"])
            + " "
            + "".join(rng.choice("bcdfglmnprstv") + rng.choice("aeiou") for _ in range(3)).capitalize(),
            last_name=rng.choice(["Ortega Vidal", "Serrano Gil", "Marín Cano", "Rubio Lozano"]),
            birthday=date(1950 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28)).isoformat(),
            email=f"bench{i}.{rng.randrange(10**9)}@example.net",
            mobile=f"6{rng.randrange(10**8):08d}",
            address=f"Calle Bench {i}",
        )
        started = time.perf_counter()
        try:
            register_customer(form, uow=services.writer(), actor=actor, region="ES", require_password=False)
        except Exception as error:  # noqa: BLE001 - a near match on random data is possible; count it apart
            console.print(f"[yellow]registration {i}: {type(error).__name__}: {error}")
            continue
        timings.append((time.perf_counter() - started) * 1000)
    hashing = []
    for _ in range(20):
        started = time.perf_counter()
        hash_secret("Bench-password-2024")
        hashing.append((time.perf_counter() - started) * 1000)
    bare = []
    connection = sqlite3.connect(db_path)
    for i in range(count):
        started = time.perf_counter()
        with connection:
            cursor = connection.execute(
                "INSERT INTO customers (customer_id, type, status, display_name, name_search, credit_level, credit_limit, created_at, updated_at, version) "
                "VALUES (?, 'individual', 'idle', ?, ?, 'B', 0, ?, ?, 1)",
                (f"B{i:010d}", f"Bare {i}", f"bare {i}", "2026-11-26 10:00:00", "2026-11-26 10:00:00"),
            )
            connection.execute(
                "INSERT INTO certificates (customer_id, cert_type, cert_number, cert_country, is_primary, created_at) VALUES (?, 'passport', ?, 'ZZ', 1, ?)",
                (cursor.lastrowid, f"BARE{i:08d}", "2026-11-26 10:00:00"),
            )
        bare.append((time.perf_counter() - started) * 1000)
    connection.close()
    return {
        "registrations": len(timings),
        "service_p50_ms": round(p50(timings), 2),
        "service_p95_ms": round(p95(timings), 2),
        "bare_insert_p50_ms": round(p50(bare), 3),
        "ratio_p50": round(p50(timings) / p50(bare), 1),
        "argon2id_hash_p50_ms": round(p50(hashing), 1),
        "goal_p50_ms": 25,
    }


def live_lines(db_path: Path, count: int) -> list[str]:
    connection = sqlite3.connect(db_path)
    rows = connection.execute(
        "SELECT service_number FROM subscribers WHERE status = 'active' ORDER BY random() LIMIT ?", (count,)
    ).fetchall()
    connection.close()
    return [r[0] for r in rows]


def bench_orders(services: Services, db_path: Path, count: int) -> dict:
    actor = admin(services)
    numbers = live_lines(db_path, count)
    started = time.perf_counter()
    failures = 0
    for number in numbers:
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
        except Exception as error:  # noqa: BLE001
            failures += 1
            console.print(f"[yellow]{number}: {type(error).__name__}: {error}")
    service_seconds = time.perf_counter() - started
    connection = sqlite3.connect(db_path)
    started = time.perf_counter()
    now = datetime.now(UTC).isoformat(" ")
    for i in range(len(numbers)):
        with connection:
            cursor = connection.execute(
                "INSERT INTO orders (order_number, type, status, payload, created_at, version) VALUES (?, 'deregister', 'open', '{}', ?, 1)",
                (f"BARE{i:09d}", now),
            )
            connection.executemany(
                "INSERT INTO order_steps (order_id, seq, name, status, attempts, idempotency_key) VALUES (?, ?, ?, 'pending', 0, ?)",
                [(cursor.lastrowid, seq, f"step{seq}", f"BARE{i:09d}-{seq}") for seq in range(1, 7)],
            )
    bare_seconds = time.perf_counter() - started
    connection.close()
    done = len(numbers) - failures
    return {
        "orders": done,
        "failures": failures,
        "service_orders_per_s": round(done / service_seconds, 1),
        "bare_order_rows_per_s": round(len(numbers) / bare_seconds, 1),
        "ratio": round((len(numbers) / bare_seconds) / (done / service_seconds), 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="an existing seeded SQLite file (copied, never changed)")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--registrations", type=int, default=200)
    parser.add_argument("--orders", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="crm-lifecycle-"))
    db_path = folder / "bench.db"
    if args.db:
        console.print(f"Copying {args.db} ...")
        shutil.copy(args.db, db_path)
    settings = Settings(database_url=f"sqlite:///{db_path}", data_dir=folder)
    services = open_services(settings)
    if not args.db:
        console.print(f"Seeding {args.customers:,} customers ...")
        seed_database(services.database, customers=args.customers, seed=args.seed)
    customers = sqlite3.connect(db_path).execute("SELECT count(*) FROM customers").fetchone()[0]
    rng = random.Random(args.seed)
    registration = bench_registration(services, db_path, args.registrations, rng)
    orders = bench_orders(services, db_path, args.orders)
    result = {
        "date": datetime.now(UTC).date().isoformat(),
        "customers": customers,
        "registration": registration,
        "orders": orders,
    }
    table = Table(title=f"Lifecycle at {customers:,} customers")
    table.add_column("measure")
    table.add_column("crm-tui", justify="right")
    table.add_column("bare sqlite3", justify="right")
    table.add_column("ratio", justify="right")
    table.add_row(
        "registration p50 (no hashing)",
        f"{registration['service_p50_ms']} ms",
        f"{registration['bare_insert_p50_ms']} ms",
        f"{registration['ratio_p50']}x",
    )
    table.add_row("registration p95", f"{registration['service_p95_ms']} ms", "", "")
    table.add_row("Argon2id hash p50", f"{registration['argon2id_hash_p50_ms']} ms", "", "")
    table.add_row(
        "deregistration orders",
        f"{orders['service_orders_per_s']}/s",
        f"{orders['bare_order_rows_per_s']}/s",
        f"{orders['ratio']}x",
    )
    Console().print(table)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"lifecycle-{result['date']}.json").write_text(json.dumps(result, indent=2))
    services.close()
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Import speed (issue 16), run on purpose (never by pytest): rows per second for a CSV file and a
TMF629 file of the same N people, each into a fresh migrated SQLite database through
`services.identity.importing.import_customers` (reading, detection, every row's validation, the
duplicate look-up a batch, registration's rows: customer, certificate, contact, address,
preferences, authentication, interaction, outbox event; batches of 200 written at once by Core
executemany, one import ledger audit entry a batch), beside the
bare sqlite3 `executemany` of the same people's customer and certificate rows (no validation, no
audit), 10,000 rows a transaction, into the same schema.

    .venv/bin/python bench/bench_import.py --rows 100000       # about 3 minutes on the project machine
    .venv/bin/python bench/bench_import.py --rows 5000          # a quick look

The TMF629 file is what `customers export --format tmf629` writes for the people the CSV import
created (the export's own time is reported too). No service passwords in the rows: an export has
none, and Argon2id hashing (tens of ms a row by design) would be the whole figure. Writes
`bench/results/import-<date>.json` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_tui.config import Settings  # noqa: E402
from crm_tui.domain import Role  # noqa: E402
from crm_tui.identifiers import customer_id_for, normalize_name  # noqa: E402
from crm_tui.services import operators  # noqa: E402
from crm_tui.services.bootstrap import open_services  # noqa: E402
from crm_tui.services.customers.export import export_customers  # noqa: E402
from crm_tui.services.identity.importing import import_customers  # noqa: E402

console = Console(stderr=True)
LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
FIRST = ("Lucía", "Begoña", "José", "Núria", "Iñaki", "María", "Javier", "Ana", "Jordi", "Carmen")
LAST = ("García", "Muñoz", "Ibáñez", "Puig", "Soler", "Pérez", "Martín", "Ortega", "Córdoba", "Núñez")
PASSWORD = "bench-admin-password"


def people(rows: int) -> list[dict[str, str]]:
    found = []
    for i in range(rows):
        number = 10_000_000 + i
        found.append(
            {
                "cert_type": "national_id",
                "cert_number": f"{number:08d}{LETTERS[number % 23]}",
                "cert_country": "ES",
                "first_name": FIRST[i % 10],
                "last_name": f"{LAST[i // 10 % 10]} {LAST[i // 100 % 10]}",
                "birthday": f"19{50 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "email": f"person{i}@example.com",
                "mobile": f"+34 6{i:08d}",
                "address": f"Calle Mayor {i % 300 + 1}",
                "city": "Madrid",
                "postal_code": f"280{i % 100:02d}",
            }
        )
    return found


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    header = list(rows[0])
    lines = [";".join(header)] + [";".join(row[k] for k in header) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))  # as Spanish Excel saves it


def fresh(folder: Path, name: str):  # noqa: ANN201
    services = open_services(Settings(database_url=f"sqlite:///{folder / name}", data_dir=folder / f"{name}-data"))
    operators.add_operator("bench", PASSWORD, role=Role.ADMIN, uow=services.writer(), actor=None)
    return services, operators.sign_in("bench", PASSWORD, uow=services.writer())


def timed_import(path: Path, folder: Path, name: str):  # noqa: ANN201
    """The import's figures, and the database it filled (open) with its admin."""
    services, actor = fresh(folder, name)
    started = time.perf_counter()
    report = import_customers(path, services=services, actor=actor)
    seconds = time.perf_counter() - started
    assert report.refused == 0 and report.created == report.rows, (report.errors + report.duplicates)[:3]
    figures = {"rows": report.rows, "seconds": round(seconds, 2), "rows_per_second": round(report.rows / seconds, 1)}
    return figures, services, actor


def bare_executemany(rows: list[dict[str, str]], folder: Path) -> dict[str, float]:
    services, _ = fresh(folder, "bare.db")  # the same migrated schema, then the bare driver
    services.close()
    connection = sqlite3.connect(folder / "bare.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    now = datetime.now(UTC).isoformat(sep=" ")
    started = time.perf_counter()
    for start in range(0, len(rows), 10_000):
        chunk = rows[start : start + 10_000]
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO customers (id, customer_id, type, status, first_name, last_name, display_name, name_search,"
            " birthday, email, mobile, credit_level, credit_limit, created_at, updated_at, version)"
            " VALUES (?, ?, 'individual', 'idle', ?, ?, ?, ?, ?, ?, ?, 'B', 0, ?, ?, 1)",
            [
                (
                    start + k + 1,
                    customer_id_for(start + k + 1),
                    r["first_name"],
                    r["last_name"],
                    f"{r['first_name']} {r['last_name']}",
                    normalize_name(f"{r['first_name']} {r['last_name']}"),
                    r["birthday"],
                    r["email"],
                    r["mobile"].replace(" ", "").lstrip("+"),
                    now,
                    now,
                )
                for k, r in enumerate(chunk)
            ],
        )
        connection.executemany(
            "INSERT INTO certificates (customer_id, cert_type, cert_number, cert_country, is_primary, created_at)"
            " VALUES (?, ?, ?, ?, 1, ?)",
            [(start + k + 1, r["cert_type"], r["cert_number"], r["cert_country"], now) for k, r in enumerate(chunk)],
        )
        connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return {"rows": len(rows), "seconds": round(seconds, 2), "rows_per_second": round(len(rows) / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="people in each file (100000)")
    args = parser.parse_args()
    rows = people(args.rows)
    results: dict[str, object] = {"rows": args.rows, "date": datetime.now(UTC).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory(prefix="crm-import-bench-") as temp:
        folder = Path(temp)
        csv_path = folder / "people.csv"
        write_csv(csv_path, rows)
        console.print(f"CSV import of {args.rows:,} rows …")
        results["csv"], services, actor = timed_import(csv_path, folder, "csv.db")
        console.print(f"  {results['csv']}")
        tmf_path = folder / "people.tmf629.jsonl"
        started = time.perf_counter()
        with tmf_path.open("w", encoding="utf-8") as handle:
            export_customers(handle.write, services=services, actor=actor, format="tmf629")
        results["tmf629_export"] = {"seconds": round(time.perf_counter() - started, 2)}
        services.close()
        console.print(f"TMF629 import of {args.rows:,} rows …")
        results["tmf629"], services, _ = timed_import(tmf_path, folder, "tmf.db")
        services.close()
        console.print(f"  {results['tmf629']}")
        results["bare_executemany"] = bare_executemany(rows, folder)
    table = Table(title=f"Import speed, {args.rows:,} rows (SQLite)")
    for column in ("what", "seconds", "rows/s", "vs bare"):
        table.add_column(column, justify="left" if column == "what" else "right")
    bare = results["bare_executemany"]["rows_per_second"]  # type: ignore[index]
    for key, label in (
        ("csv", "CSV import (cp1252, ;)"),
        ("tmf629", "TMF629 import"),
        ("bare_executemany", "bare sqlite3 executemany"),
    ):
        figure = results[key]
        table.add_row(
            label,
            f"{figure['seconds']:,}",  # type: ignore[index]
            f"{figure['rows_per_second']:,}",  # type: ignore[index]
            f"{bare / figure['rows_per_second']:.0f}x slower" if key != "bare_executemany" else "",  # type: ignore[index]
        )
    Console().print(table)
    out = Path(__file__).parent / "results" / f"import-{datetime.now(UTC):%Y-%m-%d}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    console.print(f"Written to {out}")


if __name__ == "__main__":
    main()

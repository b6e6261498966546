"""The load harness in its tiny mode (issue 20): five terminals for 30 s, a duplicate scan and an
import beside them, on SQLite, or on PostgreSQL when the suite runs there. No error of any kind, and
no interactive query plan with a sequential scan of customers, subscribers, certificates or contacts.
The figures themselves are measured on purpose (bench/README.md), never asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

HARNESS = Path(__file__).parents[2] / "bench" / "bench_load.py"


def test_five_terminals_for_thirty_seconds_make_no_error(tmp_path):
    out = tmp_path / "load.json"
    command = [sys.executable, str(HARNESS), "--tiny", "--json", str(out)]
    server = os.environ.get("CRM_TEST_DATABASE_URL")
    if server:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        command += ["--engine", "postgres", "--pg-url", str(make_url(server).set(database=f"load_smoke_{worker}"))]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["errors"] == {} and report["terminals"] == 5 and report["seconds"] == 30
    assert report["actions"] >= 20, report["per_action"]
    assert {"identify_customer_id", "open_view"} <= set(report["per_action"]) or report["actions"] >= 40
    assert report["batch"]["import"]["created"] == 300 and report["batch"]["scan"]["scans"] >= 1
    assert report["plans"] and report["full_scans"] == []

"""The simulator's own state: every request it received, and which keys it applied (once each)."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    system TEXT NOT NULL,
    operation TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    payload TEXT NOT NULL,
    outcome TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS applied (
    system TEXT NOT NULL,
    operation TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (system, operation, idempotency_key)
);
"""


class Ledger:
    """One SQLite file; a request is recorded and, unless failed, applied once per key (one transaction)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.executescript(SCHEMA)

    def receive(self, system: str, operation: str, key: str, payload: dict[str, Any], *, fail: bool) -> str:
        """'failed', 'applied' (the first time for this key) or 'duplicate'."""
        now = datetime.now(UTC).isoformat()
        with self._lock:
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                if fail:
                    outcome = "failed"
                else:
                    inserted = connection.execute(
                        "INSERT OR IGNORE INTO applied (system, operation, idempotency_key, at) VALUES (?, ?, ?, ?)",
                        (system, operation, key, now),
                    ).rowcount
                    outcome = "applied" if inserted else "duplicate"
                connection.execute(
                    "INSERT INTO requests (system, operation, idempotency_key, payload, outcome, at) VALUES (?, ?, ?, ?, ?, ?)",
                    (system, operation, key, json.dumps(payload, ensure_ascii=False), outcome, now),
                )
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return outcome

    def attempts(self, system: str, operation: str, key: str) -> int:
        with self._lock:
            return self._connection.execute(
                "SELECT count(*) FROM requests WHERE system = ? AND operation = ? AND idempotency_key = ?",
                (system, operation, key),
            ).fetchone()[0]

    def summary(self) -> dict[str, Any]:
        """What was applied (each key once) and what was asked, by system and operation."""
        with self._lock:
            applied = self._connection.execute(
                "SELECT system, operation, idempotency_key FROM applied ORDER BY system, operation, idempotency_key"
            ).fetchall()
            asked = self._connection.execute(
                "SELECT system, operation, outcome, count(*) FROM requests GROUP BY system, operation, outcome"
            ).fetchall()
        return {
            "applied": [{"system": s, "operation": o, "key": k} for s, o, k in applied],
            "requests": [{"system": s, "operation": o, "outcome": out, "count": n} for s, o, out, n in asked],
        }

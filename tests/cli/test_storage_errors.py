"""Storage errors say what is wrong (issue 19.5): a database this account may not write opens
read-only (reads work, a change is refused with exit 6), and a --db naming a folder that does not
exist is refused (exit 2) instead of silently becoming a new empty database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest


def test_a_db_in_a_missing_folder_is_refused_not_created(cli, tmp_path):
    missing = tmp_path / "no-such-folder" / "crm.db"
    refused = cli.json("--db", f"sqlite:///{missing}", "customers", "search", "--name", "garcia", expect=2)
    assert refused["error"]["code"] == "invalid_input" and "create it first" in refused["error"]["message"]
    assert "db" in refused["error"]["fields"] and not missing.parent.exists()


def _lock(*paths: Path) -> bool:
    """Make files and folders unwritable for this account: `chattr +i` (immutable, which binds root
    too), else plain permissions (enough for any other account)."""
    if os.geteuid() == 0:
        return subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True, check=False).returncode == 0
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    return True


def _unlock(*paths: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", *map(str, paths)], capture_output=True, check=False)
    for path in paths:
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.fixture
def locked_database(cli, csr, supervisor, tmp_path):
    """A copy of the test database in a folder this account may read but not write (an immutable file,
    or another user's: a shop's shared read-only copy)."""
    if not cli.database_url.startswith("sqlite"):
        pytest.skip("file permissions are the SQLite side; on PostgreSQL the server's grants decide")
    source = Path(cli.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(source) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    folder = tmp_path / "readonly"
    folder.mkdir()
    target = folder / "crm.db"
    shutil.copy(source, target)
    if not _lock(target, folder):
        pytest.skip("this file system cannot make a file immutable (chattr) and the tests run as root")
    yield target
    _unlock(target, folder)


def test_a_database_this_account_may_not_write_opens_read_only(cli, locked_database):
    target = locked_database
    before = target.read_bytes()
    env = {"CRM_DATABASE_URL": f"sqlite:///{target}"}
    found = cli.json("operator", "list", operator="sam", **env)
    assert {o["username"] for o in found["operators"]} >= {"alice", "sam"}
    refused = cli.json("numbers", "stock", "600000001", operator="admin", expect=6, **env)
    assert refused["error"]["code"] == "database_read_only" and "nothing can be saved" in refused["error"]["message"]
    assert target.read_bytes() == before and sorted(p.name for p in target.parent.iterdir()) == ["crm.db"]

"""`crm-tui db ...`, `--help` without a database, bad URLs, and unexpected failures (exit 1, logged)."""

from __future__ import annotations

import pytest

from crm_tui.services.customers import search as customer_search
from crm_tui.storage.migrations.runner import head_revision


def test_db_current_reports_the_revision(cli):
    current = cli.json("db", "current", operator=None, password=None)
    assert current["revision"] == current["head"] == head_revision()
    assert current["up_to_date"] is True


def test_db_upgrade_migrates_an_empty_file_without_an_operator(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    missing = cli.json("--db", url, "db", "current", operator=None, password=None, expect=2)
    assert missing["error"]["fields"] == {"db": "The file does not exist."}
    assert "db upgrade" in missing["error"]["message"] and not (tmp_path / "fresh.db").exists()
    upgraded = cli.json("--db", url, "db", "upgrade", operator=None, password=None)
    assert upgraded["previous"] is None and upgraded["revision"] == head_revision()
    again = cli("--db", url, "db", "upgrade", operator=None, password=None)
    assert again.exit_code == 0 and "up to date" in again.stdout


@pytest.mark.parametrize(
    "args", [["--help"], ["customers", "search", "--help"], ["operator", "--help"], ["open", "--help"]]
)
def test_help_never_touches_the_database(cli, tmp_path, args):
    url = f"sqlite:///{tmp_path / 'untouched' / 'crm.db'}"
    result = cli(*args, CRM_DATABASE_URL=url)
    assert result.exit_code == 0
    assert "Usage" in result.stdout
    assert not (tmp_path / "untouched").exists()


def test_a_bad_database_url_is_invalid_input(cli):
    error = cli.json("--db", "not a url", "db", "current", expect=2)["error"]
    assert "db" in error["fields"]


def test_an_unreachable_database_says_so_without_a_traceback(cli, tmp_path):
    result = cli("--db", "postgresql+psycopg://nobody@127.0.0.1:9/none", "db", "current")  # nothing listens on port 9
    assert result.exit_code == 1
    assert "Database unavailable" in result.stderr
    assert "Traceback" not in result.output


def test_a_file_where_the_folder_should_be_is_named(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'file.db'}/not-a-dir/crm.db"
    (tmp_path / "file.db").write_text("not a folder")
    result = cli("--db", url, "db", "current")
    assert result.exit_code == 2
    assert "not a folder" in result.stderr and "Traceback" not in result.output


def test_unexpected_failure_exits_1_names_the_log_and_hides_the_traceback(cli, csr, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug deep inside")

    monkeypatch.setattr(customer_search, "search_customers", broken)
    result = cli("customers", "search", "--name", "garcia")
    assert result.exit_code == 1
    log = cli.data_dir / "crm-tui.log"
    assert f"Unexpected failure; details in {log}" in result.stderr.replace("\n", "")
    assert "Traceback" not in result.output and "a bug deep inside" not in result.output
    assert "Traceback" in log.read_text() and "RuntimeError: a bug deep inside" in log.read_text()
    as_json = cli.json("customers", "search", "--name", "garcia", expect=1)
    assert as_json["error"]["code"] == "unexpected"


def test_usage_errors_exit_2(cli, csr):
    assert cli("customers", "search", "--limit", "0").exit_code == 2
    assert cli("customers", "frobnicate").exit_code == 2
    assert cli("operator", "add", "bob", "--role", "emperor").exit_code == 2

"""`crm-tui audit verify / checkpoint`: the anchor outside the database catches a shortened log."""

from __future__ import annotations

from sqlalchemy import create_engine


def test_verify_anchors_the_head_and_then_catches_the_newest_entries_removed(cli, csr, supervisor, tmp_path):
    first = cli.json("audit", "verify", operator="sam")
    assert first["intact"] is True and first["checkpoint_written"]
    copy = tmp_path / "elsewhere.jsonl"
    mark = cli.json("audit", "checkpoint", "-o", str(copy), operator="sam")
    assert mark["entries"] > 3 and copy.read_text().count("\n") == 1
    engine = create_engine(cli.database_url)
    with engine.begin() as raw:  # someone holding the database: triggers off, the newest entries gone
        if engine.dialect.name == "sqlite":
            raw.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            raw.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
        raw.exec_driver_sql("DELETE FROM audit_log WHERE id > (SELECT max(id) - 3 FROM audit_log)")
        if engine.dialect.name != "sqlite":
            raw.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")
    engine.dispose()
    broken = cli.json("audit", "verify", "--checkpoint", str(copy), operator="sam", expect=3)
    assert broken["intact"] is False and broken["checkpoint_written"] is None
    assert any("removed from the end" in problem for problem in broken["problems"])
    human = cli("audit", "verify", operator="sam")
    assert human.exit_code == 3 and "removed from the end" in (human.stdout + human.stderr).replace("\n", " ")
    assert cli.json("audit", "checkpoint", expect=6)["error"]["code"] == "not_allowed"

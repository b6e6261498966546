"""An audit log nobody can quietly shorten (issue 19.2): entries chained by an HMAC whose key is not in
the database, the head anchored by signed checkpoints outside it, UPDATE and DELETE refused by the
database. The tamper cases are played as an attacker who holds the database (SQLite file or the
table's owner) and drops the triggers first; each is named by `verify_chain`."""

from __future__ import annotations

import hashlib
import stat

import pytest
from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from crm_tui.errors import NotAllowed
from crm_tui.services import operators
from crm_tui.services.bootstrap import services_over
from crm_tui.services.shared import audit
from crm_tui.services.shared.audit_anchor import (
    KEY_FILE,
    audit_key,
    checkpoints_path,
    load_checkpoints,
    save_checkpoint,
)
from crm_tui.storage.models.audit import AuditEntry
from tests.conftest import PASSWORD


@pytest.fixture
def history(services, csr, supervisor) -> list[int]:
    """A dozen entries: operators added, signed in, a few more sign-ins."""
    for _ in range(6):
        operators.sign_in("alice", PASSWORD, uow=services.writer())
    with services.reader() as uow:
        return list(uow.session.execute(select(AuditEntry.id).order_by(AuditEntry.id)).scalars())


def _tamper(services, *statements: str, params: dict | None = None) -> None:
    """What someone holding the database can do: drop the append-only triggers, then write."""
    with services.writer() as uow:
        if services.database.is_sqlite:
            uow.session.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            uow.session.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        else:
            uow.session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for statement in statements:
            uow.session.execute(text(statement), params or {})
        if not services.database.is_sqlite:
            uow.session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        uow.commit()


def _verify(services, supervisor, *checkpoints):
    return audit.verify_chain(uow=services.reader(), actor=supervisor, checkpoints=checkpoints)


def _checkpoint(services, supervisor):
    return audit.make_checkpoint(uow=services.reader(), actor=supervisor)


def test_the_database_refuses_to_change_or_delete_an_entry(services, history):
    for statement in ("UPDATE audit_log SET operator = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), services.writer() as uow:
            uow.session.execute(text(statement))
    if not services.database.is_sqlite:
        with pytest.raises(DBAPIError, match="append-only"), services.writer() as uow:
            uow.session.execute(text("TRUNCATE audit_log"))
    with services.reader() as uow:
        assert len(uow.session.execute(select(AuditEntry.id)).all()) == len(history)


def test_an_intact_log_verifies_with_its_checkpoint(services, supervisor, csr, history):
    mark = _checkpoint(services, supervisor)
    report = _verify(services, supervisor, mark)
    assert report.intact and report.checkpoints_checked == 1 and report.entries == mark.entries == len(history)
    assert report.head_id == history[-1] and report.legacy_entries == 0
    with pytest.raises(NotAllowed):
        audit.verify_chain(uow=services.reader(), actor=csr)
    with pytest.raises(NotAllowed):
        audit.make_checkpoint(uow=services.reader(), actor=csr)


def test_an_edited_entry_is_named(services, supervisor, history):
    _tamper(services, "UPDATE audit_log SET operator = 'mallory' WHERE id = :id", params={"id": history[3]})
    report = _verify(services, supervisor)
    assert not report.intact and report.first_broken_id == history[3] and "changed" in report.problem


def test_a_removed_middle_entry_is_named_by_the_one_after(services, supervisor, history):
    _tamper(services, "DELETE FROM audit_log WHERE id = :id", params={"id": history[5]})
    report = _verify(services, supervisor)
    assert not report.intact and report.first_broken_id == history[6] and "does not follow" in report.problem


@pytest.mark.parametrize("removed", [1, 5], ids=["the-newest", "the-last-five"])
def test_entries_removed_from_the_end_are_detected_by_the_checkpoint(services, supervisor, history, removed):
    mark = _checkpoint(services, supervisor)
    _tamper(services, "DELETE FROM audit_log WHERE id > :id", params={"id": history[-1 - removed]})
    report = _verify(services, supervisor, mark)
    assert not report.intact and "removed from the end" in report.problem, report.problems
    assert report.entries == len(history) - removed


def test_a_wiped_table_is_detected_by_the_checkpoint(services, supervisor, history):
    mark = _checkpoint(services, supervisor)
    _tamper(services, "DELETE FROM audit_log")
    report = _verify(services, supervisor, mark)
    assert not report.intact and report.entries == 0 and "wiped" in report.problem


def _rewrite(services, edited: int, *, key: bytes | None, keep_key_id: bool) -> None:
    """Edit one entry and recompute every later link, as an attacker would: with or without the key."""
    with services.reader() as uow:
        entries = uow.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    statements, previous = [], None
    for entry in entries:
        operator = "mallory" if entry.id == edited else entry.operator
        prev_hash = entry.prev_hash if previous is None else previous
        digest = audit.entry_hash(
            key,
            prev_hash,
            at=entry.at.isoformat(),
            operator=operator,
            role=entry.role,
            action=entry.action,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            summary=entry.summary,
        )
        if entry.id >= edited:
            key_id = "key_id" if keep_key_id else "NULL"
            statements.append(
                f"UPDATE audit_log SET operator = '{operator}', prev_hash = '{prev_hash}', hash = '{digest}', key_id = {key_id} WHERE id = {entry.id}"
            )
        previous = digest if entry.id >= edited else entry.hash
    if not keep_key_id:
        statements.insert(0, "UPDATE audit_log SET key_id = NULL")
    _tamper(services, *statements)


def test_a_chain_recomputed_without_the_key_is_detected(services, supervisor, history):
    _rewrite(services, history[4], key=None, keep_key_id=True)  # plain SHA-256, as the old log used
    report = _verify(services, supervisor)
    assert not report.intact and report.first_broken_id == history[4] and "without the key" in report.problem


def test_a_chain_rewritten_as_unkeyed_is_caught_by_a_checkpoint(services, supervisor, history):
    mark = _checkpoint(services, supervisor)
    with services.reader() as uow:
        genesis = uow.session.execute(select(AuditEntry.prev_hash).order_by(AuditEntry.id).limit(1)).scalar_one()
    _tamper(services, f"UPDATE audit_log SET prev_hash = '{'0' * 64}' WHERE prev_hash = '{genesis}'")
    _rewrite(services, history[0], key=None, keep_key_id=False)
    report = _verify(services, supervisor, mark)
    assert not report.intact and "rewritten" in report.problem, report.problems


def test_what_the_key_holder_can_still_do_is_bounded_by_the_checkpoints(services, supervisor, history):
    """Someone with the key and the database can recompute the chain (README says so); the entries a
    checkpoint covers still cannot change without it showing."""
    mark = _checkpoint(services, supervisor)
    key = audit.key_for(services.writer())
    _rewrite(services, history[4], key=key, keep_key_id=True)
    assert _verify(services, supervisor).intact, "without a checkpoint, the key holder's rewrite verifies"
    report = _verify(services, supervisor, mark)
    assert not report.intact and "rewritten" in report.problem


def test_a_forged_checkpoint_and_another_key_are_named(services, settings, supervisor, history):
    mark = _checkpoint(services, supervisor)
    forged = mark.model_copy(update={"entries": mark.entries + 100})
    report = _verify(services, supervisor, forged)
    assert not report.intact and "false signature" in report.problem
    other = services_over(
        services.database, settings.model_copy(update={"audit_key": SecretStr("another terminal's key")})
    )
    operators.sign_in("alice", PASSWORD, uow=other.writer())  # a terminal configured with another key
    services_over(services.database, settings)  # this terminal again, with the data folder's key
    report = audit.verify_chain(uow=services.reader(), actor=supervisor)
    assert not report.intact and report.first_broken_id == history[-1] + 1 and "another key" in report.problem


def test_the_key_file_is_made_once_for_its_owner_only_and_the_setting_wins(tmp_path):
    key = audit_key(None, tmp_path)
    path = tmp_path / KEY_FILE
    assert len(key) == 32 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert audit_key(None, tmp_path) == key
    assert audit_key("00" * 32, tmp_path) == bytes(32)
    assert audit_key("a passphrase", tmp_path) == b"a passphrase"
    assert hashlib.sha256(key).hexdigest() not in path.read_text()


def test_checkpoints_are_kept_in_a_file_and_read_back(services, supervisor, history):
    path = checkpoints_path(services.settings.data_dir)
    first = save_checkpoint(_checkpoint(services, supervisor), path)
    operators.sign_in("alice", PASSWORD, uow=services.writer())
    save_checkpoint(_checkpoint(services, supervisor), first)
    marks = load_checkpoints(path, path.with_name("missing.jsonl"))
    assert [m.entries for m in marks] == [len(history), len(history) + 1]
    assert _verify(services, supervisor, *marks).intact

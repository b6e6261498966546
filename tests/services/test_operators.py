"""Operators: the first admin, roles enforced in the service, sign-in lockout and unlock."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from crm_tui.domain import Role
from crm_tui.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    OperatorLocked,
    SignInFailed,
)
from crm_tui.services import operators
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.operators import Operator
from tests.conftest import PASSWORD


def test_first_operator_must_be_an_admin_and_needs_no_sign_in(services):
    assert operators.needs_bootstrap(uow=services.reader())
    with pytest.raises(NotAllowed):
        operators.add_operator("carla", PASSWORD, role=Role.CSR, uow=services.writer(), actor=None)
    operators.add_operator("root", PASSWORD, role=Role.ADMIN, uow=services.writer(), actor=None)
    assert not operators.needs_bootstrap(uow=services.reader())
    with pytest.raises(NotAllowed):
        operators.add_operator("second", PASSWORD, role=Role.ADMIN, uow=services.writer(), actor=None)


def test_only_an_admin_adds_operators(services, admin, csr, supervisor):
    for actor in (csr, supervisor):
        with pytest.raises(NotAllowed):
            operators.add_operator("mallory", PASSWORD, role=Role.ADMIN, uow=services.writer(), actor=actor)
    view = operators.add_operator("dora", PASSWORD, role=Role.CSR, shop="Plaza", uow=services.writer(), actor=admin)
    assert view.role == Role.CSR and view.shop == "Plaza"


def test_operator_names_are_unique_and_well_formed(services, admin):
    with pytest.raises(Conflict):
        operators.add_operator("Admin", PASSWORD, role=Role.CSR, uow=services.writer(), actor=admin)
    with pytest.raises(InvalidInput):
        operators.add_operator("a b", PASSWORD, role=Role.CSR, uow=services.writer(), actor=admin)
    with pytest.raises(InvalidInput):
        operators.add_operator("shortpw", "short", role=Role.CSR, uow=services.writer(), actor=admin)


def test_passwords_are_stored_as_argon2id_hashes(services, csr):
    with services.reader() as uow:
        stored = uow.session.execute(select(Operator.password_hash).where(Operator.username == "alice")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert "m=19456,t=2,p=1" in stored


def test_five_failed_sign_ins_lock_until_a_supervisor_unlocks(services, csr, supervisor):
    for attempt in range(1, 5):
        with pytest.raises(SignInFailed) as caught:
            operators.sign_in("alice", "wrong password!", uow=services.writer())
        assert f"{5 - attempt} tries left" in caught.value.message
    with pytest.raises(OperatorLocked):
        operators.sign_in("alice", "wrong password!", uow=services.writer())
    with pytest.raises(OperatorLocked):
        operators.sign_in("alice", PASSWORD, uow=services.writer())
    with pytest.raises(NotAllowed):
        operators.unlock_operator("alice", uow=services.writer(), actor=csr)
    operators.unlock_operator("alice", uow=services.writer(), actor=supervisor)
    assert operators.sign_in("alice", PASSWORD, uow=services.writer()).username == "alice"


def test_a_good_sign_in_resets_the_failure_count(services, csr):
    for _ in range(3):
        with pytest.raises(SignInFailed):
            operators.sign_in("alice", "wrong password!", uow=services.writer())
    operators.sign_in("alice", PASSWORD, uow=services.writer())
    with pytest.raises(SignInFailed) as caught:
        operators.sign_in("alice", "wrong password!", uow=services.writer())
    assert "4 tries left" in caught.value.message


def test_unknown_operator_gets_the_same_message(services, csr):
    with pytest.raises(SignInFailed) as caught:
        operators.sign_in("nobody", PASSWORD, uow=services.writer())
    assert caught.value.message == "Wrong operator name or password."


def test_change_password_own_or_by_admin(services, admin, csr, supervisor):
    operators.change_password("alice", "a new long password", uow=services.writer(), actor=csr)
    assert operators.sign_in("alice", "a new long password", uow=services.writer())
    with pytest.raises(NotAllowed):
        operators.change_password("alice", "another long password", uow=services.writer(), actor=supervisor)
    operators.change_password("alice", "admin set password", uow=services.writer(), actor=admin)
    assert operators.sign_in("alice", "admin set password", uow=services.writer())


def test_changes_leave_an_audit_chain_without_passwords(services, admin, csr):
    with services.reader() as uow:
        entries = uow.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [e.action for e in entries][:2] == ["operator.add", "operator.sign_in"]
    for previous, entry in zip(entries, entries[1:], strict=False):
        assert entry.prev_hash == previous.hash
    assert all(PASSWORD not in str(e.summary) for e in entries)


def test_a_sign_in_checks_the_password_before_it_takes_the_write_lock(services, admin, csr, monkeypatch):
    """Argon2id takes tens of milliseconds: other terminals must not wait on the lock for it."""
    hashing, release = threading.Event(), threading.Event()
    real_verify = operators.verify_secret

    def slow_verify(stored, password):  # noqa: ANN001, ANN202
        hashing.set()
        assert release.wait(10)
        return real_verify(stored, password)

    monkeypatch.setattr(operators, "verify_secret", slow_verify)
    signed_in: list = []
    signing = threading.Thread(
        target=lambda: signed_in.append(operators.sign_in("alice", PASSWORD, uow=services.writer()))
    )
    signing.start()
    assert hashing.wait(10)
    other_terminal = threading.Thread(
        target=lambda: operators.unlock_operator("alice", uow=services.writer(), actor=admin)
    )
    other_terminal.start()
    other_terminal.join(5)
    finished_while_hashing = not other_terminal.is_alive()
    release.set()
    signing.join(10)
    other_terminal.join(10)
    assert finished_while_hashing, "a write waited for the sign-in's password check"
    assert signed_in and signed_in[0].username == "alice"


def test_an_unknown_operator_is_checked_against_a_hash_as_costly_as_a_real_one():
    from crm_tui.services.shared.passwords import _DUMMY_HASH, HASHER, verify_secret

    assert not HASHER.check_needs_rehash(_DUMMY_HASH)  # the same Argon2id parameters, so the same time
    assert verify_secret(None, "anything at all") is False


def test_an_operator_chooses_a_language_of_the_workbench_and_keeps_it_for_the_next_sign_in(services, csr):
    view = operators.set_language("es", uow=services.writer(), actor=csr)
    assert view.language == "es"
    again = operators.sign_in(csr.username, PASSWORD, uow=services.writer())
    assert again.language == "es"
    with services.reader() as uow:
        entry = uow.session.execute(
            select(AuditEntry).where(AuditEntry.action == "operator.language").order_by(AuditEntry.id.desc())
        ).scalar_one()
    assert (entry.operator, entry.entity_id, entry.summary["to"]) == (csr.username, csr.username, "es")
    with pytest.raises(InvalidInput) as refused:
        operators.set_language("fr", uow=services.writer(), actor=csr)  # a language, but no catalogue
    assert "language" in refused.value.fields
    with pytest.raises(InvalidInput):
        operators.set_language("qq", uow=services.writer(), actor=csr)
    assert operators.set_language(None, uow=services.writer(), actor=csr).language is None

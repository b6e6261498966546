"""`crm-tui operator ...` and signing in from scripts: bootstrap, roles, lockout, unlock, passwords."""

from __future__ import annotations

from tests.conftest import PASSWORD

NEW = "a brand new password"


def test_the_first_admin_needs_no_sign_in(cli):
    added = cli.json(
        "operator",
        "add",
        "root",
        "--role",
        "admin",
        "--display-name",
        "Ana Root",
        operator=None,
        password=None,
        CRM_NEW_PASSWORD=NEW,
    )
    assert added["username"] == "root" and added["role"] == "admin" and added["display_name"] == "Ana Root"
    # ...and the new admin can now sign in and add a CSR
    bob = cli.json(
        "operator",
        "add",
        "bob",
        "--role",
        "csr",
        "--shop",
        "Gran Vía",
        operator="root",
        password=NEW,
        CRM_NEW_PASSWORD=NEW,
    )
    assert bob["role"] == "csr" and bob["shop"] == "Gran Vía"


def test_the_first_operator_must_be_an_admin(cli):
    error = cli.json(
        "operator", "add", "bob", "--role", "csr", operator=None, password=None, CRM_NEW_PASSWORD=NEW, expect=6
    )["error"]
    assert error["code"] == "not_allowed"


def test_after_bootstrap_adding_an_operator_needs_a_sign_in(cli, admin):
    result = cli("operator", "add", "bob", "--role", "csr", operator=None, password=None, CRM_NEW_PASSWORD=NEW)
    assert result.exit_code == 6
    assert "operator name" in result.stderr


def test_a_csr_cannot_add_operators(cli, csr):
    result = cli("operator", "add", "bob", "--role", "csr", CRM_NEW_PASSWORD=NEW)
    assert result.exit_code == 6
    assert "may add operators" in result.stderr


def test_a_duplicate_operator_is_a_conflict(cli, admin, csr):
    error = cli.json("operator", "add", "alice", "--role", "csr", operator="admin", CRM_NEW_PASSWORD=NEW, expect=3)[
        "error"
    ]
    assert error["code"] == "conflict" and error["fields"] == {"username": "Already taken."}


def test_a_short_new_password_is_invalid(cli, admin):
    error = cli.json("operator", "add", "bob", "--role", "csr", operator="admin", CRM_NEW_PASSWORD="short", expect=2)[
        "error"
    ]
    assert "password" in error["fields"]


def test_without_a_terminal_a_missing_new_password_is_invalid(cli, admin):
    result = cli("operator", "add", "bob", "--role", "csr", operator="admin")
    assert result.exit_code == 2
    assert "CRM_NEW_PASSWORD" in result.stderr


def test_wrong_password_is_not_allowed(cli, csr):
    error = cli.json("customers", "search", "--name", "garcia", password="not the password", expect=6)["error"]
    assert error["code"] == "sign_in_failed" and error["tries_left"] == 4
    result = cli("customers", "search", "--name", "garcia", password="not the password")
    assert result.exit_code == 6
    assert "Sign-in failed" in result.stderr and "3 tries left" in result.stderr  # the second failure


def test_no_password_and_no_terminal_is_not_allowed_without_a_prompt(cli, csr):
    result = cli("customers", "search", "--name", "garcia", password=None)
    assert result.exit_code == 6
    assert "CRM_OPERATOR_PASSWORD" in result.stderr
    assert result.stdout == ""


def test_as_overrides_the_environment(cli, csr, supervisor):
    assert cli.json("--as", "sam", "operator", "list", operator="alice")["operators"]
    assert cli("operator", "list", operator="alice").exit_code == 6  # a CSR may not list operators


def test_five_wrong_passwords_lock_until_a_supervisor_unlocks(cli, csr, supervisor):
    for _ in range(4):
        assert cli("customers", "search", "--name", "x y", password="wrong password").exit_code == 6
    error = cli.json("customers", "search", "--name", "garcia", password="wrong password", expect=6)["error"]
    assert error["code"] == "operator_locked"
    # even the right password is refused now
    assert cli.json("customers", "search", "--name", "garcia", expect=6)["error"]["code"] == "operator_locked"
    listed = {op["username"]: op for op in cli.json("operator", "list", operator="sam")["operators"]}
    assert listed["alice"]["locked"] is True
    assert cli("operator", "unlock", "alice", operator="alice").exit_code == 6  # not by herself
    unlocked = cli.json("operator", "unlock", "alice", operator="sam")
    assert unlocked["locked"] is False and unlocked["failed_sign_ins"] == 0
    assert cli.json("customers", "search", "--name", "garcia")["total"] == 0


def test_unlock_unknown_operator_is_not_found(cli, supervisor):
    assert cli.json("operator", "unlock", "nobody", operator="sam", expect=5)["error"]["code"] == "not_found"


def test_operator_list_for_people(cli, admin, csr):
    result = cli("operator", "list", operator="admin")
    assert result.exit_code == 0, result.stderr
    assert "Alice" in result.stdout and "CSR" in result.stdout and "Admin" in result.stdout


def test_an_operator_changes_their_own_password(cli, csr):
    changed = cli.json("operator", "passwd", "alice", CRM_NEW_PASSWORD=NEW)
    assert changed["username"] == "alice"
    assert cli("customers", "search", "--name", "garcia").exit_code == 6  # the old one no longer works
    assert cli("customers", "search", "--name", "garcia", password=NEW).exit_code == 0


def test_a_csr_cannot_change_someone_elses_password(cli, csr, supervisor):
    assert cli("operator", "passwd", "sam", CRM_NEW_PASSWORD=NEW).exit_code == 6
    assert cli("operator", "list", operator="sam", password=PASSWORD).exit_code == 0

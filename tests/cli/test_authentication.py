"""`crm-tui customers authenticate | reset-password | unlock-authentication`: the secret comes on stdin,
never echoed; wrong tries count down to a lock only a supervisor lifts."""

from __future__ import annotations

import pytest

from tests.cli.conftest import EXAMPLE

PASSWORD = "Barca-vela-2024"
NUMBER = "600 000 000"


@pytest.fixture
def marta(cli, csr, pools):
    """The example customer, registered with the line 34600000000."""
    return cli.json("customers", "register", "--file", str(EXAMPLE))["customer_id"]


def authenticate(cli, password: str, *, number: str = NUMBER, expect: int = 0):
    return cli.json("customers", "authenticate", "--service-number", number, input=password + "\n", expect=expect)


def test_the_right_password_authenticates(cli, marta):
    assert authenticate(cli, PASSWORD) == {"customer_id": marta, "service_number": "34600000000", "authenticated": True}
    result = cli("customers", "authenticate", "--service-number", "+34600000000", input=PASSWORD + "\n")
    assert result.exit_code == 0 and marta in result.stdout
    assert PASSWORD not in result.output  # never echoed


def test_wrong_passwords_count_down_then_lock_until_a_supervisor_unlocks(cli, marta, supervisor):
    first = authenticate(cli, "Barca-vela-2025", expect=6)["error"]
    assert first["code"] == "authentication_failed" and "4 tries left" in first["message"] and first["tries_left"] == 4
    for left in (3, 2, 1):
        result = cli("customers", "authenticate", "--service-number", NUMBER, input="wrong password\n")
        assert result.exit_code == 6 and f"{left} tries left" in result.stderr
        assert "wrong password" not in result.output
    assert "locked" in authenticate(cli, "wrong again", expect=6)["error"]["message"]
    assert "locked" in authenticate(cli, PASSWORD, expect=6)["error"]["message"]  # even the right one now
    assert cli("customers", "unlock-authentication", "--service-number", NUMBER).exit_code == 6  # not a CSR
    assert (
        cli.json("customers", "unlock-authentication", "--service-number", NUMBER, operator="sam")["unlocked"] is True
    )
    assert authenticate(cli, PASSWORD)["customer_id"] == marta


def test_an_unknown_line_is_not_found_and_a_bad_number_is_invalid(cli, marta):
    assert authenticate(cli, PASSWORD, number="600 000 004", expect=5)["error"]["code"] == "not_found"
    assert "service_number" in authenticate(cli, PASSWORD, number="12", expect=2)["error"]["fields"]


def test_no_password_on_stdin_is_invalid(cli, marta):
    error = cli.json("customers", "authenticate", "--service-number", NUMBER, input="", expect=2)["error"]
    assert error["fields"] == {"service_password": "Required."}


def test_the_security_answer_sets_a_new_password(cli, marta):
    result = cli("customers", "reset-password", "--service-number", NUMBER, input="calle colon\nNueva-clave-2026\n")
    assert result.exit_code == 0, result.output
    assert "Security question: Street where you grew up?" in result.stderr
    assert "Nueva-clave-2026" not in result.output and "colon" not in result.output
    assert authenticate(cli, PASSWORD, expect=6)["error"]["code"] == "authentication_failed"
    assert authenticate(cli, "Nueva-clave-2026")["customer_id"] == marta


def test_a_wrong_security_answer_changes_nothing(cli, marta):
    reset = cli.json(
        "customers", "reset-password", "--service-number", NUMBER, input="Calle Mayor\nNueva-clave-2026\n", expect=6
    )
    assert "4 tries left" in reset["error"]["message"]
    assert authenticate(cli, PASSWORD)["customer_id"] == marta

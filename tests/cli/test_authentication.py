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
    assert authenticate(cli, PASSWORD) == {
        "customer_id": marta,
        "service_number": "34600000000",
        "by": "service_number",
        "authenticated": True,
    }
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


# --- the three sign-in keys, login names, social accounts ----------------------------------------


def sign_in(cli, *key: str, password: str = PASSWORD, expect: int = 0):
    return cli.json("customers", "authenticate", *key, input=password + "\n", expect=expect)


def test_a_login_name_is_set_then_signs_in_whatever_its_case(cli, marta):
    assert cli.json("customers", "set-login", marta, "Marta.Soler") == {
        "customer_id": marta,
        "login_name": "marta.soler",
        "previous": None,
    }
    assert sign_in(cli, "--login", "MARTA.soler") == {
        "customer_id": marta,
        "service_number": "34600000000",
        "by": "login_name",
        "authenticated": True,
    }
    assert sign_in(cli, "--email", "Marta.Soler@example.com")["by"] == "email"
    result = cli("customers", "authenticate", "--login", "marta.soler", input=PASSWORD + "\n")
    assert result.exit_code == 0 and "login name" in result.stdout
    assert sign_in(cli, "--login", "nobody.here", expect=5)["error"]["code"] == "not_found"
    first = sign_in(cli, "--login", "marta.soler", password="wrong-one", expect=6)["error"]
    assert first["tries_left"] == 4 and first["locked"] is False


def test_exactly_one_key_is_given(cli, marta):
    for key in ((), ("--login", "marta.soler", "--service-number", NUMBER)):
        error = sign_in(cli, *key, expect=2)["error"]
        assert "one key" in error["message"]
    assert "login_name" in sign_in(cli, "--login", "a b", expect=2)["error"]["fields"]


def test_set_login_refuses_bad_taken_and_unknown(cli, marta, tmp_path):
    other = tmp_path / "other.json"
    other.write_text(
        '{"cert_type": "passport", "cert_number": "XDA123456", "cert_country": "ES", "first_name": "Pere",'
        ' "last_name": "Mas", "birthday": "1970-01-02", "service_password": "Pera-roja-1970"}'
    )
    pere = cli.json("customers", "register", "--file", str(other))["customer_id"]
    assert cli.json("customers", "set-login", marta, "marta.soler")["login_name"] == "marta.soler"
    assert cli.json("customers", "show", marta)["login_name"] == "marta.soler"
    taken = cli.json("customers", "set-login", pere, "MARTA.SOLER", expect=3)["error"]
    assert taken["fields"] == {"login_name": "Taken."}
    assert "login_name" in cli.json("customers", "set-login", pere, "no", expect=2)["error"]["fields"]
    assert cli.json("customers", "set-login", "C0000000042", "pere.mas", expect=5)["error"]["code"] == "not_found"
    result = cli("customers", "set-login", pere, "pere.mas")
    assert result.exit_code == 0 and "now signs in as pere.mas" in result.stderr
    assert cli.json("customers", "set-login", marta, "")["login_name"] is None
    assert cli.json("customers", "set-login", pere, "marta.soler")["previous"] == "pere.mas"


def test_reset_and_unlock_take_the_login_name_too(cli, marta, supervisor):
    cli.json("customers", "set-login", marta, "marta.soler")
    for _ in range(5):
        sign_in(cli, "--login", "marta.soler", password="wrong-one", expect=6)
    assert sign_in(cli, "--email", "marta.soler@example.com", expect=6)["error"]["locked"] is True
    unlocked = cli.json("customers", "unlock-authentication", "--login", "marta.soler", operator="sam")
    assert unlocked == {"customer_id": marta, "unlocked": True}
    result = cli("customers", "reset-password", "--login", "marta.soler", input="calle colon\nNueva-clave-2026\n")
    assert result.exit_code == 0, result.output
    assert sign_in(cli, "--login", "marta.soler", password="Nueva-clave-2026")["customer_id"] == marta


def test_search_finds_a_social_account_by_handle_or_provider(cli, marta):
    for social in ("marta.soler.85", "@marta.soler.85", "google:marta.soler.85"):
        found = cli.json("customers", "search", "--social", social)
        assert [c["customer_id"] for c in found["customers"]] == [marta]
    assert cli.json("customers", "search", "--social", "facebook:marta.soler.85")["customers"] == []
    assert "social" in cli.json("customers", "search", "--social", "two words", expect=2)["error"]["fields"]

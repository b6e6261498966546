"""Bare `crm-tui` and `crm-tui open ...` hand the right request to the workbench, or refuse bad input first."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from crm_tui import launch
from crm_tui.services.shared.validation import customer_id_for


def test_bare_crm_tui_opens_the_sign_in_screen(cli, workbench):
    result = cli(operator=None, password=None)
    assert result.exit_code == 0, result.output
    assert workbench.calls == [(cli.database_url, None)]


def test_the_console_script_opens_the_workbench_straight_away_when_bare(cli, workbench, monkeypatch):
    """`crm-tui` (crm_tui.launch) with no arguments skips the command machinery; with some, runs the command."""
    for name, value in cli.environment(operator=None, password=None).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["crm-tui"])
    launch.main()
    assert workbench.calls == [(cli.database_url, None)]
    monkeypatch.setattr(sys, "argv", ["crm-tui", "open", "query", "--service-number", "612 345 678"])
    with pytest.raises(SystemExit) as exited:
        launch.main()
    assert exited.value.code == 0
    [_, (_, opened)] = workbench.calls
    assert opened.screen == "query" and opened.fields == {"service_number": "612 345 678"}


def test_open_query_with_a_service_number(cli, workbench):
    result = cli("open", "query", "--service-number", "612 345 678", operator=None, password=None)
    assert result.exit_code == 0, result.output
    [(_, launch)] = workbench.calls
    assert isinstance(launch, workbench.module.LaunchRequest)
    assert (launch.screen, launch.fields, launch.customer_id) == ("query", {"service_number": "612 345 678"}, None)


def test_open_query_with_every_field(cli, workbench):
    args = {
        "--customer-id": customer_id_for(1),
        "--cert-type": "passport",
        "--cert-number": "X1234567",
        "--service-number": "+34612345678",
        "--name": "García",
        "--imsi": "214070000000001",
        "--iccid": "8934070000000000015",
        "--email": "a@example.com",
    }
    result = cli("open", "query", *[part for pair in args.items() for part in pair])
    assert result.exit_code == 0, result.output
    [(_, launch)] = workbench.calls
    assert launch.fields == {key[2:].replace("-", "_"): value for key, value in args.items()}


def test_open_customer_by_id(cli, workbench):
    wanted = customer_id_for(18)
    assert cli("open", "customer", wanted.lower()).exit_code == 0
    [(_, launch)] = workbench.calls
    assert (launch.screen, launch.customer_id, launch.fields) == ("customer", wanted, {})


@pytest.mark.parametrize("screen", ["register", "deregister", "suspend", "resume", "queues"])
def test_open_the_other_screens(cli, workbench, screen):
    assert cli("open", screen, "--service-number", "612345678").exit_code == 0
    assert workbench.calls[0][1].screen == screen


@pytest.mark.parametrize(
    "args, field",
    [
        (["query", "--imsi", "123"], "imsi"),
        (["query", "--service-number", "12"], "service_number"),
        (["customer", "C0000000010"], "customer_id"),
        (["customer"], "customer_id"),
        (["query", "C0000000018"], "customer_id"),
    ],
)
def test_bad_input_exits_2_without_a_workbench(cli, workbench, args, field):
    result = cli("open", *args)
    assert result.exit_code == 2, result.output
    assert f"{field}:" in result.stderr
    assert workbench.calls == []


def test_unknown_screen_is_a_usage_error(cli, workbench):
    result = cli("open", "billing")
    assert result.exit_code == 2
    assert workbench.calls == []


def test_a_command_leaves_without_the_final_garbage_collection(tmp_path):
    """The process hands every object to `gc.freeze()` before Python's last collection (issue 21: a
    quarter of a read command's time), and leaving is otherwise unchanged: the command's output, its
    message and its exit code all arrive. An exit handler registered before `main()` runs after the
    launcher's, so it sees what the final collection will see."""
    probe = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
        "sys.argv = ['crm-tui', *sys.argv[1:]]\n"
        "from crm_tui.launch import script\n"
        "script()\n"
    )
    missing = tmp_path / "nowhere.db"
    done = subprocess.run(
        [sys.executable, "-c", probe, "--db", f"sqlite:///{missing}", "customers", "show", "C0000000018", "--json"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        env=os.environ | {"CRM_DATA_DIR": str(tmp_path), "CRM_LOCALE": "en"},
    )
    assert done.returncode == 2, done.stderr
    assert json.loads(done.stdout)["error"]["fields"] == {"db": "The file does not exist."}
    frozen = int(re.search(r"^frozen (\d+)$", done.stderr, re.MULTILINE).group(1))
    assert frozen > 10_000  # the imports' objects: typer, SQLAlchemy, pydantic, the settings
    assert not missing.exists()

"""`crm-tui batch`: a script's thousand commands in one process, each as if it ran alone.

The same mixed commands (reads, a registration, a refused one, a held one) are run one by one
(a few as separate processes, as a script would) and then as one batch over the same starting
database: same documents, same exit codes, in input order.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crm_tui.config import Settings
from crm_tui.domain import Role
from crm_tui.services.bootstrap import open_services
from crm_tui.storage.models.audit import AuditEntry
from crm_tui.storage.models.blacklist import BlacklistEntry
from tests.cli.conftest import EXAMPLE, Cli
from tests.conftest import _add, _empty_pg
from tests.factories import LUCIA_KEYS, make_customer, sim_card

MARTA = json.loads(EXAMPLE.read_text())
BLACKLISTED = MARTA | {
    "cert_type": "passport",
    "cert_number": "PAB765432",
    "first_name": "Ramón",
    "last_name": "Ibarra Soto",
    "email": "ramon.ibarra@example.com",
    "mobile": "+34 655 000 321",
    "birthday": "1971-02-14",
    "social_accounts": [],
}
NURIA = MARTA | {
    "cert_type": "passport",
    "cert_number": "PAC112233",
    "first_name": "Nuria",
    "last_name": "Pons Albert",
    "email": "nuria.pons@example.com",
    "mobile": "+34 644 999 888",
    "birthday": "1990-06-01",
    "social_accounts": [],
    "contacts": [],
}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


@pytest.fixture
def world(cli: Cli, database_url: str, tmp_path: Path, _sqlite_template: Path):
    """Starts the database afresh, the same each time: operators, Lucía, a blacklisted passport, one
    number and one SIM in the pools."""

    def start() -> None:
        if database_url.startswith("sqlite"):
            path = Path(database_url.removeprefix("sqlite:///"))
            for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)
            shutil.copy(_sqlite_template, path)
        else:
            _empty_pg(database_url)
        services = open_services(Settings(database_url=database_url, data_dir=cli.data_dir))
        try:
            admin = _add(services, "admin", Role.ADMIN, None)
            _add(services, "alice", Role.CSR, admin)
            make_customer(services, **LUCIA_KEYS)
            with services.writer() as uow:
                uow.session.add(
                    BlacklistEntry(
                        cert_type="passport", cert_number="PAB765432", cert_country="ES", severity="ban", reason="Fraud"
                    )
                )
                uow.commit()
        finally:
            services.close()
        assert cli.json("numbers", "stock", "600000000", operator="admin")["stocked"] == 1
        sims = tmp_path / "sims.csv"
        sims.write_text("iccid,imsi\n{},{}\n".format(*sim_card(100)))
        assert cli.json("sims", "stock", "--file", str(sims), operator="admin")["stocked"] == 1

    return start


def _file(tmp_path: Path, name: str, form: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(form), encoding="utf-8")
    return str(path)


def _batch_file(tmp_path: Path, commands: list[list[str]], *extra_lines: str) -> str:
    path = tmp_path / "batch.jsonl"
    path.write_text("".join(json.dumps({"cmd": cmd}) + "\n" for cmd in commands) + "".join(extra_lines))
    return str(path)


def _results(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def _timeless(value: Any) -> Any:
    """The document with its timestamps blanked: the two runs are seconds apart."""
    if isinstance(value, dict):
        return {key: _timeless(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_timeless(item) for item in value]
    return "<time>" if isinstance(value, str) and TIME.match(value) else value


def _alone(cli: Cli, args: list[str]) -> tuple[int, Any]:
    """One command in its own process, as a script runs it."""
    done = subprocess.run(
        [sys.executable, "-m", "crm_tui", *args, "--json"],
        env=os.environ | cli.environment(),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else None


def test_a_mixed_batch_gives_what_the_commands_give_one_by_one(cli, world, tmp_path):
    marta, ramon = _file(tmp_path, "marta.json", MARTA), _file(tmp_path, "ramon.json", BLACKLISTED)
    commands = [
        ["customers", "show", "C0000000018"],  # Lucía, the first customer
        ["customers", "search", "--name", "garcia"],
        ["customers", "register", "--file", marta],  # registered, with the pool's number
        ["customers", "register", "--file", marta],  # refused: the same certificate (3)
        ["customers", "register", "--file", ramon],  # held: a blacklisted passport (4)
        ["subscribers", "show", LUCIA_KEYS["service_number"]],
        ["customers", "show", "C0000000019"],  # a mistyped check digit (2)
        ["customers", "search", "--cert-number", MARTA["cert_number"]],  # sees the registration above
        ["queue", "list", "--json"],  # --json already there: not added twice; a CSR may not (6)
    ]
    in_processes = {0, 3, 5}  # these run as separate processes; the others in-process

    world()
    alone = []
    for index, args in enumerate(commands):
        if index in in_processes:
            alone.append(_alone(cli, args))
        else:
            result = cli(*args, *([] if "--json" in args else ["--json"]))
            alone.append((result.exit_code, json.loads(result.stdout) if result.stdout.strip() else None))
    assert [code for code, _ in alone] == [0, 0, 0, 3, 4, 0, 2, 0, 6]

    world()
    ran = cli("batch", _batch_file(tmp_path, commands))
    results = _results(ran.stdout)
    assert [r["line"] for r in results] == list(range(1, len(commands) + 1))
    assert [r["cmd"] for r in results] == commands
    assert [(r["exit_code"], _timeless(r["document"])) for r in results] == [
        (code, _timeless(document)) for code, document in alone
    ]
    assert [r["error"] for r in results] == [(d or {}).get("error") for _, d in alone]
    assert results[2]["document"]["service_number"] == "34600000000"
    assert results[3]["error"]["code"] == "duplicate_identity"
    assert results[4]["document"]["held"]["queue"] == "held_registrations"
    assert ran.exit_code == 3, "the first command that did not exit 0 (the refused registration) names the batch's"
    assert "Batch B" in ran.stderr and "9 commands, 5 done, 4 not" in ran.stderr


def _alice_entries(cli: Cli) -> list[AuditEntry]:
    services = open_services(Settings(database_url=cli.database_url, data_dir=cli.data_dir))
    try:
        with services.reader() as uow:
            return list(uow.session.execute(select(AuditEntry).where(AuditEntry.operator == "alice")).scalars())
    finally:
        services.close()


def test_one_sign_in_for_the_batch_and_its_audit_entries_name_it(cli, world, tmp_path):
    world()
    before = {entry.id for entry in _alice_entries(cli)}
    marta = _file(tmp_path, "marta.json", MARTA | {"primary_offering": ""})
    commands = [["customers", "show", "C0000000018"]] * 3 + [["customers", "register", "--file", marta]]
    ran = cli("batch", _batch_file(tmp_path, commands))
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    batch_id = re.search(r"Batch (B[\w-]+)", ran.stderr).group(1)
    entries = [entry for entry in _alice_entries(cli) if entry.id not in before]
    assert [entry.action for entry in entries if entry.action == "operator.sign_in"] == ["operator.sign_in"]
    written = [entry for entry in entries if entry.action != "operator.sign_in"]
    assert written and all(entry.summary["batch"] == batch_id for entry in written)
    assert cli.json("audit", "verify", operator="admin")["intact"] is True


def test_a_failing_command_rolls_back_alone(cli, world, tmp_path):
    world()  # one number in the pool: Marta takes it, Nuria finds none
    marta, nuria = _file(tmp_path, "marta.json", MARTA), _file(tmp_path, "nuria.json", NURIA)
    nuria_idle = _file(tmp_path, "nuria-idle.json", NURIA | {"primary_offering": ""})
    ran = cli(
        "batch",
        _batch_file(
            tmp_path,
            [
                ["customers", "register", "--file", marta],
                ["customers", "register", "--file", nuria],  # no free number: nothing of it is saved
                ["customers", "search", "--cert-number", NURIA["cert_number"]],
                ["customers", "register", "--file", nuria_idle],  # the batch goes on, the database fine
            ],
        ),
    )
    first, refused, looked, second = _results(ran.stdout)
    assert first["exit_code"] == 0 and first["document"]["service_number"] == "34600000000"
    assert refused["exit_code"] == 3 and "No free number" in refused["error"]["message"]
    assert looked["exit_code"] == 0 and looked["document"]["total"] == 0
    assert second["exit_code"] == 0 and second["document"]["customer_id"]
    assert cli.json("customers", "search", "--cert-number", NURIA["cert_number"])["total"] == 1
    assert cli.json("customers", "search", "--cert-number", MARTA["cert_number"])["total"] == 1


def test_stop_on_error_stops_at_the_first_line_that_did_not_exit_0(cli, world, tmp_path):
    world()
    commands = [
        ["customers", "show", "C0000000018"],
        ["customers", "show", "nonsense"],
        ["customers", "show", "C0000000018"],
    ]
    ran = cli("batch", "--stop-on-error", _batch_file(tmp_path, commands))
    results = _results(ran.stdout)
    assert [r["line"] for r in results] == [1, 2] and results[1]["exit_code"] == 2
    assert ran.exit_code == 2 and "Stopped at line 2" in ran.stderr
    kept_going = _results(cli("batch", _batch_file(tmp_path, commands)).stdout)
    assert [r["exit_code"] for r in kept_going] == [0, 2, 0]


def test_malformed_lines_are_reported_by_number_and_the_good_ones_still_run(cli, world, tmp_path):
    world()
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"cmd": ["customers", "show", "C0000000018"]}),
                "{not json",
                "",  # blank lines are skipped, but counted
                json.dumps({"command": ["customers", "show"]}),
                json.dumps({"cmd": "customers show C0000000018"}),
                json.dumps({"cmd": ["batch", "other.jsonl"]}),
                json.dumps({"cmd": ["customers", "show", "C0000000018"], "stdin": 7}),
                json.dumps({"cmd": ["--as", "admin", "customers", "show", "C0000000018"]}),
                json.dumps({"cmd": ["customers", "show", "C0000000018"]}),
            ]
        )
        + "\n"
    )
    ran = cli("batch", str(path))
    results = _results(ran.stdout)
    assert ran.exit_code == 2
    assert [(r["line"], r["exit_code"]) for r in results] == [
        (1, 0),
        (2, 2),
        (4, 2),
        (5, 2),
        (6, 2),
        (7, 2),
        (8, 2),
        (9, 0),
    ]
    malformed = {r["line"]: r["error"] for r in results if r["error"] and r["error"]["code"] == "malformed_line"}
    assert sorted(malformed) == [2, 4, 5, 6, 7]
    assert all(error["message"].startswith(f"Line {line}: ") for line, error in malformed.items())
    assert "not JSON" in malformed[2]["message"] and "cannot run in a batch" in malformed[6]["message"]
    assert results[6]["error"]["fields"] == {"as": "Not inside a batch."}  # a command's own refusal
    assert results[0]["document"] == results[-1]["document"]
    stopped = cli("batch", "--stop-on-error", str(path))
    assert [r["line"] for r in _results(stopped.stdout)] == [1, 2] and stopped.exit_code == 2


def test_commands_read_their_own_stdin_and_the_batch_can_come_on_stdin(cli, world, tmp_path):
    world()
    lines = [
        {"cmd": ["customers", "register", "--file", "-"], "stdin": json.dumps(MARTA | {"primary_offering": ""})},
        {"cmd": ["customers", "search", "--cert-number", MARTA["cert_number"]]},
    ]
    ran = cli("batch", "-", input="".join(json.dumps(line) + "\n" for line in lines))
    registered, found = _results(ran.stdout)
    assert (
        registered["exit_code"] == 0
        and found["document"]["customers"][0]["customer_id"] == registered["document"]["customer_id"]
    )


def test_a_wrong_password_fails_the_batch_once_before_any_command(cli, world, tmp_path):
    world()
    ran = cli("batch", _batch_file(tmp_path, [["customers", "show", "C0000000018"]] * 10), password="wrong password!")
    assert ran.exit_code == 6 and ran.stdout == ""
    assert cli("customers", "show", "C0000000018").exit_code == 0  # one failure counted, not ten: not locked


def test_the_example_batch_file_runs(cli, world):
    world()
    example = Path(__file__).parents[2] / "data" / "examples" / "batch.jsonl"
    ran = cli("batch", str(example))
    results = _results(ran.stdout)
    assert results and all(r["exit_code"] in (0, 5) for r in results), results
    assert results[0]["document"]["customer_id"] == "C0000000018"

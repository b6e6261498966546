"""`crm-tui demo` runs the other systems beside the workbench: BSS simulator, a mailbox, the dispatcher.

The workbench is replaced by a stand-in (conftest's `workbench`) that, while "open", looks at what is
running: the order steps go to the simulator over HTTP, a registration's welcome reaches the mailbox
through the dispatcher, and everything is gone once the workbench closes.
"""

from __future__ import annotations

import json
import mailbox
import os
import smtplib
import socket
import time

import httpx

from crm_tui.cli.demo_systems import SMTP_SETTINGS, SYSTEM_URLS, demo_systems, start_dispatcher

PERSON = {
    "cert_type": "passport",
    "cert_number": "DM7654321",
    "cert_country": "FR",
    "first_name": "Marta",
    "last_name": "Correo",
    "birthday": "1980-04-05",
    "email": "marta.correo@example.com",
    "service_password": "Largo-secreto-9",
}


def _wait_for(predicate, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_demo_systems_start_answer_and_stop(tmp_path, monkeypatch):
    for name in (*SYSTEM_URLS, *SMTP_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    with demo_systems(tmp_path) as systems:
        url = os.environ["CRM_CBS_URL"]
        assert url == systems.simulator_url and all(os.environ[name] == url for name in SYSTEM_URLS)
        assert httpx.get(f"{url}/_health", timeout=2).status_code == 200
        port = int(os.environ["CRM_SMTP_PORT"])
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.sendmail("shop@example.com", ["ana@example.com"], b"Subject: hola\r\n\r\nYour line is ready.\r\n")
        [message] = list(mailbox.Maildir(systems.mailbox))
        assert message["Subject"] == "hola"
        simulator = systems.processes[0]
    assert simulator.poll() is not None, "the simulator outlives the demo"
    assert not _port_open(port), "the mailbox outlives the demo"
    assert not any(os.environ.get(name) for name in (*SYSTEM_URLS, *SMTP_SETTINGS)), "dead addresses left behind"


def test_configured_systems_are_kept_and_nothing_is_started_in_their_place(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_CBS_URL", "http://billing.example:8080")
    monkeypatch.setenv("CRM_SMTP_HOST", "mail.example")
    with demo_systems(tmp_path) as systems:
        assert systems.simulator_url is None and systems.mailbox is None and systems.processes == []
        assert os.environ["CRM_CBS_URL"] == "http://billing.example:8080"
    assert os.environ["CRM_CBS_URL"] == "http://billing.example:8080"


def test_a_bad_start_stops_what_did_start(tmp_path, monkeypatch):
    """A dispatcher pointed at a database that is not there exits; stopping is still clean."""
    for name in (*SYSTEM_URLS, *SMTP_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    with demo_systems(tmp_path) as systems:
        start_dispatcher(systems, f"sqlite:///{tmp_path / 'missing' / 'none.db'}")
        dispatcher = systems.processes[-1]
        assert dispatcher.wait(30) == 2  # refused: the database does not exist
    assert all(process.poll() is not None for process in systems.processes) or systems.processes == []


def test_demo_sends_a_welcome_through_the_dispatcher_to_the_mailbox(cli, workbench, tmp_path, monkeypatch):
    for name in (*SYSTEM_URLS, *SMTP_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    made = cli.json("--db", url, "demo", "--no-open", "--customers", "5", operator=None, password=None)
    csr = next(s for s in made["sign_ins"] if s["role"] == "csr")
    person = tmp_path / "marta.json"
    person.write_text(json.dumps(PERSON))
    cli.json(
        "--db", url, "customers", "register", "--file", str(person), operator=csr["username"], password=csr["password"]
    )
    seen: dict[str, object] = {}

    def while_open(open_services, launch=None):
        services = open_services()
        seen["cbs_url"] = services.settings.cbs_url
        seen["health"] = httpx.get(f"{services.settings.cbs_url}/_health", timeout=2).status_code
        box = mailbox.Maildir(tmp_path / "data" / "demo-mail", create=True)
        seen["mail"] = _wait_for(lambda: [m["To"] for m in box])

    monkeypatch.setattr(workbench.module, "run_workbench", while_open)
    result = cli("--db", url, "demo", operator=None, password=None)
    assert result.exit_code == 0, result.stderr
    assert str(seen["cbs_url"]).startswith("http://127.0.0.1:") and seen["health"] == 200
    assert seen["mail"] == ["marta.correo@example.com"]
    assert "BSS simulator: http://127.0.0.1:" in result.stderr and "demo-mail" in result.stderr
    assert not any(os.environ.get(name) for name in (*SYSTEM_URLS, *SMTP_SETTINGS))


def test_no_systems_keeps_everything_in_process(cli, workbench, tmp_path, monkeypatch):
    for name in (*SYSTEM_URLS, *SMTP_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    result = cli("demo", "--customers", "5", "--no-systems", operator=None, password=None)
    assert result.exit_code == 0, result.stderr
    assert "BSS simulator" not in result.stderr
    assert not (cli.data_dir / "demo-mail").exists()

"""The other systems of the demo: the BSS simulator, a mailbox for the customers' email and the dispatcher.

`crm-tui demo` runs the workbench against real processes over the network, as a shop would: the BSS
simulator (`python -m crm_tui.simulator`) on a free loopback port for billing, provisioning,
inventory and SMS; an SMTP server (aiosmtpd) that files every message in a Maildir folder beside
the demo database, so what the customer was told can be read; and `crm-tui dispatch`, which sends
the outbox through them. All three stop when the workbench closes. Settings a person already set
(CRM_CBS_URL and the others, CRM_SMTP_HOST/PORT) are kept: nothing is started in their place.
"""

from __future__ import annotations

import contextlib
import mailbox
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from pathlib import Path

from crm_tui.i18n import _

SYSTEM_URLS = ("CRM_CBS_URL", "CRM_PROVISIONING_URL", "CRM_INVENTORY_URL", "CRM_NOTIFY_URL")
SMTP_SETTINGS = ("CRM_SMTP_HOST", "CRM_SMTP_PORT")
START_TIMEOUT = 20.0


@dataclass
class DemoSystems:
    """What was started, where; `stop()` ends all of it (and is safe to call twice)."""

    folder: Path
    simulator_url: str | None = None
    mailbox: Path | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    smtp: object | None = None  # aiosmtpd's Controller

    def describe(self) -> list[str]:
        lines = []
        if self.simulator_url:
            lines.append(
                _("BSS simulator: {url} (its ledger: {ledger})").format(
                    url=self.simulator_url, ledger=self.folder / "demo-bss-sim.db"
                )
            )
        if self.mailbox:
            lines.append(
                _("Customers' email: the Maildir {mailbox} (one file per message)").format(mailbox=self.mailbox)
            )
        if any(p for p in self.processes if p.args and "dispatch" in p.args):
            lines.append(
                _("Dispatcher: sending the outbox every 5 s (log: {log})").format(log=self.folder / "demo-dispatch.log")
            )
        return lines

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        self.processes.clear()
        if self.smtp is not None:
            with contextlib.suppress(Exception):
                self.smtp.stop()  # type: ignore[attr-defined]
            self.smtp = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MaildirHandler:
    """aiosmtpd handler: each message delivered is filed in a Maildir (readable with any mail reader)."""

    def __init__(self, folder: Path) -> None:
        self.box = mailbox.Maildir(folder, create=True)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 (aiosmtpd's name)
        content = envelope.original_content or envelope.content  # type: ignore[attr-defined]
        raw = content if isinstance(content, bytes) else str(content).encode()
        self.box.add(message_from_bytes(raw))
        return "250 Message accepted for delivery"


def _wait_until_answers(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import httpx  # only the demo pays for it

    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the BSS simulator stopped at start; see {log}")
        try:
            if httpx.get(f"{url}/_health", timeout=0.5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"the BSS simulator did not answer within {START_TIMEOUT:g} s; see {log}")


def start_simulator(systems: DemoSystems) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = systems.folder / "demo-bss-sim.log"
    command = [
        sys.executable,
        "-m",
        "crm_tui.simulator",
        "--port",
        str(port),
        "--ledger",
        str(systems.folder / "demo-bss-sim.db"),
    ]
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    systems.processes.append(process)
    _wait_until_answers(url, process, log)
    systems.simulator_url = url
    for name in SYSTEM_URLS:
        os.environ[name] = url


def start_mailbox(systems: DemoSystems) -> None:
    from aiosmtpd.controller import Controller

    port = free_port()
    folder = systems.folder / "demo-mail"
    controller = Controller(MaildirHandler(folder), hostname="127.0.0.1", port=port)
    controller.start()
    systems.smtp = controller
    systems.mailbox = folder
    os.environ["CRM_SMTP_HOST"] = "127.0.0.1"
    os.environ["CRM_SMTP_PORT"] = str(port)


def start_dispatcher(systems: DemoSystems, database_url: str) -> None:
    log = systems.folder / "demo-dispatch.log"
    command = [sys.executable, "-m", "crm_tui", "--db", database_url, "dispatch", "--interval", "5"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    systems.processes.append(process)


@contextlib.contextmanager
def demo_systems(folder: Path) -> Iterator[DemoSystems]:
    """Start the simulator and the mailbox where not configured already (their addresses go into the
    environment, for the settings read next); stop all of it on the way out, however the workbench ends.
    The dispatcher is started by `start_dispatcher` once the database exists."""
    folder.mkdir(parents=True, exist_ok=True)
    systems = DemoSystems(folder=folder)
    before = {name: os.environ.get(name) for name in (*SYSTEM_URLS, *SMTP_SETTINGS)}
    try:
        if not any(os.environ.get(name) for name in SYSTEM_URLS):
            start_simulator(systems)
        if not any(os.environ.get(name) for name in SMTP_SETTINGS):
            start_mailbox(systems)
        yield systems
    finally:
        systems.stop()
        for name, value in before.items():  # the addresses die with the systems
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

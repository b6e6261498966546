"""Sixteen shop terminals run `crm-tui customers register` for the same person at once: exactly one
identity is created and every other process exits 3 naming it (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from crm_tui.storage.models.customers import Certificate
from tests.cli.conftest import EXAMPLE

TERMINALS = 16


@pytest.mark.slow
@pytest.mark.race
def test_sixteen_processes_registering_one_certificate_create_one_identity(cli, services, csr, tmp_path):
    form = json.loads(EXAMPLE.read_text()) | {"primary_offering": ""}  # identity only: no pools needed
    path = tmp_path / "customer.json"
    path.write_text(json.dumps(form))
    environment = os.environ | cli.environment()
    command = [sys.executable, "-m", "crm_tui", "customers", "register", "--file", str(path), "--json"]
    terminals = [
        subprocess.Popen(
            command,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(TERMINALS)
    ]
    outcomes = [(terminal.wait(timeout=180), terminal.stdout.read(), terminal.stderr.read()) for terminal in terminals]
    for terminal in terminals:
        terminal.stdout.close()
        terminal.stderr.close()

    created = [json.loads(out)["customer_id"] for code, out, _ in outcomes if code == 0]
    assert len(created) == 1, outcomes
    [winner] = created
    refused = [json.loads(out)["error"] for code, out, _ in outcomes if code == 3]
    assert len(refused) == TERMINALS - 1, outcomes
    assert {(error["code"], error["existing_customer_id"]) for error in refused} == {("duplicate_identity", winner)}
    with services.reader() as uow:
        owners = uow.session.execute(
            select(func.count()).select_from(Certificate).where(Certificate.cert_number == form["cert_number"])
        ).scalar_one()
    assert owners == 1

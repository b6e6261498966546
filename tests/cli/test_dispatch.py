"""`crm-tui dispatch --once`: cron sends what is due and says what it did; no operator needed."""

from __future__ import annotations

import json


def test_dispatch_once_sends_an_sms_and_reports(cli, csr, tmp_path):
    person = {
        "cert_type": "passport",
        "cert_number": "DP1234567",
        "cert_country": "FR",
        "first_name": "Ana",
        "last_name": "Avisada",
        "birthday": "1981-02-03",
        "mobile": "+34 699 222 333",
        "service_password": "Largo-secreto-9",
    }
    path = tmp_path / "ana.json"
    path.write_text(json.dumps(person))
    cli.json("customers", "register", "--file", str(path))
    first = cli.json("dispatch", "--once", operator=None, password=None)
    assert first["sent"] == 1 and first["failed"] == 0
    assert cli.json("dispatch", "--once", operator=None, password=None)["sent"] == 0
    human = cli("dispatch", "--once", operator=None, password=None)
    assert human.exit_code == 0 and "Sent" in human.stdout

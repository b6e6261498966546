"""`crm-tui customers export`: lines on stdout or into a file, the summary apart, admins only."""

from __future__ import annotations

import json

from tests.factories import make_customer


def test_export_to_stdout_is_one_json_object_per_line(cli, admin, services):
    ids = [make_customer(services, cert_number=number) for number in ("12345678Z", "87654321X")]
    result = cli("customers", "export", operator="admin")
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["customer_id"] for line in result.stdout.splitlines()] == ids
    assert "Exported 2 customers (jsonl)." in result.stderr


def test_export_to_a_file_with_a_json_summary(cli, admin, services, tmp_path):
    customer = make_customer(services)
    target = tmp_path / "customers.tmf629.jsonl"
    summary = cli.json("customers", "export", "--format", "tmf629", "--output", str(target), operator="admin")
    assert summary == {
        "format": "tmf629",
        "customers": 1,
        "statuses": ["active", "idle", "suspended", "terminated", "archived"],
        "file": str(target),
    }
    [resource] = [json.loads(line) for line in target.read_text().splitlines()]
    assert resource["id"] == customer and resource["@type"] == "Customer"
    assert not (tmp_path / "customers.tmf629.jsonl.partial").exists()


def test_bad_export_options_and_roles(cli, admin, csr, services, tmp_path):
    make_customer(services)
    assert cli.json("customers", "export", expect=2, operator="admin")["error"]["fields"] == {
        "output": "Required with --json."
    }
    result = cli("customers", "export", "--format", "xml", "--output", str(tmp_path / "x.jsonl"), operator="admin")
    assert result.exit_code == 2 and "'xml' is not one of" in result.stderr  # a usage error: the choices are listed
    assert "Exporting" not in result.stderr  # refused before anything is counted or a progress bar shown
    assert not list(tmp_path.glob("x.jsonl*"))  # nothing half-written
    result = cli("customers", "export", operator="alice")
    assert result.exit_code == 6 and result.stdout == ""
    assert "Only an Admin may export customers." in result.stderr and "Exporting" not in result.stderr

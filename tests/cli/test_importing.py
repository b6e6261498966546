"""`crm-tui customers import`: the exit code says the truth, the refused rows land beside the input."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

EXAMPLES = Path(__file__).parents[2] / "data" / "examples"
PEOPLE = (
    "cert_type;cert_number;cert_country;first_name;last_name;birthday\r\n"
    "national_id;71234567W;ES;Begoña;Muñoz Peña;1979-03-14\r\n"
    "national_id;12345678A;ES;Bad;Letter;1980-01-01\r\n"
    "national_id;12345678Z;ES;José;Córdoba;1980-01-01\r\n"
)


def test_every_row_in_is_exit_0_and_a_rerun_too(cli, supervisor, tmp_path):
    path = tmp_path / "customers.csv"
    shutil.copy(EXAMPLES / "customers.csv", path)
    report = cli.json("customers", "import", str(path), operator="sam")
    assert (report["rows"], report["created"], report["refused"], report["error_report"]) == (3, 3, 0, None)
    assert report["rows_per_second"] > 0
    again = cli.json("customers", "import", str(path), operator="sam")
    assert (again["created"], again["already_imported"], again["refused"]) == (0, 3, 0)
    assert not (tmp_path / "customers.csv.errors.csv").exists()


def test_refused_rows_exit_2_with_counts_and_a_report_beside_the_input(cli, supervisor, tmp_path):
    path = tmp_path / "clientes.csv"
    path.write_bytes(PEOPLE.encode("cp1252"))
    result = cli("customers", "import", str(path), "--json", operator="sam")
    assert result.exit_code == 2, result.stderr
    report = json.loads(result.stdout)
    assert (report["encoding"], report["delimiter"], report["created"], report["refused"]) == ("cp1252", ";", 2, 1)
    assert report["error_report"] == str(tmp_path / "clientes.csv.errors.csv")
    with open(report["error_report"], newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [
        {
            "row": "3",
            "field": "cert_number",
            "message": "The check digit or format does not match.",
            "existing_customer_id": "",
        }
    ]
    assert "rows/s" in result.stderr and "Reading clientes.csv as csv (cp1252, delimiter ';')" in result.stderr
    fixed = tmp_path / "clientes.csv"
    fixed.write_bytes(PEOPLE.replace("12345678A", "87654321X").encode("cp1252"))
    assert cli("customers", "import", str(fixed), operator="sam").exit_code == 0  # the two already in are found again
    assert not (tmp_path / "clientes.csv.errors.csv").exists()  # no stale report


def test_all_refused_is_exit_2_too_and_check_writes_nothing(cli, supervisor, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"cert_type": "national_id", "cert_number": "12345678A", "cert_country": "ES"}\n{oops\n')
    report = cli.json("customers", "import", str(path), operator="sam", expect=2)
    assert (report["created"], report["refused"]) == (0, 2)
    good = tmp_path / "good.csv"
    shutil.copy(EXAMPLES / "customers.csv", good)
    dry = cli.json("customers", "import", str(good), "--check", operator="sam")
    assert (dry["check"], dry["created"], dry["created_ids"]) == (True, 3, [])
    assert cli.json("customers", "search", "--name", "popescu", operator="sam")["total"] == 0


def test_a_csr_may_not_import_and_a_missing_file_is_named(cli, csr, supervisor, tmp_path):
    path = tmp_path / "customers.csv"
    shutil.copy(EXAMPLES / "customers.csv", path)
    assert cli("customers", "import", str(path)).exit_code == 6
    missing = cli.json("customers", "import", str(tmp_path / "nope.csv"), operator="sam", expect=2)
    assert missing["error"]["fields"] == {"file": "No such file."}
    bad_format = cli.json("customers", "import", str(path), "--format", "xml", operator="sam", expect=2)
    assert bad_format["error"]["code"] == "usage_error" and "format" in bad_format["error"]["fields"]


def test_legacy_rows_without_a_birthday_go_in_flagged_and_are_listed(cli, supervisor, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(
        "cert_type,cert_number,cert_country,first_name,last_name,birthday\n"
        "national_id,71234567W,ES,Begoña,Muñoz,\n"
        "national_id,12345678Z,ES,José,Córdoba,1850-01-01\n"
        "national_id,87654321X,ES,Ana,Uno,1980-01-01\n"
    )
    report = cli.json("customers", "import", str(path), operator="sam")  # every row in: exit 0
    assert (report["created"], report["incomplete"], report["refused"]) == (3, 2, 0)
    assert [(w["line"], w["field"]) for w in report["warnings"]] == [(2, "birthday"), (3, "birthday")]
    listed = cli.json("customers", "list", "--incomplete", operator="sam")
    assert listed["total"] == 2 and [c["customer_id"] for c in listed["customers"]] == report["created_ids"][:2]
    assert all(c["incomplete"] and c["birthday"] is None for c in listed["customers"])
    assert cli.json("customers", "list", operator="sam")["total"] == 3
    shown = cli("customers", "show", report["created_ids"][0], operator="sam")
    assert "Incomplete" in shown.stdout


def test_every_row_unusable_is_exit_2(cli, supervisor, tmp_path):
    path = tmp_path / "unusable.csv"
    path.write_text(
        "cert_type,cert_number,cert_country,first_name,last_name,birthday\n"
        "national_id,71234567W,ES,,,\n"
        "national_id,12345678A,ES,Bad,Letter,\n"
    )
    result = cli("customers", "import", str(path), "--json", operator="sam")
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert (report["created"], report["refused"], report["incomplete"]) == (0, 2, 0)
    assert {(e["line"], e["field"]) for e in report["errors"]} == {(2, "first_name"), (3, "cert_number")}

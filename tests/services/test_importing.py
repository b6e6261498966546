"""Bulk import: the files offices have (CSV as Excel saves it, XLSX, JSON Lines, TMF629), bad rows
reported by row and field, a dry run, nothing twice, a re-run that skips what an earlier run took."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from crm_tui.errors import InvalidInput, NotAllowed
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.identity.import_readers import detect_delimiter, detect_encoding, open_source, read_rows
from crm_tui.services.identity.importing import import_customers
from tests.factories import make_customer

EXAMPLES = Path(__file__).parents[2] / "data" / "examples"
HEADER = "type;cert_type;cert_number;cert_country;first_name;last_name;birthday;city;address"
SPANISH_ROWS = [
    "individual;national_id;71234567W;ES;Begoña;Muñoz Peña;14/03/1979;Logroño;Calle Mayor 1",
    "individual;national_id;12345678Z;ES;José;Córdoba Ibáñez;1980-01-01;Cádiz;Plaza de España 2",
]


def _names(services, actor, ids: list[str]) -> list[str]:
    return [get_customer(i, uow=services.reader(), actor=actor).name for i in ids]


def test_the_example_csv_imports_and_a_rerun_skips_what_the_first_run_took(services, supervisor, tmp_path):
    path = tmp_path / "customers.csv"
    shutil.copy(EXAMPLES / "customers.csv", path)
    seen: list[int] = []
    report = import_customers(path, services=services, actor=supervisor, progress=seen.append, batch_size=2)
    assert (report.rows, report.created, report.errors, report.duplicates) == (3, 3, [], [])
    assert (report.format, report.encoding, report.delimiter) == ("csv", "utf-8", ",")
    assert sum(seen) == 3
    found = search_customers(CustomerQuery(name="popescu"), uow=services.reader(), actor=supervisor, region="ES")
    assert found.customers[0].cert_type == "residence_permit"
    again = import_customers(path, services=services, actor=supervisor)
    assert (again.created, again.already_imported, again.refused) == (0, 3, 0)
    copy = tmp_path / "copy.csv"  # the same people in another file: found by certificate, name and birthday
    copy.write_text(path.read_text() + "\n")
    other = import_customers(copy, services=services, actor=supervisor)
    assert (other.created, other.already_imported, other.refused) == (0, 3, 0)
    renamed = tmp_path / "renamed.csv"  # another name under a certificate already registered: refused
    renamed.write_text(path.read_text().replace("Javier", "Xavier"))
    clash = import_customers(renamed, services=services, actor=supervisor)
    assert [(d.line, d.existing_customer_id) for d in clash.duplicates] == [(2, report.created_ids[0])]


def test_spanish_excel_csv_semicolons_and_windows_1252(services, supervisor, tmp_path):
    path = tmp_path / "clientes.csv"
    path.write_bytes(("\r\n".join([HEADER, *SPANISH_ROWS]) + "\r\n").encode("cp1252"))
    source = open_source(path)
    assert (source.encoding, source.delimiter) == ("cp1252", ";")
    report = import_customers(path, services=services, actor=supervisor)
    assert report.created == 1 and [(e.line, e.field) for e in report.errors] == [(2, "birthday")]
    assert _names(services, supervisor, report.created_ids) == ["José Córdoba Ibáñez"]


def test_a_bom_a_tab_and_headers_as_people_write_them(services, supervisor, tmp_path):
    path = tmp_path / "export.txt"
    header = "Type\tCert type\tCert-Number\tCert Country\tFirst Name\tLast name\tBirthday"
    path.write_bytes(
        ("\ufeff" + header + "\nindividual\tnational_id\t71234567W\tES\tBegoña\tMuñoz\t1979-03-14\n").encode()
    )
    report = import_customers(path, services=services, actor=supervisor)
    assert (report.encoding, report.delimiter, report.created) == ("utf-8-sig", "\t", 1)
    assert _names(services, supervisor, report.created_ids) == ["Begoña Muñoz"]


def test_quoted_newlines_keep_every_row_number_right(services, supervisor, tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text(
        "cert_type,cert_number,cert_country,first_name,last_name,birthday,address\n"
        'national_id,71234567W,ES,Ana,Uno,1980-01-01,"Calle Mayor 1,\n4º B"\n'
        'national_id,12345678Z,ES,Eva,"Dos ""la grande""",1980-01-01,"Plaza, 2"\n'
        "national_id,12345678A,ES,Bad,Letter,1980-01-01,Calle 3\n",
        encoding="utf-8",
    )
    report = import_customers(path, services=services, actor=supervisor)
    assert [e.line for e in report.errors] == [2, 4, 5]  # the next rows keep their own line numbers
    assert report.errors[0].field.startswith("address") and report.errors[1].field == "last_name"
    assert report.created == 0


def test_xlsx_with_dates_as_dates_as_numbers_and_as_text(services, supervisor, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "cert_type",
            "cert_number",
            "cert_country",
            "first_name",
            "last_name",
            "birthday",
            "postal_code",
            "mobile",
            "address",
        ]
    )
    sheet.append(
        ["national_id", "71234567W", "ES", "Begoña", "Muñoz", date(1979, 3, 14), 46023, 612345678, "Calle Mayor 1"]
    )
    sheet.append(
        ["national_id", "12345678Z", "ES", "José", "Córdoba", 29221, "08001", None, "Calle Mayor 2"]
    )  # 1980-01-01 as a serial
    sheet.append(["passport", "XA1234567", "FR", "Jean", "Dupont", "1975-05-05", None, None, None])
    sheet.append([None] * 9)
    sheet.append(["national_id", "12345678A", "ES", "Bad", "Letter", date(1980, 1, 1), None, None, None])
    path = tmp_path / "clientes.xlsx"
    book.save(path)
    rows = list(read_rows(open_source(path)))
    assert rows[0][1]["birthday"] == "1979-03-14" and rows[0][1]["postal_code"] == "46023"
    assert rows[0][1]["mobile"] == "612345678" and rows[1][1]["birthday"] == "1980-01-01"
    report = import_customers(path, services=services, actor=supervisor)
    assert report.format == "xlsx" and report.created == 3
    assert [(e.line, e.field) for e in report.errors] == [(6, "cert_number")]


def test_bad_rows_are_reported_with_line_and_field_and_skipped(services, supervisor, tmp_path):
    make_customer(services, cert_number="87654321X")
    person = {"cert_type": "national_id", "cert_country": "ES", "birthday": "1980-01-01"}
    rows = [
        person | {"cert_number": "12345678Z", "first_name": "Ana", "last_name": "Uno"},
        person | {"cert_number": "12345678A", "first_name": "Bad", "last_name": "Letter"},
        person | {"cert_number": "87654321X", "first_name": "Already", "last_name": "There"},
        {"cert_type": "passport", "cert_number": "XA1234567", "cert_country": "FR", "first_name": "Jean"}
        | {"last_name": "Dupont", "birthday": "1975-05-05", "email": "nope"},
        person | {"cert_number": "12345678Z", "first_name": "Ana", "last_name": "Again"},
        {"cert_type": "passport", "cert_number": "XB7654321", "cert_country": "FR", "first_name": "Marie"}
        | {"last_name": "Curie", "birthday": "1967-11-07", "shoe_size": "38"},
    ]
    path = tmp_path / "customers.jsonl"
    lines = [json.dumps(r) for r in rows]
    lines.insert(3, "{not json")
    path.write_text("\n".join(lines) + "\n")
    report = import_customers(path, services=services, actor=supervisor)
    assert report.created == 1 and report.refused == 6
    assert {(e.line, e.field) for e in report.errors} == {(2, "cert_number"), (4, None), (5, "email"), (7, "shoe_size")}
    assert {d.line for d in report.duplicates} == {3, 6}


def test_check_is_a_dry_run_that_says_what_would_happen(services, supervisor, tmp_path):
    make_customer(services, cert_number="87654321X")
    path = tmp_path / "people.csv"
    path.write_text(
        "cert_type,cert_number,cert_country,first_name,last_name,birthday\n"
        "national_id,12345678Z,ES,Ana,Uno,1980-01-01\n"
        "national_id,87654321X,ES,Already,There,1970-01-01\n"
        "national_id,12345678A,ES,Bad,Letter,1980-01-01\n"
    )
    dry = import_customers(path, services=services, actor=supervisor, check=True)
    assert (dry.check, dry.created, dry.created_ids, dry.refused) == (True, 1, [], 2)
    assert [d.line for d in dry.duplicates] == [3] and [e.line for e in dry.errors] == [4]
    found = search_customers(CustomerQuery(name="ana uno"), uow=services.reader(), actor=supervisor, region="ES")
    assert found.total == 0  # nothing written
    real = import_customers(path, services=services, actor=supervisor)
    assert (real.created, real.refused) == (1, 2)


def test_a_tmf629_json_array_from_another_system(services, supervisor, tmp_path):
    resource = {
        "@type": "Customer",
        "name": "Marta Soler Vidal",
        "engagedParty": {"id": "X-1", "@referredType": "Individual"},
        "contactMedium": [
            {"mediumType": "email", "characteristic": {"emailAddress": "marta@example.com"}},
            {"mediumType": "phone", "characteristic": {"contactType": "mobile", "phoneNumber": "+34 699 111 222"}},
        ],
        "characteristic": [
            {
                "name": "identification",
                "value": {"identificationType": "national_id", "identificationId": "45678912S", "issuingCountry": "ES"},
            },
            {"name": "birthDate", "value": "1985-09-23"},
            {"name": "creditProfile", "value": {"score": 700}},
        ],
        "creditProfile": [{"creditRiskRating": 3}],
    }
    path = tmp_path / "from-crm-x.json"
    path.write_text(json.dumps([resource, {"@type": "Customer", "name": "No Document"}]))
    report = import_customers(path, services=services, actor=supervisor)
    assert report.format == "tmf629" and report.created == 1
    assert [(e.line, e.field) for e in report.errors] == [(2, "cert_type")]
    customer = get_customer(report.created_ids[0], uow=services.reader(), actor=supervisor)
    assert (customer.first_name, customer.last_name, customer.email) == ("Marta", "Soler Vidal", "marta@example.com")


def test_unknown_files_and_roles_are_refused_before_reading(services, supervisor, csr, tmp_path):
    path = tmp_path / "x.csv"
    shutil.copy(EXAMPLES / "customers.csv", path)
    with pytest.raises(NotAllowed):
        import_customers(path, services=services, actor=csr)
    odd = tmp_path / "customers.dat"
    odd.write_text("x")
    with pytest.raises(InvalidInput) as bad:
        import_customers(odd, services=services, actor=supervisor)
    assert "file" in bad.value.fields
    with pytest.raises(InvalidInput):
        import_customers(tmp_path / "missing.csv", services=services, actor=supervisor)


def test_encoding_and_delimiter_detection_alone():
    assert detect_encoding("Muñoz;Peña\n".encode("cp1252") * 3) == "cp1252"
    assert detect_encoding("Muñoz".encode()) == "utf-8"
    assert detect_delimiter("first_name|last_name|cert_number\nA|B|C\n") == "|"
    assert detect_delimiter('"first_name";"last_name"\n"A";"B"\n') == ";"

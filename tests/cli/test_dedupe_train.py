"""`crm-tui dedupe train`: a supervisor estimates the matching model on the base; the scan then uses it."""

from __future__ import annotations

import re
from datetime import date

from crm_tui.storage.seed import seed_database
from tests.factories import make_customer


def test_a_supervisor_trains_the_model_and_the_scan_uses_it(cli, services, supervisor, csr):
    seed_database(services.database, customers=60, seed=5)
    refused = cli("dedupe", "train", "--json", operator="alice")
    assert refused.exit_code != 0 and "supervisor" in (refused.stderr + refused.stdout).lower()
    model = cli.json("dedupe", "train", "--seed", "3", operator="sam")
    assert model["records"] >= 60 and model["threshold"] == 0.5
    assert model["weights"]["document"]["another lifelong ID"] < -15
    assert model["weights"]["birthday"]["same"] > 0 and model["training"]["seed"] == 3
    assert cli.json("dedupe", "scan", operator="sam")["model"] == model["version"]
    table = cli("dedupe", "train", operator="sam")
    assert table.exit_code == 0 and "another lifelong ID" in table.stdout and "Matching model" in table.stdout
    assert model["address"] == "household" and "the address counted as one household" in " ".join(table.stdout.split())


def test_a_spanish_supervisor_reads_the_model_in_spanish(cli, services, supervisor):
    """The comparisons, their levels, the weights' decimal comma and how the address counts, in the
    operator's language; the JSON keeps the stable English keys scripts read."""
    seed_database(services.database, customers=60, seed=5)
    table = cli("dedupe", "train", operator="sam", CRM_LOCALE="es_ES")
    said = " ".join(table.stdout.split())
    assert table.exit_code == 0
    assert "otro documento vitalicio" in said and "fecha de nacimiento" in said and "apellidos" in said
    assert "another lifelong ID" not in said and "last name" not in said
    assert re.search(r"[+-]\d+,\d\d", said) and "la dirección contada como la de un hogar" in said
    document = cli.json("dedupe", "train", operator="sam", CRM_LOCALE="es_ES")
    assert "another lifelong ID" in document["weights"]["document"]


def test_training_a_base_too_small_is_invalid_input(cli, services, supervisor):
    result = cli("dedupe", "train", operator="sam")
    assert result.exit_code == 2 and "at least 50" in result.stderr


def test_the_review_band_comes_from_the_settings_and_an_empty_one_is_refused(cli, services, supervisor):
    make_customer(services, first_name="Lucía", last_name="García Pérez", cert_number="12345678Z")
    make_customer(
        services,
        first_name="Lucía",
        last_name="García Pérez",
        cert_type="passport",
        cert_number="PAA000001",
        birthday=date(1992, 7, 30),
    )
    wide = cli("dedupe", "scan", operator="sam", CRM_DEDUPE_QUEUE_ABOVE="0.9", CRM_DEDUPE_IGNORE_BELOW="0.000000001")
    assert wide.exit_code == 0, wide.stderr
    assert "Borderline: p 1e-09 to 0.9, not queued" in wide.stdout
    report = cli.json("dedupe", "scan", operator="sam", CRM_DEDUPE_QUEUE_ABOVE="0.9", CRM_DEDUPE_IGNORE_BELOW="1e-9")
    assert (
        report["pairs"] == [] and len(report["borderline"]) == 1 and report["borderline"][0]["status"] == "borderline"
    )
    empty = cli.json(
        "dedupe", "scan", operator="sam", expect=2, CRM_DEDUPE_QUEUE_ABOVE="0.5", CRM_DEDUPE_IGNORE_BELOW="0.7"
    )
    assert "CRM_DEDUPE_IGNORE_BELOW" in empty["error"]["message"]
    bad = cli("dedupe", "scan", operator="sam", CRM_DEDUPE_QUEUE_ABOVE="1.5")
    assert bad.exit_code == 2 and "CRM_DEDUPE_QUEUE_ABOVE" in bad.stderr + bad.stdout


def test_the_scan_runs_on_the_processes_asked_and_refuses_a_bad_count(cli, services, supervisor, monkeypatch):
    from crm_tui.services.dedupe import parallel

    seed_database(services.database, customers=60, seed=5)
    make_customer(services, first_name="John", last_name="Smith", cert_number="123456789", birthday=date(1980, 1, 2))
    make_customer(services, first_name="Smith", last_name="John", cert_number="123465789", birthday=date(1980, 1, 2))
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    forked: list[int] = []
    real = parallel.forked_map
    monkeypatch.setattr(
        parallel, "forked_map", lambda fn, jobs, **k: forked.append(k["workers"]) or real(fn, jobs, **k)
    )
    two = cli.json("dedupe", "scan", "--workers", "2", operator="sam")
    assert forked == [2, 2, 2] and two["new"] == 1
    one = cli.json("dedupe", "scan", operator="sam", CRM_DEDUPE_WORKERS="1")
    assert forked == [2, 2, 2] and one["pairs"] == two["pairs"] and one["compared"] == two["compared"]
    bad = cli("dedupe", "scan", "--workers", "-1", operator="sam")
    assert bad.exit_code == 2 and "--workers" in bad.stderr
    too_many = cli.json("dedupe", "scan", operator="sam", expect=2, CRM_DEDUPE_WORKERS="65")
    assert "CRM_DEDUPE_WORKERS" in too_many["error"]["message"]

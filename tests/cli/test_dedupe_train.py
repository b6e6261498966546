"""`crm-tui dedupe train`: a supervisor estimates the matching model on the base; the scan then uses it."""

from __future__ import annotations

from crm_tui.storage.seed import seed_database


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


def test_training_a_base_too_small_is_invalid_input(cli, services, supervisor):
    result = cli("dedupe", "train", operator="sam")
    assert result.exit_code == 2 and "at least 50" in result.stderr

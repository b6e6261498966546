"""What every command does the same way (issue 16.4, 16.5): version, -h, completion, help with an
example everywhere, choices as choices, usage errors as JSON, settings checked at start, a missing
database file refused, field selection on lists."""

from __future__ import annotations

import json

import typer._completion_shared
import typer.completion
from typer._click import Context
from typer.main import get_command

from crm_tui.cli.conventions import crm_version
from crm_tui.cli.main import app
from tests.factories import make_customer


def _leaves(command, path=("crm-tui",)):
    if hasattr(command, "list_commands"):  # a group (the root loads each noun as it is named)
        context = Context(command)
        for name in command.list_commands(context):
            yield from _leaves(command.get_command(context, name), (*path, name))
    else:
        yield " ".join(path), command


def test_version_and_short_help(cli):
    for flag in ("--version", "-V"):
        result = cli(flag, operator=None)
        assert result.exit_code == 0 and result.stdout.strip() == f"crm-tui {crm_version()}"
    for args in (["-h"], ["customers", "-h"], ["customers", "import", "-h"]):
        result = cli(*args, operator=None)
        assert result.exit_code == 0 and "Usage:" in result.stdout, args


BUILT_IN = {"install_completion", "show_completion"}
"""typer's own completion options: their help is typer's."""


def test_every_command_and_parameter_has_help_with_an_example():
    missing = []
    for path, command in _leaves(get_command(app)):
        if "Example:" not in (command.help or ""):
            missing.append(f"{path}: no example")
        for param in command.params:
            text = getattr(param, "help", None) or ""
            if param.name not in BUILT_IN and not any(word in text for word in ("Example:", "like ", "e.g. ")):
                missing.append(f"{path} {param.name}: {'no example' if text else 'no help'}")
    root = get_command(app)
    missing += [
        f"crm-tui {p.name}: no example"
        for p in root.params
        if p.name not in BUILT_IN and "Example:" not in (p.help or "")
    ]
    assert missing == []


def test_choices_are_shown_as_choices(cli):
    shown = cli("customers", "export", "-h", operator=None, COLUMNS="200").stdout
    assert "jsonl|tmf629|tmf632" in shown
    shown = cli("subscribers", "deregister", "-h", operator=None, COLUMNS="200").stdout
    assert "immediate|freeze" in shown and "fee_problem|call_quality" in shown


def test_shell_completion(cli, tmp_path, monkeypatch):
    # typer asks shellingham which shell started the process, from its ancestors; pytest started
    # with no shell above it (detached, as by a job runner) has none: say bash, as a shell would
    monkeypatch.setattr(typer.completion, "_get_shell_name", lambda: "bash")
    monkeypatch.setattr(typer._completion_shared, "_get_shell_name", lambda: "bash")

    def run(*args: str, **env: str):
        return cli.runner.invoke(app, list(args), env=cli.environment(operator=None) | env, prog_name="crm-tui")

    shown = run("--show-completion", "bash")
    assert shown.exit_code == 0 and "_CRM_TUI_COMPLETE" in shown.stdout, (shown.output, repr(shown.exception))
    installed = run("--install-completion", "bash", HOME=str(tmp_path), SHELL="/bin/bash")
    assert installed.exit_code == 0, installed.stdout + installed.stderr
    assert list(tmp_path.rglob("*crm-tui*")) or "crm-tui" in (tmp_path / ".bashrc").read_text()
    asked = run(_CRM_TUI_COMPLETE="complete_bash", COMP_WORDS="crm-tui cust", COMP_CWORD="1")
    assert "customers" in asked.stdout


def test_usage_errors_are_one_json_document_under_json(cli, csr):
    result = cli("customers", "search", "--bogus", "x", "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "usage_error" and error["fields"] == {"bogus": error["message"]}
    result = cli("subscribers", "suspend", "612345678", "--reason", "holidays", "--json")
    assert result.exit_code == 2 and "reason" in json.loads(result.stdout)["error"]["fields"]
    result = cli("customers", "show", "--json")  # the ID is missing
    assert result.exit_code == 2 and json.loads(result.stdout)["error"]["code"] == "usage_error"
    plain = cli("customers", "search", "--bogus", "x")
    assert plain.exit_code == 2 and plain.stdout == "" and "No such option" in plain.stderr


def test_settings_are_checked_at_start_by_their_variable(cli, csr):
    result = cli("customers", "search", "--name", "garcia", CRM_PAGE_SIZE="0")
    assert result.exit_code == 2 and "CRM_PAGE_SIZE" in result.stderr and "Unexpected" not in result.stderr
    document = cli.json("customers", "search", "--name", "x", CRM_PAGE_SIZE="many", expect=2)
    assert list(document["error"]["fields"]) == ["CRM_PAGE_SIZE"]
    document = cli.json("db", "current", CRM_API_BASE_URL="ftp://nope", operator=None, expect=2)
    assert list(document["error"]["fields"]) == ["CRM_API_BASE_URL"]


def test_a_missing_database_file_is_refused_with_a_hint_and_not_created(cli, tmp_path):
    path = tmp_path / "typo.db"
    result = cli("--db", f"sqlite:///{path}", "customers", "search", "--name", "garcia")
    assert result.exit_code == 2 and "db upgrade" in result.stderr and not path.exists()
    assert cli("--db", f"sqlite:///{path}", "db", "upgrade", operator=None).exit_code == 0 and path.exists()


def test_json_fields_on_lists(cli, services, csr):
    make_customer(services)
    document = cli("customers", "search", "--name", "garcia", "--json-fields", "customer_id,name")
    assert document.exit_code == 0, document.stderr
    found = json.loads(document.stdout)
    assert found["customers"] == [{"customer_id": found["customers"][0]["customer_id"], "name": "Lucía García Pérez"}]
    assert found["total"] == 1
    wrong = cli("customers", "search", "--name", "garcia", "--json-fields", "customer_id,shoe_size")
    assert wrong.exit_code == 2 and "shoe_size" in json.loads(wrong.stdout)["error"]["message"]
    operators = json.loads(cli("operator", "list", "--json-fields", "username", operator="admin").stdout)
    assert {"username": "alice"} in operators["operators"]


def test_usage_errors_are_said_in_the_operators_language(cli):
    """typer says its usage errors in English; a Spanish operator reads them in Spanish, laid out as
    typer lays them out (usage line, where the help is, the reason), with exit code 2."""
    said = {
        ("dedupe", "scan", "--workers", "abc"): "Valor no válido para '--workers': 'abc' no es un número entero.",
        (
            "dedupe",
            "scan",
            "--workers",
            "-1",
        ): "Valor no válido para '--workers': '-1' es demasiado pequeño: al menos 0.",
        ("custmers",): "No existe la orden 'custmers'. ¿Querías decir 'customers'",
        ("customers", "show"): "Falta el argumento 'ID'.",
        ("customers", "search", "--bogus", "x"): "No existe la opción --bogus.",
        ("customers", "show", "A", "B"): "Argumento(s) de más: B.",
        ("dedupe", "scan", "--workers"): "La opción '--workers' necesita un valor.",
    }
    for args, words in said.items():
        result = cli(*args, operator=None, CRM_LOCALE="es_ES")
        assert result.exit_code == 2, (args, result.stderr)
        flat = " ".join(line.strip("│ ") for line in result.stderr.splitlines())
        assert words in flat, (args, flat)
        assert "Invalid value" not in flat and "No such" not in flat and "Missing" not in flat
    result = cli("customers", "show", operator=None, CRM_LOCALE="es_ES")
    assert (
        result.stderr.startswith("Uso: crm-tui customers show")
        and "Prueba 'crm-tui customers show -h'" in result.stderr
    )
    document = cli("customers", "search", "--limit", "0", "--json", operator=None, CRM_LOCALE="es_ES")
    error = json.loads(document.stdout)["error"]
    assert document.exit_code == 2 and error["fields"] == {"limit": error["message"]}
    assert error["message"] == "Valor no válido para '--limit': '0' es demasiado pequeño: al menos 1."
    english = cli("customers", "show", operator=None, CRM_LOCALE="en_IE")
    assert "Missing argument 'ID'." in english.stderr and english.stderr.startswith("Usage: ")

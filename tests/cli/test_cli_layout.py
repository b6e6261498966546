"""The CLI's folder reads like its `--help`: one module (or package) per noun, none over ~400 lines."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import typer.main
from typer._click import Context

import crm_tui.cli
from crm_tui.cli import customers
from crm_tui.cli.conventions import help_line
from crm_tui.cli.main import NOUNS, app, load_noun

FOLDER = Path(crm_tui.cli.__file__).parent
PLUMBING = {
    "__init__",
    "main",
    "output",
    "session",
    "options",
    "conventions",
    "demo_systems",
}  # demo_systems: what `demo` runs beside the workbench
"""The modules that are not a noun: the root app, and what every command shares."""


def test_every_noun_of_the_help_has_its_module_and_every_module_is_a_noun():
    root = typer.main.get_command(app)
    nouns = {name.replace("-", "_") for name in root.list_commands(Context(root))}  # bss-sim lives in bss_sim.py
    modules = {path.stem for path in FOLDER.glob("*.py")} | {
        path.name for path in FOLDER.iterdir() if (path / "__init__.py").is_file()
    }
    assert modules - PLUMBING == nouns


def test_no_module_of_the_cli_is_over_400_lines():
    long = {
        path.relative_to(FOLDER).as_posix(): n
        for path in FOLDER.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not long, long


def test_each_line_of_the_noun_registry_names_its_module_and_says_what_its_help_says():
    """NOUNS is the one line a noun adds; `--help` shows its text without importing the module."""
    root = typer.main.get_command(app)
    for name, (target, line) in NOUNS.items():
        command = typer.main.get_command(load_noun(name)).commands[name]
        assert command.name == name
        assert help_line(command) == line, (name, target, help_line(command))
        assert root.get_command(Context(root), name).help == command.help


def test_each_verb_of_customers_is_a_line_of_its_registry_and_loads_only_when_named():
    group = typer.main.get_command(load_noun("customers")).commands["customers"]
    context = Context(group)
    assert group.list_commands(context) == list(customers.VERBS)
    for name, (target, line) in customers.VERBS.items():
        command = group.get_command(context, name)
        assert command.name == name and f"{command.callback.__module__}:{command.callback.__name__}" == target
        assert help_line(command) == line, (name, help_line(command))


def test_help_lists_every_noun_without_importing_one_and_a_read_imports_only_its_own(tmp_path):
    code = (
        "import sys\n"
        "from crm_tui.cli.main import app\n"
        "try:\n"
        "    app(sys.argv[1:], prog_name='crm-tui')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('crm_tui', 'textual', 'httpx'))), file=sys.stderr)\n"
    )

    def loaded(*args: str) -> tuple[str, set[str]]:
        done = subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            env=os.environ | {"COLUMNS": "200", "CRM_DATA_DIR": str(tmp_path)},
            timeout=120,
        )
        return done.stdout, set(ast.literal_eval(done.stderr.strip().splitlines()[-1]))

    shown, modules = loaded("--help")
    assert all(name in shown and line in shown for name, (_, line) in NOUNS.items())
    assert not {m for m in modules if m.startswith("crm_tui.cli.") and m.count(".") == 2} - {
        "crm_tui.cli.main",
        "crm_tui.cli.conventions",
        "crm_tui.cli.output",
        "crm_tui.cli.session",
    }, modules
    shown, modules = loaded("customers", "show", "--help")
    assert "crm_tui.cli.customers.finding" in modules
    assert not modules & {"crm_tui.cli.customers.importing", "crm_tui.cli.orders", "crm_tui.services.bootstrap"}
    assert not [m for m in modules if m.startswith(("textual", "httpx", "crm_tui.services"))], modules

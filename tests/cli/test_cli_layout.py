"""The CLI's folder reads like its `--help`: one module (or package) per noun, none over ~400 lines."""

from __future__ import annotations

import inspect
from pathlib import Path

import typer.main
from typer._click import Context

import crm_tui.cli
from crm_tui.cli.main import NOUNS, app, load_noun

FOLDER = Path(crm_tui.cli.__file__).parent
PLUMBING = {"__init__", "main", "output", "session", "options", "conventions"}
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
        first = inspect.cleandoc(command.help or "").split("\n\n")[0].replace("\n", " ")
        assert first == line, (name, target, first)
        assert root.get_command(Context(root), name).help == command.help

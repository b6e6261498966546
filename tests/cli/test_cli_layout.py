"""The CLI's folder reads like its `--help`: one module (or package) per noun, none over ~400 lines."""

from __future__ import annotations

from pathlib import Path

import typer.main

import crm_tui.cli
from crm_tui.cli.main import app

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
    nouns = {name.replace("-", "_") for name in typer.main.get_command(app).commands}  # bss-sim lives in bss_sim.py
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

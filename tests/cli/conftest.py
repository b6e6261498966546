"""Run `crm-tui` in-process as a script would: environment in, stdout/stderr/exit code out."""

from __future__ import annotations

import json
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from crm_tui.cli import app
from tests.conftest import PASSWORD


@dataclass
class Cli:
    """Invokes the CLI against the test database as a given operator (None: nobody configured)."""

    database_url: str
    data_dir: Path
    runner: CliRunner = field(default_factory=CliRunner)

    def __call__(self, *args: str, operator: str | None = "alice", password: str | None = PASSWORD, **env: str) -> Result:
        environment = {"CRM_DATABASE_URL": self.database_url, "CRM_DATA_DIR": str(self.data_dir), "COLUMNS": "200"}
        if operator:
            environment["CRM_OPERATOR"] = operator
        if password:
            environment["CRM_OPERATOR_PASSWORD"] = password
        environment.update(env)
        return self.runner.invoke(app, list(args), env=environment)

    def json(self, *args: str, expect: int = 0, **kwargs: Any) -> Any:
        """Run with --json and parse stdout, which must be exactly one JSON document."""
        result = self(*args, "--json", **kwargs)
        assert result.exit_code == expect, (result.exit_code, result.stdout, result.stderr)
        return json.loads(result.stdout)


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    return Cli(database_url=database_url, data_dir=tmp_path / "data")


@dataclass
class Workbench:
    """Stands in for the Textual workbench: records what it was asked to open."""

    module: Any
    calls: list[tuple[Any, Any]] = field(default_factory=list)

    def run(self, services: Any, launch: Any = None) -> None:
        self.calls.append((services.database.url, launch))


@pytest.fixture
def workbench(monkeypatch: pytest.MonkeyPatch) -> Workbench:
    """Replace `crm_tui.app.run_workbench` (a stand-in module if the app is not built yet)."""
    try:
        import crm_tui.app as module
    except ImportError:
        module = types.ModuleType("crm_tui.app")

        @dataclass
        class LaunchRequest:
            screen: str
            fields: dict[str, str]
            customer_id: str | None = None

        module.LaunchRequest = LaunchRequest  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "crm_tui.app", module)
        import crm_tui

        monkeypatch.setattr(crm_tui, "app", module, raising=False)
    stand_in = Workbench(module=module)
    monkeypatch.setattr(module, "run_workbench", stand_in.run, raising=False)
    return stand_in

"""Run `crm-tui` in-process as a script would: environment in, stdout/stderr/exit code out."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from typer.testing import CliRunner, Result

from crm_tui.cli.main import app
from tests.conftest import PASSWORD
from tests.factories import sim_card

# Typer rebuilds the click command tree on every invoke (~0.1 s: type hints of every command); the
# tree of `app` never changes, so build it once. Callbacks still look services up at call time.
typer.testing._get_command = functools.cache(typer.testing._get_command)

EXAMPLE = Path(__file__).parents[2] / "data" / "examples" / "customer.json"
NUMBERS = [f"60000000{i}" for i in range(5)]


@dataclass
class Cli:
    """Invokes the CLI against the test database as a given operator (None: nobody configured)."""

    database_url: str
    data_dir: Path
    runner: CliRunner = field(default_factory=CliRunner)

    def __call__(
        self,
        *args: str,
        operator: str | None = "alice",
        password: str | None = PASSWORD,
        input: str | None = None,
        **env: str,
    ) -> Result:
        """`input` is what the script pipes to stdin (service passwords, answers)."""
        environment = self.environment(operator=operator, password=password) | env
        return self.runner.invoke(app, list(args), env=environment, input=input)

    def environment(self, *, operator: str | None = "alice", password: str | None = PASSWORD) -> dict[str, str]:
        """The CRM_* variables a script sets: database, data folder, operator."""
        environment = {"CRM_DATABASE_URL": self.database_url, "CRM_DATA_DIR": str(self.data_dir), "COLUMNS": "200"}
        if operator:
            environment["CRM_OPERATOR"] = operator
        if password:
            environment["CRM_OPERATOR_PASSWORD"] = password
        return environment

    def json(self, *args: str, expect: int = 0, **kwargs: Any) -> Any:
        """Run with --json and parse stdout, which must be exactly one JSON document."""
        result = self(*args, "--json", **kwargs)
        assert result.exit_code == expect, (result.exit_code, result.stdout, result.stderr)
        return json.loads(result.stdout)


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Cli:
    return Cli(database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def pools(cli, admin, tmp_path):
    """Five ordinary numbers, one golden, five SIM cards, stocked by the admin through the CLI."""
    assert cli.json("numbers", "stock", *NUMBERS, operator="admin") == {"stocked": 5, "already_in_pool": 0}
    assert cli.json("numbers", "stock", "+34 600 777 777", "--golden-fee", "49.9", operator="admin")["stocked"] == 1
    sims = tmp_path / "sims.csv"
    sims.write_text("iccid,imsi\n" + "".join(f"{iccid},{imsi}\n" for iccid, imsi in map(sim_card, range(1, 6))) + "\n")
    assert cli.json("sims", "stock", "--file", str(sims), operator="admin") == {"stocked": 5, "already_in_pool": 0}


@dataclass
class Workbench:
    """Stands in for the Textual workbench: records what it was asked to open."""

    module: Any
    calls: list[tuple[Any, Any]] = field(default_factory=list)

    def run(self, open_services: Any, launch: Any = None) -> None:
        """What the workbench does first: open the services (it does so behind the sign-in screen)."""
        self.calls.append((open_services().database.url, launch))


@pytest.fixture
def workbench(monkeypatch: pytest.MonkeyPatch) -> Workbench:
    """Replace `crm_tui.app.run_workbench`: the CLI's hand-over is recorded, the app not run."""
    import crm_tui.app as module

    stand_in = Workbench(module=module)
    monkeypatch.setattr(module, "run_workbench", stand_in.run)
    return stand_in

"""The layout's rules, beside the import-linter contracts in pyproject.toml (LAYOUT.md, README "Layout"):

- no import inside a function in services/ or storage/ (the contracts must see every edge), but the
  few listed below with their reason; the faces' lazy imports are allowed per module, with a reason;
- only services/bootstrap.py registers order types, step kinds and queue actions; after it ran,
  every order type's steps exist, every step kind serves an order type, every queue has its actions;
- the contracts can fail: a bad import planted in a copy of the package breaks them.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crm_tui.domain import QueueName
from crm_tui.services import bootstrap, queues
from crm_tui.services.identity import new_line
from crm_tui.services.lifecycle import order_steps
from crm_tui.services.orders import engine

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "crm_tui"

INNER_IMPORTS_ALLOWED = {
    ("storage/db.py", "ensure_schema"): "Alembic costs ~0.3 s of imports; needed only when the schema is behind",
    ("services/shared/validation.py", "parse_email"): "email-validator and idna cost ~30 ms of imports; every "
    "command imports the validation, few check an address (issue 21)",
}
"""Function-level imports in services/ and storage/ that stay, each with why."""

LAZY_FACES = {
    "launch.py": "bare `crm-tui` opens the workbench without importing typer or the commands",
    "app.py": "the first frame comes before the screens behind the sign-in (and SQLAlchemy, pydantic, the services)",
    "cli": "each command imports the services it runs, and a noun's (or a customers verb's) module loads only when "
    "it is named (NOUNS, VERBS), so `--help` and other nouns do not pay for them; rich loads when something is drawn",
    "screens/sign_in.py": "the sign-in screen is on the cold-start path: the services load once it is up",
    "screens/registration_modals.py": "the upload modal's file tree loads only when a file is picked",
    "i18n.py": "stdlib-only on the cold-start path (the sign-in screen): Babel loads only to compile a catalogue in a "
    "development checkout or to name the languages in the palette",
    "widgets/header.py": "imported on the cold-start path (screens/base); Babel loads when a signed-in screen shows the clock",
    "present.py": "every face and every CLI command imports the vocabulary; Babel, phonenumbers and rich (about 75 ms) "
    "load when a value is first formatted, which a script's `--json` run never does (issue 21)",
}
"""The faces (top layers), and the vocabulary every face imports, may import lazily for start-up; each module or folder listed with why."""

REGISTERING = {"register_step", "register_order_type", "register_actions"}


def _functions_with_imports(path: Path) -> list[tuple[str, int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.append((node.name, inner.lineno, ast.unparse(inner)))
    return found


def test_services_and_storage_import_only_at_the_top_of_a_module():
    stray = []
    for folder in ("services", "storage"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            relative = path.relative_to(PACKAGE).as_posix()
            if "/migrations/versions/" in relative:
                continue
            for function, line, statement in _functions_with_imports(path):
                if (relative, function) not in INNER_IMPORTS_ALLOWED:
                    stray.append(f"crm_tui/{relative}:{line} in {function}(): {statement}")
    assert not stray, "Imports inside functions hide edges from the layer contracts:\n" + "\n".join(stray)


def test_lazy_imports_only_in_the_faces_that_list_why():
    stray = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith(("services/", "storage/")):
            continue  # the test above, stricter
        if relative in LAZY_FACES or relative.split("/")[0] in LAZY_FACES:  # a module, or a whole folder
            continue
        stray += [
            f"crm_tui/{relative}:{line} in {function}(): {s}" for function, line, s in _functions_with_imports(path)
        ]
    assert not stray, (
        "A lazy import outside the faces listed in LAZY_FACES (list it with why, or import at the top):\n"
        + "\n".join(stray)
    )


def test_only_bootstrap_registers_order_types_steps_and_queue_actions():
    callers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name in REGISTERING:
                    callers.append(path.relative_to(PACKAGE).as_posix())
    assert callers and set(callers) == {"services/bootstrap.py"}, callers


def test_after_bootstrap_every_order_type_step_and_queue_is_whole():
    bootstrap.register_all()
    bootstrap.register_all()  # idempotent: opening services twice registers the same data
    assert set(engine.ORDER_TYPES) == set(order_steps.ORDER_TYPES) | set(new_line.ORDER_TYPES)
    assert set(engine.ORDER_TYPES) == {"deregister", "terminate_customer", "suspend", "resume", "add_line"}
    used = {step for steps in engine.ORDER_TYPES.values() for step in steps}
    assert used <= set(engine.STEP_KINDS), "an order type names a step nobody registered"
    assert set(engine.STEP_KINDS) <= used, "a registered step serves no order type"
    for queue in QueueName:
        actions = queues.ACTIONS.get(queue, ())
        assert actions, f"queue {queue.value} has no actions"
        keys = [action.key for action in actions]
        assert len(keys) == len(set(keys)), f"queue {queue.value} binds a key twice: {keys}"


def test_an_unregistered_order_type_is_a_clear_error():
    with pytest.raises(LookupError, match="bootstrap"):
        engine.steps_of("no_such_order")


def _lint_copy(tmp_path: Path, plant: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """lint-imports over a copy of the package with `plant` lines appended to the named modules."""
    shutil.copytree(PACKAGE, tmp_path / "crm_tui", ignore=shutil.ignore_patterns("__pycache__", "*.tcss", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for module, line in plant.items():
        with (tmp_path / "crm_tui" / module).open("a", encoding="utf-8") as handle:
            handle.write(f"\n{line}\n")
    lint = Path(sys.executable).with_name("lint-imports")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run([str(lint), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("module", "bad_import", "contract", "edge"),
    [
        (
            "storage/models/customers.py",
            "import crm_tui.services.shared.views",
            "Layers of the whole package",
            "crm_tui.storage.models.customers -> crm_tui.services.shared.views",
        ),
        (
            "storage/models/customers.py",
            "import crm_tui.storage.models.money",
            "Rooms of the tables",
            "crm_tui.storage.models.customers -> crm_tui.storage.models.money",
        ),
        (
            "services/identity/checks.py",
            "import crm_tui.services.dedupe.scan",
            "Layers inside services",
            "crm_tui.services.identity.checks -> crm_tui.services.dedupe.scan",
        ),
        (
            "services/shared/audit.py",
            "import crm_tui.services.queues",
            "Layers inside services",
            "crm_tui.services.shared.audit -> crm_tui.services.queues",
        ),
    ],
    ids=[
        "storage-imports-services",
        "customers-table-imports-money",
        "identity-imports-dedupe",
        "shared-imports-queues",
    ],
)
def test_the_contracts_fail_when_a_bad_import_comes_back(tmp_path, module, bad_import, contract, edge):
    result = _lint_copy(tmp_path, {module: bad_import})
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken and edge in broken, result.stdout[-3000:]


def test_the_contracts_hold_on_an_untouched_copy(tmp_path):
    """The harness above is sound: the same copy with nothing planted keeps every contract."""
    result = _lint_copy(tmp_path, {})
    assert result.returncode == 0 and "0 broken" in result.stdout, result.stdout[-2000:] + result.stderr[-2000:]

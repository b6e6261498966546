"""Every key of the workbench by its binding id: what `keymap.ID` in the config file may remap.

Read from the bindings themselves (the app's, then each screen's and widget's class in crm_tui), so a
new screen's keys are remappable as soon as they have an id. Imports every screen: for the CLI's
`crm-tui config`, never on the workbench's start.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass

from textual.binding import Binding

from crm_tui import screens, widgets
from crm_tui.widgets.app_keys import APP_BINDINGS


@dataclass(frozen=True)
class KeyBinding:
    """One remappable key: its id, the key(s) it has by default, what it does and where."""

    binding_id: str
    key: str
    description: str
    where: str
    """"everywhere" for the app's keys, else the class that binds it (QueryCustomersScreen)."""


def workbench_bindings() -> dict[str, KeyBinding]:
    """Every workbench binding with an id, by id (the app's first; the first class that binds an id wins)."""
    found: dict[str, KeyBinding] = {}

    def add(binding: Binding, where: str) -> None:
        if binding.id and binding.id not in found:
            found[binding.id] = KeyBinding(binding.id, binding.key, binding.description or binding.tooltip, where)

    for binding in APP_BINDINGS:
        add(binding, "everywhere")
    for package in (screens, widgets):
        for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            for value in vars(module).values():
                if isinstance(value, type) and value.__module__ == module.__name__:
                    for binding in value.__dict__.get("BINDINGS", ()):
                        if isinstance(binding, Binding):
                            add(binding, value.__name__)
    return found

"""HELP (F1, or `?` outside a text field): the current screen's workflow in three lines and its keys,
then the keys that work everywhere; escape (or F1 again) closes it.

The keys are read from the bindings themselves (their key as the footer shows it, their description and
tooltip), so the help never drifts from what the keys do: the screen's own, those of the widgets on it
that the workbench defines (tables, rows, the merge fields), then the app's. A screen says its workflow
in `WORKFLOW` and any key that is not a binding (enter on a field, the arrows in a table) in `MORE_KEYS`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from crm_tui.i18n import N_, _

KeyRow = tuple[str, str, str]
"""(key as shown, what it does, more words or "")."""

EVERYWHERE_MORE: tuple[tuple[str, str], ...] = (("tab / shift+tab", N_("next / previous field")),)
"""Keys of every screen that are not the app's bindings."""


def own_binding_ids(node: DOMNode) -> set[str]:
    """The ids of the bindings the workbench's own classes give `node` (not those Textual's classes add)."""
    ids: set[str] = set()
    for cls in type(node).__mro__:
        if cls.__module__.startswith("crm_tui."):
            ids.update(b.id for b in cls.__dict__.get("BINDINGS", ()) if isinstance(b, Binding) and b.id)
    return ids


def binding_rows(nodes: Iterable[DOMNode]) -> list[KeyRow]:
    """One row per workbench binding of `nodes` (their keys as remapped by any keymap), in order, each once."""
    rows: list[KeyRow] = []
    seen: set[str] = set()
    for node in nodes:
        ids = own_binding_ids(node)
        for bindings in node._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.id not in ids or binding.id in seen:
                    continue
                seen.add(binding.id)
                rows.append(
                    (
                        node.app.get_key_display(binding),
                        _(binding.description),
                        (_(binding.tooltip) if binding.tooltip else ""),
                    )
                )
    return rows


def screen_rows(screen: Screen) -> list[KeyRow]:
    """The keys of `screen`: its bindings and its widgets' (the workbench's own), then MORE_KEYS."""
    rows = binding_rows([screen, *screen.walk_children()])
    rows += [(key, _(does), "") for key, does in getattr(screen, "MORE_KEYS", ())]
    return rows


def everywhere_rows(screen: Screen) -> list[KeyRow]:
    """The app's keys (those its `check_action` allows on `screen`), then the keys every screen has."""
    app = screen.app
    allowed = [
        binding
        for bindings in app._bindings.key_to_bindings.values()
        for binding in bindings
        if binding.description and app.check_action(binding.action, ()) is not False
    ]
    rows = [
        (app.get_key_display(binding), _(binding.description), (_(binding.tooltip) if binding.tooltip else ""))
        for binding in allowed
    ]
    return rows + [(key, _(does), "") for key, does in EVERYWHERE_MORE]


def keys_table(rows: list[KeyRow]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, does, more in rows:
        table.add_row(key, Text.assemble(does, (f"  {more}" if more else "", "dim")))
    return table


class HelpScreen(ModalScreen[None]):
    """The help of the screen under it: what it is for, how the work goes, its keys, then everywhere's."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 60%; }
    HelpScreen > #help-box {
        width: 100; max-width: 98%; height: auto; max-height: 96%;
        padding: 0 2; border: round $primary; background: $surface;
    }
    HelpScreen .help-title { text-style: bold; color: $accent; padding-top: 1; }
    HelpScreen #help-workflow { padding-bottom: 0; }
    HelpScreen #help-hint { color: $text-muted; padding: 1 0 0 0; }
    """
    BINDINGS: ClassVar = [
        Binding("escape", "close", N_("Close help"), tooltip=N_("back to the screen"), id="help-close"),
        Binding("f1", "close", N_("Close help"), show=False, tooltip=N_("F1 again"), id="help-close-f1", priority=True),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under
        """The screen this help is about."""
        title = getattr(under, "HELP_TITLE", "")
        self.title_text = _(title) if title else type(under).__name__.removesuffix("Screen")
        """The screen's HELP_TITLE (marked with N_() there) in the operator's language."""
        self.workflow: tuple[str, ...] = tuple(_(line) for line in getattr(under, "WORKFLOW", ()))
        self.rows = screen_rows(under)
        self.everywhere = everywhere_rows(under)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(_("HELP · {title}").format(title=self.title_text), classes="help-title", markup=False)
            yield Static("\n".join(f"{n}. {line}" for n, line in enumerate(self.workflow, 1)), id="help-workflow")
            if self.rows:
                yield Static(_("KEYS ON THIS SCREEN"), classes="help-title")
                yield Static(keys_table(self.rows), id="help-screen-keys")
            yield Static(_("KEYS EVERYWHERE"), classes="help-title")
            yield Static(keys_table(self.everywhere), id="help-everywhere-keys")
            yield Static(_("escape or F1 closes this help"), id="help-hint")

    def action_close(self) -> None:
        self.dismiss(None)

    def text(self) -> str:
        """Everything the help says, as plain text (for tests and the palette's search)."""
        lines = [self.title_text, *self.workflow]
        lines += [f"{key} {does} {more}".strip() for key, does, more in [*self.rows, *self.everywhere]]
        return "\n".join(lines)

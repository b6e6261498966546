"""The line at the top of every signed-in screen: who, which database, what time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from crm_tui.i18n import _

if TYPE_CHECKING:
    from crm_tui.services.shared.views import Actor


class WorkbenchHeader(Horizontal):
    """Signed-in operator (name, role, shop), the database label ("DEMO" in red) and the clock."""

    DEFAULT_CSS = """
    WorkbenchHeader { dock: top; height: 1; background: $panel; color: $foreground; }
    WorkbenchHeader > Static { width: auto; padding: 0 1; }
    WorkbenchHeader > #header-title { text-style: bold; color: $accent; }
    WorkbenchHeader > #header-operator { width: 1fr; }
    """

    def __init__(self, *, actor: Actor | None, database_label: str, demo: bool, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.actor = actor
        self.database_label = database_label
        self.demo = demo
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Static(_("MY WORKBENCH"), id="header-title")
        yield Static(self._who(), id="header-operator")
        yield Static(self._database(), id="header-database")
        yield Static(self._time(), id="header-clock")

    def on_mount(self) -> None:
        self.set_interval(1, self._tick)

    def _tick(self) -> None:
        """Once a second; the clock shows minutes, so it changes (and lays the screen out again) once a minute."""
        now = self._time()
        clock = self.query_one("#header-clock", Static)
        if str(clock.content) != now:
            clock.update(now)

    def _who(self) -> Text:
        if self.actor is None:
            return Text(_("not signed in"), style="italic")
        parts = [self.actor.display_name, self.actor.role.label]
        if self.actor.shop:
            parts.append(self.actor.shop)
        return Text(" · ".join(parts))

    def _database(self) -> Text:
        if self.demo:
            return Text(f" {self.database_label} ", style="bold white on red")
        return Text(_("db {database}").format(database=self.database_label))

    def _time(self) -> str:
        """`Tue 1 Dec 2026 10:05` (en_IE), `mar, 1 dic 2026 10:05` (es): the shop's zone, the operator's locale."""
        from crm_tui import present  # Babel (~40 ms): not on the cold-start path, the header shows once signed in

        now = self.clock()
        return f"{present.long_day(now)} {present.clock(now)}"

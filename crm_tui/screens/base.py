"""What every screen shares: service calls in workers, failures to the app, and the signed-in frame."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from crm_tui.errors import CrmError
from crm_tui.i18n import N_, _
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.widgets.footer import WorkbenchFooter
from crm_tui.widgets.form_field import show_field_errors
from crm_tui.widgets.header import WorkbenchHeader
from crm_tui.widgets.identify_box import IdentifyBox
from crm_tui.widgets.workers import run_service

T = TypeVar("T")


class ServiceScreen(Screen):
    """A screen that calls services in thread workers and hands failures to the app's one handler."""

    HELP_TITLE: ClassVar[str] = ""
    """The screen's name on its help (F1), marked with N_() (the help translates it)."""
    WORKFLOW: ClassVar[tuple[str, ...]] = ()
    """How the work on this screen goes, in three lines: the top of its help (each marked with N_())."""
    MORE_KEYS: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(key, what it does) for the keys of this screen that are not bindings (enter on a field, in a table)."""

    @property
    def workbench(self) -> Any:
        """The running CrmApp (typed loosely: screens sit below the app and never import it)."""
        return self.app

    def call_service(
        self,
        call: Callable[[], T],
        then: Callable[[T], object],
        *,
        group: str,
        description: str,
        busy: Widget | None = None,
    ) -> Worker[T]:
        return run_service(self, call, then, group=group, description=description, busy=busy)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.workbench.key_line.worker_failed(event.worker)
            self.workbench.show_failure(event.worker.error, self)

    def show_field_errors(self, errors: Mapping[str, str]) -> bool:
        """Errors under their fields; True if any field was found."""
        return show_field_errors(self, errors)

    def show_error(self, error: CrmError) -> bool:
        """Show a business failure in place; True means no toast is needed."""
        return False


FOOTER_RANKS: dict[str, int] = {
    "help": 0,
    "identify": 3,
    "query-customers": 4,
    "register": 4,
    "current-customer": 4,
    "queues": 4,
    "back": 5,
    "sign-out": 6,
}
"""Where the app's keys stand in a footer (lower first): F1 leads, as it opens every other key; the
screen's own keys come next (rank 1 for FOOTER_FIRST, 2 for the rest), then the identify box, the
screens, back and sign out. A narrow footer cuts from the right, so what is cut is in the help."""


def footer_rank(active: ActiveBinding, screen: Screen, first: tuple[str, ...]) -> tuple[int, int, int]:
    """Where a key stands in the footer: FOOTER_RANKS, then the focused widget's keys before the screen's,
    each in the order they are declared (never the order the focus chain happens to meet them)."""
    binding = active.binding
    if binding.id in first:
        return (1, 0, first.index(binding.id))
    rank = FOOTER_RANKS.get(binding.id or "", 2)
    node = active.node
    declared = list(node._bindings.key_to_bindings)
    position = declared.index(binding.key) if binding.key in declared else len(declared)
    return (rank, 1 if node is screen else 0, position)


class WorkbenchScreen(ServiceScreen):
    """A signed-in screen: header, the identify box, the screen's body and the key footer."""

    BINDINGS = [
        Binding("escape", "back", N_("Back"), tooltip=N_("one level back; in a filled box, clear it first"), id="back")
    ]
    FOOTER_FIRST: ClassVar[tuple[str, ...]] = ()
    """Binding ids this screen shows first in the footer, right after F1 (its most important keys); its
    other keys follow in the order they are bound."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The keys in footer order (FOOTER_RANKS); what they do is unchanged."""
        bindings = super().active_bindings
        return dict(sorted(bindings.items(), key=lambda item: footer_rank(item[1], self, self.FOOTER_FIRST)))

    def compose(self) -> ComposeResult:
        app = self.workbench
        yield WorkbenchHeader(
            actor=app.actor,
            database_label=app.services.database_label,
            demo=app.services.settings.demo,
            clock=app.clock,
        )
        yield IdentifyBox()
        with Vertical(id="body"):
            yield from self.compose_body()
        yield WorkbenchFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    @property
    def identify_box(self) -> IdentifyBox:
        return self.query_one(IdentifyBox)

    @on(IdentifyBox.Submitted)
    def _identify(self, event: IdentifyBox.Submitted) -> None:
        self.workbench.identify(event.key)

    def show_field_errors(self, errors: Mapping[str, str]) -> bool:
        """The identify box owns the "key" field; the rest belong to the screen's form."""
        if "key" in errors:
            self.identify_box.show_message(errors["key"], error=True)
            self.identify_box.input.focus()
            return True
        return super().show_field_errors(errors)

    def escape_filter(self, box: Widget, rows: Widget) -> bool:
        """Escape in a filter line: clear it, then hide it and give the rows the focus.

        False when the filter line does not have the focus (escape then means back)."""
        if not box.has_focus:
            return False
        if box.value:  # type: ignore[attr-defined] - an Input
            box.value = ""  # type: ignore[attr-defined]
        else:
            box.display = False
            rows.focus()
        return True

    def unsaved_work(self) -> tuple[str, list[str]] | None:
        """What leaving would throw away, as a confirmation's title and lines (translated); None: nothing to lose."""
        return None

    def action_back(self) -> None:
        """Escape: a filled identify box is cleared first; a form with unsaved work asks before leaving."""
        if self.identify_box.input.has_focus and self.identify_box.input.value:
            self.identify_box.input.value = ""
            return
        unsaved = self.unsaved_work()
        if unsaved is None:
            self.workbench.go_back()
            return

        def leave(confirmed: bool | None) -> None:
            if confirmed:
                self.workbench.go_back()

        title, lines = unsaved
        self.app.push_screen(ConfirmModal(title, lines, confirm_label=_("Leave")), leave)

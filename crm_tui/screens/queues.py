"""SUPERVISOR QUEUES (issue 4): every queue with its count and oldest age, the chosen queue's items,
and each action on one key. Every action names the item version the supervisor saw, so when another
supervisor got there first this screen says it changed and shows the queue as it is now.

The screen keeps the widgets and the flow; what it shows, built without widgets, is in `queues_parts`,
the note and order-steps modals in `queues_modals`."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Input, ProgressBar, Static

from crm_tui.domain import QueueName
from crm_tui.errors import Conflict, CrmError
from crm_tui.i18n import N_, _
from crm_tui.screens.base import WorkbenchScreen
from crm_tui.screens.customer_view import CustomerViewScreen
from crm_tui.screens.merge import MergeScreen
from crm_tui.screens.queues_modals import NoteModal, OrderStepsModal
from crm_tui.screens.queues_parts import (
    ITEM_COLUMNS,
    acted,
    action_word,
    changed,
    customer_of,
    detail,
    heading,
    item_cells,
    reference,
    refused,
    scan_stage,
    scanned,
    summary_cell,
)
from crm_tui.services import queues
from crm_tui.services.dedupe.scan import PairView, ScanReport, scan_duplicates
from crm_tui.services.orders.engine import get_order
from crm_tui.services.queues import ActionResult, QueueItemView, QueueSummary
from crm_tui.services.shared.views import CustomerDetail
from crm_tui.widgets.fitted_table import FittedTable
from crm_tui.widgets.tables import WorkbenchTable
from crm_tui.widgets.text_input import TextInput


class QueueItemsTable(FittedTable):
    """The chosen queue's items; enter opens the one under the cursor; its columns fit the width."""

    BINDINGS = [
        Binding("enter", "select_cursor", N_("Open"), tooltip=N_("the pair, order or customer"), id="queue-open")
    ]


QUEUE_WIDTH = 23
"""The queue list's column: a queue's name and its count wrap inside it."""


class QueuesScreen(WorkbenchScreen):
    """Left: every queue with its open count and oldest age. Right: the chosen queue's items."""

    CSS_PATH = "queues.tcss"
    BINDINGS = [
        Binding(
            "tab", "switch_list", N_("Switch list"), show=False, tooltip=N_("queues ⇄ items"), id="queues-switch-list"
        ),
        Binding("a", "act('a')", N_("Approve"), tooltip=N_("then enter (a note is optional)"), id="queues-approve"),
        Binding("r", "act('r')", N_("Reject"), tooltip=N_("failed orders: retry; then enter"), id="queues-reject"),
        Binding(
            "m", "act('m')", N_("Merge"), tooltip=N_("the pair side by side; ctrl+s there merges"), id="queues-merge"
        ),
        Binding("d", "act('d')", N_("Dismiss"), tooltip=N_("not duplicates; then enter"), id="queues-dismiss"),
        Binding("c", "claim", N_("Claim"), tooltip=N_("hold the item so no one else acts on it"), id="queues-claim"),
        Binding("slash", "filter", N_("Filter"), tooltip=N_("by reference, reason or holder"), id="queues-filter"),
        Binding("s", "sort", N_("Sort"), tooltip=N_("oldest or newest first"), id="queues-sort"),
        Binding("ctrl+d", "scan", N_("Scan duplicates"), tooltip=N_("queue new possible duplicates"), id="queues-scan"),
    ]
    AUTO_FOCUS = "#queue-list"
    HELP_TITLE = N_("Supervisor queues")
    WORKFLOW = (
        N_("Choose a queue on the left with the arrows; tab goes to its items (oldest first)."),
        N_("On an item: a approves, r rejects (or retries), d dismisses, each then enter; m opens a pair to merge."),
        N_("enter opens the item (a pair, an order's steps, the customer); escape comes back here."),
    )

    def __init__(self) -> None:
        super().__init__()
        self.summaries: dict[str, QueueSummary] = {}
        """Every queue by name, as last loaded."""
        self.queue: str | None = None
        """The queue whose items are shown."""
        self.items: dict[str, QueueItemView] = {}
        """The shown items by item ID (as a row key)."""
        self.sort = "oldest"
        """"oldest" or "newest" first."""
        self.filter_text = ""
        self.scanning = False

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="queues-title"):
            yield Static(_("SUPERVISOR QUEUES"), classes="screen-title")
            yield Static("", id="queue-status", markup=False)
        with Horizontal(id="scan-row"):
            yield Static("", id="scan-stage", markup=False)
            yield ProgressBar(id="scan-progress", show_eta=True)
        with Horizontal(id="queues-panes"):
            yield WorkbenchTable(id="queue-list")
            with Vertical(id="queue-side"):
                yield Static("", id="queue-heading", markup=False)
                yield TextInput(
                    placeholder=_("Filter by reference, reason or holder"), max_length=100, id="queue-filter"
                )
                yield QueueItemsTable(id="queue-items")
                yield Static("", id="queue-detail", markup=False)

    def on_mount(self) -> None:
        listing = self.query_one("#queue-list", WorkbenchTable)
        listing.add_column(_("Queue · open · oldest"), width=QUEUE_WIDTH, key="queue")
        self.query_one("#queue-items", QueueItemsTable).set_columns(ITEM_COLUMNS)
        self.query_one("#queue-filter").display = False
        self.query_one("#scan-row").display = False
        self.refresh_queues()

    def on_screen_resume(self) -> None:
        if self.summaries:  # back from a merge or a customer: the counts may have changed
            self.query_one("#queue-status", Static).update("")
            self.refresh_queues()

    # -- loading ------------------------------------------------------------------------------------

    @property
    def _now(self) -> datetime:
        return self.workbench.clock()

    def refresh_queues(self) -> None:
        """Counts of every queue, then the chosen queue's items."""
        app = self.workbench
        actor, services = app.actor, app.services
        self.call_service(
            lambda: queues.queue_summaries(uow=services.reader(), actor=actor),
            self._show_summaries,
            group="queue-summaries",
            description="Load the queues",  # i18n: not for people
        )

    def _show_summaries(self, summaries: list[QueueSummary]) -> None:
        self.summaries = {s.queue: s for s in summaries}
        if self.queue is None:
            self.queue = next((s.queue for s in summaries if s.open), summaries[0].queue)
        listing = self.query_one("#queue-list", WorkbenchTable)
        now = self._now
        cells = [(summary.queue, summary_cell(summary, now)) for summary in summaries]
        # each row as tall as its words wrapped in the column: a long name ("Solicitudes de
        # supresión") takes two lines, and a fixed two-line row hid its count under it
        heights = [len(cell.wrap(self.app.console, QUEUE_WIDTH)) for _queue, cell in cells]
        if heights == [row.height for row in listing.ordered_rows]:
            for queue, cell in cells:  # in place: the cursor stays where the supervisor left it
                listing.update_cell(queue, "queue", cell)
        else:
            listing.clear()
            for (queue, cell), height in zip(cells, heights, strict=True):
                listing.add_row(cell, key=queue, height=height)
            listing.move_cursor(row=list(self.summaries).index(self.queue))
        self._load_items()

    def _load_items(self) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        queue, text, sort = self.queue, self.filter_text, self.sort
        if queue is None:
            return
        self.call_service(
            lambda: queues.list_queue(queue, uow=services.reader(), actor=actor, text=text, sort=sort),
            self._show_items,
            group="queue-items",
            description="Load the queue's items",  # i18n: not for people
            busy=self.query_one("#queue-items"),
        )

    def _show_items(self, items: list[QueueItemView]) -> None:
        table = self.query_one("#queue-items", QueueItemsTable)
        keep = self._selected_item()
        self.items = {str(i.item_id): i for i in items}
        now = self._now
        table.set_rows((str(item.item_id), item_cells(item, now)) for item in items)
        if keep is not None and str(keep.item_id) in self.items:
            table.move_cursor(row=list(self.items).index(str(keep.item_id)))
        self._show_heading()
        self._show_detail()

    def _show_heading(self) -> None:
        summary = self.summaries.get(self.queue or "")
        if summary is None:
            return
        shown = heading(summary, shown=len(self.items), sort=self.sort, filter_text=self.filter_text)
        self.query_one("#queue-heading", Static).update(shown)

    def _show_detail(self) -> None:
        text = detail(self._selected_item(), filter_text=self.filter_text)
        self.query_one("#queue-detail", Static).update(text)

    @on(DataTable.RowHighlighted, "#queue-list")
    def _queue_chosen(self, event: DataTable.RowHighlighted) -> None:
        queue = event.row_key.value
        if event.cursor_row != event.data_table.cursor_row:  # the cursor moved on since
            return
        if queue and queue != self.queue:
            self.queue = queue
            self.items = {}
            self._load_items()

    @on(DataTable.RowSelected, "#queue-list")
    def _queue_entered(self) -> None:
        self.query_one("#queue-items").focus()

    @on(DataTable.RowHighlighted, "#queue-items")
    def _item_highlighted(self) -> None:
        self._show_detail()

    @on(DataTable.RowSelected, "#queue-items")
    def _item_entered(self) -> None:
        self.action_open_item()

    # -- status ---------------------------------------------------------------------------------------

    def say(self, message: str, *, error: bool = False) -> None:
        """The outcome of the last action, at the top of the screen (and in a toast)."""
        status = self.query_one("#queue-status", Static)
        status.update(message)
        status.set_class(error, "error")
        self.notify(message, severity="warning" if error else "information")

    def show_error(self, error: CrmError) -> bool:
        """Another supervisor got there first: say so and show the queue as it is now."""
        if isinstance(error, Conflict):
            self.say(changed(error), error=True)
            self.refresh_queues()
            return True
        return False

    # -- keys --------------------------------------------------------------------------------------------

    def _selected_item(self) -> QueueItemView | None:
        table = self.query_one("#queue-items", QueueItemsTable)
        if not self.items or table.cursor_row < 0 or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.items.get(key or "")

    def _item_or_say(self) -> QueueItemView | None:
        item = self._selected_item()
        if item is None:
            self.say(_("Nothing selected: choose an item first."), error=True)
        return item

    def action_switch_list(self) -> None:
        listing, items = self.query_one("#queue-list"), self.query_one("#queue-items")
        (listing if items.has_focus else items).focus()

    def action_act(self, key: str) -> None:
        """Approve, reject, merge or dismiss the selected item, if its queue has that action."""
        queue = QueueName(self.queue) if self.queue else None
        if queue is None:
            return
        action = next((a for a in queues.ACTIONS.get(queue, ()) if a.key == key), None)
        if action is None:
            self.say(refused(queue, key), error=True)
            return
        item = self._item_or_say()
        if item is None:
            return
        if action.name == "merge":
            self._open_pair(item)
            return
        title = f"{action_word(action.name).capitalize()} · {queue.label} · {reference(item)}"
        self.app.push_screen(
            NoteModal(title), lambda note: None if note is None else self._act(item, action.name, note)
        )

    def _act(self, item: QueueItemView, action: str, note: str) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        self.call_service(
            lambda: queues.act_on_item(
                item.queue,
                item.item_id,
                action,
                services=services,
                actor=actor,
                note=note,
                expected_version=item.version,
            ),
            self._acted,
            group="queue-act",
            description=f"{action.capitalize()} a queue item",  # i18n: not for people
        )

    def _acted(self, result: ActionResult) -> None:
        self.say(acted(result))
        self.refresh_queues()

    def action_claim(self) -> None:
        """Hold the selected item, so no other supervisor acts on it meanwhile."""
        item = self._item_or_say()
        if item is None:
            return
        app = self.workbench
        actor, services = app.actor, app.services
        self.call_service(
            lambda: queues.claim_item(item.item_id, uow=services.writer(), actor=actor, expected_version=item.version),
            lambda claimed: (
                self.say(_("You hold item {item} now.").format(item=claimed.item_id)),
                self.refresh_queues(),
            ),
            group="queue-act",
            description="Claim a queue item",  # i18n: not for people
        )

    def action_open_item(self) -> None:
        """Enter: a pair side by side, an order with its steps, or the customer concerned."""
        item = self._item_or_say()
        if item is None:
            return
        if item.ref_type == "duplicate":
            self._open_pair(item)
        elif item.ref_type == "order":
            self._open_order(item)
        elif item.ref_type in ("customer", "subscriber"):
            self._open_customer(item)
        else:
            self.say(_("Item {item}: {reason}").format(item=item.item_id, reason=item.reason))

    def _open_pair(self, item: QueueItemView) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        self.call_service(
            lambda: queues.duplicate_pair(item.item_id, uow=services.reader(), actor=actor),
            lambda pair: self._show_pair(pair, item),
            group="queue-open",
            description="Open a possible duplicate",  # i18n: not for people
        )

    def _show_pair(self, pair: PairView, item: QueueItemView) -> None:
        self.app.push_screen(MergeScreen(pair.customer_id_a, pair.customer_id_b, pair=pair, item=item))

    def _open_order(self, item: QueueItemView) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        self.call_service(
            lambda: get_order(item.ref_id, uow=services.reader(), actor=actor),
            lambda view: self.app.push_screen(OrderStepsModal(view, item.reason)),
            group="queue-open",
            description="Open an order",  # i18n: not for people
        )

    def _open_customer(self, item: QueueItemView) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        self.call_service(
            lambda: customer_of(item, services=services, actor=actor),
            self._show_customer,
            group="queue-open",
            description="Open the customer",  # i18n: not for people
        )

    def _show_customer(self, detail: CustomerDetail) -> None:
        """Over the queues, so escape comes back here."""
        self.workbench.current_customer_id = detail.customer_id
        self.app.push_screen(CustomerViewScreen(detail))

    def action_filter(self) -> None:
        box = self.query_one("#queue-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#queue-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._load_items()

    @on(Input.Submitted, "#queue-filter")
    def _filter_done(self) -> None:
        self.query_one("#queue-items").focus()

    def action_back(self) -> None:
        """Escape in the filter clears it, then hides it; elsewhere it goes back."""
        if not self.escape_filter(self.query_one("#queue-filter", Input), self.query_one("#queue-items")):
            super().action_back()

    def action_sort(self) -> None:
        self.sort = "newest" if self.sort == "oldest" else "oldest"
        self._load_items()

    def action_scan(self) -> None:
        """Look for possible duplicates among all customers; the screen stays usable meanwhile."""
        if self.scanning:
            self.say(_("A scan is already running."))
            return
        app = self.workbench
        actor, services = app.actor, app.services
        self.scanning = True
        self.query_one("#scan-row").display = True
        self.query_one("#scan-stage", Static).update(_("Scanning for duplicates…"))
        self.query_one("#scan-progress", ProgressBar).update(total=None, progress=0)

        def progress(stage: str, done: int, total: int) -> None:
            app.call_from_thread(self._scan_progress, stage, done, total)

        def scan() -> ScanReport:
            try:
                # One process: forking a threaded app (its event loop, these workers) could copy a
                # held lock into the child. `crm-tui dedupe scan` uses every core.
                return scan_duplicates(services=services, actor=actor, progress=progress, workers=1)
            finally:
                app.call_from_thread(self._scan_finished)

        self.call_service(
            scan,
            self._scanned,
            group="queue-scan",
            description="Scan for duplicates",  # i18n: not for people
        )

    def _scan_progress(self, stage: str, done: int, total: int) -> None:
        self.query_one("#scan-stage", Static).update(scan_stage(stage, done, total))
        self.query_one("#scan-progress", ProgressBar).update(total=max(total, 1), progress=done)

    def _scan_finished(self) -> None:
        self.scanning = False
        self.query_one("#scan-row").display = False

    def _scanned(self, report: ScanReport) -> None:
        self.say(scanned(report))
        self.refresh_queues()

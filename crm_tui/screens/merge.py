"""MERGE (eTOM 1.3.4.2.4 De-duplicate Customer Identity): two records of one person side by side; the
supervisor picks the surviving record and, field by field, which value to keep, then merges (and can
undo it right there).

ctrl+s merges at once, without a confirmation: the screen already shows exactly what will happen
(who survives, each value kept, what moves), and `u` undoes the merge with one key (issue 17: merge in
two keys from the queue, `m` then ctrl+s)."""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Static

from crm_tui.domain import CreditLevel, Gender
from crm_tui.errors import Conflict, CrmError
from crm_tui.i18n import N_, _
from crm_tui.present import NOTHING, capitalised, fields, phone, words
from crm_tui.screens.base import WorkbenchScreen
from crm_tui.services import queues
from crm_tui.services.dedupe.merge import (
    FieldComparison,
    MergePreview,
    MergeResult,
    merge_customers,
    preview_merge,
    unmerge,
)
from crm_tui.services.dedupe.scan import PairView
from crm_tui.services.queues import QueueItemView
from crm_tui.widgets.form_field import FREE_TEXT
from crm_tui.widgets.tables import WorkbenchTable
from crm_tui.widgets.text_input import TextInput

LEFT, RIGHT = "left", "right"
FIELD_LABELS = {
    "social_id": N_("Social ID"),
    "organization_name": N_("Organisation"),
    "street": N_("Street"),
    "document": N_("Document"),
}
"""Field names whose words need more than `words()` (translated where shown)."""


WATERFALL_BAR = 24
"""Characters of the longest bar in the waterfall."""


def waterfall(reasons: dict[str, Any]) -> Table | Text:
    """Why the model matched the pair: each comparison's agreement level and match weight (bits), from
    the prior to the pair's weight, with the running total and the probability it comes to."""
    parts = reasons.get("weights")
    if not parts or "match_weight" not in reasons:
        return Text(_("No weights stored for this pair (found by the earlier rules); a new scan scores it again."))
    total = float(reasons["match_weight"])
    prior = total - sum(float(w) for _c, _l, w in parts)
    ordered = sorted(parts, key=lambda p: -abs(float(p[2])))
    scale = WATERFALL_BAR / max(abs(prior), *(abs(float(w)) for _c, _l, w in parts), 1.0)
    table = Table.grid(padding=(0, 1))
    for justify in ("left", "left", "right", "right", "left"):
        table.add_column(justify=justify)
    running = prior
    table.add_row(
        Text(_("Prior"), style="bold"),
        Text(_("any two records"), style="dim"),
        f"{prior:+.1f}",
        f"{running:+.1f}",
        _bar(prior, scale),
    )
    for comparison, level, weight in ordered:
        running += float(weight)
        table.add_row(
            field_label(comparison),
            level_words(str(level)),
            f"{float(weight):+.1f}",
            f"{running:+.1f}",
            _bar(float(weight), scale),
        )
    probability = float(reasons.get("probability", 1 / (1 + math.pow(2, -total))))
    table.add_row(
        Text(_("Match weight"), style="bold"),
        Text(_("probability"), style="dim"),
        Text(f"{total:+.1f}", style="bold"),
        Text(f"{probability:.4f}", style="bold"),
        "",
    )
    return table


def level_words(level: str) -> str:
    """An agreement level in the operator's words, capitalised: "Misma calle" (the catalogue holds the
    model's own lower-case levels, "same street", so they are translated before the capital)."""
    return capitalised(_(level))


def _bar(weight: float, scale: float) -> Text:
    length = max(1, round(abs(weight) * scale)) if weight else 0
    return Text("█" * length, style="green" if weight > 0 else "red")


def field_label(field: str) -> str:
    # words() of other fields ("First name", "Email") is looked up too: the catalogue has many of them
    return _(FIELD_LABELS[field]) if field in FIELD_LABELS else _(words(field))


def field_value(field: str, value: str | None) -> str:
    """A stored value in screen words: "Female", "+34 612 34 56 78"."""
    if value is None or value == "":
        return NOTHING
    if field == "gender":
        return words(value, Gender)
    if field == "credit_level":
        return words(value, CreditLevel)
    if field == "mobile":
        return phone(value)
    return value


def _name(preview: MergePreview, side: str) -> str:
    values = {f.field: f.survivor if side == LEFT else f.merged for f in preview.fields}
    person = " ".join(v for v in (values.get("first_name"), values.get("middle_name"), values.get("last_name")) if v)
    return person or values.get("organization_name") or NOTHING


def _moving(moving: dict[str, int]) -> str:
    """What moves to the survivor, table by table: "certificates: 1, contacts: 2"."""
    return ", ".join(f"{words(table).lower()}: {n}" for table, n in moving.items() if n) or _("nothing")


class MergeFieldsTable(WorkbenchTable):
    """One row per field; left and right choose which record's value the survivor keeps."""

    BINDINGS = [
        Binding(
            "left", "screen.keep('left')", N_("Keep left"), tooltip=N_("the survivor's value"), id="merge-keep-left"
        ),
        Binding(
            "right",
            "screen.keep('right')",
            N_("Keep right"),
            tooltip=N_("the merged record's value"),
            id="merge-keep-right",
        ),
    ]

    def value_width(self) -> int:
        """Each record's column: half of what the field and keep columns leave, 12 to 40 cells."""
        available = self.size.width - self.styles.scrollbar_size_vertical if self.size.width else 120
        return max(12, min(40, (available - (14 + 2) - (8 + 2)) // 2 - 2))

    def on_resize(self) -> None:
        widths = [column.width for column in self.columns.values()]
        if len(widths) == 4 and widths[1] != self.value_width():
            self.screen.call_after_refresh(self.screen._render_fields)  # type: ignore[attr-defined]


class MergeScreen(WorkbenchScreen):
    """Survivor on the left, the record merged into it on the right, one row per field."""

    CSS_PATH = "merge.tcss"
    BINDINGS = [
        Binding("x", "swap", N_("Swap survivor"), tooltip=N_("the other record survives"), id="merge-swap"),
        Binding("ctrl+s", "merge", N_("Merge"), tooltip=N_("merge now as shown (u undoes it)"), id="merge-submit"),
        Binding("u", "unmerge", N_("Unmerge"), tooltip=N_("undo the merge just done"), id="merge-undo"),
        Binding(
            "w", "why", N_("Why"), tooltip=N_("show or hide each field's weight (the waterfall)"), id="merge-waterfall"
        ),
    ]
    AUTO_FOCUS = "#merge-fields"
    HELP_TITLE = N_("Merge possible duplicates")
    WORKFLOW = (
        N_("The left record survives, the right one is merged into it; x swaps which survives."),
        N_("On each differing field, ← keeps the left value and → the right one (● marks the value kept)."),
        N_("ctrl+s merges at once as shown; u undoes it; w shows why they matched; escape goes back to the queue."),
    )

    def __init__(
        self, survivor_id: str, merged_id: str, *, pair: PairView | None = None, item: QueueItemView | None = None
    ) -> None:
        super().__init__()
        self.survivor_id = survivor_id
        """The record that stays (left)."""
        self.merged_id = merged_id
        """The record that becomes merged and points to the survivor (right)."""
        self.pair = pair
        """The possible duplicate being decided, for its score and reasons."""
        self.item = item
        """The queue item as the supervisor saw it: merging claims it at that version."""
        self.preview: MergePreview | None = None
        self.kept: dict[str, str] = {}
        """Field -> the customer ID whose value the survivor keeps."""
        self.result: MergeResult | None = None
        """The merge just done, until it is undone."""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="merge-title"):
            yield Static(_("MERGE POSSIBLE DUPLICATES"), classes="screen-title")
            yield Static(self._why(), id="merge-why", markup=False)
        yield Static("", id="merge-sides", markup=False)
        yield Static(waterfall(self.pair.reasons) if self.pair else "", id="merge-waterfall")
        yield MergeFieldsTable(id="merge-fields")
        yield Static("", id="merge-moving", markup=False)
        yield TextInput(
            placeholder=_("Note (optional): why they are one person"),
            max_length=500,
            id="merge-note",
            classes=FREE_TEXT,
        )
        yield Static(
            _("←/→ keep the left or right value · x swap which record survives · ctrl+s merge"),
            id="merge-result",
            markup=False,
        )

    def action_why(self) -> None:
        """Show or hide the waterfall (shown at first on a tall terminal, hidden at 24 lines)."""
        panel = self.query_one("#merge-waterfall", Static)
        panel.display = not panel.display

    def _why(self) -> str:
        if self.pair is None:
            return ""
        return _("score {score} · agree: {agree} · differ: {differ}").format(
            score=f"{self.pair.score:.2f}",
            agree=fields(self.pair.reasons.get("agree")),
            differ=fields(self.pair.reasons.get("differ")),
        )

    def on_mount(self) -> None:
        self.query_one("#merge-waterfall", Static).display = self.pair is not None and self.app.size.height >= 40
        self._load_preview()

    def _load_preview(self) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        survivor, merged = self.survivor_id, self.merged_id
        self.call_service(
            lambda: preview_merge(survivor, merged, uow=services.reader(), actor=actor),
            self._show_preview,
            group="merge-preview",
            description="Compare the two records",  # i18n: not for people
            busy=self.query_one("#merge-fields"),
        )

    def _show_preview(self, preview: MergePreview) -> None:
        self.preview = preview
        for f in preview.fields:  # the survivor's value, unless only the other record has one
            if f.field not in self.kept:
                self.kept[f.field] = (
                    preview.merged_id if f.survivor is None and f.merged is not None else preview.survivor_id
                )
        self.query_one("#merge-sides", Static).update(
            _("Left survives: {survivor} {survivor_name}   ·   Right is merged into it: {merged} {merged_name}").format(
                survivor=preview.survivor_id,
                survivor_name=_name(preview, LEFT),
                merged=preview.merged_id,
                merged_name=_name(preview, RIGHT),
            )
        )
        self.query_one("#merge-moving", Static).update(
            _("Moves from {merged} to {survivor}: {moving}").format(
                merged=preview.merged_id, survivor=preview.survivor_id, moving=_moving(preview.moving)
            )
        )
        self._render_fields()
        self.refresh_bindings()

    def _render_fields(self) -> None:
        preview = self.preview
        if preview is None:
            return
        table = self.query_one("#merge-fields", MergeFieldsTable)
        row = max(table.cursor_row, 0)
        table.clear(columns=True)
        table.add_column(_("Field"), width=14, key="field")
        width = table.value_width()
        table.add_column(_("Survivor {customer_id}").format(customer_id=preview.survivor_id), width=width, key=LEFT)
        table.add_column(_("Merged {customer_id}").format(customer_id=preview.merged_id), width=width, key=RIGHT)
        table.add_column(_("Keep"), width=8, key="keep")
        for f in preview.fields:
            table.add_row(*self._cells(f), key=f.field)
        table.move_cursor(row=min(row, len(preview.fields) - 1))

    def _cells(self, f: FieldComparison) -> tuple[Text, Text, Text, Text]:
        left, right = field_value(f.field, f.survivor), field_value(f.field, f.merged)
        label = Text(field_label(f.field), style="dim" if f.same else "bold")
        if f.same:
            return label, Text(f"  {left}"), Text(f"  {right}"), Text(_("same"), style="dim")
        keep_left = self.kept.get(f.field) != self.merged_id

        def cell(value: str, chosen: bool) -> Text:
            return Text(f"● {value}", style="bold reverse green") if chosen else Text(f"  {value}", style="dim")

        return (
            label,
            cell(left, keep_left),
            cell(right, not keep_left),
            Text(_("← left") if keep_left else _("right →"), style="bold"),
        )

    def take_from_merged(self) -> list[str]:
        """The fields whose value the survivor takes from the merged record."""
        if self.preview is None:
            return []
        return [f.field for f in self.preview.fields if not f.same and self.kept.get(f.field) == self.merged_id]

    # -- keys --------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("swap", "merge", "keep"):
            return self.preview is not None and self.result is None
        if action == "unmerge":
            return self.result is not None
        return True

    def action_keep(self, side: str) -> None:
        """Keep the left (survivor's) or right (merged record's) value of the field under the cursor."""
        table = self.query_one("#merge-fields", MergeFieldsTable)
        if self.preview is None or table.row_count == 0:
            return
        f = self.preview.fields[table.cursor_row]
        if f.same:
            self.notify(
                _("{field} is the same on both records.").format(field=field_label(f.field)),
                title=_("Nothing to choose"),
            )
            return
        self.kept[f.field] = self.survivor_id if side == LEFT else self.merged_id
        for column, value in zip(("field", LEFT, RIGHT, "keep"), self._cells(f), strict=True):
            table.update_cell(f.field, column, value)

    def action_swap(self) -> None:
        """The other record survives; every field keeps the value already chosen."""
        self.survivor_id, self.merged_id = self.merged_id, self.survivor_id
        self._load_preview()

    def action_merge(self) -> None:
        """Merge as the screen shows it (no confirmation: `u` undoes it)."""
        if self.preview is not None:
            self._merge(self.take_from_merged())

    def _merge(self, taken: list[str]) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        survivor, merged, item = self.survivor_id, self.merged_id, self.item
        note = self.query_one("#merge-note", Input).value

        def merge() -> MergeResult:
            if item is not None:  # one supervisor decides a pair: fails if it changed since it was listed
                queues.claim_item(item.item_id, uow=services.writer(), actor=actor, expected_version=item.version)
            return merge_customers(
                survivor, merged, uow=services.writer(), actor=actor, take_from_merged=taken, note=note
            )

        self.call_service(
            merge,
            self._merged,
            group="merge",
            description="Merge two customers",  # i18n: not for people
            busy=self.query_one("#merge-fields"),
        )

    def _merged(self, result: MergeResult) -> None:
        self.result = result
        self.item = None
        rows = sum(result.moved.values())
        self._say(
            _(
                "Merged (merge {merge}): {merged} now resolves to {survivor}; {rows} row(s) moved. u unmerges · escape goes back."
            ).format(merge=result.merge_id, merged=result.merged_id, survivor=result.survivor_id, rows=rows)
        )
        self.refresh_bindings()

    def action_unmerge(self) -> None:
        """Undo the merge just done, with one key: both records come back as they were."""
        if self.result is not None:
            self._unmerge(self.result.merge_id)

    def _unmerge(self, merge_id: int) -> None:
        app = self.workbench
        actor, services = app.actor, app.services
        self.call_service(
            lambda: unmerge(merge_id, uow=services.writer(), actor=actor),
            self._unmerged,
            group="merge",
            description="Undo a merge",  # i18n: not for people
        )

    def _unmerged(self, result: MergeResult) -> None:
        self.result = None
        self._say(
            _(
                "Unmerged (merge {merge}): {survivor} and {merged} are separate again; the pair is closed as not duplicates (a rescan does not queue it again)."
            ).format(merge=result.merge_id, survivor=result.survivor_id, merged=result.merged_id)
        )
        self._load_preview()

    def _say(self, message: str, *, error: bool = False) -> None:
        status = self.query_one("#merge-result", Static)
        status.update(message)
        status.set_class(error, "error")
        status.set_class(not error, "good")
        self.notify(message, severity="warning" if error else "information")

    def show_error(self, error: CrmError) -> bool:
        """Someone else decided the pair first, or one record changed: say so where the result goes."""
        if isinstance(error, Conflict):
            self._say(
                _("Changed: {message} Escape goes back to the refreshed queue.").format(message=error.message),
                error=True,
            )
            return True
        return False

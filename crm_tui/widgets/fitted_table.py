"""Tables that fit the terminal: column widths computed on every resize, the least important columns
dropped first when the width runs out (a DataTable of fixed columns just cuts the right-hand ones).

Any screen's table adopts it by naming its columns with a priority (0 is the most important, kept the
longest) and handing over full rows; the table shows the columns that fit, in their own order:

    table = FittedTable([FitColumn("Service Number", priority=0), FitColumn("IMSI", priority=9), ...])
    table.set_rows([(row_key, (cell, cell, ...)), ...])

`WorkbenchTable` (j/k as well as arrows) lives here too, so that `tables.py` can build on both.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

from crm_tui.i18n import N_, _

CELL_PADDING = 1
"""DataTable's default space each side of a cell."""

MEASURE_CAP = 40
"""A column measured from its cells is never wider than this (long summaries are cut)."""


@dataclass(frozen=True)
class FitColumn:
    """One column: its label, how wide it likes to be, how narrow it may get, and how much it matters."""

    label: str
    """The header; a two-line label ("Credit\\nLevel") needs the table's `header_height=2`. Marked with N_()
    where it is declared: the table translates it when it shows it."""
    priority: int = 50
    """0 is the most important: columns are dropped from the highest number down as the table narrows."""
    width: int | None = None
    """The comfortable width; None measures the label and the cells (up to MEASURE_CAP)."""
    min_width: int | None = None
    """The narrowest it may be cut to before the table drops a column instead; None is `width`."""
    grow: bool = False
    """Takes the width left over once every shown column has its comfortable width, up to `max_width`."""
    max_width: int = 60
    """How wide a growing column gets on a wide terminal (wider lines are harder to read)."""


def _label_width(label: str) -> int:
    return max((len(part) for part in label.split("\n")), default=0)


def _cell_width(cell: object) -> int:
    if isinstance(cell, Text):
        return cell.cell_len
    return max((len(part) for part in str(cell).split("\n")), default=0)


def measured(columns: Sequence[FitColumn], rows: Iterable[Sequence[object]]) -> list[tuple[int, int]]:
    """(comfortable, minimum) width of each column: as given, else from its label and the cells."""
    widest = [_label_width(_(column.label)) for column in columns]
    for cells in rows:
        for index, cell in enumerate(cells[: len(columns)]):
            widest[index] = max(widest[index], min(_cell_width(cell), MEASURE_CAP))
    sizes: list[tuple[int, int]] = []
    for column, wide in zip(columns, widest, strict=True):
        width = column.width if column.width is not None else wide
        minimum = min(column.min_width if column.min_width is not None else width, width)
        sizes.append((width, max(minimum, 1)))
    return sizes


def fit_widths(columns: Sequence[FitColumn], sizes: Sequence[tuple[int, int]], available: int) -> list[int | None]:
    """The width of each column in `available` cells, or None where it is dropped.

    The columns are taken by priority while their minimum widths (plus padding) fit, so a less important
    column is never shown in place of a more important one; the most important is always shown. Room
    left over brings the shown columns up to their comfortable width, by priority, then goes to `grow`.
    """
    order = sorted(range(len(columns)), key=lambda index: (columns[index].priority, index))
    widths: list[int | None] = [None] * len(columns)
    used = 0
    for index in order:
        need = sizes[index][1] + 2 * CELL_PADDING
        if used + need > available and used:
            break
        widths[index] = sizes[index][1]
        used += need
    room = max(available - used, 0)
    for index in order:
        current = widths[index]
        if current is None or room <= 0:
            continue
        more = min(sizes[index][0] - current, room)
        if more > 0:
            widths[index] = current + more
            room -= more
    growing = [index for index in order if widths[index] is not None and columns[index].grow]
    for turn, index in enumerate(growing):
        current = widths[index] or 0
        share = min(room // (len(growing) - turn), max(columns[index].max_width - current, 0))
        widths[index] = current + share
        room -= share
    return widths


class WorkbenchTable(DataTable):
    """A row-cursor table with vi-style keys."""

    BINDINGS = [
        Binding("j", "cursor_down", N_("Down"), show=False, tooltip=N_("as ↓"), id="table-down"),
        Binding("k", "cursor_up", N_("Up"), show=False, tooltip=N_("as ↑"), id="table-up"),
    ]

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)


class FittedTable(WorkbenchTable):
    """A row-cursor table whose columns fit its width: recomputed on resize, least important dropped first."""

    def __init__(self, columns: Sequence[FitColumn] = (), **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.fit_columns: tuple[FitColumn, ...] = tuple(columns)
        """Every column the table can show, in display order."""
        self._fit_rows: list[tuple[Hashable | None, tuple[object, ...]]] = []
        self._fit_widths: list[int | None] | None = None

    @property
    def shown_columns(self) -> list[str]:
        """The labels of the columns on screen now (one line each), for tests and the help."""
        return [
            _(column.label).replace("\n", " ")
            for column, width in zip(self.fit_columns, self._fit_widths or (), strict=False)
            if width is not None
        ]

    def set_columns(self, columns: Sequence[FitColumn]) -> None:
        """Other columns (the rows are kept only if they still match)."""
        self.fit_columns = tuple(columns)
        self._fit_widths = None
        self._refit()

    def set_rows(self, rows: Iterable[tuple[Hashable | None, Sequence[object]]]) -> None:
        """Replace the rows: (row key or None, every column's cell); the cursor goes to the first row."""
        self._fit_rows = [(key, tuple(cells)) for key, cells in rows]
        self._fit_widths = None
        self._refit()
        if self.row_count and self.is_mounted:
            self.move_cursor(row=0)

    def _available(self) -> int:
        width = self.size.width - self.styles.gutter.width
        return width - self.styles.scrollbar_size_vertical

    def on_resize(self, event: events.Resize) -> None:
        self._refit()

    def on_mount(self) -> None:
        self._refit()

    def _refit(self) -> None:
        if not self.fit_columns:
            return
        sizes = measured(self.fit_columns, (cells for _key, cells in self._fit_rows))
        available = self._available()
        if available <= 0:  # not laid out yet (a hidden tab): every column, until its first resize
            available = sum(width + 2 * CELL_PADDING for width, _minimum in sizes)
        widths = fit_widths(self.fit_columns, sizes, available)
        if widths == self._fit_widths:
            return
        self._fit_widths = widths
        row = self.cursor_row
        self.clear(columns=True)
        shown = [index for index, width in enumerate(widths) if width is not None]
        for index in shown:
            self.add_column(_(self.fit_columns[index].label), width=widths[index], key=f"column-{index}")
        for key, cells in self._fit_rows:
            self.add_row(*(cells[index] if index < len(cells) else "" for index in shown), key=key)
        if self.row_count and self.is_mounted:
            self.move_cursor(row=min(max(row, 0), self.row_count - 1))

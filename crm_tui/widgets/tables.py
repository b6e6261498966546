"""Tables the CSR drives from the keyboard: j/k as well as arrows, Enter opens."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from crm_tui.domain import CreditLevel, CustomerStatus, Gender
from crm_tui.identifiers import normalize_name
from crm_tui.present import NOTHING, phone, words
from crm_tui.services.shared.views import CustomerPage, CustomerSummary


class WorkbenchTable(DataTable):
    """A row-cursor table with vi-style keys."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, tooltip="as ↓", id="table-down"),
        Binding("k", "cursor_up", "Up", show=False, tooltip="as ↑", id="table-up"),
    ]

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)


STATE_STYLES: dict[str, str] = {
    CustomerStatus.ACTIVE: "green",
    CustomerStatus.SUSPENDED: "yellow",
    CustomerStatus.TERMINATED: "red",
    CustomerStatus.ARCHIVED: "dim",
}
"""How a state stands out in lists; the word is always there too."""


RESULT_SORTS: tuple[tuple[str, Callable[[CustomerSummary], tuple] | None], ...] = (
    ("as found", None),
    ("state", lambda c: (words(c.status, CustomerStatus), c.name)),
    ("credit level", lambda c: (c.credit_level or "~", c.name)),
    ("nationality", lambda c: (c.nationality or "~", c.name)),
    ("name", lambda c: (normalize_name(c.name), c.customer_id)),
)
"""`s` on the results cycles through these: (words for the page line, sort key; None keeps the order found)."""


class CustomerResultsTable(WorkbenchTable):
    """Query Customers results: one row per customer, keyed by customer ID.

    `/` filters and `s` sorts the rows of the page on screen (n/p fetch other pages): a CSR with a
    page of namesakes narrows it by a town in the email, a phone digit or a state without a new search.
    """

    BINDINGS = [
        Binding(
            "slash",
            "screen.filter_results",
            "Filter",
            tooltip="this page, by any text in its rows",
            id="results-filter",
        ),
        Binding("s", "cycle_sort", "Sort", tooltip="by state, credit level, nationality or name", id="results-sort"),
    ]

    COLUMNS = (
        ("Customer Name", 24),
        ("Gender", 6),
        ("Nation-\nality", 7),
        ("Mobile Number", 16),
        ("Email", 22),
        ("Credit\nLevel", 6),
        ("State", 10),
        ("Operation", 9),
    )
    """(label, width): the reference's columns, two-line labels so all fit a 120-column terminal."""

    class ViewChanged(Message):
        """The filter or the sort changed what the table shows."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(header_height=2, **kwargs)
        self._customers: list[CustomerSummary] = []
        self.filter_text = ""
        self.sort_index = 0

    def on_mount(self) -> None:
        for label, width in self.COLUMNS:
            self.add_column(label, width=width)

    @property
    def sort_words(self) -> str:
        return RESULT_SORTS[self.sort_index][0]

    @property
    def shown(self) -> int:
        return self.row_count

    @property
    def total_on_page(self) -> int:
        return len(self._customers)

    def show_page(self, page: CustomerPage) -> None:
        """A new page: its rows in the current sort, through the current filter."""
        self._customers = list(page.customers)
        self._render_rows()

    def set_filter(self, text: str) -> None:
        self.filter_text = text.strip()
        self._render_rows()
        self.post_message(self.ViewChanged())

    def action_cycle_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(RESULT_SORTS)
        self._render_rows()
        self.post_message(self.ViewChanged())

    def _row_cells(self, customer: CustomerSummary) -> tuple:
        state = words(customer.status, CustomerStatus)
        return (
            Text(customer.name, overflow="ellipsis", no_wrap=True),
            words(customer.gender, Gender) if customer.gender else NOTHING,
            customer.nationality or NOTHING,
            phone(customer.mobile),
            Text(customer.email or NOTHING, overflow="ellipsis", no_wrap=True),
            words(customer.credit_level, CreditLevel),
            Text(state, style=STATE_STYLES.get(customer.status, "")),
            Text("Open ▸", style="bold"),
        )

    def _render_rows(self) -> None:
        self.clear()
        rows = [(customer, self._row_cells(customer)) for customer in self._customers]
        if self.filter_text:
            wanted = normalize_name(self.filter_text)
            rows = [
                (c, cells)
                for c, cells in rows
                if wanted in normalize_name(" ".join(str(cell) for cell in cells) + " " + (c.mobile or ""))
            ]
        sort_by = RESULT_SORTS[self.sort_index][1]
        if sort_by is not None:
            rows.sort(key=lambda row: sort_by(row[0]))
        for customer, cells in rows:
            self.add_row(*cells, key=customer.customer_id)
        if rows:
            self.move_cursor(row=0)

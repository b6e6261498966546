"""Tables the CSR drives from the keyboard: j/k as well as arrows, Enter opens (the base tables are in
`fitted_table.py`: `WorkbenchTable`, and `FittedTable` whose columns fit the terminal)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from crm_tui.domain import CreditLevel, CustomerStatus, Gender
from crm_tui.i18n import N_, _
from crm_tui.identifiers import normalize_name
from crm_tui.present import NOTHING, phone, words
from crm_tui.services.shared.views import CustomerPage, CustomerSummary
from crm_tui.widgets.fitted_table import FitColumn, FittedTable, WorkbenchTable

__all__ = ["CustomerResultsTable", "RESULT_SORTS", "STATE_STYLES", "WorkbenchTable"]


STATE_STYLES: dict[str, str] = {
    CustomerStatus.ACTIVE: "green",
    CustomerStatus.SUSPENDED: "yellow",
    CustomerStatus.TERMINATED: "red",
    CustomerStatus.ARCHIVED: "dim",
}
"""How a state stands out in lists; the word is always there too."""


RESULT_SORTS: tuple[tuple[str, Callable[[CustomerSummary], tuple] | None], ...] = (
    (N_("as found"), None),
    (N_("state"), lambda c: (words(c.status, CustomerStatus), c.name)),
    (N_("credit level"), lambda c: (c.credit_level or "~", c.name)),
    (N_("nationality"), lambda c: (c.nationality or "~", c.name)),
    (N_("name"), lambda c: (normalize_name(c.name), c.customer_id)),
)
"""`s` on the results cycles through these: (words for the page line, marked with N_() and translated by
`sort_words`; sort key, None keeps the order found)."""


class CustomerResultsTable(FittedTable):
    """Query Customers results: one row per customer, keyed by customer ID.

    `/` filters and `s` sorts the rows of the page on screen (n/p fetch other pages): a CSR with a
    page of namesakes narrows it by a town in the email, a phone digit or a state without a new search.
    """

    BINDINGS = [
        Binding(
            "slash",
            "screen.filter_results",
            N_("Filter"),
            tooltip=N_("this page, by any text in its rows"),
            id="results-filter",
        ),
        Binding(
            "s", "cycle_sort", N_("Sort"), tooltip=N_("by state, credit level, nationality or name"), id="results-sort"
        ),
    ]

    COLUMNS = (
        FitColumn(N_("Customer Name"), priority=0, width=24, min_width=16, grow=True),
        FitColumn(N_("Gender"), priority=6, width=6),
        FitColumn(N_("Nation-\nality"), priority=7, width=7),
        FitColumn(N_("Mobile Number"), priority=3, width=16),
        FitColumn(N_("Email"), priority=5, width=22, min_width=14, grow=True),
        FitColumn(N_("Credit\nLevel"), priority=4, width=6),
        FitColumn(N_("State"), priority=1, width=10, min_width=9),
        FitColumn(N_("Operation"), priority=2, width=9),
    )
    """The reference's columns (two-line labels so all fit 120 columns); at 80 the name, state, operation,
    mobile and credit level stay, and email, gender and nationality go, in that order."""

    class ViewChanged(Message):
        """The filter or the sort changed what the table shows."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(self.COLUMNS, header_height=2, **kwargs)
        self._customers: list[CustomerSummary] = []
        self.filter_text = ""
        self.sort_index = 0

    @property
    def sort_words(self) -> str:
        return _(RESULT_SORTS[self.sort_index][0])

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
            Text(_("Open ▸"), style="bold"),
        )

    def _render_rows(self) -> None:
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
        self.set_rows((customer.customer_id, cells) for customer, cells in rows)

"""Tables the CSR drives from the keyboard: j/k as well as arrows, Enter opens."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from crm_tui.domain import CreditLevel, CustomerStatus, Gender
from crm_tui.services.views import CustomerPage
from crm_tui.widgets.formatting import NOTHING, phone, words


class WorkbenchTable(DataTable):
    """A row-cursor table with vi-style keys."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="table-down"),
        Binding("k", "cursor_up", "Up", show=False, id="table-up"),
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


class CustomerResultsTable(WorkbenchTable):
    """Query Customers results: one row per customer, keyed by customer ID."""

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

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(header_height=2, **kwargs)

    def on_mount(self) -> None:
        for label, width in self.COLUMNS:
            self.add_column(label, width=width)

    def show_page(self, page: CustomerPage) -> None:
        self.clear()
        for customer in page.customers:
            state = words(customer.status, CustomerStatus)
            self.add_row(
                Text(customer.name, overflow="ellipsis", no_wrap=True),
                words(customer.gender, Gender) if customer.gender else NOTHING,
                customer.nationality or NOTHING,
                phone(customer.mobile),
                Text(customer.email or NOTHING, overflow="ellipsis", no_wrap=True),
                words(customer.credit_level, CreditLevel),
                Text(state, style=STATE_STYLES.get(customer.status, "")),
                Text("Open ▸", style="bold"),
                key=customer.customer_id,
            )
        if page.customers:
            self.move_cursor(row=0)

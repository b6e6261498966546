"""QUERY CUSTOMERS (Verify Customer, eTOM 1.3.4.2.1): the careful search, field by field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.widgets import Button, DataTable, Input, Select, Static

from crm_tui.domain import CertType, KeyKind
from crm_tui.errors import InvalidInput
from crm_tui.i18n import N_, _, ngettext
from crm_tui.present import number
from crm_tui.screens.base import WorkbenchScreen
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.shared.views import CustomerPage
from crm_tui.widgets.form_field import FormField
from crm_tui.widgets.tables import CustomerResultsTable
from crm_tui.widgets.text_input import TextInput

TEXT_FIELDS: tuple[tuple[str, str, str, KeyKind], ...] = (
    ("cert_number", N_("Certificate Number"), "12345678Z", KeyKind.CERTIFICATE),
    ("service_number", N_("Service Number"), N_("612 345 678 or +34..."), KeyKind.SERVICE_NUMBER),
    ("name", N_("Customer Name"), N_("any part of the name"), KeyKind.NAME),
    ("imsi", N_("IMSI"), N_("15 digits"), KeyKind.IMSI),
    ("iccid", N_("ICCID"), "89...", KeyKind.ICCID),
    ("customer_id", N_("Customer ID"), "C0000000018", KeyKind.CUSTOMER_ID),
    ("email", N_("Email"), N_("name@example.com"), KeyKind.EMAIL),
    ("social", N_("Social Account"), N_("@handle or google:handle"), KeyKind.SOCIAL),
)
"""(field, label, placeholder, key kind) in screen order; the first filled one is the key used (the
words marked N_(), translated when the form is composed)."""

QUERY_FIELDS = {f.name for f in dataclass_fields(CustomerQuery)}


class QueryCustomersScreen(WorkbenchScreen):
    """Search by certificate, service number, name, IMSI, ICCID, customer ID, email or social account (AND)."""

    CSS_PATH = "query_customers.tcss"
    BINDINGS = [
        Binding("ctrl+s", "search", N_("Search"), tooltip=N_("by the fields filled (all must match)"), id="search"),
        Binding("ctrl+r", "reset", N_("Reset"), tooltip=N_("empty the fields and the results"), id="reset"),
        Binding("n", "next_page", N_("Next"), tooltip=N_("next page of results"), id="next-page"),
        Binding("p", "previous_page", N_("Previous"), tooltip=N_("previous page of results"), id="previous-page"),
    ]
    AUTO_FOCUS = "#identify-input"
    HELP_TITLE = N_("Query Customers")
    WORKFLOW = (
        N_("Type any key the customer hands over in the identify box and press enter: one match opens them."),
        N_("For the careful search, fill any fields below (they are ANDed) and press ctrl+s or enter."),
        N_("Several matches: move with the arrows or j/k, / filters this page, s sorts, enter opens one."),
    )
    MORE_KEYS = (("enter", N_("in the identify box: identify; in a field: search; on a row: open the customer")),)

    def __init__(self, *, fill: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._fill = dict(fill or {})
        self._query: CustomerQuery | None = None
        self._page: CustomerPage | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(_("QUERY CUSTOMERS"), classes="screen-title")
        with Grid(id="query-form"):
            yield FormField(
                _("Certificate Type"),
                Select(CertType.choices(), prompt=_("Any type"), allow_blank=True, id="cert_type"),
                name="cert_type",
            )
            for name, label, placeholder, _kind in TEXT_FIELDS:
                yield FormField(_(label), TextInput(id=name, placeholder=_(placeholder), max_length=200), name=name)
        with Horizontal(id="query-buttons"):
            yield Button(_("Search"), id="search", variant="primary")
            yield Button(_("Reset"), id="reset")
            yield Static("", id="page-info")
        yield TextInput(
            placeholder=_("Filter this page: any part of a name, phone, email, state…"),
            max_length=100,
            id="results-filter",
        )
        yield CustomerResultsTable(id="results")
        yield Static(_("No Data"), id="no-data")

    def on_mount(self) -> None:
        self.query_one("#results-filter").display = False
        if self._fill:
            fill, self._fill = self._fill, {}
            self.fill_and_search(fill)

    # -- the form ---------------------------------------------------------------------------

    def _form_query(self) -> CustomerQuery:
        values = {name: self.query_one(f"#{name}", Input).value for name, *_rest in TEXT_FIELDS}
        cert_type = self.query_one("#cert_type", Select).value
        return CustomerQuery(cert_type="" if cert_type is Select.NULL else str(cert_type), **values)

    def fill(self, values: Mapping[str, str]) -> None:
        """Put values in the fields (keys like `service_number` or `service-number`); others stay empty."""
        wanted = {key.replace("-", "_"): value for key, value in values.items()}
        for name, *_rest in TEXT_FIELDS:
            self.query_one(f"#{name}", Input).value = wanted.get(name, "")
        cert_type = wanted.get("cert_type", "")
        select = self.query_one("#cert_type", Select)
        if cert_type in {value for _label, value in CertType.choices()}:
            select.value = cert_type
        else:
            select.clear()

    def fill_and_search(self, values: Mapping[str, str]) -> None:
        self.fill(values)
        self.action_search()

    def key_kind(self) -> KeyKind | None:
        """The kind of the first filled field: recorded on the interaction when a customer is opened."""
        query = self._query or CustomerQuery()
        for name, _label, _placeholder, kind in TEXT_FIELDS:
            if getattr(query, name).strip():
                return kind
        return None

    @on(Input.Submitted, "#query-form Input")
    @on(Button.Pressed, "#search")
    def action_search(self) -> None:
        query = self._form_query()
        region = self.workbench.services.settings.default_region
        try:
            if query.is_empty():
                raise InvalidInput(
                    _("Fill at least one field to search."), fields={"name": _("Fill at least one field.")}
                )
            query.parsed(region=region)
        except InvalidInput as error:
            self.workbench.show_failure(error, self)
            return
        self.show_field_errors({})
        self._query = query
        self._clear_view()
        self._load(1)

    @on(Button.Pressed, "#reset")
    def action_reset(self) -> None:
        self.fill({})
        self.show_field_errors({})
        self._query = None
        self._clear_view()
        self._show(None)
        self.query_one("#cert_type", Select).focus()

    # -- results and paging -------------------------------------------------------------------

    def _load(self, page_number: int) -> None:
        query = self._query
        if query is None:
            return
        app = self.workbench
        settings = app.services.settings
        actor = app.actor
        self.call_service(
            lambda: search_customers(
                query,
                uow=app.services.reader(),
                actor=actor,
                region=settings.default_region,
                page=page_number,
                page_size=settings.page_size,
            ),
            self._show,
            group="search",
            description=_("Query customers"),
            busy=self.query_one("#results"),
        )

    def show_results(self, query: CustomerQuery, page: CustomerPage) -> None:
        """Results found elsewhere (the identify box) with the fields that found them."""
        self.fill({name: getattr(query, name) for name in QUERY_FIELDS if getattr(query, name)})
        self.show_field_errors({})
        self._query = query
        self._clear_view()
        self._show(page)

    def _show(self, page: CustomerPage | None) -> None:
        self._page = page
        table = self.query_one(CustomerResultsTable)
        table.set_rows(())
        if page is not None:
            table.show_page(page)
        found = bool(page and page.customers)
        self.query_one("#no-data").display = not found
        self._update_page_info()
        if found:
            table.focus()
        self.refresh_bindings()

    def _update_page_info(self) -> None:
        page = self._page
        if not (page and page.customers):
            self.query_one("#page-info", Static).update("")
            return
        table = self.query_one(CustomerResultsTable)
        parts = [_page_info(page)]
        if table.filter_text:
            parts.append(_("{shown} of {total} shown").format(shown=table.shown, total=table.total_on_page))
        if table.sort_index:
            parts.append(_("sorted by {column}").format(column=table.sort_words))
        self.query_one("#page-info", Static).update(" · ".join(parts))

    # -- filtering and sorting the page on screen (keys on the results table) --------------------

    def action_filter_results(self) -> None:
        box = self.query_one("#results-filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#results-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(CustomerResultsTable).set_filter(event.value)

    @on(Input.Submitted, "#results-filter")
    def _filter_done(self) -> None:
        self.query_one(CustomerResultsTable).focus()

    @on(CustomerResultsTable.ViewChanged)
    def _view_changed(self) -> None:
        self._update_page_info()

    def _clear_view(self) -> None:
        """A new search starts unfiltered, in the order found."""
        box = self.query_one("#results-filter", Input)
        box.value = ""
        box.display = False
        table = self.query_one(CustomerResultsTable)
        table.filter_text, table.sort_index = "", 0

    def action_back(self) -> None:
        """Escape in the filter clears it, then hides it; elsewhere it goes back."""
        if not self.escape_filter(self.query_one("#results-filter", Input), self.query_one(CustomerResultsTable)):
            super().action_back()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_page":
            return bool(self._page and self._page.page < self._page.pages) or None
        if action == "previous_page":
            return bool(self._page and self._page.page > 1) or None
        return True

    def action_next_page(self) -> None:
        if self._page and self._page.page < self._page.pages:
            self._load(self._page.page + 1)

    def action_previous_page(self) -> None:
        if self._page and self._page.page > 1:
            self._load(self._page.page - 1)

    @on(DataTable.RowSelected, "#results")
    def _open(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.workbench.open_customer(event.row_key.value, key_kind=self.key_kind())


def _page_info(page: CustomerPage) -> str:
    total = f"{number(page.total)}+" if page.total_is_capped else number(page.total)
    customers = ngettext("{count} customer", "{count} customers", page.total).format(count=total)
    return _("Page {page} of {pages} · {customers}").format(page=page.page, pages=page.pages, customers=customers)

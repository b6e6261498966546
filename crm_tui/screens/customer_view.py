"""The customer view: everything about one customer, where later issues hang their actions."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.widgets import Label, Static, TabbedContent, TabPane

from crm_tui.domain import (
    CertType,
    CreditLevel,
    CustomerStatus,
    Gender,
    InteractionChannel,
    KeyKind,
    PaymentType,
    SubscriberStatus,
    SuspensionReason,
)
from crm_tui.present import (
    NOTHING,
    day,
    local_time,
    money,
    money_text,
    phone,
    text,
    words,
)
from crm_tui.screens.base import WorkbenchScreen
from crm_tui.screens.reestablish import ReestablishScreen
from crm_tui.screens.suspend import start_suspension
from crm_tui.screens.terminate import start_termination
from crm_tui.services.lifecycle.termination import TerminationResult
from crm_tui.services.orders.engine import OrderView, list_orders
from crm_tui.services.shared.views import CustomerDetail, SubscriberView
from crm_tui.widgets.order_progress import UNFINISHED, CustomerOrders
from crm_tui.widgets.tables import WorkbenchTable

BADGE_CLASSES = {
    CustomerStatus.ACTIVE: "badge-good",
    CustomerStatus.IDLE: "badge-quiet",
    CustomerStatus.SUSPENDED: "badge-warn",
    CustomerStatus.TERMINATED: "badge-bad",
    CustomerStatus.ARCHIVED: "badge-quiet",
}
CLOSED = (
    CustomerStatus.TERMINATED,
    CustomerStatus.ARCHIVED,
    CustomerStatus.ERASED,
    CustomerStatus.MERGED,
)
"""A customer no longer served: no new line."""
SECTIONS = ("lines", "accounts", "contracts", "certificates", "contacts", "addresses", "interactions")


class CustomerViewScreen(WorkbenchScreen):
    """Profile with status badges and outstanding balance; lines, accounts and the rest in tabs."""

    CSS_PATH = "customer_view.tcss"
    BINDINGS = [
        *(
            Binding(
                str(number),
                f"section('{section}')",
                section.capitalize(),
                show=False,
                tooltip=f"the {section} tab",
                id=f"section-{section}",
            )
            for number, section in enumerate(SECTIONS, start=1)
        ),
        Binding("d", "deregister", "Deregister", tooltip="the selected line leaves", id="deregister-line"),
        Binding("t", "terminate", "Terminate", tooltip="end the whole relationship", id="terminate-customer"),
        Binding("s", "suspend", "Suspend", tooltip="bar the selected line for a reason", id="suspend-line"),
        Binding("r", "resume", "Resume", tooltip="the selected suspended line comes back", id="resume-line"),
        Binding("n", "add_line", "New line", tooltip="a new line for this customer", id="add-line"),
        Binding(
            "e", "reestablish", "Re-establish", tooltip="a terminated customer comes back", id="reestablish-customer"
        ),
    ]
    AUTO_FOCUS = "#table-lines"
    HELP_TITLE = "Customer view"
    WORKFLOW = (
        "Check the badges, the outstanding balance and any open order at the top.",
        "1 to 7 show lines, accounts, contracts, certificates, contacts, addresses and interactions.",
        "On the Lines tab, choose a line with the arrows: d deregisters, s suspends, r resumes it.",
        "n gives the customer a new line: account, offering, number (golden or the pool's next) and SIM.",
    )

    def __init__(self, detail: CustomerDetail) -> None:
        super().__init__()
        self.detail = detail

    @property
    def customer_id(self) -> str:
        return self.detail.customer_id

    def compose_body(self) -> ComposeResult:
        detail = self.detail
        currency = self.workbench.services.settings.currency
        with Horizontal(id="customer-title"):
            yield Static(detail.name, id="customer-name", markup=False)
            for label, css in _badges(detail):
                yield Label(label, classes=f"badge {css}")
        with Grid(id="profile"):
            for label, value in _profile(detail, currency):
                owed = label == "Outstanding" and detail.outstanding > 0
                yield Static(label, classes="profile-label")
                yield Static(value, classes="profile-value owed" if owed else "profile-value", markup=False)
        yield CustomerOrders(id="customer-orders")
        with TabbedContent(id="sections"):
            for section, title, columns, rows in _sections(detail):
                with TabPane(f"{title} ({len(rows)})", id=f"tab-{section}"):
                    table = WorkbenchTable(id=f"table-{section}")
                    table.add_columns(*columns)
                    for row in rows:
                        table.add_row(*row)
                    yield table

    def on_mount(self) -> None:
        self.query_one(CustomerOrders).display = False
        self._load_orders()
        self.set_interval(2, self._refresh_running_orders)

    def _load_orders(self) -> None:
        app = self.workbench
        actor, services, customer_id = app.actor, app.services, self.customer_id
        self.call_service(
            lambda: list_orders(uow=services.reader(), actor=actor, customer_id=customer_id, limit=20),
            self.query_one(CustomerOrders).show_orders,
            group="customer-orders",
            description="Load the customer's orders",
        )

    def _refresh_running_orders(self) -> None:
        if self.query_one(CustomerOrders).running and not self.workers:
            self._load_orders()

    def show_order(self, view: OrderView) -> None:
        """An order's progress as its steps advance."""
        self.query_one(CustomerOrders).show_order(view)

    def action_deregister(self) -> None:
        """Deregister the line under the cursor of the Lines tab."""
        table = self.query_one("#table-lines", WorkbenchTable)
        if not self.detail.subscribers or table.cursor_row < 0:
            self.notify("This customer has no line to deregister.", title="No line")
            return
        line = self.detail.subscribers[min(table.cursor_row, len(self.detail.subscribers) - 1)]
        if line.status not in (SubscriberStatus.ACTIVE, SubscriberStatus.SUSPENDED):
            self.notify(
                f"{phone(line.service_number)} is already {words(line.status, SubscriberStatus).lower()}.",
                title="Nothing to deregister",
            )
            return
        if self._refuse_while_unfinished(line.service_number):
            return
        self.workbench.open_deregistration(line.service_number)

    def selected_line(self) -> SubscriberView | None:
        """The line under the cursor of the Lines tab."""
        table = self.query_one("#table-lines", WorkbenchTable)
        if not self.detail.subscribers or table.cursor_row < 0:
            return None
        return self.detail.subscribers[min(table.cursor_row, len(self.detail.subscribers) - 1)]

    def action_suspend(self) -> None:
        """Suspend the selected line: reason and note in a modal, then the order runs here."""
        line = self.selected_line()
        if line is None or line.status != SubscriberStatus.ACTIVE:
            state = words(line.status, SubscriberStatus).lower() if line else "missing"
            self.notify(
                f"Only an active line is suspended; {phone(line.service_number) if line else 'the line'} is {state}.",
                title="Nothing to suspend",
            )
            return
        if self._refuse_while_unfinished(line.service_number):
            return
        start_suspension(self, line.service_number, on_done=self._line_order_done, on_progress=self.show_order)

    def action_resume(self) -> None:
        """The Resume screen for the selected line (a reserved resumption shows there, x cancels it)."""
        line = self.selected_line()
        if line is None or line.status != SubscriberStatus.SUSPENDED:
            state = words(line.status, SubscriberStatus).lower() if line else "missing"
            self.notify(
                f"Only a suspended line is resumed; {phone(line.service_number) if line else 'the line'} is {state}.",
                title="Nothing to resume",
            )
            return
        self.workbench.open_resume(line.service_number)

    def action_reestablish(self) -> None:
        """A terminated customer comes back: the archive screen, searched by this customer ID."""
        if self.detail.status not in (CustomerStatus.TERMINATED, CustomerStatus.ARCHIVED):
            self.notify(
                f"{self.detail.name} is {words(self.detail.status, CustomerStatus).lower()}: only a former customer is re-established.",
                title="Nothing to re-establish",
            )
            return
        self.app.push_screen(ReestablishScreen(fill={"customer_id": self.customer_id}))

    def action_add_line(self) -> None:
        """A new line for this customer: the Add line screen (escape comes back, reloaded if added)."""
        if self.detail.status in CLOSED:
            self.notify(
                f"{self.detail.name} is {words(self.detail.status, CustomerStatus).lower()}: a new line needs a served customer.",
                title="No new line",
            )
            return
        self.workbench.open_add_line(self.customer_id)

    def _line_order_done(self, order: OrderView) -> None:
        self.show_order(order)
        reserved = order.status == "reserved"
        self.notify(
            f"Order {order.order_id} {words(order.status).lower()}"
            + (f" for {local_time(order.effective_at)}; the reserved-orders queue cancels it." if reserved else "."),
            title="Suspension reserved" if reserved else "Line suspended",
        )
        self.workbench.open_customer(self.customer_id, key_kind=None, record=False)

    def action_terminate(self) -> None:
        """End the whole relationship: reason and archive consent, a confirmation, then the order."""
        if self.detail.status in (CustomerStatus.TERMINATED, CustomerStatus.ARCHIVED):
            self.notify(
                f"{self.detail.name} is already {words(self.detail.status, CustomerStatus).lower()}.",
                title="Nothing to terminate",
            )
            return
        if self._refuse_while_unfinished(None):
            return
        start_termination(self, self.detail, on_progress=self.show_order, on_done=self._terminated)

    def _refuse_while_unfinished(self, service_number: str | None) -> bool:
        """One order at a time: a failed or running order of the line (or customer) is finished first."""
        for order in self.query_one(CustomerOrders).orders.values():
            if order.status in UNFINISHED and (
                service_number is None or order.service_number in (None, service_number)
            ):
                self.notify(
                    f"Order {order.order_id} is {words(order.status).lower()}: a supervisor retries or cancels it first.",
                    title="An order is unfinished",
                    severity="warning",
                )
                return True
        return False

    def _terminated(self, result: TerminationResult) -> None:
        self.show_order(result.order)
        self.notify(
            f"Relationship ended: order {result.order.order_id} {result.order.status}.", title="Customer terminated"
        )
        self.workbench.open_customer(self.customer_id, key_kind=None, record=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reestablish":
            return self.detail.status in (CustomerStatus.TERMINATED, CustomerStatus.ARCHIVED)
        if action == "add_line":
            return self.detail.status not in CLOSED
        return True

    def action_section(self, section: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{section}"
        self.query_one(f"#table-{section}").focus()


def _badges(detail: CustomerDetail) -> list[tuple[str, str]]:
    badges = [(words(detail.status, CustomerStatus).upper(), BADGE_CLASSES.get(detail.status, "badge-quiet"))]
    if detail.blacklisted:
        badges.append(("BLACKLISTED", "badge-bad"))
    if detail.merged_from:
        badges.append((f"MERGED from {detail.merged_from}", "badge-warn"))
    return badges


def _profile(detail: CustomerDetail, currency: str) -> list[tuple[str, str]]:
    certificate = NOTHING
    if detail.cert_number:
        certificate = f"{words(detail.cert_type, CertType)} {detail.cert_number} ({detail.cert_country})"
    return [  # row by row, three pairs a row: long values in the wide first column
        ("Customer ID", detail.customer_id),
        ("Type", words(detail.type)),
        ("Mobile", phone(detail.mobile)),
        ("Certificate", certificate),
        ("Gender", words(detail.gender, Gender) if detail.gender else NOTHING),
        ("Outstanding", money_text(detail.outstanding, currency)),
        ("Email", text(detail.email)),
        ("Birthday", day(detail.birthday)),
        ("Customer since", day(detail.created_at.date())),
        (
            "Credit level",
            f"{words(detail.credit_level, CreditLevel)} · limit {money_text(detail.credit_limit, currency)}",
        ),
        ("Nationality", text(detail.nationality)),
        ("Birthplace", text(detail.birthplace)),
    ]


Row = tuple[object, ...]


def _reason_words(status: str, reason: str) -> str:
    """Why a line is in its state, in words: a suspension's reason has its own vocabulary."""
    return words(reason, SuspensionReason if status == SubscriberStatus.SUSPENDED else None)


def _sections(detail: CustomerDetail) -> list[tuple[str, str, tuple[str, ...], list[Row]]]:
    """(id, title, columns, rows) for each tab, in SECTIONS order."""
    lines: list[Row] = [
        (
            phone(s.service_number),
            words(s.status, SubscriberStatus)
            + (f" ({_reason_words(s.status, s.status_reason)})" if s.status_reason else ""),
            s.primary_offering,
            words(s.payment_type, PaymentType),
            s.iccid,
            s.imsi,
            s.account_id,
            day(s.valid_from),
        )
        for s in detail.subscribers
    ]
    accounts: list[Row] = [
        (
            a.account_code,
            words(a.payment_type, PaymentType),
            money(a.balance, a.currency),
            money(a.outstanding, a.currency),
            words(a.status),
        )
        for a in detail.accounts
    ]
    currency = detail.accounts[0].currency if detail.accounts else ""
    contracts: list[Row] = [
        (
            c.name,
            phone(c.service_number),
            c.offering,
            day(c.effective_on),
            day(c.expires_on),
            Text(str(c.duration_months), justify="right"),
            words(c.prolongation),
            money(c.penalty_amount, currency),
            words(c.status),
        )
        for c in detail.contracts
    ]
    certificates: list[Row] = [
        (words(c.cert_type, CertType), c.cert_number, c.cert_country, "Yes" if c.is_primary else "", day(c.expires_on))
        for c in detail.certificates
    ]
    contacts: list[Row] = [(words(c.contact_type), text(c.name), words(c.method), c.value) for c in detail.contacts]
    addresses: list[Row] = [
        (words(a.address_type), a.detail, text(a.city), text(a.region), text(a.postal_code), text(a.country))
        for a in detail.addresses
    ]
    interactions: list[Row] = [
        (
            local_time(i.at),
            words(i.kind),
            words(i.channel, InteractionChannel),
            words(i.key_kind, KeyKind) if i.key_kind else NOTHING,
            text(i.operator),
            i.summary,
        )
        for i in detail.interactions
    ]
    return [
        (
            "lines",
            "Lines",
            ("Service Number", "Status", "Offering", "Payment", "ICCID", "IMSI", "Account", "Since"),
            lines,
        ),
        ("accounts", "Accounts", ("Account", "Payment", "Balance", "Outstanding", "Status"), accounts),
        (
            "contracts",
            "Contracts",
            ("Contract", "Service Number", "Offering", "From", "Until", "Months", "Prolongation", "Penalty", "Status"),
            contracts,
        ),
        ("certificates", "Certificates", ("Type", "Number", "Country", "Primary", "Expires"), certificates),
        ("contacts", "Contacts", ("Role", "Name", "Method", "Value"), contacts),
        ("addresses", "Addresses", ("Type", "Address", "City", "Region", "Postal Code", "Country"), addresses),
        ("interactions", "Interactions", ("When", "What", "Channel", "Key", "Operator", "Summary"), interactions),
    ]

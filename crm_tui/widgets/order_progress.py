"""An order's steps as the CSR watches them run: status, attempts and the last error, updated live."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from crm_tui.domain import OrderStatus, StepStatus
from crm_tui.i18n import N_, _, ngettext
from crm_tui.present import phone, words
from crm_tui.services.orders.engine import OrderView, StepView

ORDER_TYPES = {
    "deregister": N_("Deregistration"),
    "terminate_customer": N_("Customer termination"),
    "suspend": N_("Suspension"),
    "resume": N_("Resumption"),
}
"""Order types in words (the engine stores slugs), translated where shown."""

STEP_MARKS: dict[str, tuple[str, str]] = {
    StepStatus.DONE: ("✓", "green"),
    StepStatus.FAILED: ("✗", "bold red"),
    StepStatus.UNDONE: ("↶", "yellow"),
    StepStatus.PENDING: ("·", "dim"),
}
"""(mark, style) per step status; a running step gets "▸"."""

ADVANCING = (OrderStatus.OPEN, OrderStatus.RUNNING)
"""An order a runner is on (or about to be): its steps still move."""

ORDER_STYLES = {
    OrderStatus.CLOSED: "bold green",
    OrderStatus.FAILED: "bold red",
    OrderStatus.CANCELLED: "yellow",
    OrderStatus.OPEN: "bold",
    OrderStatus.RUNNING: "bold",
    OrderStatus.RESERVED: "bold",
}


def order_type(view: OrderView) -> str:
    known = ORDER_TYPES.get(view.type)
    return _(known) if known else words(view.type)


def running_step(view: OrderView) -> StepView | None:
    """The step the engine is on: the first unfinished one of an open or running order."""
    if view.status not in ADVANCING:
        return None
    return next((s for s in view.steps if s.status == StepStatus.PENDING), None)


def order_state(view: OrderView) -> str:
    """ "Closed", "Failed at step 3 of 6", "Running step 2 of 6"... in words."""
    total = len(view.steps)
    failed = view.failed_step
    if view.status == OrderStatus.FAILED and failed is not None:
        return _("Failed at step {seq} of {total}").format(seq=failed.seq, total=total)
    running = running_step(view)
    if running is not None:
        return _("Running step {seq} of {total}").format(seq=running.seq, total=total)
    return words(view.status, OrderStatus)


def step_bar(view: OrderView) -> Text:
    """One mark per step (✓✓✗··· ), for a one-line summary."""
    running = running_step(view)
    bar = Text()
    for step in view.steps:
        mark, style = ("▸", "bold") if step is running else STEP_MARKS.get(step.status, ("?", ""))
        bar.append(mark, style=style)
    return bar


def order_summary(view: OrderView) -> Text:
    """`ORD000000003 Deregistration +34 612 34 56 78 ✓✓✗··· Failed at step 3 of 6: Deactivate in billing`."""
    line = Text.assemble((view.order_id, "bold"), " ", order_type(view))
    if view.service_number:
        line.append(f" {phone(view.service_number)}")
    line.append(" ")
    line.append_text(step_bar(view))
    line.append(" ")
    line.append(order_state(view), style=ORDER_STYLES.get(view.status, ""))
    failed = view.failed_step
    if view.status == OrderStatus.FAILED and failed is not None:
        line.append(f": {_(failed.label)}")
    return line


class OrderProgress(Static):
    """The steps of one order, one row each; `show` it every OrderView the engine reports."""

    DEFAULT_CSS = """
    OrderProgress { height: auto; padding: 0 1; }
    """

    def __init__(self, view: OrderView | None = None, **kwargs) -> None:  # noqa: ANN003
        super().__init__("", **kwargs)
        self.view: OrderView | None = None
        """The order as last reported."""
        if view is not None:
            self.show(view)

    def show(self, view: OrderView) -> None:
        self.view = view
        self.update(self._render_view(view))

    def _render_view(self, view: OrderView) -> Group:
        title = Text.assemble((_("Order") + " ", "bold"), (view.order_id, "bold"), f" · {order_type(view)} · ")
        title.append(order_state(view), style=ORDER_STYLES.get(view.status, ""))
        table = Table.grid(padding=(0, 2))
        table.add_column(width=1)
        table.add_column(justify="right")
        table.add_column(min_width=36)
        table.add_column(min_width=8)
        table.add_column(min_width=10)
        table.add_column()
        running = running_step(view)
        for step in view.steps:
            if step is running:
                mark, style, status = "▸", "bold", _("running…")
            else:
                mark, style = STEP_MARKS.get(step.status, ("?", ""))
                status = words(step.status, StepStatus)
            attempts = (
                ngettext("{count} attempt", "{count} attempts", step.attempts).format(count=step.attempts)
                if step.attempts
                else ""
            )
            table.add_row(
                Text(mark, style=style),
                str(step.seq),
                _(step.label),
                Text(status, style=style),
                attempts,
                Text(step.error, style="red", overflow="fold")
                if step.error
                else Text(step.answer or "", style="dim", overflow="fold"),
            )
        return Group(title, table)


UNFINISHED = (OrderStatus.OPEN, OrderStatus.RUNNING, OrderStatus.FAILED, OrderStatus.RESERVED)


class CustomerOrders(Static):
    """A customer's unfinished orders (and any seen changing here), one summary line each, live."""

    DEFAULT_CSS = """
    CustomerOrders { height: auto; padding: 0 1; }
    """

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__("", **kwargs)
        self.orders: dict[str, OrderView] = {}
        """Shown orders by order ID, newest first."""

    @property
    def running(self) -> bool:
        """An order is still advancing: worth refreshing."""
        return any(o.status in ADVANCING for o in self.orders.values())

    def show_orders(self, orders: list[OrderView]) -> None:
        """The customer's orders as loaded: the unfinished ones, plus updates of those already shown."""
        self.orders = {o.order_id: o for o in orders if o.status in UNFINISHED or o.order_id in self.orders}
        self._render_orders()

    def show_order(self, view: OrderView) -> None:
        """One order as the engine reports it (after each step)."""
        self.orders = {view.order_id: view, **{k: v for k, v in self.orders.items() if k != view.order_id}}
        self._render_orders()

    def _render_orders(self) -> None:
        self.display = bool(self.orders)
        heading = _("Orders")
        lines = Text(heading + "  ", style="bold")
        for n, view in enumerate(self.orders.values()):
            if n:
                lines.append("\n" + " " * (len(heading) + 2))
            lines.append_text(order_summary(view))
        self.update(lines)

"""What the Supervisor Queues screen shows, built without widgets: a queue's line in the list, an item's
row and its detail, the heading over the items, the sentences after an action or a scan; and the
customer an item is about.

Kept apart from `crm_tui.screens.queues` (the widgets and the flow) so each can be read, and these
tested, on their own.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from crm_tui.domain import QueueItemStatus, QueueName
from crm_tui.errors import Conflict
from crm_tui.present import NOTHING, erasure_outcome, number, phone, words
from crm_tui.services import queues
from crm_tui.services.context import Services
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.dedupe.scan import ScanReport
from crm_tui.services.queues import ActionResult, QueueItemView, QueueSummary
from crm_tui.services.shared.views import Actor, CustomerDetail
from crm_tui.widgets.fitted_table import FitColumn

KEY_WORDS = {"a": "approve", "r": "reject", "m": "merge", "d": "dismiss"}
"""What each action key means in general; a queue names its own action behind the key (a = retry
for failed orders)."""

SCAN_STAGES = {
    "read": "Reading customers",
    "block": "Pairing candidates",
    "score": "Scoring pairs",
    "store": "Saving new pairs",
}

ITEM_COLUMNS = (
    FitColumn("Item", priority=0, width=5),
    FitColumn("Ref", priority=1, width=16),
    FitColumn("Status", priority=4, width=8),
    FitColumn("Claimed by", priority=5, width=10),
    FitColumn("Reason", priority=2, width=26, min_width=14, grow=True),
    FitColumn("Since", priority=3, width=8),
)
"""The items table's columns; at 80 columns the item, its reference and the reason stay."""


def age(since: datetime | None, now: datetime) -> str:
    """How long an item has waited, in the biggest whole unit: "just now", "12 min", "2 h", "3 d"."""
    if since is None:
        return NOTHING
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} d"


def reference(item: QueueItemView) -> str:
    """What the item is about, in the words a supervisor uses."""
    if item.ref_type == "duplicate":
        return f"Pair {item.ref_id}"
    if item.ref_type == "subscriber":
        return phone(item.ref_id)
    return item.ref_id


def offered(queue: QueueName) -> str:
    """The queue's action keys in words: "a retry, r cancel"."""
    return ", ".join(f"{a.key} {a.name}" for a in queues.ACTIONS.get(queue, ())) or "no actions yet"


def summary_cell(summary: QueueSummary, now: datetime) -> Text:
    """A queue in the list: its name, then how many wait and the oldest's age (dim when none)."""
    waiting = f"{summary.open} · oldest {age(summary.oldest, now)}" if summary.open else "none waiting"
    return Text.assemble(
        (summary.label, "bold" if summary.open else "dim"), "\n  ", (waiting, "" if summary.open else "dim")
    )


def item_cells(item: QueueItemView, now: datetime) -> tuple[Text | str, ...]:
    """An item's row, one cell for each of ITEM_COLUMNS."""
    return (
        Text(str(item.item_id), justify="right"),
        reference(item),
        words(item.status, QueueItemStatus),
        Text(item.claimed_by, style="bold yellow") if item.claimed_by else NOTHING,
        Text(item.reason, overflow="ellipsis", no_wrap=True),
        Text(age(item.created_at, now), justify="right"),
    )


def heading(summary: QueueSummary, *, shown: int, sort: str, filter_text: str) -> str:
    """Over the items: the queue, how many are shown, the order, the filter and the queue's keys."""
    parts = [summary.label, f"{shown} shown", "oldest first" if sort == "oldest" else "newest first"]
    if filter_text:
        parts.append(f"filter “{filter_text}”")
    parts.append(f"keys: {offered(QueueName(summary.queue))}")
    return " · ".join(parts)


def detail(item: QueueItemView | None, *, filter_text: str) -> str:
    """Under the items: the selected item, its reason, who holds it, what agrees and differs in a pair."""
    if item is None:
        return "Nothing waiting here." if not filter_text else "No item matches the filter."
    lines = [f"Item {item.item_id} · {reference(item)} · {words(item.status, QueueItemStatus)}", item.reason]
    if item.claimed_by:
        lines.append(f"Held by {item.claimed_by}: only they can act on it.")
    agree, differ = item.payload.get("agree"), item.payload.get("differ")
    if agree or differ:
        lines.append(f"Agree: {', '.join(agree or []) or NOTHING} · Differ: {', '.join(differ or []) or NOTHING}")
    return "\n".join(lines)


def customer_of(item: QueueItemView, *, services: Services, actor: Actor) -> CustomerDetail:
    """The customer an item is about: by customer ID, or the holder of the line for a subscriber item."""
    customer_id = item.ref_id
    if item.ref_type == "subscriber":
        page = search_customers(
            CustomerQuery(service_number=item.ref_id),
            uow=services.reader(),
            actor=actor,
            region=services.settings.default_region,
            page_size=1,
        )
        customer_id = page.customers[0].customer_id if page.customers else item.ref_id
    return get_customer(customer_id, uow=services.reader(), actor=actor)


def refused(queue: QueueName, key: str) -> str:
    """A key this queue has no action for."""
    return f"{queue.label} cannot {KEY_WORDS.get(key, key)}. Keys here: {offered(queue)}."


def changed(error: Conflict) -> str:
    """Another supervisor got there first."""
    return f"Changed: {error.message.replace('; refresh the queue.', '.')} Refreshed."


def acted(result: ActionResult) -> str:
    """What an action did, with the new line of an approved held registration."""
    outcome = words(result.status, QueueItemStatus).lower()
    line = result.detail.get("service_number") if result.queue == QueueName.HELD_REGISTRATIONS else None
    extra = f" New line {phone(line)}." if line else ""
    if result.queue == QueueName.ERASURE_REQUESTS and result.status == "approved":
        extra = " " + erasure_outcome(result.detail)
    return f"{result.action.capitalize()}: item {result.item_id} is {outcome}.{extra}"


def scan_stage(stage: str, done: int, total: int) -> str:
    """Where a duplicate scan is: "Scoring pairs: 1,200 of 5,000"."""
    return f"{SCAN_STAGES.get(stage, words(stage))}: {number(done)} of {number(total)}"


def scanned(report: ScanReport) -> str:
    """What a duplicate scan found, among how many, how fast."""
    return (
        f"Scan done: {report.new} new possible duplicate(s) among {number(report.customers)} customers "
        f"({number(report.compared)} pairs compared in {number(round(report.seconds, 1))} s)."
    )

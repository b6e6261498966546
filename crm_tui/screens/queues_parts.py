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
from crm_tui.i18n import N_, _
from crm_tui.present import NOTHING, erasure_outcome, fields, number, phone, words
from crm_tui.services import queues
from crm_tui.services.context import Services
from crm_tui.services.customers.profile import get_customer
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.dedupe.scan import SCAN_STAGES, ScanReport
from crm_tui.services.queues import ActionResult, QueueItemView, QueueSummary
from crm_tui.services.shared.views import Actor, CustomerDetail
from crm_tui.widgets.fitted_table import FitColumn

KEY_WORDS = {"a": "approve", "r": "reject", "m": "merge", "d": "dismiss"}
"""What each action key means in general; a queue names its own action behind the key (a = retry
for failed orders)."""

ACTION_WORDS = {
    "approve": N_("approve"),
    "reject": N_("reject"),
    "merge": N_("merge"),
    "dismiss": N_("dismiss"),
    "retry": N_("retry"),
    "cancel": N_("cancel"),
}
"""The queues' actions (the services' names) in words, translated where shown."""

ITEM_COLUMNS = (
    FitColumn(N_("Item"), priority=0, width=5),
    FitColumn(N_("Ref"), priority=1, width=16),
    FitColumn(N_("Status"), priority=4, width=8),
    FitColumn(N_("Claimed by"), priority=5, width=10),
    FitColumn(N_("Reason"), priority=2, width=26, min_width=14, grow=True),
    FitColumn(N_("Since"), priority=3, width=8),
)
"""The items table's columns; at 80 columns the item, its reference and the reason stay."""


def action_word(action: str) -> str:
    """An action's name in words ("retry", "reintentar"); an unknown one as the service names it."""
    return _(ACTION_WORDS[action]) if action in ACTION_WORDS else action


def age(since: datetime | None, now: datetime) -> str:
    """How long an item has waited, in the biggest whole unit: "just now", "12 min", "2 h", "3 d"."""
    if since is None:
        return NOTHING
    minutes = int((now - since).total_seconds() // 60)
    if minutes < 1:
        return _("just now")
    if minutes < 60:
        return _("{count} min").format(count=minutes)
    if minutes < 48 * 60:
        return _("{count} h").format(count=minutes // 60)
    return _("{count} d").format(count=minutes // (24 * 60))


def reference(item: QueueItemView) -> str:
    """What the item is about, in the words a supervisor uses."""
    if item.ref_type == "duplicate":
        return _("Pair {pair}").format(pair=item.ref_id)
    if item.ref_type == "subscriber":
        return phone(item.ref_id)
    return item.ref_id


def offered(queue: QueueName) -> str:
    """The queue's action keys in words: "a retry, r cancel"."""
    return ", ".join(f"{a.key} {action_word(a.name)}" for a in queues.ACTIONS.get(queue, ())) or _("no actions yet")


def summary_cell(summary: QueueSummary, now: datetime) -> Text:
    """A queue in the list: its name, then how many wait and the oldest's age (dim when none)."""
    waiting = (
        _("{count} · oldest {age}").format(count=summary.open, age=age(summary.oldest, now))
        if summary.open
        else _("none waiting")
    )
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
    parts = [
        summary.label,
        _("{count} shown").format(count=shown),
        _("oldest first") if sort == "oldest" else _("newest first"),
    ]
    if filter_text:
        parts.append(_("filter “{text}”").format(text=filter_text))
    parts.append(_("keys: {keys}").format(keys=offered(QueueName(summary.queue))))
    return " · ".join(parts)


def detail(item: QueueItemView | None, *, filter_text: str) -> str:
    """Under the items: the selected item, its reason, who holds it, what agrees and differs in a pair."""
    if item is None:
        return _("Nothing waiting here.") if not filter_text else _("No item matches the filter.")
    lines = [
        _("Item {item} · {ref} · {status}").format(
            item=item.item_id, ref=reference(item), status=words(item.status, QueueItemStatus)
        ),
        item.reason,
    ]
    if item.claimed_by:
        lines.append(_("Held by {operator}: only they can act on it.").format(operator=item.claimed_by))
    agree, differ = item.payload.get("agree"), item.payload.get("differ")
    if agree or differ:
        lines.append(_("Agree: {agree} · Differ: {differ}").format(agree=fields(agree), differ=fields(differ)))
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
    return _("{queue} cannot {action}. Keys here: {keys}.").format(
        queue=queue.label, action=action_word(KEY_WORDS.get(key, key)), keys=offered(queue)
    )


def changed(error: Conflict) -> str:
    """Another supervisor got there first."""
    # the service's English ending, dropped when it is there (the screen refreshes by itself)
    return _("Changed: {message} Refreshed.").format(message=error.message.replace("; refresh the queue.", "."))


def acted(result: ActionResult) -> str:
    """What an action did, with the new line of an approved held registration."""
    outcome = words(result.status, QueueItemStatus).lower()
    line = result.detail.get("service_number") if result.queue == QueueName.HELD_REGISTRATIONS else None
    extra = " " + _("New line {number}.").format(number=phone(line)) if line else ""
    if result.queue == QueueName.ERASURE_REQUESTS and result.status == "approved":
        extra = " " + erasure_outcome(result.detail)
    return _("{action}: item {item} is {outcome}.{extra}").format(
        action=action_word(result.action).capitalize(), item=result.item_id, outcome=outcome, extra=extra
    )


def scan_stage(stage: str, done: int, total: int) -> str:
    """Where a duplicate scan is: "Scoring pairs: 1,200 of 5,000"."""
    words_for_stage = _(SCAN_STAGES[stage]) if stage in SCAN_STAGES else words(stage)
    return _("{stage}: {done} of {total}").format(stage=words_for_stage, done=number(done), total=number(total))


def scanned(report: ScanReport) -> str:
    """What a duplicate scan found, among how many, how fast."""
    return _(
        "Scan done: {new} new possible duplicate(s) among {customers} customers ({compared} pairs compared in {seconds} s)."
    ).format(
        new=report.new,
        customers=number(report.customers),
        compared=number(report.compared),
        seconds=number(round(report.seconds, 1)),
    )

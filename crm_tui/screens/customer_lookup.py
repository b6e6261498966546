"""Finding and loading a customer from anywhere in the workbench (the identify box, F4, a launch, a
screen's "open customer"), built without widgets: what the app's workers run.

The app imports this module when a customer is first looked up, not on the cold-start path (it
imports the services).
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_tui.domain import KeyKind
from crm_tui.services.context import Services
from crm_tui.services.customers import identify
from crm_tui.services.customers.profile import get_customer, open_customer
from crm_tui.services.customers.search import CustomerQuery
from crm_tui.services.shared.views import Actor, CustomerDetail, CustomerPage


@dataclass(frozen=True)
class Identified:
    """What the identify box found: exactly one customer opened, or a page of candidates."""

    key: str
    page: CustomerPage
    opened: CustomerDetail | None


def load_customer(
    customer_id: str, *, services: Services, actor: Actor, key_kind: KeyKind | None, record: bool
) -> CustomerDetail:
    """A customer's view; `record` captures the interaction (a customer identified)."""
    if record:
        return open_customer(customer_id, uow=services.writer(), actor=actor, key_kind=key_kind)
    return get_customer(customer_id, uow=services.reader(), actor=actor)


def find_customer(key: str, *, services: Services, actor: Actor) -> Identified:
    """Whatever key the customer hands over: one match is opened (and recorded), several are a page."""
    settings = services.settings
    page = identify.identify_customer(
        key, uow=services.reader(), actor=actor, region=settings.default_region, page_size=settings.page_size
    )
    opened = None
    if page.total == 1 and page.customers:
        kind = KeyKind(page.key_kind) if page.key_kind else None
        opened = open_customer(page.customers[0].customer_id, uow=services.writer(), actor=actor, key_kind=kind)
    return Identified(key=key, page=page, opened=opened)


def results_query(key: str, *, region: str) -> CustomerQuery:
    """The Query Customers search a key stands for, to show its page of candidates there."""
    return identify.recognise_key(key, region=region).query

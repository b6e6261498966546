"""The composition root: opens the services and registers, once, every order type, step kind and
queue action from the data the domain modules expose (`STEPS`, `ORDER_TYPES`, `QUEUE_ACTIONS`).

Nothing registers itself on import; this is the only module that calls the engine's and the
queues' `register_*` (tests/test_architecture.py keeps it so). Screens, the CLI, benchmarks and
tests open services through `open_services` (or `services_over` for a database already open).
May import every services package.
"""

from __future__ import annotations

from crm_tui.config import Settings
from crm_tui.services import queues
from crm_tui.services.context import ExternalSystems, Services, open_database, use_audit_key
from crm_tui.services.identity import new_line
from crm_tui.services.lifecycle import order_steps
from crm_tui.services.notifications import dispatcher
from crm_tui.services.orders import engine
from crm_tui.services.orders.external import SimulatedExternalSystems
from crm_tui.services.orders.http_systems import HttpExternalSystems
from crm_tui.services.privacy import erasure
from crm_tui.storage.db import Database

ORDER_SOURCES = (order_steps, new_line)
"""Every module that contributes order step kinds (`STEPS`) and order types (`ORDER_TYPES`)."""

QUEUE_ACTION_SOURCES = (queues.QUEUE_ACTIONS, erasure.QUEUE_ACTIONS, dispatcher.QUEUE_ACTIONS)
"""Every module that contributes queue actions, in the order their queues are listed."""


def register_all() -> None:
    """Register every step kind, order type and queue action (idempotent: the same data again)."""
    for source in ORDER_SOURCES:
        for kind in source.STEPS:
            engine.register_step(kind)
    for source in ORDER_SOURCES:
        for order_type, steps in source.ORDER_TYPES.items():
            engine.register_order_type(order_type, steps)
    for source in QUEUE_ACTION_SOURCES:
        for queue, actions in source.items():
            queues.register_actions(queue, actions)


def services_over(database: Database, settings: Settings) -> Services:
    """Services over a database already open, with the external systems `settings.faults` describes
    and the audit key of the settings (or of the data folder)."""
    register_all()
    use_audit_key(database, settings)
    return Services(settings=settings, database=database, externals=external_systems(database, settings))


def external_systems(database: Database, settings: Settings) -> ExternalSystems:
    """Each system over HTTP at its configured URL; those without one played in-process (CRM_FAULTS)."""
    simulated = SimulatedExternalSystems(database, settings.faults)
    urls = {
        "cbs": settings.cbs_url,
        "provisioning": settings.provisioning_url,
        "inventory": settings.inventory_url,
        "notify": settings.notify_url,
    }
    if not any(urls.values()):
        return simulated
    return HttpExternalSystems(urls, simulated, timeout=settings.external_timeout, retries=settings.external_retries)


def open_services(settings: Settings, *, migrate: bool = True) -> Services:
    """Open the configured database (the embedded file by default, `services.context.open_database`),
    migrating it if needed, and the whole Services over it."""
    return services_over(open_database(settings, migrate=migrate), settings)

"""The composition root: opens the services and registers, once, every order type, step kind and
queue action from the data the domain modules expose (`STEPS`, `ORDER_TYPES`, `QUEUE_ACTIONS`).

Nothing registers itself on import; this is the only module that calls the engine's and the
queues' `register_*` (tests/test_architecture.py keeps it so). Screens, the CLI, benchmarks and
tests open services through `open_services` (or `services_over` for a database already open).
May import every services package.
"""

from __future__ import annotations

from crm_tui import present
from crm_tui.config import Settings
from crm_tui.services import queues
from crm_tui.services.context import ExternalSystems, Services
from crm_tui.services.lifecycle import order_steps
from crm_tui.services.notifications import dispatcher
from crm_tui.services.orders import engine
from crm_tui.services.orders.external import SimulatedExternalSystems
from crm_tui.services.orders.http_systems import HttpExternalSystems
from crm_tui.services.privacy import erasure
from crm_tui.services.shared import audit
from crm_tui.services.shared.audit_anchor import audit_key
from crm_tui.storage.db import Database

QUEUE_ACTION_SOURCES = (queues.QUEUE_ACTIONS, erasure.QUEUE_ACTIONS, dispatcher.QUEUE_ACTIONS)
"""Every module that contributes queue actions, in the order their queues are listed."""


def register_all() -> None:
    """Register every step kind, order type and queue action (idempotent: the same data again)."""
    for kind in order_steps.STEPS:
        engine.register_step(kind)
    for order_type, steps in order_steps.ORDER_TYPES.items():
        engine.register_order_type(order_type, steps)
    for source in QUEUE_ACTION_SOURCES:
        for queue, actions in source.items():
            queues.register_actions(queue, actions)


def services_over(database: Database, settings: Settings) -> Services:
    """Services over a database already open, with the external systems `settings.faults` describes
    and the audit key of the settings (or of the data folder)."""
    register_all()
    configured = settings.audit_key.get_secret_value() if settings.audit_key else None
    try:
        audit.use_key(database.url, audit_key(configured, settings.data_dir))
    except OSError:
        if not database.read_only:
            raise
        # a read-only installation may not hold the key file: nothing is written, so nothing is signed
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
    """Open the configured database (the embedded file by default), migrating it if needed.

    The settings' shop zone, region and locale (CRM_TIMEZONE, CRM_DEFAULT_REGION, CRM_LOCALE) become
    the process's formats (`crm_tui.present`); a signed-in operator's language then wins."""
    present.configure(locale=settings.locale, timezone=settings.timezone, region=settings.default_region)
    embedded = not settings.database_url  # the data folder's own file: its folder is made on first use
    return services_over(
        Database.open(settings.resolved_database_url, migrate=migrate, create_folder=embedded), settings
    )

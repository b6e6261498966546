"""What every use case that needs more than one transaction is handed: `Services` (settings, the
database, the external systems), and the contracts the composition root fills (`QueueAction`).

May import: config, storage, domain, errors, and `services.shared`. Opened only by
`services.bootstrap.open_services`, which also registers order types and queue actions; a face that
needs units of work only opens `open_database` (no order engine, no queues, no external systems).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from crm_tui import present
from crm_tui.config import Settings
from crm_tui.services.shared import audit
from crm_tui.services.shared.audit_anchor import audit_key
from crm_tui.services.shared.views import Actor
from crm_tui.storage.db import Database, PoolSettings
from crm_tui.storage.unit_of_work import UnitOfWork

if TYPE_CHECKING:  # only the queue action's signature names it: a command that runs no action loads no queue table
    from crm_tui.storage.models.queues import QueueItem


class ExternalFailure(Exception):
    """The external system answered with an error (or did not answer)."""

    def __init__(self, system: str, operation: str, message: str) -> None:
        super().__init__(f"{system}.{operation}: {message}")
        self.system = system
        self.operation = operation


class ExternalSystems(Protocol):
    """Billing, provisioning and notifications as the order engine sees them: one request per
    idempotency key, an answer or an `ExternalFailure`."""

    def send(
        self, system: str, operation: str, *, idempotency_key: str, payload: dict[str, Any], attempt: int
    ) -> dict[str, Any]: ...


@dataclass
class Services:
    """What a face (CLI or workbench) needs to call any service: units of work, settings, external systems."""

    settings: Settings
    database: Database
    externals: ExternalSystems

    def reader(self) -> UnitOfWork:
        """A unit of work for reads: never waits on a writer."""
        return UnitOfWork(self.database)

    def writer(self) -> UnitOfWork:
        """A unit of work for changes: takes the write lock at BEGIN on SQLite."""
        return UnitOfWork(self.database, write=True)

    @property
    def database_label(self) -> str:
        """The short database name the header shows; DEMO for the demo database."""
        return "DEMO" if self.settings.demo else self.database.short_name

    def close(self) -> None:
        self.database.dispose()


def open_database(settings: Settings, *, migrate: bool = True) -> Database:
    """The configured database (the embedded file by default, its folder made on first use), migrated
    if needed, its audit entries signed with the settings' key, the settings' shop zone, region and
    locale (CRM_TIMEZONE, CRM_DEFAULT_REGION, CRM_LOCALE) made the process's formats (`crm_tui.present`;
    a signed-in operator's language then wins): all that a service taking a unit of
    work needs. Faces that run such services only (a read command, a sign-in) open just this;
    `bootstrap.services_over` makes the whole Services over it when order types and queues are needed."""
    present.configure(locale=settings.locale, timezone=settings.timezone, region=settings.default_region)
    embedded = not settings.database_url  # the data folder's own file: its folder is made on first use
    pool = PoolSettings(
        size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        timeout_s=settings.db_pool_timeout,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        pooler=settings.db_pooler,
    )
    database = Database.open(settings.resolved_database_url, migrate=migrate, create_folder=embedded, pool=pool)
    use_audit_key(database, settings)
    return database


def use_audit_key(database: Database, settings: Settings) -> None:
    """Sign this database's audit entries with the settings' key (or the data folder's)."""
    configured = settings.audit_key.get_secret_value() if settings.audit_key else None
    try:
        audit.use_key(database.url, audit_key(configured, settings.data_dir))
    except OSError:
        if not database.read_only:
            raise
        # a read-only installation may not hold the key file: nothing is written, so nothing is signed


class QueueActionRun(Protocol):
    def __call__(self, item: QueueItem, *, services: Services, actor: Actor, note: str) -> dict[str, Any]: ...


@dataclass(frozen=True)
class QueueAction:
    """One action on one queue: the key a supervisor presses and what it does (its JSON result)."""

    name: str
    key: str
    run: QueueActionRun | Callable[..., dict[str, Any]]

"""The services' entry point: settings plus the database, handed to the CLI and the app."""

from __future__ import annotations

from dataclasses import dataclass

from crm_tui.config import Settings
from crm_tui.storage.db import Database
from crm_tui.storage.unit_of_work import UnitOfWork


@dataclass
class Services:
    """What a face (CLI or workbench) needs to call any service: units of work and settings."""

    settings: Settings
    database: Database

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Services:
        """Open the configured database (the embedded file by default), migrating it if needed."""
        return cls(settings=settings, database=Database.open(settings.resolved_database_url, migrate=migrate))

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

    def externals(self):  # noqa: ANN201
        """The external-system adapters (the shipped simulators), obeying `CRM_FAULTS`."""
        from crm_tui.services.external import ExternalSystems

        return ExternalSystems(self.database, self.settings.faults)

    def close(self) -> None:
        self.database.dispose()

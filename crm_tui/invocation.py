"""One run of `crm-tui`: where and as whom it works. Light to import: bare `crm-tui` starts from here.

The settings are read, the database opened and the operator signed in on first need, not before
(so `--help` never touches the database, and the workbench opens the database behind its sign-in
screen).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crm_tui.errors import DatabaseUnavailable, InvalidInput
from crm_tui.paths import DEFAULT_LOG_PATH

if TYPE_CHECKING:
    from crm_tui.config import Settings
    from crm_tui.services.context import Services
    from crm_tui.services.shared.views import Actor


@dataclass
class Invocation:
    """Where and as whom this one `crm-tui` run works; the database opens on first need, not before."""

    database_url: str | None = None
    operator: str | None = None
    demo: bool = False
    _settings: Settings | None = field(default=None, repr=False)
    _services: Services | None = field(default=None, repr=False)
    _actor: Actor | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from crm_tui.config import Settings

            overrides: dict[str, Any] = {"demo": self.demo}
            if self.database_url or self.demo:
                # The demo never lands in CRM_DATABASE_URL's database: only an explicit --db moves it.
                overrides["database_url"] = self.database_url
            self._settings = Settings(**overrides)
        return self._settings

    def services(self, *, migrate: bool = True) -> Services:
        """The services over the configured database, opened (and migrated) on first call."""
        if self._services is None:
            from sqlalchemy.exc import ArgumentError, DatabaseError

            from crm_tui.services.bootstrap import open_services

            try:
                services = open_services(self.settings, migrate=migrate)
                with services.database.engine.connect():
                    pass  # fail here, clearly, rather than later as "an empty database"
                self._services = services
            except ArgumentError:
                raise InvalidInput(
                    "That is not a database URL.",
                    fields={"db": "Like sqlite:///path/crm.db or postgresql+psycopg://user@host/name."},
                ) from None
            except (DatabaseError, OSError) as error:
                reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200]
                raise DatabaseUnavailable(f"Cannot open {self.settings.resolved_database_url.split('://')[0]} database: {reason}") from None
        return self._services

    def actor(self) -> Actor:
        """Sign in as `--as`/CRM_OPERATOR with CRM_OPERATOR_PASSWORD or a hidden prompt."""
        if self._actor is None:
            from crm_tui.cli_support import ask
            from crm_tui.services import operators

            settings = self.settings
            username = self.operator or settings.operator
            if not username:
                username = ask("Operator name", what="an operator name (--as NAME or CRM_OPERATOR)", hide=False)
            password = settings.operator_password or ask(
                f"Password for {username}", what="the operator's password (CRM_OPERATOR_PASSWORD)"
            )
            self._actor = operators.sign_in(
                username, password, uow=self.services().writer(), max_failures=settings.max_failed_sign_ins
            )
        return self._actor

    def log_path(self) -> Path:
        """The error log of this run's settings; the default data dir's if the settings cannot load."""
        try:
            return self.settings.log_path
        except Exception:  # noqa: BLE001 - the settings themselves may be what failed
            return DEFAULT_LOG_PATH

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
            self._services = None

"""Who runs this command, and where: one Invocation per run, sign-in, secrets and confirmations.

The settings are read, the database opened and the operator signed in on first need, not before
(so `--help` never touches the database, and the workbench opens the database behind its sign-in
screen).

Light to import: bare `crm-tui` (crm_tui.launch) opens the workbench through an Invocation, so this
module must not load typer, pydantic, SQLAlchemy or the services at import. Lazy imports, each
inside the function that needs it:
- `typer` in `ask`, `new_password`, `read_secret` and `confirm`: prompts happen in commands only;
- `crm_tui.config.Settings` in `Invocation.settings`: pydantic-settings, read on first need;
- `sqlalchemy.exc`, `crm_tui.services.context` and `crm_tui.storage.db` in `Invocation.database`:
  the database opens in the workbench's worker, behind the sign-in screen, or in the command that
  needs it; `crm_tui.storage.unit_of_work` in `reader` and `writer`;
- `crm_tui.services.bootstrap` in `Invocation.services`: the order engine, queues and external
  systems load only for commands that need them (a read or a sign-in takes a unit of work only);
- `crm_tui.services.operators` in `Invocation.actor`: signing in needs the database anyway.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from crm_tui import i18n
from crm_tui.errors import CrmError, DatabaseUnavailable, InvalidInput, NotAllowed
from crm_tui.i18n import _
from crm_tui.paths import DEFAULT_LOG_PATH

T = TypeVar("T")

if TYPE_CHECKING:
    from crm_tui.config import Settings
    from crm_tui.services.context import Services
    from crm_tui.services.shared.views import Actor
    from crm_tui.storage.db import Database
    from crm_tui.storage.unit_of_work import UnitOfWork


@dataclass
class Invocation:
    """Where and as whom this one `crm-tui` run works; the database opens on first need, not before."""

    database_url: str | None = None
    operator: str | None = None
    demo: bool = False
    create_database: bool = False
    """`db upgrade` and `demo` may create the SQLite file a URL names; other commands refuse a missing one."""
    batch: str | None = None
    """The batch id while `crm-tui batch` runs its commands: each reuses this Invocation (see `running_batch`)."""
    _settings: Settings | None = field(default=None, repr=False)
    _database: Database | None = field(default=None, repr=False)
    _services: Services | None = field(default=None, repr=False)
    _actor: Actor | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from pydantic import ValidationError

            from crm_tui.config import Settings
            from crm_tui.user_config import ConfigError

            overrides: dict[str, Any] = {"demo": self.demo}
            if self.database_url or self.demo:
                # The demo never lands in CRM_DATABASE_URL's database: only an explicit --db moves it.
                overrides["database_url"] = self.database_url
            try:
                self._settings = Settings(**overrides)
            except ValidationError as error:
                raise _bad_settings(error) from None
            except ConfigError as error:
                raise InvalidInput(str(error), fields=error.problems) from None
        return self._settings

    def use_demo(self) -> None:
        """Work on the demo database (`crm-tui demo`), which this run may create; settings read again."""
        self.demo, self.create_database, self._settings = True, True, None

    def database(self, *, migrate: bool = True) -> Database:
        """The configured database, opened (and migrated) on first call: enough for a command whose
        services take a unit of work (reads, sign-in); `services()` adds order types, queues and
        the external systems."""
        if self._database is None:
            from sqlalchemy.exc import ArgumentError, DatabaseError

            from crm_tui.services.context import open_database
            from crm_tui.storage.db import missing_sqlite_file

            missing = missing_sqlite_file(self.settings.database_url) if self.settings.database_url else None
            if missing is not None and not self.create_database:
                raise InvalidInput(
                    _(
                        "No database file {missing}: check the path, or create it with `crm-tui --db {url} db upgrade`."
                    ).format(missing=missing, url=self.settings.database_url),
                    fields={"db": _("The file does not exist.")},
                )
            try:
                database = open_database(self.settings, migrate=migrate)
                with database.engine.connect():
                    pass  # fail here, clearly, rather than later as "an empty database"
                self._database = database
            except ArgumentError:
                raise InvalidInput(
                    _("That is not a database URL."),
                    fields={"db": _("Like sqlite:///path/crm.db or postgresql+psycopg://user@host/name.")},
                ) from None
            except (DatabaseError, OSError) as error:
                reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200]
                message = _("Cannot open {kind} database: {reason}").format(
                    kind=self.settings.resolved_database_url.split("://")[0], reason=reason
                )
                if "unsupported startup parameter: options" in reason:  # PgBouncer, and the setting missing
                    message += " " + _("Behind PgBouncer in transaction mode? Set CRM_DB_POOLER=pgbouncer.")
                raise DatabaseUnavailable(message) from None
        return self._database

    def reader(self) -> UnitOfWork:
        """A unit of work for reads over `database()` (what `services().reader()` gives, without the rest)."""
        from crm_tui.storage.unit_of_work import UnitOfWork

        return UnitOfWork(self.database())

    def writer(self) -> UnitOfWork:
        """A unit of work for changes over `database()` (what `services().writer()` gives)."""
        from crm_tui.storage.unit_of_work import UnitOfWork

        return UnitOfWork(self.database(), write=True)

    def services(self, *, migrate: bool = True) -> Services:
        """The services over the configured database, opened (and migrated) on first call: order types,
        step kinds and queue actions registered (services.bootstrap), external systems connected."""
        if self._services is None:
            from crm_tui.services.bootstrap import services_over

            self._services = services_over(self.database(migrate=migrate), self.settings)
        return self._services

    def actor(self) -> Actor:
        """Sign in as `--as`/CRM_OPERATOR with CRM_OPERATOR_PASSWORD or a hidden prompt."""
        if self._actor is None:
            from crm_tui.services import operators

            settings = self.settings
            username = self.operator or settings.operator
            if not username:
                username = ask(_("Operator name"), what=_("an operator name (--as NAME or CRM_OPERATOR)"), hide=False)
            password = settings.operator_password or ask(
                _("Password for {username}").format(username=username),
                what=_("the operator's password (CRM_OPERATOR_PASSWORD)"),
            )
            self._actor = operators.sign_in(
                username, password, uow=self.writer(), max_failures=settings.max_failed_sign_ins
            )
            if self._actor.language:  # the operator's language wins over CRM_LOCALE for this run's words and formats
                i18n.use_locale(self._actor.language)
        return self._actor

    def log_path(self) -> Path:
        """The error log of this run's settings; the default data dir's if the settings cannot load."""
        try:
            return self.settings.log_path
        except Exception:  # noqa: BLE001 - the settings themselves may be what failed
            return DEFAULT_LOG_PATH

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()
        self._services = self._database = None


def _bad_settings(error: Any) -> InvalidInput:
    """A pydantic error about the settings, each problem named by its environment variable (never its value)."""
    fields = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "settings"
        variable = f"CRM_{name.upper()}"
        fields[variable] = problem["msg"]
    return InvalidInput("; ".join(f"{name}: {message}" for name, message in fields.items()) + ".", fields=fields)


_current: Invocation | None = None


def start_invocation(*, database_url: str | None, operator: str | None) -> Invocation:
    """A fresh Invocation for this run (the root callback calls it first, every run); inside a
    batch, the batch's own (one database, one sign-in for all its commands)."""
    global _current
    if _current is not None and _current.batch is not None:
        if database_url or operator:
            raise InvalidInput(
                _(
                    "A command in a batch works on the batch's database as the batch's operator: "
                    "give --db and --as before `batch`."
                ),
                fields={"db" if database_url else "as": _("Not inside a batch.")},
            )
        return _current
    _current = Invocation(database_url=database_url, operator=operator)
    return _current


@contextmanager
def running_batch(run: Invocation, batch_id: str) -> Iterator[Actor]:
    """While a batch runs: one sign-in (now, before any command), stamped with the batch id so
    the audit trail names the batch; every command started meanwhile reuses `run`."""
    actor = run.actor().model_copy(update={"batch": batch_id})
    run._actor, run.batch = actor, batch_id
    try:
        yield actor
    finally:
        run.batch = None


def invocation() -> Invocation:
    """The current run's Invocation."""
    return _current or start_invocation(database_url=None, operator=None)


def checked_early(check: Callable[[], T]) -> T:
    """Run a check of the command's input before any sign-in, so that bad input answers (exit 2)
    without opening the database. When it fails and the operator can sign in without a prompt
    (a name and CRM_OPERATOR_PASSWORD), sign in and check again: the message then speaks the
    operator's language, not only CRM_LOCALE's. A failing sign-in leaves the first language."""
    try:
        return check()
    except InvalidInput:
        run = invocation()
        try:
            settings = run.settings
            if (run.operator or settings.operator) and settings.operator_password:
                run.actor()
        except CrmError:
            pass
        return check()


# --- asking the person at the terminal ------------------------------------------------------------


def ask(prompt: str, *, what: str, hide: bool = True, twice: bool = False) -> str:
    """A prompt on stderr when a person is at the terminal; scripts get a clear "not allowed" instead."""
    if not sys.stdin.isatty():
        raise NotAllowed(
            _("No terminal to ask for {what}: set it in the environment or run interactively.").format(what=what)
        )
    import typer

    return typer.prompt(prompt, hide_input=hide, confirmation_prompt=twice, err=True)


def new_password(username: str) -> str:
    """A new operator password: CRM_NEW_PASSWORD, or asked twice at a hidden prompt."""
    from_env = os.environ.get("CRM_NEW_PASSWORD")
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise InvalidInput(
            _("No new password: set CRM_NEW_PASSWORD or run at a terminal."),
            fields={"password": _("Set CRM_NEW_PASSWORD.")},
        )
    import typer

    return typer.prompt(
        _("New password for {username}").format(username=username), hide_input=True, confirmation_prompt=True, err=True
    )


def read_secret(prompt: str, *, field: str, what: str, twice: bool = False) -> str:
    """A customer's secret: the next line of stdin for scripts, else a hidden prompt; never echoed."""
    if sys.stdin.isatty():
        import typer

        return typer.prompt(prompt, hide_input=True, confirmation_prompt=twice, err=True)
    secret = sys.stdin.readline().rstrip("\r\n")
    if not secret:
        raise InvalidInput(
            _("No {what} on standard input: give it as one line.").format(what=what), fields={field: _("Required.")}
        )
    return secret


def confirm(question: str, *, yes: bool) -> None:
    """Destructive or money steps need --yes, or a person answering at the terminal (no: exit 0)."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise InvalidInput(
            _("{question} Add --yes to confirm from a script.").format(question=question),
            fields={"yes": _("Confirmation needed.")},
        )
    import typer

    if not typer.confirm(question, err=True):
        raise typer.Exit(0)

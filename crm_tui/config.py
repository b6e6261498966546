"""Typed settings: every knob an operator's engineer may turn, read from `CRM_*` environment variables."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from crm_tui.paths import DEFAULT_DATA_DIR, LOG_NAME
from crm_tui.user_config import THEME_NAMES, check_keys, read_config


class UserConfigSource(PydanticBaseSettingsSource):
    """The user's config file (user_config.py), below the environment: `CRM_*` variables override it."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # noqa: ANN401 - pydantic's
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return read_config().settings_values()


class Settings(BaseSettings):
    """Settings for one process; the CLI builds one and hands it to the services and the app.

    Read from, highest first: the arguments, `CRM_*` environment variables, the user's config file
    (theme, language, page_size, keymap: `crm-tui config show | set`), the defaults below."""

    model_config = SettingsConfigDict(env_prefix="CRM_", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, dotenv_settings, file_secret_settings, UserConfigSource(settings_cls)

    theme: str = THEME_NAMES[0]
    """The workbench's colours: crm-calm, or crm-high-contrast for glare or weak eyesight."""

    language: str = "en"
    """The operator's language for the screens (a code like es or pt-BR; kept for the translations)."""

    keymap: dict[str, str] = Field(default_factory=dict)
    """Keys of the workbench remapped: binding id -> key(s), comma-separated (`{"register": "f6"}`)."""

    @field_validator("theme")
    @classmethod
    def _known_theme(cls, value: str) -> str:
        if value not in THEME_NAMES:
            raise ValueError(f"one of {', '.join(THEME_NAMES)}")
        return value

    @field_validator("keymap")
    @classmethod
    def _key_names(cls, value: dict[str, str]) -> dict[str, str]:
        return {binding_id: check_keys(f"keymap.{binding_id}", keys) for binding_id, keys in value.items()}

    database_url: str | None = None
    """SQLAlchemy URL of the database; empty means the embedded SQLite file in `data_dir`."""

    data_dir: Path = DEFAULT_DATA_DIR
    """Where the embedded database, attachments and the error log live."""

    demo: bool = False
    """True when running on the demo database: the header says DEMO in red."""

    default_region: str = "ES"
    """ISO 3166 region used to read national phone numbers (service numbers, mobiles)."""

    currency: str = "EUR"
    """The operator's currency for money on screen and in records."""

    timezone: str = "Europe/Madrid"
    """The shop's time zone (IANA name): local times on screen and in the CLI, do-not-disturb spans,
    effective dates. An unknown zone stops the run at start (exit 2)."""

    locale: str | None = None
    """The language and formats when the operator has chosen none (`es`, `es_ES`, `en_IE`); empty:
    the system's locale, else en_IE. An operator's own language (`operator add --language`) wins."""

    min_customer_age: int = Field(default=16, ge=0, le=100)
    """Youngest age at which a person may register as a customer."""

    number_freeze_days: int = Field(default=90, ge=0, le=3650)
    """How long a deregistered number stays frozen (recoverable by its former owner) before it returns to the pool."""

    shop: str = "Main street shop"
    """The shop this terminal stands in, shown in the header and recorded on interactions."""

    max_failed_sign_ins: int = 5
    """Failed sign-ins in a row that lock an operator until a supervisor unlocks them."""

    page_size: int = Field(default=50, ge=1, le=500)
    """Rows per page in result lists (the config file's default page size)."""

    dedupe_queue_above: float | None = Field(default=None, gt=0, lt=1)
    """The review band's top: a pair the duplicate scan scores at or above this probability goes to
    the duplicates queue. Empty: the matching model's threshold."""

    dedupe_ignore_below: float | None = Field(default=None, gt=0, lt=1)
    """The review band's bottom: pairs below it are not reported at all; pairs between it and
    `dedupe_queue_above` are listed by the scan as borderline, not queued. Empty: the same as the top."""

    dedupe_workers: int = Field(default=0, ge=0, le=64)
    """Processes the duplicate scan uses for blocking and scoring on a base of 50,000 customers or
    more. 0: one per core this process may run on; 1: the scan stays in one process."""

    db_pool_size: int = Field(default=5, ge=1, le=100)
    """PostgreSQL: connections each process keeps open (a terminal needs one or two at a time)."""

    db_max_overflow: int = Field(default=5, ge=0, le=100)
    """PostgreSQL: connections a process may open beyond the pool under a burst, closed after."""

    db_pool_timeout: float = Field(default=10.0, gt=0, le=300)
    """PostgreSQL: seconds to wait for a free connection before the call fails clearly."""

    db_statement_timeout_ms: int = Field(default=15000, ge=100, le=3_600_000)
    """PostgreSQL: the server cancels a statement running longer (a runaway query never holds a terminal)."""

    db_pooler: Literal["none", "pgbouncer"] = "none"
    """PostgreSQL: `pgbouncer` when CRM_DATABASE_URL points at a PgBouncer in transaction pooling mode:
    no server-side prepared statements, and the statement timeout set in each transaction instead of
    once per connection (README, "Behind PgBouncer"). Not guessed from the URL: a port says nothing of
    the pool mode."""

    cbs_url: str = ""
    """Billing (CBS) over HTTP, e.g. http://127.0.0.1:8700; empty: the in-process simulator."""

    provisioning_url: str = ""
    """Network provisioning over HTTP; empty: the in-process simulator."""

    inventory_url: str = ""
    """Resource inventory over HTTP; empty: the in-process simulator."""

    notify_url: str = ""
    """The notification gateway (SMS, push) over HTTP; empty: the in-process simulator."""

    smtp_host: str = "127.0.0.1"
    """The mail server notifications go out through (SMTP, no TLS on the shop's own relay)."""

    smtp_port: int = Field(default=8025, ge=1, le=65535)
    """Its port; 8025 is where `crm-tui demo` and the tests run their own (aiosmtpd)."""

    mail_from: str = "Mar Móvil <avisos@example.com>"
    """The sender of customer notifications."""

    external_timeout: float = Field(default=5.0, gt=0, le=120)
    """Seconds to wait for an external system's answer before retrying the step's request."""

    external_retries: int = Field(default=3, ge=0, le=10)
    """Further tries of one step's request (same idempotency key) after a timeout or a 5xx."""

    faults: str = ""
    """Fault injection for the external-system simulators: `SYSTEM.OPERATION:MODE,...`."""

    operator: str | None = None
    """The operator scripts act as (`--as` overrides)."""

    operator_password: str | None = None
    """The scripted operator's password; otherwise a hidden prompt asks."""

    audit_key: SecretStr | None = None
    """The key that signs the audit log (hex or text); every terminal of one database needs the same.
    Empty: `audit.key` in `data_dir`, made on first use (mode 0600)."""

    api_base_url: str = "http://localhost:8080"
    """Where this operator's TM Forum APIs are served (scheme, host, optional path; no trailing slash):
    the `href` of every exported TMF629 Customer and TMF632 party is built on it."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("an IANA time zone name, like Europe/Madrid or Atlantic/Canary") from None
        return value.strip()

    @field_validator("locale")
    @classmethod
    def _locale_tag(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"[a-zA-Z]{2,3}([_-][a-zA-Z]{2})?(\.[\w-]+)?", value.strip()):
            raise ValueError("a language, or language and territory, like es, es_ES or en_IE")
        return value.strip() if value else None

    @field_validator("api_base_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError("an absolute http(s) URL, like https://api.example.com")
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        """The URL actually used: the configured one or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        name = "demo.db" if self.demo else "crm.db"
        return f"sqlite:///{self.data_dir / name}"

    @property
    def log_path(self) -> Path:
        """Where unexpected failures are written with their traceback (never personal data)."""
        return self.data_dir / LOG_NAME

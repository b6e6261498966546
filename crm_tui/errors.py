"""Business failures, one class each, carrying a human message, a title and the CLI exit code."""

from __future__ import annotations

from typing import Any

from crm_tui.i18n import N_


class CrmError(Exception):
    """A failure the user can understand and act on; never carries personal data in clear.

    `title` is English, marked for the catalogue: where it is shown, show `_(error.title)`."""

    title = N_("Cannot do that")
    code = "error"
    exit_code = 1

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.extra = extra

    def to_json(self) -> dict[str, Any]:
        """The `{"error": {...}}` document of CLI.md."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return {"error": body}


class InvalidInput(CrmError):
    """One or more fields are wrong; `fields` maps each field name to its message."""

    title = N_("Check the fields")
    code = "invalid_input"
    exit_code = 2


class Conflict(CrmError):
    """The state forbids it or someone else changed it first."""

    title = N_("Conflict")
    code = "conflict"
    exit_code = 3


class DuplicateIdentity(Conflict):
    """The identity (certificate, number, ...) already belongs to a customer."""

    title = N_("Already registered")
    code = "duplicate_identity"


class Held(CrmError):
    """Accepted, but waiting for a supervisor or an effective date."""

    title = N_("Held for review")
    code = "held"
    exit_code = 4


class NotFound(CrmError):
    """Nothing matches what was asked for."""

    title = N_("Not found")
    code = "not_found"
    exit_code = 5


class NotAllowed(CrmError):
    """Sign-in failed, the operator is locked, or the role may not do this."""

    title = N_("Not allowed")
    code = "not_allowed"
    exit_code = 6


class SignInFailed(NotAllowed):
    """Wrong name or password; says nothing about which."""

    title = N_("Sign-in failed")
    code = "sign_in_failed"


class OperatorLocked(NotAllowed):
    """Too many failed sign-ins; a supervisor must unlock."""

    title = N_("Locked")
    code = "operator_locked"


class ExternalSystemFailed(CrmError):
    """Billing, provisioning or notification failed; the order stays open and can be resumed."""

    title = N_("External system failed")
    code = "external_system_failed"
    exit_code = 7


class DatabaseUnavailable(CrmError):
    """The database cannot be reached or read: not a bug in crm-tui, but nothing can be done (exit 1)."""

    title = N_("Database unavailable")
    code = "database_unavailable"


class DatabaseReadOnly(NotAllowed):
    """The database may be read but not written here (file or folder permissions, an immutable file)."""

    title = N_("Database read-only")
    code = "database_read_only"

"""Who may do what: checked in the services, so the CLI and the screens obey the same rules."""

from __future__ import annotations

from crm_tui.domain import Role
from crm_tui.errors import NotAllowed
from crm_tui.services.shared.views import Actor

SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


def require_role(actor: Actor | None, *roles: Role, doing: str) -> Actor:
    """The signed-in actor if their role is one of `roles`, else NotAllowed."""
    if actor is None:
        raise NotAllowed(f"Sign in to {doing}.")
    if roles and actor.role not in roles:
        names = " or ".join(role.label for role in roles)
        article = "an" if names[0].lower() in "aeiou" else "a"
        raise NotAllowed(f"Only {article} {names} may {doing}.")
    return actor


def require_signed_in(actor: Actor | None, *, doing: str) -> Actor:
    return require_role(actor, doing=doing)


def sees_personal_data_in_lists(actor: Actor) -> bool:
    """CSRs see certificate numbers and IMSIs masked in lists; supervisors and admins in full."""
    return actor.role in SUPERVISORS

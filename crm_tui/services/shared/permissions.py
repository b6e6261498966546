"""Who may do what: checked in the services, so the CLI and the screens obey the same rules."""

from __future__ import annotations

from crm_tui.domain import Role
from crm_tui.errors import NotAllowed
from crm_tui.i18n import _
from crm_tui.services.shared.views import Actor

SUPERVISORS = (Role.SUPERVISOR, Role.ADMIN)


def require_role(actor: Actor | None, *roles: Role, doing: str) -> Actor:
    """The signed-in actor if their role is one of `roles`, else NotAllowed.

    `doing` is the action in words (`doing=_("see receipts")`), or only marked (`doing=N_("search
    customers")`, translated here, when refused: a lookup at the counter then asks no catalogue when it
    is allowed): it ends "Sign in to ..." and "Only a supervisor or admin may ..."."""
    if actor is not None and (not roles or actor.role in roles):
        return actor
    doing = _(doing)  # a marked phrase in the operator's language; a translated one stays as it is
    if actor is None:
        raise NotAllowed(_("Sign in to {doing}.").format(doing=doing))
    if roles and actor.role not in roles:
        names = roles[0].label
        for role in roles[1:]:
            names = _("{roles} or {role}").format(roles=names, role=role.label)
        if roles[0].label[:1].lower() in "aeiou":
            raise NotAllowed(_("Only an {roles} may {doing}.").format(roles=names, doing=doing))
        raise NotAllowed(_("Only a {roles} may {doing}.").format(roles=names, doing=doing))
    return actor


def require_signed_in(actor: Actor | None, *, doing: str) -> Actor:
    return require_role(actor, doing=doing)


def sees_personal_data_in_lists(actor: Actor) -> bool:
    """CSRs see certificate numbers and IMSIs masked in lists; supervisors and admins in full."""
    return actor.role in SUPERVISORS

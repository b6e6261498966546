"""Operators: bootstrap, sign-in with lockout, passwords, unlock. Roles are enforced here."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from crm_tui.domain import Role
from crm_tui.errors import (
    Conflict,
    InvalidInput,
    NotAllowed,
    NotFound,
    OperatorLocked,
    SignInFailed,
)
from crm_tui.i18n import LANGUAGES, _
from crm_tui.services.shared import audit
from crm_tui.services.shared.passwords import (
    check_operator_password,
    hash_secret,
    rehash_if_needed,
    verify_secret,
)
from crm_tui.services.shared.permissions import SUPERVISORS, require_role, require_signed_in
from crm_tui.services.shared.validation import parse_language
from crm_tui.services.shared.views import Actor, OperatorView
from crm_tui.storage.models.operators import Operator
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,63}$")


def _actor(operator: Operator) -> Actor:
    return Actor(
        id=operator.id or 0,
        username=operator.username,
        display_name=operator.display_name,
        role=Role(operator.role),
        shop=operator.shop,
        language=operator.language,
    )


def _view(operator: Operator) -> OperatorView:
    return OperatorView(
        username=operator.username,
        display_name=operator.display_name,
        role=Role(operator.role),
        shop=operator.shop,
        locked=operator.locked_at is not None,
        failed_sign_ins=operator.failed_sign_ins,
        is_active=operator.is_active,
        last_sign_in_at=operator.last_sign_in_at,
        language=operator.language,
    )


def needs_bootstrap(*, uow: UnitOfWork) -> bool:
    """True while the database has no admin: then the first admin may be added without sign-in."""
    with uow:
        return not uow.session.execute(
            select(func.count()).select_from(Operator).where(Operator.role == Role.ADMIN)
        ).scalar()


def add_operator(
    username: str,
    password: str,
    *,
    role: Role,
    display_name: str | None = None,
    shop: str = "",
    language: str | None = None,
    uow: UnitOfWork,
    actor: Actor | None,
) -> OperatorView:
    """Add an operator; only an admin may, except the very first admin (bootstrap).

    `language`: the operator's language for screens and formats (ISO 639, `es`; `es-ES` with a country)."""
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            _(
                "An operator name is 2-64 lower-case letters, digits, dots, dashes or underscores, starting with a letter."
            ),
            fields={"username": _("Like ana.garcia")},
        )
    check_operator_password(password)
    language = parse_language(language) if language else None
    password_hash = hash_secret(password)
    with uow:
        session = uow.session
        has_admin = session.execute(
            select(func.count()).select_from(Operator).where(Operator.role == Role.ADMIN)
        ).scalar()
        if has_admin or actor is not None:
            require_role(actor, Role.ADMIN, doing=_("add operators"))
        elif role != Role.ADMIN:
            raise NotAllowed(_("The first operator of a database must be an admin."))
        if session.execute(select(Operator.id).where(Operator.username == username)).scalar() is not None:
            raise Conflict(
                _("An operator named {username} already exists.").format(username=username),
                fields={"username": _("Already taken.")},
            )
        operator = Operator(
            username=username,
            display_name=(display_name or username).strip()[:128],
            role=role.value,
            shop=shop.strip()[:128],
            language=language,
            password_hash=password_hash,
        )
        session.add(operator)
        session.flush()
        audit.record(uow, actor, "operator.add", "operator", username, {"role": role.value, "language": language})
        uow.commit()
        return _view(operator)


def list_operators(*, uow: UnitOfWork, actor: Actor) -> list[OperatorView]:
    require_role(actor, *SUPERVISORS, doing=_("list operators"))
    with uow:
        rows = uow.session.execute(select(Operator).order_by(Operator.username)).scalars().all()
        return [_view(row) for row in rows]


def _sign_in_read_only(uow: UnitOfWork, username: str, matches: bool, max_failures: int) -> Actor:
    """On a read-only database: the same checks, nothing counted or recorded (nothing can be)."""
    with UnitOfWork(uow.database) as reading:
        operator = reading.session.execute(select(Operator).where(Operator.username == username)).scalar_one_or_none()
    if operator is None or not operator.is_active or not matches:
        raise SignInFailed(_("Wrong operator name or password."))
    if operator.locked_at is not None:
        raise OperatorLocked(
            _("{username} is locked after {max_failures} failed sign-ins; a supervisor must unlock.").format(
                username=operator.username, max_failures=max_failures
            )
        )
    return _actor(operator)


def sign_in(username: str, password: str, *, uow: UnitOfWork, max_failures: int = 5) -> Actor:
    """The operator if name and password match; counts failures and locks after `max_failures`.

    The message never says whether the name or the password was wrong. The password is checked
    (Argon2id, tens of milliseconds) before the write transaction, so a sign-in never holds the
    write lock other terminals are waiting for while it hashes.
    """
    username = username.strip().lower()
    with UnitOfWork(uow.database) as reading:
        stored = reading.session.execute(
            select(Operator.password_hash).where(Operator.username == username)
        ).scalar_one_or_none()
    matches = verify_secret(stored, password)
    if uow.database.read_only:
        return _sign_in_read_only(uow, username, matches, max_failures)
    with uow:
        session = uow.session
        operator = session.execute(select(Operator).where(Operator.username == username)).scalar_one_or_none()
        if operator is not None and operator.password_hash != stored:  # changed meanwhile: check against the new one
            matches = verify_secret(operator.password_hash, password)
        if operator is None or not operator.is_active:
            raise SignInFailed(_("Wrong operator name or password."))
        if operator.locked_at is not None:
            raise OperatorLocked(
                _("{username} is locked after {max_failures} failed sign-ins; a supervisor must unlock.").format(
                    username=operator.username, max_failures=max_failures
                )
            )
        if not matches:
            operator.failed_sign_ins += 1
            locked = operator.failed_sign_ins >= max_failures
            if locked:
                operator.locked_at = utcnow()
            session.add(operator)
            audit.record(
                uow,
                None,
                "operator.sign_in_failed",
                "operator",
                username,
                {"failures": operator.failed_sign_ins, "locked": locked},
            )
            uow.commit()
            if locked:
                raise OperatorLocked(
                    _(
                        "{username} is now locked after {max_failures} failed sign-ins; a supervisor must unlock."
                    ).format(username=operator.username, max_failures=max_failures)
                )
            left = max_failures - operator.failed_sign_ins
            raise SignInFailed(
                _("Wrong operator name or password ({left} tries left before the lock).").format(left=left),
                tries_left=left,
            )
        operator.failed_sign_ins = 0
        operator.password_hash = rehash_if_needed(operator.password_hash, password) or operator.password_hash
        operator.last_sign_in_at = utcnow()
        session.add(operator)
        actor = _actor(operator)
        audit.record(uow, actor, "operator.sign_in", "operator", username)
        uow.commit()
    uow.database.name_operator(username)  # PostgreSQL: this terminal's connections say who works on them
    return actor


def unlock_operator(username: str, *, uow: UnitOfWork, actor: Actor) -> OperatorView:
    require_role(actor, *SUPERVISORS, doing=_("unlock operators"))
    with uow:
        operator = _find(uow, username)
        operator.locked_at = None
        operator.failed_sign_ins = 0
        uow.session.add(operator)
        audit.record(uow, actor, "operator.unlock", "operator", operator.username)
        uow.commit()
        return _view(operator)


def change_password(username: str, new_password: str, *, uow: UnitOfWork, actor: Actor) -> OperatorView:
    """An operator changes their own password; an admin may set anyone's."""
    username = username.strip().lower()
    if actor.username != username:
        require_role(actor, Role.ADMIN, doing=_("change another operator's password"))
    check_operator_password(new_password)
    password_hash = hash_secret(new_password)
    with uow:
        operator = _find(uow, username)
        operator.password_hash = password_hash
        uow.session.add(operator)
        audit.record(uow, actor, "operator.passwd", "operator", operator.username)
        uow.commit()
        return _view(operator)


def set_language(language: str | None, *, uow: UnitOfWork, actor: Actor) -> OperatorView:
    """The signed-in operator chooses the language of their screens and formats, kept for their next
    sign-in (None: CRM_LOCALE, else the system's). Only languages with a catalogue are offered."""
    require_signed_in(actor, doing=_("choose a language"))
    language = parse_language(language) if language else None
    if language is not None and language.split("-")[0] not in LANGUAGES:
        raise InvalidInput(
            _("The workbench speaks {languages}.").format(languages=", ".join(LANGUAGES)),
            fields={"language": _("No catalogue for this language.")},
        )
    with uow:
        operator = _find(uow, actor.username)
        before = operator.language
        operator.language = language
        uow.session.add(operator)
        audit.record(uow, actor, "operator.language", "operator", operator.username, {"from": before, "to": language})
        uow.commit()
        return _view(operator)


def _find(uow: UnitOfWork, username: str) -> Operator:
    operator = uow.session.execute(
        select(Operator).where(Operator.username == username.strip().lower())
    ).scalar_one_or_none()
    if operator is None:
        raise NotFound(_("No operator named {username}.").format(username=username))
    return operator

"""Verify a caller (eTOM 1.3.4.2.6) from the customer view: `v`, type the service password, enter.

The modal shows the tries left; a wrong password keeps it open with one try fewer; the fifth locks it
(a supervisor unlocks from the palette). A forgotten password: ctrl+r asks the security question and
sets a new password from the answer. Every outcome is recorded on the customer's interactions by the
service; the customer view reloads to show it when the modal closes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static
from textual.worker import Worker, WorkerState

from crm_tui.errors import CrmError, InvalidInput
from crm_tui.i18n import N_, _, ngettext
from crm_tui.services.identity.authentication import (
    MAX_FAILURES,
    AuthenticationState,
    CustomerAuthenticated,
    CustomerAuthenticationFailed,
    authenticate_customer,
    authentication_state,
    reset_service_password,
)
from crm_tui.widgets.form_field import FormField, show_field_errors
from crm_tui.widgets.text_input import TextInput
from crm_tui.widgets.workers import run_service


@dataclass(frozen=True)
class VerificationOutcome:
    """How the modal ended: verified (and how), or not; `attempts` says whether anything was recorded."""

    verified: bool
    how: str
    attempts: int


class VerifyCallerModal(ModalScreen[VerificationOutcome | None]):
    """The service password (or the security answer and a new password), with the tries left."""

    DEFAULT_CSS = """
    VerifyCallerModal { align: center middle; background: $background 60%; }
    VerifyCallerModal > #verify-box { width: 84; height: auto; padding: 1 2; border: thick $accent; background: $surface; }
    VerifyCallerModal #verify-title { text-style: bold; color: $accent; }
    VerifyCallerModal #verify-tries { color: $text-muted; padding-bottom: 1; }
    VerifyCallerModal #verify-tries.locked { color: $text-error; text-style: bold; }
    VerifyCallerModal #verify-result { padding-bottom: 1; }
    VerifyCallerModal #verify-result.failed { color: $text-error; }
    VerifyCallerModal #verify-question { color: $text; text-style: italic; }
    VerifyCallerModal #verify-buttons { height: 3; align-horizontal: right; }
    VerifyCallerModal #verify-buttons > Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+r",
            "forgotten",
            N_("Forgot password"),
            tooltip=N_("ask the security question; the answer sets a new password"),
            id="verify-forgotten",
        ),
        Binding(
            "escape", "cancel", N_("Close"), tooltip=N_("close; what was tried stays recorded"), id="verify-cancel"
        ),
    ]
    AUTO_FOCUS = "#verify-password"

    def __init__(self, *, customer_id: str, name: str, services: Any, actor: Any) -> None:
        super().__init__()
        self.customer_id = customer_id
        """The customer open on the view: the sign-in key the service is given."""
        self.customer_name = name
        self.services = services
        self.actor = actor
        self.state: AuthenticationState | None = None
        """Tries left, lock and security question, once loaded."""
        self.attempts = 0
        """Checks sent to the service (each one recorded on the interactions)."""
        self.resetting = False
        """True once ctrl+r switched to the security answer."""

    @property
    def service_region(self) -> str:
        return self.services.settings.default_region

    def compose(self) -> ComposeResult:
        with Vertical(id="verify-box"):
            yield Static(
                _("Verify the caller: {name} ({customer_id})").format(
                    name=self.customer_name, customer_id=self.customer_id
                ),
                id="verify-title",
                markup=False,
            )
            yield Static(
                ngettext("{count} try", "{count} tries", MAX_FAILURES).format(count=MAX_FAILURES), id="verify-tries"
            )
            yield FormField(
                _("Service password"),
                TextInput(id="verify-password", password=True, max_length=128),
                name="service_password",
            )
            yield Static("", id="verify-question", markup=False)
            yield FormField(
                _("Security answer"),
                TextInput(id="verify-answer", password=True, max_length=200),
                name="security_answer",
            )
            yield FormField(
                _("New service password"),
                TextInput(id="verify-new-password", password=True, max_length=128),
                name="new_service_password",
            )
            yield Static("", id="verify-result", markup=False)
            with Horizontal(id="verify-buttons"):
                yield Button(_("Check (enter)"), id="verify-check", variant="primary")
                yield Button(_("Close (esc)"), id="verify-close")

    def on_mount(self) -> None:
        for selector in ("#verify-question", "#field-security_answer", "#field-new_service_password"):
            self.query_one(selector).display = False
        customer_id, services, actor, region = self.customer_id, self.services, self.actor, self.service_region
        self._call(
            lambda: authentication_state(customer_id, uow=services.reader(), actor=actor, region=region),
            self._show_state,
            description=_("Load the tries left"),
        )

    # -- service calls ---------------------------------------------------------------------------

    def _call(self, call: Callable[[], Any], then: Callable[[Any], object], *, description: str) -> None:
        """A service call in a worker: an expected refusal (wrong, locked) comes back as a value."""

        def guarded() -> Any:
            try:
                return call()
            except CrmError as error:
                return error

        run_service(self, guarded, then, group="verify-caller", description=description)

    def _show_state(self, state: AuthenticationState | CrmError) -> None:
        if isinstance(state, CrmError):
            self._refused(state)
            return
        self.state = state
        tries = self.query_one("#verify-tries", Static)
        if state.locked:
            tries.update(
                _("LOCKED after repeated failures: a supervisor unlocks it (ctrl+p, Unlock caller verification).")
            )
            tries.add_class("locked")
            for selector in ("#verify-password", "#verify-answer", "#verify-new-password"):
                self.query_one(selector, Input).disabled = True
            self.query_one("#verify-check", Button).disabled = True
            self.query_one("#verify-close", Button).focus()
            return
        tries.remove_class("locked")
        tries.update(_("{left} of {count} tries left").format(left=state.tries_left, count=MAX_FAILURES))
        question = self.query_one("#verify-question", Static)
        question.update(
            _("Security question: {question}").format(question=state.security_question)
            if state.security_question
            else ""
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.app.show_failure(event.worker.error, self)  # type: ignore[attr-defined] - the CrmApp

    # -- checking --------------------------------------------------------------------------------

    @on(Input.Submitted, "#verify-password")
    @on(Input.Submitted, "#verify-new-password")
    @on(Button.Pressed, "#verify-check")
    def action_check(self) -> None:
        if self.state is not None and self.state.locked:
            return
        if self.resetting:
            self._reset()
            return
        password = self.query_one("#verify-password", Input).value
        if not password:
            show_field_errors(self, {"service_password": _("Ask the caller for the service password.")})
            return
        show_field_errors(self, {})
        customer_id, services, actor, region = self.customer_id, self.services, self.actor, self.service_region
        self.attempts += 1
        self._call(
            lambda: authenticate_customer(customer_id, password, uow=services.writer(), actor=actor, region=region),
            self._checked,
            description=_("Check the service password"),
        )

    @on(Input.Submitted, "#verify-answer")
    def _answered(self) -> None:
        self.query_one("#verify-new-password", Input).focus()

    def _reset(self) -> None:
        answer = self.query_one("#verify-answer", Input).value
        new_password = self.query_one("#verify-new-password", Input).value
        errors = {}
        if not answer.strip():
            errors["security_answer"] = _("Ask the caller the question above.")
        if not new_password:
            errors["new_service_password"] = _("The caller chooses a new service password.")
        if errors:
            show_field_errors(self, errors)
            return
        show_field_errors(self, {})
        customer_id, services, actor, region = self.customer_id, self.services, self.actor, self.service_region
        self.attempts += 1
        self._call(
            lambda: reset_service_password(
                customer_id, answer, new_password, uow=services.writer(), actor=actor, region=region
            ),
            self._checked,
            description=_("Reset the service password by the security answer"),
        )

    def _checked(self, result: CustomerAuthenticated | CrmError) -> None:
        if isinstance(result, CrmError):
            self._refused(result)
            return
        how = _("security answer; new service password set") if self.resetting else _("service password")
        self.dismiss(VerificationOutcome(verified=True, how=how, attempts=self.attempts))

    def _refused(self, error: CrmError) -> None:
        """Wrong (tries left), locked, or a bad new password: said in the modal, the field cleared."""
        if isinstance(error, InvalidInput) and error.fields:
            fields = {
                ("new_service_password" if k == "service_password" and self.resetting else k): v
                for k, v in error.fields.items()
            }
            if show_field_errors(self, fields):
                return
        result = self.query_one("#verify-result", Static)
        result.update(error.message)
        result.add_class("failed")
        if not isinstance(error, CustomerAuthenticationFailed):
            if not isinstance(error, InvalidInput):
                self.app.notify(error.message, title=error.title, severity="error")
            return
        left = int(error.extra.get("tries_left", 0))
        locked = bool(error.extra.get("locked", left == 0))
        state = self.state or AuthenticationState(
            customer_id=self.customer_id, has_password=True, security_question=None, tries_left=left, locked=locked
        )
        self._show_state(state.model_copy(update={"tries_left": left, "locked": locked}))
        for selector in ("#verify-password", "#verify-answer", "#verify-new-password"):
            self.query_one(selector, Input).value = ""
        if not locked:
            self.query_one("#verify-answer" if self.resetting else "#verify-password", Input).focus()

    # -- the forgotten password ------------------------------------------------------------------

    def action_forgotten(self) -> None:
        """Switch to the security question: the answer, then a new password (enter on it resets)."""
        if self.state is not None and (self.state.locked or not self.state.security_question):
            if not self.state.locked:
                self.query_one("#verify-result", Static).update(
                    _("No security question on file: verify the identity document instead.")
                )
            return
        self.resetting = True
        self.query_one("#field-service_password").display = False
        for selector in ("#verify-question", "#field-security_answer", "#field-new_service_password"):
            self.query_one(selector).display = True
        self.query_one("#verify-check", Button).label = _("Reset password (enter)")
        self.query_one("#verify-answer", Input).focus()

    @on(Button.Pressed, "#verify-close")
    def action_cancel(self) -> None:
        self.dismiss(VerificationOutcome(verified=False, how="", attempts=self.attempts))

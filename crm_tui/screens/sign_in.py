"""MY WORKBENCH | SIGN IN: the operator signs in; wrong passwords count towards the lock."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Button, Footer, Input, Static

from crm_tui.errors import CrmError, NotAllowed
from crm_tui.services import operators
from crm_tui.services.views import Actor
from crm_tui.screens.base import ServiceScreen
from crm_tui.widgets.form_field import FormField


class SignInScreen(ServiceScreen):
    """Operator name and password; success hands the Actor to the app."""

    AUTO_FOCUS = "#username"
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit", id="quit")]

    def compose(self) -> ComposeResult:
        services = self.workbench.services
        database = services.database_label
        with Center(id="sign-in-center"):
            with Vertical(id="sign-in-form"):
                yield Static("MY WORKBENCH | SIGN IN", id="sign-in-title")
                if services.settings.demo:
                    yield Static("[bold white on red] DEMO [/] database", id="sign-in-database")
                else:
                    yield Static(f"Database: {database}", id="sign-in-database", markup=False)
                yield FormField("Operator name", Input(id="username", placeholder="ana.garcia", max_length=64), name="username")
                yield FormField("Password", Input(id="password", password=True, max_length=200), name="password")
                yield Static("", id="sign-in-message")
                yield Button("Sign in", id="sign-in", variant="primary")
        yield Footer(compact=True)

    @on(Input.Submitted, "#username")
    def _next_field(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#sign-in")
    def sign_in(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username:
            self.show_field_errors({"username": "Type your operator name."})
            return
        if not password:
            self.show_field_errors({"password": "Type your password."})
            return
        self.show_field_errors({})
        self._say("")
        services = self.workbench.services
        self.call_service(
            lambda: operators.sign_in(
                username, password, uow=services.writer(), max_failures=services.settings.max_failed_sign_ins
            ),
            self._signed_in,
            group="sign-in",
            description="Sign in",
            busy=self.query_one("#sign-in", Button),
        )

    def _signed_in(self, actor: Actor) -> None:
        self.workbench.signed_in(actor)

    def show_error(self, error: CrmError) -> bool:
        """Sign-in failures (tries left, locked) are said at the form, and the password cleared."""
        if not isinstance(error, NotAllowed):
            return False
        self._say(error.message)
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()
        return True

    def _say(self, message: str) -> None:
        self.query_one("#sign-in-message", Static).update(message)
        self.query_one("#sign-in-message").set_class(bool(message), "error")

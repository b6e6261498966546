"""MY WORKBENCH | SIGN IN: the operator signs in; wrong passwords count towards the lock.

The first screen up: it imports nothing of storage, and the database may still be opening behind
it (the line under the title says so); a sign-in sent meanwhile waits for it. On the demo database
the demo sign-ins stay listed under the form (`crm-tui demo` printed them on a terminal the
workbench then covers), and the operator name's placeholder names them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Button, Input, Static

from crm_tui.errors import CrmError, NotAllowed
from crm_tui.i18n import N_, _
from crm_tui.screens.base import ServiceScreen
from crm_tui.widgets.footer import WorkbenchFooter
from crm_tui.widgets.form_field import FormField
from crm_tui.widgets.text_input import TextInput

if TYPE_CHECKING:
    from crm_tui.services.shared.views import Actor


class SignInScreen(ServiceScreen):
    """Operator name and password; success hands the Actor to the app."""

    AUTO_FOCUS = "#username"
    BINDINGS = [Binding("ctrl+q", "app.quit", N_("Quit"), tooltip=N_("leave the workbench"), id="quit")]
    HELP_TITLE = N_("Sign in")
    WORKFLOW = (
        N_("Type your operator name, enter, your password, enter."),
        N_("The workbench opens on Query Customers with the cursor in the identify box."),
        N_("Five wrong passwords in a row lock the operator until a supervisor unlocks it."),
    )
    MORE_KEYS = (("enter", N_("from the name to the password; on the password, sign in")),)
    PLACEHOLDER = N_("your operator name")
    """The operator name's placeholder off the demo database (translated where shown)."""

    def compose(self) -> ComposeResult:
        with Center(id="sign-in-center"):
            with Vertical(id="sign-in-form"):
                yield Static(_("MY WORKBENCH | SIGN IN"), id="sign-in-title")
                yield Static(self._database_line(), id="sign-in-database")
                yield FormField(
                    _("Operator name"),
                    TextInput(id="username", placeholder=_(self.PLACEHOLDER), max_length=64),
                    name="username",
                )
                yield FormField(_("Password"), TextInput(id="password", password=True, max_length=200), name="password")
                yield Static("", id="sign-in-message")
                yield Button(_("Sign in"), id="sign-in", variant="primary")
            yield Static("", id="sign-in-demo")
        yield WorkbenchFooter()

    def on_mount(self) -> None:
        self._show_demo_sign_ins()

    def _database_line(self) -> Text:
        opened, failure = self.workbench.services_state
        if failure is not None:
            reason = failure.message if isinstance(failure, CrmError) else _("unexpected failure, see the log")
            return Text.assemble(
                (_("Database: "), "bold"), (_("cannot open it ({reason})").format(reason=reason), "bold red")
            )
        if not opened:
            return Text(_("Database: opening…"), style="italic")
        services = self.workbench.services
        if services.settings.demo:
            return Text.assemble((" " + _("DEMO") + " ", "bold white on red"), " " + _("database"))
        return Text(_("Database: {label}").format(label=services.database_label))

    def show_database(self) -> None:
        """The database line again: called by the app when the database has opened (or failed to)."""
        self.query_one("#sign-in-database", Static).update(self._database_line())
        self._show_demo_sign_ins()

    def _show_demo_sign_ins(self) -> None:
        """On the demo database: the demo operators under the form, and their names as the placeholder."""
        opened, _failure = self.workbench.services_state
        panel = self.query_one("#sign-in-demo", Static)
        demo = opened and self.workbench.services.settings.demo
        panel.display = bool(demo)
        if not demo:
            return
        from crm_tui.services.seeding import DEMO_OPERATORS

        self.query_one("#sign-in-form").add_class("demo")  # one line less padding: the list fits 80x24
        table = Table.grid(padding=(0, 2))
        # one operator a row, the password never cut: two a row cut them at 80 columns in Spanish
        # ("demo-admi… Administr…"), and a password shown cut is a sign-in that fails
        table.add_column(style="bold", no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(style="italic", no_wrap=True, overflow="ellipsis")
        for username, password, role, _display in DEMO_OPERATORS:
            table.add_row(username, password, role.label)
        panel.update(Group(Text(_("Demo sign-ins (operator, password, role)"), style="bold"), table))
        names = [username for username, *_rest in DEMO_OPERATORS]
        self.query_one("#username", Input).placeholder = _("{names} or {last}").format(
            names=", ".join(names[:-1]), last=names[-1]
        )

    @on(Input.Submitted, "#username")
    def _next_field(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#sign-in")
    def sign_in(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username:
            self.show_field_errors({"username": _("Type your operator name.")})
            return
        if not password:
            self.show_field_errors({"password": _("Type your password.")})
            return
        self.show_field_errors({})
        self._say("")
        workbench = self.workbench

        def sign_in() -> Actor:
            from crm_tui.services import operators

            services = workbench.ready_services()
            return operators.sign_in(
                username, password, uow=services.writer(), max_failures=services.settings.max_failed_sign_ins
            )

        self.call_service(
            sign_in,
            self._signed_in,
            group="sign-in",
            description=_("Sign in"),
            busy=self.query_one("#sign-in", Button),
        )

    def _signed_in(self, actor: Actor) -> None:
        self.query_one("#password", Input).value = ""  # this screen stays under the signed-in ones
        self.workbench.signed_in(actor)

    def clear(self) -> None:
        """As first shown, for the next operator (signing out pops back to this screen): no name, no
        password, no message, the cursor in the operator name."""
        for field in ("#username", "#password"):
            self.query_one(field, Input).value = ""
        self.show_field_errors({})
        self._say("")
        self.query_one("#username", Input).focus()

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

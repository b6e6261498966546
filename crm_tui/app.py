"""The Textual workbench: sign-in, navigation between screens, the identify box and failure handling.

It gets its `Services` from the caller (the CLI or a test) and never opens storage itself: either
opened already, or as a function the app calls in a thread worker once the sign-in screen is up.

Start-up is kept light on purpose (issue 2: cold start within 1.5x a bare Textual app): this
module and the sign-in screen import Textual and nothing of storage; SQLAlchemy, the models, the
services and the other screens are imported by the worker that opens the database while the
operator types their name, or when a screen is first shown.

Beside it: the themes (`widgets/themes.py`), how a failure is told and logged (`widgets/failures.py`),
the services' opening (`widgets/opening.py`), the palette (`screens/commands.py`), what the
customer look-ups run (`screens/customer_lookup.py`, imported on the first look-up), the app's keys
(`widgets/app_keys.py`), the line keys wait in (`widgets/key_line.py`) and the help (`screens/help.py`).

Over 400 lines: what is left is the app's own job (opening, signing in and out, moving between
screens, the look-ups and the one failure handler), each part short and used by the screens by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, SystemCommand
from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from crm_tui import i18n
from crm_tui.domain import KeyKind, Role
from crm_tui.errors import CrmError, DatabaseUnavailable
from crm_tui.i18n import N_, _
from crm_tui.paths import DEFAULT_LOG_PATH
from crm_tui.screens.commands import WorkbenchCommands
from crm_tui.screens.sign_in import SignInScreen
from crm_tui.widgets.app_keys import APP_BINDINGS, KEY_HOLDING_WORKERS, SIGNED_IN_ACTIONS
from crm_tui.widgets.failures import log_to, tell_failure
from crm_tui.widgets.identify_box import identify_input, slash_jumps
from crm_tui.widgets.key_line import KeyLine
from crm_tui.widgets.opening import Opening
from crm_tui.widgets.themes import CALM, THEMES
from crm_tui.widgets.workers import run_service

if TYPE_CHECKING:
    from crm_tui.config import Settings
    from crm_tui.screens.customer_lookup import Identified
    from crm_tui.screens.query_customers import QueryCustomersScreen
    from crm_tui.services.context import Services
    from crm_tui.services.shared.views import Actor, CustomerDetail

OPEN_TIMEOUT_S = 120.0
"""How long a sign-in waits for the database to open before saying it cannot."""

LAUNCH_SCREENS = ("query", "customer", "register", "deregister", "suspend", "resume", "queues")


@dataclass
class LaunchRequest:
    """Open the workbench straight on a screen with its fields filled (`crm-tui open ...`)."""

    screen: str
    """One of LAUNCH_SCREENS: "query" and "customer" now; the others open Query for the time being."""
    fields: dict[str, str] = field(default_factory=dict)
    """Field values by name (`service_number` or `service-number`)."""
    customer_id: str | None = None
    """The customer to open for screen "customer"."""


def _now() -> datetime:
    return datetime.now().astimezone()


class CrmApp(App[None]):
    """The shop-counter workbench over the services."""

    CSS_PATH = "crm.tcss"
    TITLE = "crm-tui"  # i18n: not for people (the program's name)
    SUB_TITLE = N_("My workbench")
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    BINDINGS = APP_BINDINGS
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (60, "-narrow"), (100, "-normal"), (160, "-wide")]
    """Every screen gets one class by its width: -narrow (80-column terminals), -normal (120), -wide (200);
    -tiny under 60 columns (forms in one column). The CSS that uses them closes crm.tcss."""
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    """And one by its height: -short (24 rows) tightens margins, -tall (40 and more)."""
    SIGNED_IN_ACTIONS = SIGNED_IN_ACTIONS

    def __init__(
        self,
        services: Services | None = None,
        launch: LaunchRequest | None = None,
        *,
        open_services: Callable[[], Services] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`services` opened already, or `open_services` to open them in a worker after the first frame."""
        super().__init__()
        if (services is None) == (open_services is None):
            raise ValueError("Give the services or a way to open them, not both.")  # i18n: not for people
        self._services: Opening[Services] = Opening(services)
        self._open_services = open_services
        self.launch = launch
        """Where to go after sign-in; used once."""
        self.clock: Callable[[], datetime] = clock or _now
        """Now, for the header (frozen in snapshot tests)."""
        self.actor: Actor | None = None
        """The signed-in operator."""
        self.current_customer_id: str | None = None
        """The last customer opened: F4 goes back to them."""
        self._query_screen: QueryCustomersScreen | None = None
        self.key_line = KeyLine(self, holding=KEY_HOLDING_WORKERS, dropped=self._typed_ahead_dropped)
        """Keys in the order typed, each where the keys before it left the focus."""
        for theme in THEMES:
            self.register_theme(theme)
        # The theme is set before the first frame without its watcher: assigning `self.theme` here
        # queues a re-parse of every stylesheet (about 0.1 s of the cold start). Both themes are dark
        # like Textual's default, so only the theme class and the CSS variables change.
        self.set_reactive(App.theme, CALM.name)
        self.update_classes({f"-theme-{CALM.name}": True}, update=False)
        self.stylesheet.set_variables(self.get_css_variables())

    async def on_event(self, event: events.Event) -> None:
        """Keys typed while the workbench is busy wait in the key line (widgets/key_line.py)."""
        if self.key_line.take(event):
            return
        self.key_line.handling += 1
        try:
            await super().on_event(event)
        finally:
            self.key_line.handling -= 1

    def _typed_ahead_dropped(self, count: int) -> None:
        self.notify(
            _("{count} key(s) typed while it was working were not used: the screen they were for did not open.").format(
                count=count
            ),
            title=_("Typed ahead"),
            severity="warning",
        )

    def get_default_screen(self) -> Screen:
        """The sign-in screen is the bottom of the stack and stays there, under the signed-in screens.

        Pushing it over Textual's blank default screen drew that screen first and doubled the time to a
        cursor in the operator name (bench/README.md, cold start 2026-12-05); signing out pops back to
        it and clears it."""
        return SignInScreen()

    def on_mount(self) -> None:
        if self._open_services is not None:
            self.call_after_refresh(self._start_opening)
        elif self._services.value is not None:
            self.apply_preferences(self._services.value.settings)

    def apply_preferences(self, settings: Settings) -> None:
        """The operator's theme and keymap (config file, then CRM_* variables: crm-tui config show)."""
        if settings.theme != self.theme and settings.theme in self.available_themes:
            self.theme = settings.theme
        if settings.keymap:
            self.set_keymap(settings.keymap)

    # -- the database, opened while the operator signs in ------------------------------------------

    @property
    def services(self) -> Services:
        """Units of work and settings for every service call (only once opened: see `ready_services`)."""
        if self._services.value is None:
            raise RuntimeError("The services are not open yet.")
        return self._services.value

    @property
    def services_state(self) -> tuple[bool, BaseException | None]:
        """(open, failure): what the sign-in screen says about the database."""
        return self._services.value is not None, self._services.error

    def ready_services(self) -> Services:
        """The services, waiting (in a worker thread) for them to open; the opening failure if it failed."""
        services = self._services.wait(OPEN_TIMEOUT_S)
        if services is None:
            raise DatabaseUnavailable(_("The database is taking too long to open; try again, or ask an administrator."))
        return services

    def _start_opening(self) -> None:
        opener = self._open_services
        assert opener is not None

        def open_now() -> None:
            self._services.open(opener)
            self.call_from_thread(self._services_opened)

        self.run_worker(
            open_now, name="open-services", group="open-services", description=_("Open the database"), thread=True
        )

    def _services_opened(self) -> None:
        error = self._services.error
        if error is not None and not isinstance(error, CrmError):
            log_to(DEFAULT_LOG_PATH).error("Cannot open the database", exc_info=error)
        if self._services.value is not None:
            self.apply_preferences(self._services.value.settings)
        if isinstance(self.screen, SignInScreen):
            self.screen.show_database()

    # -- signing in and out ---------------------------------------------------------------------

    def signed_in(self, actor: Actor) -> None:
        """Called by the sign-in screen: open Query Customers, or the launch request's screen."""
        self.actor = actor
        i18n.use_locale(actor.language)  # the operator's language; none: CRM_LOCALE or the system's
        launch, self.launch = self.launch, None
        fill: dict[str, str] = {}
        if launch is not None and launch.screen not in (
            "customer",
            "deregister",
            "register",
            "resume",
            "suspend",
            "queues",
        ):
            fill = dict(launch.fields)
            if launch.screen != "query":
                self.notify(
                    _("The {screen} screen is not available yet; opening Query Customers.").format(
                        screen=launch.screen
                    ),
                    title=_("Not available yet"),
                )
        from crm_tui.screens.query_customers import QueryCustomersScreen
        from crm_tui.screens.registration import RegistrationScreen

        self._query_screen = QueryCustomersScreen(fill=fill)
        self.push_screen(self._query_screen)
        if launch is not None and launch.screen == "customer" and launch.customer_id:
            self.open_customer(launch.customer_id, key_kind=KeyKind.CUSTOMER_ID)
        if launch is not None and launch.screen == "deregister":
            self.open_deregistration(launch.fields.get("service_number") or launch.fields.get("service-number", ""))
        if launch is not None and launch.screen == "register":
            self.push_screen(RegistrationScreen(fill=launch.fields))
        if launch is not None and launch.screen == "queues":
            if self.check_action("queues", ()):
                self.action_queues()
            else:
                self.action_queues_refused()
        if launch is not None and launch.screen in ("resume", "suspend"):
            number = launch.fields.get("service_number") or launch.fields.get("service-number", "")
            (self.open_resume if launch.screen == "resume" else self.open_suspend)(number)

    def action_sign_out(self) -> None:
        """Sign out to the sign-in screen; on the sign-in screen, quit."""
        if self.actor is None:
            self.exit()
            return
        self.actor = None
        i18n.use_locale(None)
        self.current_customer_id = None
        self._query_screen = None
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if isinstance(self.screen, SignInScreen):
            self.screen.clear()
        self.notify(_("Signed out."))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.SIGNED_IN_ACTIONS and self.actor is None:
            return False
        if action == "queues" and self.actor is not None and self.actor.role == Role.CSR:
            return False
        if action == "queues_refused":
            return self.actor is not None and self.actor.role == Role.CSR
        if action == "current_customer" and self.current_customer_id is None:
            return None
        if action == "jump_identify":
            return slash_jumps(self)
        return True

    # -- navigation -------------------------------------------------------------------------------

    def action_query_customers(self) -> None:
        self.show_query_screen()

    def show_query_screen(self) -> QueryCustomersScreen:
        """Bring Query Customers to the top (it stays under any customer view)."""
        from crm_tui.screens.query_customers import QueryCustomersScreen

        if self._query_screen is None:
            self._query_screen = QueryCustomersScreen()
        while self.screen is not self._query_screen and len(self.screen_stack) > 2:
            self.pop_screen()
        if self.screen is not self._query_screen:
            self.switch_screen(self._query_screen)
        return self._query_screen

    def go_back(self) -> None:
        """Escape: from a customer view back to the results; Query Customers is the bottom."""
        if len(self.screen_stack) > 2:
            self.pop_screen()

    def action_current_customer(self) -> None:
        if self.current_customer_id is None:
            self.notify(_("No customer opened yet: identify one first."), title=_("No current customer"))
            return
        from crm_tui.screens.customer_view import CustomerViewScreen

        if isinstance(self.screen, CustomerViewScreen) and self.screen.customer_id == self.current_customer_id:
            return
        self.open_customer(self.current_customer_id, key_kind=None, record=False)

    def open_deregistration(self, service_number: str) -> None:
        """The Deregistration screen for a line, over the current screen (escape comes back)."""
        if not service_number.strip():
            self.notify(_("Say which line: a service number."), title=_("No line given"), severity="error")
            return
        from crm_tui.screens.deregistration import DeregistrationScreen

        self.push_screen(DeregistrationScreen(service_number.strip()))

    def open_resume(self, service_number: str) -> None:
        """The Resume screen for a suspended line, over the current screen (escape comes back)."""
        if not service_number.strip():
            self.notify(_("Say which line: a service number."), title=_("No line given"), severity="error")
            return
        from crm_tui.screens.resume import ResumeScreen

        self.push_screen(ResumeScreen(service_number.strip()))

    def open_add_line(self, customer_id: str) -> None:
        """The Add line screen for a customer, over the current screen (escape comes back)."""
        from crm_tui.screens.add_line import AddLineScreen

        self.push_screen(AddLineScreen(customer_id))

    def open_suspend(self, service_number: str) -> None:
        """The suspend modal for a line; when the order is done, that customer's view shows it."""
        if not service_number.strip():
            self.notify(_("Say which line: a service number."), title=_("No line given"), severity="error")
            return
        from crm_tui.screens.suspend import start_suspension

        start_suspension(self.screen, service_number.strip(), on_done=self._suspended)

    def _suspended(self, order) -> None:  # noqa: ANN001 - an OrderView
        if order.status == "reserved":
            self.notify(
                _("Order {order_id} waits for its day; the reserved-orders queue cancels it.").format(
                    order_id=order.order_id
                ),
                title=_("Suspension reserved"),
            )
        else:
            self.notify(
                _("Order {order_id} done: the line is suspended.").format(order_id=order.order_id),
                title=_("Line suspended"),
            )
        if order.customer_id:
            self.open_customer(order.customer_id, key_kind=None, record=False)

    def open_reestablish(self, **keys: str) -> None:
        """Re-establish a former customer: the archive search, filled with `keys` if given."""
        from crm_tui.screens.reestablish import ReestablishScreen

        self.push_screen(ReestablishScreen(fill=keys))

    def action_register(self) -> None:
        """F3: the Registration screen over the current one (escape comes back); one at a time."""
        from crm_tui.screens.registration import RegistrationScreen

        if not isinstance(self.screen, RegistrationScreen):
            self.push_screen(RegistrationScreen())

    def action_queues(self) -> None:
        """F5: the supervisor queues over the current screen (escape comes back); one at a time."""
        from crm_tui.screens.queues import QueuesScreen

        if not isinstance(self.screen, QueuesScreen):
            self.push_screen(QueuesScreen())

    def open_blacklist(self, proposal: dict[str, object] | None = None) -> None:
        """The blacklist (everyone reads it; supervisors change it), the add form prefilled with `proposal`."""
        from crm_tui.screens.blacklist import BlacklistScreen

        self.push_screen(BlacklistScreen(proposal=proposal))

    def open_receipts(self, customer_id: str) -> None:
        """A customer's receipts and refund vouchers: show one, reprint it, save it as a PDF."""
        from crm_tui.screens.receipts import ReceiptsScreen

        self.push_screen(ReceiptsScreen(customer_id))

    def action_queues_refused(self) -> None:
        """F5 for a CSR: nothing of the queues, only why."""
        self.notify(_("The queues are for supervisors."), title=_("Not allowed"))

    def action_focus_identify(self) -> None:
        """ctrl+f (and `/` where it jumps): the identify box of this screen, its text selected to type over."""
        box = identify_input(self.screen)
        if box is not None and not box.has_focus:
            box.focus()

    def action_jump_identify(self) -> None:
        self.action_focus_identify()

    def action_help(self) -> None:
        """F1: this screen's help; on the help, F1 closes it."""
        from crm_tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
            return
        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette's own entries: the workbench's help (not Textual's text-editing keys), the theme, quit."""
        yield SystemCommand(_("Keys and help"), _("F1 · this screen's keys and workflow"), self.action_help)
        yield SystemCommand(_("Theme"), _("Change the colours"), self.action_change_theme)
        yield SystemCommand(_("Quit"), _("Leave the workbench now (ctrl+q signs out first)"), self.action_quit)

    def use_theme(self, name: str) -> None:
        self.theme = name

    def switch_language(self, language: str) -> Worker[object] | None:
        """Speak `language` from now on (palette: "Idioma: español" / "Language: English"), kept on
        the operator for their next sign-in. The screen in front is redrawn in the new language unless
        it holds typed work, which stays as typed (its keys change at once; its words when reopened)."""
        from crm_tui.services.operators import set_language

        actor, services = self.actor, self.services
        if actor is None or services is None:
            return None

        def done(_view: object) -> None:
            self.actor = actor.model_copy(update={"language": language})
            i18n.use_locale(language)
            screen = self.screen
            keeps_work = getattr(screen, "unsaved_work", lambda: None)() is not None
            if not keeps_work:
                screen.refresh(recompose=True)
            screen.refresh_bindings()
            self.notify(
                i18n._("The workbench now speaks {language}.").format(language=i18n.language_name(language))
                if not keeps_work
                else i18n._("The workbench now speaks {language}; this form keeps its words until reopened.").format(
                    language=i18n.language_name(language)
                ),
                title=i18n._("Language"),
            )

        return run_service(
            self,
            lambda: set_language(language, uow=services.writer(), actor=actor),
            done,
            group="language",
            description=i18n._("Change language"),
        )

    def show_customer(self, detail: CustomerDetail) -> None:
        """Show a customer view: it replaces a customer view on top, else goes over Query Customers."""
        from crm_tui.screens.customer_view import CustomerViewScreen

        self.current_customer_id = detail.customer_id
        view = CustomerViewScreen(detail)
        if isinstance(self.screen, CustomerViewScreen):
            self.switch_screen(view)
        else:
            self.show_query_screen()
            self.push_screen(view)

    # -- service calls ----------------------------------------------------------------------------

    def open_customer(
        self, customer_id: str, *, key_kind: KeyKind | None, record: bool = True
    ) -> Worker[CustomerDetail]:
        """Load and show a customer; `record` captures the interaction (a customer identified)."""
        from crm_tui.screens.customer_lookup import load_customer

        actor, services = self.actor, self.services
        return run_service(
            self,
            lambda: load_customer(customer_id, services=services, actor=actor, key_kind=key_kind, record=record),
            self.show_customer,
            group="open-customer",
            description=_("Open customer"),
            busy=self._busy_area(),
        )

    def identify(self, key: str) -> Worker[Identified]:
        """The identify box: one match opens the customer at once, several list them, none says so."""
        from crm_tui.screens.customer_lookup import find_customer

        actor, services = self.actor, self.services
        return run_service(
            self,
            lambda: find_customer(key, services=services, actor=actor),
            self._identified,
            group="identify",
            description=_("Identify customer"),
            busy=self._busy_area(),
        )

    def _identified(self, found: Identified) -> None:
        from crm_tui.screens.customer_lookup import results_query

        box = getattr(self.screen, "identify_box", None)
        if not found.page.customers:
            self.key_line.failed()
            if box is not None:
                taken_as = KeyKind(found.page.key_kind).label if found.page.key_kind else KeyKind.NAME.label
                box.show_message(_("No customer matches. Looked for: {kind}.").format(kind=taken_as), error=True)
                box.input.focus()
            return
        if box is not None:
            box.input.value = ""
        if found.opened is not None:
            self.show_customer(found.opened)
            return
        query = results_query(found.key, region=self.services.settings.default_region)
        screen = self.show_query_screen()
        screen.call_after_refresh(screen.show_results, query, found.page)

    def _busy_area(self) -> DOMNode | None:
        try:
            return self.screen.query_one("#body")
        except Exception:  # noqa: BLE001 - a screen without a body (sign-in) shows no indicator
            return None

    # -- failures ---------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.key_line.worker_failed(event.worker)
            self.show_failure(event.worker.error, self)

    def show_failure(self, error: BaseException, node: DOMNode) -> None:
        """The one failure handler: business failures said plainly, field errors at the field,
        anything else logged with its traceback and never a crash."""
        services = self._services.value
        log_path = services.settings.log_path if services is not None else DEFAULT_LOG_PATH
        tell_failure(self, error, self.screen if node is self else node, log_path=log_path)


def run_workbench(open_services: Callable[[], Services], launch: LaunchRequest | None = None) -> None:
    """Run the workbench in this terminal until the operator quits; the database opens behind the sign-in screen."""
    CrmApp(launch=launch, open_services=open_services).run()

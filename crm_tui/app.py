"""The Textual workbench: sign-in, navigation between screens, the identify box and failure handling.

It gets its `Services` from the caller (the CLI or a test) and never opens storage itself: either
opened already, or as a function the app calls in a thread worker once the sign-in screen is up.

Start-up is kept light on purpose (issue 2: cold start within 1.5x a bare Textual app): this
module and the sign-in screen import Textual and nothing of storage; SQLAlchemy, the models, the
services and the other screens are imported by the worker that opens the database while the
operator types their name, or when a screen is first shown.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.theme import Theme
from textual.worker import Worker, WorkerState

from crm_tui.domain import KeyKind, Role
from crm_tui.errors import CrmError, DatabaseUnavailable
from crm_tui.paths import DEFAULT_LOG_PATH
from crm_tui.screens.commands import WorkbenchCommands
from crm_tui.screens.sign_in import SignInScreen
from crm_tui.widgets.workers import run_service

if TYPE_CHECKING:
    from crm_tui.screens.query_customers import QueryCustomersScreen
    from crm_tui.services.context import Services
    from crm_tui.services.shared.views import Actor, CustomerDetail, CustomerPage

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 120.0
"""How long a sign-in waits for the database to open before saying it cannot."""

LAUNCH_SCREENS = ("query", "customer", "register", "deregister", "suspend", "resume", "queues")

CALM = Theme(
    name="crm-calm",
    primary="#5B8DB8",
    secondary="#7FA7A0",
    accent="#E0B368",
    foreground="#DCE3EA",
    background="#1A222C",
    surface="#222C38",
    panel="#2B3846",
    success="#7FB77E",
    warning="#E0B368",
    error="#E06C75",
    dark=True,
)
"""The default: soft blue-grey that reads well all day on a shop terminal."""

HIGH_CONTRAST = Theme(
    name="crm-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    success="#00FF00",
    warning="#FFAA00",
    error="#FF3333",
    dark=True,
)
"""Black background, bright text and focus: for glare or weak eyesight."""


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


@dataclass(frozen=True)
class _Identified:
    """What the identify box found: exactly one customer opened, or a page of candidates."""

    key: str
    page: CustomerPage
    opened: CustomerDetail | None


class CrmApp(App[None]):
    """The shop-counter workbench over the services."""

    CSS_PATH = "crm.tcss"
    TITLE = "crm-tui"
    SUB_TITLE = "My workbench"
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    BINDINGS = [
        Binding("f2", "query_customers", "Query", id="query-customers"),
        Binding("f3", "register", "Register", id="register"),
        Binding("f4", "current_customer", "Customer", id="current-customer"),
        Binding("f5", "queues", "Queues", id="queues"),
        Binding("f5", "queues_refused", show=False, id="queues-refused"),
        Binding("slash", "focus_identify", "Identify", id="identify"),
        Binding("ctrl+f", "focus_identify", "Identify", show=False, id="identify-alt"),
        Binding("ctrl+q", "sign_out", "Sign out", id="sign-out"),
    ]
    SIGNED_IN_ACTIONS = frozenset({"query_customers", "register", "current_customer", "queues", "focus_identify"})

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
            raise ValueError("Give the services or a way to open them, not both.")
        self._services = services
        self._open_services = open_services
        self._services_ready = threading.Event()
        self._services_error: BaseException | None = None
        if services is not None:
            self._services_ready.set()
        self.launch = launch
        """Where to go after sign-in; used once."""
        self.clock: Callable[[], datetime] = clock or _now
        """Now, for the header (frozen in snapshot tests)."""
        self.actor: Actor | None = None
        """The signed-in operator."""
        self.current_customer_id: str | None = None
        """The last customer opened: F4 goes back to them."""
        self._query_screen: QueryCustomersScreen | None = None
        for theme in (CALM, HIGH_CONTRAST):
            self.register_theme(theme)
        # The theme is set before the first frame without its watcher: assigning `self.theme` here
        # queues a re-parse of every stylesheet (about 0.1 s of the cold start). Both themes are dark
        # like Textual's default, so only the theme class and the CSS variables change.
        self.set_reactive(App.theme, CALM.name)
        self.update_classes({f"-theme-{CALM.name}": True}, update=False)
        self.stylesheet.set_variables(self.get_css_variables())

    def on_mount(self) -> None:
        self.push_screen(SignInScreen())
        if self._open_services is not None:
            self.call_after_refresh(self._start_opening)

    # -- the database, opened while the operator signs in ------------------------------------------

    @property
    def services(self) -> Services:
        """Units of work and settings for every service call (only once opened: see `ready_services`)."""
        if self._services is None:
            raise RuntimeError("The services are not open yet.")
        return self._services

    @property
    def services_state(self) -> tuple[bool, BaseException | None]:
        """(open, failure): what the sign-in screen says about the database."""
        return self._services is not None, self._services_error

    def ready_services(self) -> Services:
        """The services, waiting (in a worker thread) for them to open; the opening failure if it failed."""
        if not self._services_ready.wait(OPEN_TIMEOUT_S):
            raise DatabaseUnavailable("The database is taking too long to open; try again, or ask an administrator.")
        if self._services_error is not None:
            raise self._services_error
        return self.services

    def _start_opening(self) -> None:
        opener = self._open_services
        assert opener is not None

        def open_now() -> None:
            try:
                self._services = opener()
            except BaseException as error:  # noqa: BLE001 - said on the sign-in screen, and by any sign-in
                self._services_error = error
            finally:
                self._services_ready.set()
            self.call_from_thread(self._services_opened)

        self.run_worker(
            open_now, name="open-services", group="open-services", description="Open the database", thread=True
        )

    def _services_opened(self) -> None:
        if self._services_error is not None and not isinstance(self._services_error, CrmError):
            _log_to(DEFAULT_LOG_PATH).error("Cannot open the database", exc_info=self._services_error)
        if isinstance(self.screen, SignInScreen):
            self.screen.show_database()

    # -- signing in and out ---------------------------------------------------------------------

    def signed_in(self, actor: Actor) -> None:
        """Called by the sign-in screen: open Query Customers, or the launch request's screen."""
        self.actor = actor
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
                    f"The {launch.screen} screen is not available yet; opening Query Customers.",
                    title="Not available yet",
                )
        from crm_tui.screens.query_customers import QueryCustomersScreen
        from crm_tui.screens.registration import RegistrationScreen

        self._query_screen = QueryCustomersScreen(fill=fill)
        self.switch_screen(self._query_screen)
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
        self.current_customer_id = None
        self._query_screen = None
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(SignInScreen())
        self.notify("Signed out.")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.SIGNED_IN_ACTIONS and self.actor is None:
            return False
        if action == "queues" and self.actor is not None and self.actor.role == Role.CSR:
            return False
        if action == "queues_refused":
            return self.actor is not None and self.actor.role == Role.CSR
        if action == "current_customer" and self.current_customer_id is None:
            return None
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
            self.notify("No customer opened yet: identify one first.", title="No current customer")
            return
        from crm_tui.screens.customer_view import CustomerViewScreen

        if isinstance(self.screen, CustomerViewScreen) and self.screen.customer_id == self.current_customer_id:
            return
        self.open_customer(self.current_customer_id, key_kind=None, record=False)

    def open_deregistration(self, service_number: str) -> None:
        """The Deregistration screen for a line, over the current screen (escape comes back)."""
        if not service_number.strip():
            self.notify("Say which line: a service number.", title="No line given", severity="error")
            return
        from crm_tui.screens.deregistration import DeregistrationScreen

        self.push_screen(DeregistrationScreen(service_number.strip()))

    def open_resume(self, service_number: str) -> None:
        """The Resume screen for a suspended line, over the current screen (escape comes back)."""
        if not service_number.strip():
            self.notify("Say which line: a service number.", title="No line given", severity="error")
            return
        from crm_tui.screens.resume import ResumeScreen

        self.push_screen(ResumeScreen(service_number.strip()))

    def open_suspend(self, service_number: str) -> None:
        """The suspend modal for a line; when the order is done, that customer's view shows it."""
        if not service_number.strip():
            self.notify("Say which line: a service number.", title="No line given", severity="error")
            return
        from crm_tui.screens.suspend import start_suspension

        start_suspension(self.screen, service_number.strip(), on_done=self._suspended)

    def _suspended(self, order) -> None:  # noqa: ANN001 - an OrderView
        self.notify(f"Order {order.order_id} done: the line is suspended.", title="Line suspended")
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

    def action_queues_refused(self) -> None:
        """F5 for a CSR: nothing of the queues, only why."""
        self.notify("The queues are for supervisors.", title="Not allowed")

    def action_focus_identify(self) -> None:
        box = getattr(self.screen, "identify_box", None)
        if box is not None:
            box.input.focus()

    def use_theme(self, name: str) -> None:
        self.theme = name

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
        from crm_tui.services.customers.profile import (
            get_customer,
            open_customer,
        )

        actor = self.actor
        services = self.services

        def load() -> CustomerDetail:
            if record:
                return open_customer(customer_id, uow=services.writer(), actor=actor, key_kind=key_kind)
            return get_customer(customer_id, uow=services.reader(), actor=actor)

        return run_service(
            self, load, self.show_customer, group="open-customer", description="Open customer", busy=self._busy_area()
        )

    def identify(self, key: str) -> Worker[_Identified]:
        """The identify box: one match opens the customer at once, several list them, none says so."""
        from crm_tui.services.customers import identify
        from crm_tui.services.customers.profile import (
            open_customer,
        )

        actor = self.actor
        services = self.services
        settings = services.settings

        def find() -> _Identified:
            page = identify.identify_customer(
                key, uow=services.reader(), actor=actor, region=settings.default_region, page_size=settings.page_size
            )
            opened = None
            if page.total == 1 and page.customers:
                kind = KeyKind(page.key_kind) if page.key_kind else None
                opened = open_customer(page.customers[0].customer_id, uow=services.writer(), actor=actor, key_kind=kind)
            return _Identified(key=key, page=page, opened=opened)

        return run_service(
            self, find, self._identified, group="identify", description="Identify customer", busy=self._busy_area()
        )

    def _identified(self, found: _Identified) -> None:
        from crm_tui.services.customers import identify

        box = getattr(self.screen, "identify_box", None)
        if not found.page.customers:
            if box is not None:
                taken_as = KeyKind(found.page.key_kind).label if found.page.key_kind else KeyKind.NAME.label
                box.show_message(f"No customer matches. Looked for: {taken_as}.", error=True)
                box.input.focus()
            return
        if box is not None:
            box.input.value = ""
        if found.opened is not None:
            self.show_customer(found.opened)
            return
        query = identify.recognise_key(found.key, region=self.services.settings.default_region).query
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
            self.show_failure(event.worker.error, self)

    def show_failure(self, error: BaseException, node: DOMNode) -> None:
        """The one failure handler: business failures said plainly, field errors at the field,
        anything else logged with its traceback and never a crash."""
        target = self.screen if node is self else node
        if isinstance(error, CrmError):
            if error.fields:
                show_field_errors = getattr(target, "show_field_errors", None)
                if show_field_errors is not None:
                    show_field_errors(error.fields)
            show_error = getattr(target, "show_error", None)
            if show_error is not None and show_error(error):
                return
            self.notify(error.message, title=error.title, severity="error")
            return
        log_path = self._services.settings.log_path if self._services is not None else DEFAULT_LOG_PATH
        _log_to(log_path).error("Unexpected failure in the workbench", exc_info=error)
        self.notify(
            f"Unexpected failure, see the log at {log_path}", title="Unexpected failure", severity="error", timeout=15
        )


def _log_to(path) -> logging.Logger:  # noqa: ANN001
    """The workbench logger, writing to `path` (a file handler added once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not any(isinstance(h, logging.FileHandler) and h.baseFilename == str(path.resolve()) for h in log.handlers):
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return log


def run_workbench(open_services: Callable[[], Services], launch: LaunchRequest | None = None) -> None:
    """Run the workbench in this terminal until the operator quits; the database opens behind the sign-in screen."""
    CrmApp(launch=launch, open_services=open_services).run()

"""The command palette (ctrl+p): every screen and action by name, and "Open customer <any key>"."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content


class WorkbenchCommands(Provider):
    """Lists the workbench's screens and actions; any typed text can be tried as a customer key."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        if getattr(app, "actor", None) is None:
            return []
        commands: list[tuple[str, Callable[[], object], str]] = [
            ("Query Customers", app.action_query_customers, "F2 · search customers field by field"),
            ("Current customer", app.action_current_customer, "F4 · the customer view of the last customer opened"),
            ("Register customer", app.action_register, "F3 · establish a new customer identity"),
            ("Identify a customer", app.action_focus_identify, "/ · type any key the customer hands over"),
            ("High-contrast theme", partial(app.use_theme, "crm-high-contrast"), "Black background, bright text"),
            ("Calm theme", partial(app.use_theme, "crm-calm"), "The default workbench colours"),
            ("Sign out", app.action_sign_out, "ctrl+q · back to the sign-in screen"),
        ]
        if app.actor.role != "csr":
            commands.insert(3, ("Queues", app.action_queues, "F5 · supervisor work queues"))
        screen = app.screen
        if hasattr(screen, "action_deregister") and hasattr(screen, "action_terminate"):
            commands.insert(
                2,
                (
                    "Deregister the selected line",
                    screen.action_deregister,
                    "d · the Deregistration screen for the line under the cursor",
                ),
            )
            commands.insert(
                3,
                (
                    "Terminate customer",
                    screen.action_terminate,
                    "t · end the whole relationship, not just the services",
                ),
            )
        if hasattr(screen, "action_scan") and hasattr(screen, "action_claim"):
            commands.insert(
                2,
                (
                    "Scan for duplicates",
                    screen.action_scan,
                    "ctrl+d · find possible duplicates among all customers and queue the new pairs",
                ),
            )
        if hasattr(screen, "action_suspend") and hasattr(screen, "action_resume"):
            commands.insert(
                2,
                (
                    "Suspend the selected line",
                    screen.action_suspend,
                    "s · bar the line for a reason; the customer keeps the number",
                ),
            )
            commands.insert(
                3,
                (
                    "Resume the selected line",
                    screen.action_resume,
                    "r · the Resume screen: now or on a date, fee and debt",
                ),
            )
        commands.insert(
            3,
            (
                "Re-establish a former customer",
                app.open_reestablish,
                "find a terminated customer in the archive and bring them back",
            ),
        )
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
        key = query.strip()
        if key and getattr(self.app, "actor", None) is not None:
            yield Hit(
                0.5,
                Content(f"Open customer {key}"),
                partial(self.app.identify, key),
                help="Identify by any key: customer ID, phone, IMSI, ICCID, document, email or name",
            )
            if key.lstrip("+").replace(" ", "").isdigit():
                yield Hit(
                    0.4,
                    Content(f"Deregister line {key}"),
                    partial(self.app.open_deregistration, key),
                    help="The Deregistration screen for this service number",
                )

"""The command palette (ctrl+p): the workbench's screens and actions by name with their keys, the keys of
the screen it was opened on (read from its bindings, as the help does), and "Open customer <any key>"."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode

from crm_tui.i18n import LANGUAGES, _, current_language, language_name
from crm_tui.screens.help import own_binding_ids

Command = tuple[str, Callable[[], object], str]
"""(name, what runs, the help line: its key first)."""


class WorkbenchCommands(Provider):
    """Lists the workbench's screens and actions; any typed text can be tried as a customer key."""

    def _commands(self) -> list[Command]:
        app = self.app
        if getattr(app, "actor", None) is None:
            return []
        commands: list[Command] = [
            (_("Query Customers"), app.action_query_customers, _("F2 · search customers field by field")),
            (
                _("Current customer"),
                app.action_current_customer,
                _("F4 · the customer view of the last customer opened"),
            ),
            (_("Register customer"), app.action_register, _("F3 · establish a new customer identity")),
            (
                _("Re-establish a former customer"),
                app.open_reestablish,
                _("find a terminated customer in the archive and bring them back"),
            ),
            (
                _("Blacklist"),
                app.open_blacklist,
                _("the blacklist entries: supervisors add (a) and lift (l), everyone reads"),
            ),
            (
                _("Identify a customer"),
                app.action_focus_identify,
                _("/ or ctrl+f · type any key the customer hands over"),
            ),
            (_("Help: this screen's keys"), app.action_help, _("F1 (or ? outside a text field) · keys and workflow")),
            (
                _("High-contrast theme"),
                partial(app.use_theme, "crm-high-contrast"),
                _("Black background, bright text"),
            ),
            (_("Calm theme"), partial(app.use_theme, "crm-calm"), _("The default workbench colours")),
            (_("Sign out"), app.action_sign_out, _("ctrl+q · back to the sign-in screen")),
        ]
        for language in LANGUAGES:
            if language != current_language():
                name = language_name(language)
                commands.append(
                    (
                        f"{_('Language')}: {name}",
                        partial(app.switch_language, language),
                        _("the workbench's words and formats in {language}, kept for your next sign-in").format(
                            language=name
                        ),
                    )
                )
        if app.actor.role != "csr":
            commands.insert(4, (_("Queues"), app.action_queues, _("F5 · supervisor work queues")))
        return [*self._screen_commands(), *commands]

    def _screen_commands(self) -> list[Command]:
        """The keys of the screen the palette was opened on: "Deregister (d)", run as the key would."""
        screen = self.screen
        commands: list[Command] = []
        seen: set[str] = set()
        for node in (screen, *screen.walk_children()):
            ids = own_binding_ids(node)
            for bindings in node._bindings.key_to_bindings.values():
                for binding in bindings:
                    if binding.id not in ids or binding.id in seen or not _allowed(node, binding):
                        continue
                    seen.add(binding.id)
                    key = self.app.get_key_display(binding)
                    run = partial(self.app.run_action, binding.action, node)
                    words = f"{key} · {_(binding.tooltip)}" if binding.tooltip else key
                    commands.append((f"{_(binding.description)} ({key})", run, words))
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
                Content(_("Open customer {key}").format(key=key)),
                partial(self.app.identify, key),
                help=_("Identify by any key: customer ID, phone, IMSI, ICCID, document, email or name"),
            )
            if key.lstrip("+").replace(" ", "").isdigit():
                yield Hit(
                    0.4,
                    Content(_("Deregister line {key}").format(key=key)),
                    partial(self.app.open_deregistration, key),
                    help=_("The Deregistration screen for this service number"),
                )


def _allowed(node: DOMNode, binding: Binding) -> bool:
    """Would the key do something now (its node's `check_action` does not refuse it)?"""
    action, _paren, _params = binding.action.partition("(")
    target = node
    if action.startswith("screen."):
        target, action = node.screen, action.removeprefix("screen.")
    return bool(target.check_action(action, ()))

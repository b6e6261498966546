"""The workbench's own keys, on every screen: the app's bindings (each with an id a keymap can remap, a
description and a tooltip, which the footer, the help and the palette show), the actions that need a
signed-in operator, and the service calls that keys typed meanwhile wait for (`key_line.py`)."""

from __future__ import annotations

from textual.binding import Binding

APP_BINDINGS = [
    Binding("f1", "help", "Help", priority=True, tooltip="this screen's keys and workflow", id="help"),
    Binding("question_mark", "help", "Help", show=False, tooltip="outside a text field", id="help-alt"),
    Binding("f2", "query_customers", "Query", tooltip="search customers field by field", id="query-customers"),
    Binding("f3", "register", "Register", tooltip="establish a new customer identity", id="register"),
    Binding("f4", "current_customer", "Customer", tooltip="the last customer opened", id="current-customer"),
    Binding("f5", "queues", "Queues", tooltip="supervisor work queues", id="queues"),
    Binding("f5", "queues_refused", "Queues", show=False, tooltip="for supervisors", id="queues-refused"),
    Binding(
        "slash",
        "jump_identify",
        "Identify",
        priority=True,
        tooltip="jump to the identify box (typed as a character in free-text fields)",
        id="identify",
    ),
    Binding(
        "ctrl+f",
        "focus_identify",
        "Identify",
        show=False,
        priority=True,
        tooltip="jump to the identify box from anywhere, free-text fields too",
        id="identify-alt",
    ),
    Binding("ctrl+q", "sign_out", "Sign out", tooltip="on the sign-in screen: quit", id="sign-out"),
]
"""F1 and `?` help, F2-F5 the screens, `/` and ctrl+f the identify box, ctrl+q sign out. Priority keys
(F1, `/`, ctrl+f) act before the focused field sees them; `/` only where `slash_jumps` says so."""

SIGNED_IN_ACTIONS = frozenset(
    {"query_customers", "register", "current_customer", "queues", "focus_identify", "jump_identify"}
)
"""Actions refused (and hidden from the footer) until an operator has signed in."""

KEY_HOLDING_WORKERS = (
    "sign-in",
    "identify",
    "open-customer",
    "queue-open",
    "search",
    "check",
    "register",
    "merge-preview",
    "deregistration-quote",
    "resume-quote",
    "archive-find",
    "profile-edit-open",
)
"""Service calls that end by opening a screen or moving the focus: keys typed meanwhile wait for them
(widgets/key_line.py), so they land where that screen puts the focus."""

"""The workbench's own keys, on every screen: the app's bindings (each with an id a keymap can remap, a
description and a tooltip, which the footer, the help and the palette show), the actions that need a
signed-in operator, and the service calls that keys typed meanwhile wait for (`key_line.py`)."""

from __future__ import annotations

from textual.binding import Binding

from crm_tui.i18n import N_

APP_BINDINGS = [
    Binding("f1", "help", N_("Help"), priority=True, tooltip=N_("this screen's keys and workflow"), id="help"),
    Binding("question_mark", "help", N_("Help"), show=False, tooltip=N_("outside a text field"), id="help-alt"),
    Binding("f2", "query_customers", N_("Query"), tooltip=N_("search customers field by field"), id="query-customers"),
    Binding("f3", "register", N_("Register"), tooltip=N_("establish a new customer identity"), id="register"),
    Binding("f4", "current_customer", N_("Customer"), tooltip=N_("the last customer opened"), id="current-customer"),
    Binding("f5", "queues", N_("Queues"), tooltip=N_("supervisor work queues"), id="queues"),
    Binding("f5", "queues_refused", N_("Queues"), show=False, tooltip=N_("for supervisors"), id="queues-refused"),
    Binding(
        "slash",
        "jump_identify",
        N_("Identify"),
        priority=True,
        tooltip=N_("jump to the identify box (typed as a character in free-text fields)"),
        id="identify",
    ),
    Binding(
        "ctrl+f",
        "focus_identify",
        N_("Identify"),
        show=False,
        priority=True,
        tooltip=N_("jump to the identify box from anywhere, free-text fields too"),
        id="identify-alt",
    ),
    Binding("ctrl+q", "sign_out", N_("Sign out"), tooltip=N_("on the sign-in screen: quit"), id="sign-out"),
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

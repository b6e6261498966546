"""Suspend a line (BP.CC.SUBMGT.07): the reason in words, a note and an optional effective date in a
small modal, then the suspension order (billing state, network barring) runs on the order engine, or
waits for its day (reserved: `orders run-due` runs it, the reserved-orders queue cancels it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar
from zoneinfo import ZoneInfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioSet, Static

from crm_tui import present
from crm_tui.domain import Role, SuspensionReason
from crm_tui.i18n import N_, _
from crm_tui.present import phone
from crm_tui.screens.base import ServiceScreen
from crm_tui.screens.line_order import run_order
from crm_tui.services.lifecycle.suspension import suspend_subscriber
from crm_tui.services.orders.engine import OrderView
from crm_tui.widgets.form_field import FormField, show_field_errors
from crm_tui.widgets.text_input import TextInput

SUPERVISOR_ONLY = (SuspensionReason.FRAUD, SuspensionReason.ADMIN)
"""Reasons only a supervisor or admin may suspend for: a CSR is not offered them."""


def reasons_for(role: str) -> tuple[SuspensionReason, ...]:
    """What this operator may suspend for, in the order the modal lists them."""
    supervisor = role in (Role.SUPERVISOR, Role.ADMIN)
    return tuple(r for r in SuspensionReason if supervisor or r not in SUPERVISOR_ONLY)


@dataclass(frozen=True)
class SuspensionChoice:
    """What the CSR chose in the modal."""

    reason: str
    note: str
    effective_date: str = ""
    """YYYY-MM-DD (shop time) to reserve the suspension for that day; empty: now. Typed the
    operator's way (31/12/2026 in Spanish) or as ISO; handed to the service as ISO."""


class SuspendModal(ModalScreen[SuspensionChoice | None]):
    """Reason (customer request, lost or stolen SIM, travel, debt; fraud and admin for supervisors) and a note."""

    DEFAULT_CSS = """
    SuspendModal { align: center middle; background: $background 60%; }
    SuspendModal > #suspend-box {
        width: 84; max-width: 100%; height: auto; max-height: 100%; overflow-y: auto;
        padding: 0 2; border: thick $warning; background: $surface;
    }
    SuspendModal #suspend-title { text-style: bold; color: $accent; padding: 1 0; }
    SuspendModal #suspend-effects { color: $text-muted; padding-bottom: 1; }
    SuspendModal RadioSet { width: 100%; }
    SuspendModal #suspend-buttons { height: 1; align-horizontal: right; margin-bottom: 1; }
    SuspendModal #suspend-buttons > Button { margin-left: 2; }
    """
    """Compact radio set and buttons, the box no wider or taller than the terminal: the whole form,
    with a message at a field, fits 80x24 for every role (the six reasons of a supervisor too)."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "suspend", N_("Suspend"), tooltip=N_("run the suspension order"), id="suspend-confirm"),
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("nothing is done"), id="suspend-cancel"),
    ]
    AUTO_FOCUS = "#suspension-reason"

    def __init__(self, service_number: str, *, role: str, today: date | None = None) -> None:
        super().__init__()
        self.today = today
        """The shop's day (an effective date must come after it); None: not checked here."""
        self.service_number = service_number
        """The line to suspend (stored E.164 digits, or as typed)."""
        self.reasons = reasons_for(role)
        """The reasons this operator is offered."""

    def compose(self) -> ComposeResult:
        number = phone(self.service_number) if self.service_number.isdigit() else self.service_number
        with Vertical(id="suspend-box"):
            yield Static(_("Suspend {number}").format(number=number), id="suspend-title", markup=False)
            yield FormField(
                _("Reason"),
                RadioSet(*(r.label for r in self.reasons), id="suspension-reason", compact=True),
                name="reason",
            )
            yield FormField(
                _("Note (optional)"),
                TextInput(id="suspension-note", max_length=300, placeholder=_("e.g. travelling until June")),
                name="note",
            )
            yield FormField(
                _("Effective date (optional: reserve for that day)"),
                TextInput(
                    id="suspension-date",
                    max_length=10,
                    placeholder=_("{example}; empty suspends now").format(example=present.day_example()),
                ),
                name="effective_date",
            )
            yield Static(
                _(
                    "Billing stops the line and the network bars it; the customer keeps the number. Enter or ctrl+s suspends; with a date, `orders run-due` does it that day and the reserved-orders queue cancels it."
                ),
                id="suspend-effects",
            )
            with Horizontal(id="suspend-buttons"):
                yield Button(_("Suspend (ctrl+s)"), id="suspend", variant="warning", compact=True)
                yield Button(_("Cancel (esc)"), id="cancel", compact=True)

    @on(RadioSet.Changed)
    def _next(self) -> None:
        self.query_one("#suspension-note", Input).focus()

    @on(Input.Submitted, "#suspension-note, #suspension-date")
    @on(Button.Pressed, "#suspend")
    def action_suspend(self) -> None:
        index = self.query_one("#suspension-reason", RadioSet).pressed_index
        if index < 0:
            show_field_errors(self, {"reason": _("Choose the reason.")})
            return
        effective = self.query_one("#suspension-date", Input).value.strip()
        problem = date_problem(effective, today=self.today)
        if problem:
            show_field_errors(self, {"effective_date": problem})
            return
        effective = present.iso_day(effective)  # checked above: a day, or empty
        self.dismiss(
            SuspensionChoice(
                reason=self.reasons[index].value,
                note=self.query_one("#suspension-note", Input).value.strip(),
                effective_date=effective,
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def date_problem(value: str, *, today: date | None) -> str | None:
    """What is wrong with an effective date typed in the modal (None: fine, or empty)."""
    if not value:
        return None
    try:
        day = present.parse_day(value)
    except ValueError:
        return _("A date like {example} or 2030-03-01.").format(example=present.day_example())
    if today is not None and day <= today:
        return _("A day after today (empty suspends now).")
    return None


def start_suspension(
    screen: ServiceScreen,
    service_number: str,
    *,
    on_done: Callable[[OrderView], None],
    on_progress: Callable[[OrderView], None] | None = None,
) -> None:
    """The modal, then the suspension order in a worker; `on_progress` sees each step as it finishes
    (the customer view's open orders advance live), `on_done` gets the finished order."""
    app = screen.workbench
    services, actor = app.services, app.actor

    def chosen(choice: SuspensionChoice | None) -> None:
        if choice is None:
            return

        def suspend(progress: Callable[[OrderView], None]) -> OrderView:
            return suspend_subscriber(
                service_number,
                services=services,
                actor=actor,
                reason=choice.reason,
                note=choice.note,
                effective_date=choice.effective_date or None,
                on_progress=progress,
            )

        run_order(
            screen,
            suspend,
            on_done,
            on_progress=on_progress,
            group="suspend-line",
            description="Suspend the line",  # i18n: not for people
        )

    today = app.clock().astimezone(ZoneInfo(services.settings.timezone)).date()
    app.push_screen(SuspendModal(service_number, role=actor.role, today=today), chosen)

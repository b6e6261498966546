"""Terminate the whole customer relationship (eTOM 1.3.4.4), not just the services: the reason and
archive consent in a small modal, what will happen in a confirmation, then the order runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, RadioSet, Static

from crm_tui.domain import SubscriberStatus, TerminationReason
from crm_tui.i18n import N_, _, ngettext
from crm_tui.present import phone
from crm_tui.screens.base import ServiceScreen
from crm_tui.screens.confirm import ConfirmModal
from crm_tui.screens.line_order import run_order
from crm_tui.services.lifecycle.termination import TerminationResult, terminate_customer
from crm_tui.services.orders.engine import OrderView
from crm_tui.services.shared.views import CustomerDetail
from crm_tui.widgets.form_field import FormField, show_field_errors

REASONS = tuple(TerminationReason)
CONSENT = (("yes", N_("Yes, archive the profile")), ("no", N_("No, keep only what the law requires")))
"""(value, label translated where shown) of the archive-consent choices."""
LIVE = (SubscriberStatus.ACTIVE, SubscriberStatus.SUSPENDED)
NUMBER_MODE, SIM_MODE = "freeze", "abandon"
"""Terminating a relationship freezes the numbers and abandons the SIMs (the service defaults)."""


@dataclass(frozen=True)
class TerminationChoice:
    """What the CSR chose in the modal."""

    reason: str
    archive_consent: bool


class TerminateModal(ModalScreen[TerminationChoice | None]):
    """Reason (customer request, ceased to exist, fraud, business decision) and archive consent."""

    DEFAULT_CSS = """
    TerminateModal { align: center middle; background: $background 60%; }
    TerminateModal > #terminate-box { width: 84; height: auto; padding: 1 2; border: thick $error; background: $surface; }
    TerminateModal #terminate-title { text-style: bold; color: $accent; padding-bottom: 1; }
    TerminateModal RadioSet { width: 100%; margin-bottom: 1; }
    TerminateModal #terminate-buttons { height: 3; align-horizontal: right; }
    TerminateModal #terminate-buttons > Button { margin-left: 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "terminate", N_("Continue"), tooltip=N_("to the confirmation"), id="terminate-continue"),
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("nothing is done"), id="terminate-cancel"),
    ]
    AUTO_FOCUS = "#termination-reason"

    def __init__(self, detail: CustomerDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        lines = [s for s in self.detail.subscribers if s.status in LIVE]
        with Vertical(id="terminate-box"):
            yield Static(
                _("Terminate the relationship with {name} ({customer_id}): {count} live line(s)").format(
                    name=self.detail.name, customer_id=self.detail.customer_id, count=len(lines)
                ),
                id="terminate-title",
                markup=False,
            )
            yield FormField(_("Reason"), RadioSet(*(r.label for r in REASONS), id="termination-reason"), name="reason")
            yield FormField(
                _("Does the customer consent to archiving the profile and preferences?"),
                RadioSet(*(_(label) for _value, label in CONSENT), id="archive-consent"),
                name="archive_consent",
            )
            with Horizontal(id="terminate-buttons"):
                yield Button(_("Continue (ctrl+s)"), id="terminate", variant="error")
                yield Button(_("Cancel (esc)"), id="cancel")

    @on(RadioSet.Changed)
    def _next(self, event: RadioSet.Changed) -> None:
        self.focus_next()

    @on(Button.Pressed, "#terminate")
    def action_terminate(self) -> None:
        reason = self.query_one("#termination-reason", RadioSet).pressed_index
        consent = self.query_one("#archive-consent", RadioSet).pressed_index
        errors = {}
        if reason < 0:
            errors["reason"] = _("Choose the reason.")
        if consent < 0:
            errors["archive_consent"] = _("Ask the customer: yes or no.")
        if errors:
            show_field_errors(self, errors)
            return
        self.dismiss(TerminationChoice(reason=REASONS[reason].value, archive_consent=CONSENT[consent][0] == "yes"))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def termination_effects(detail: CustomerDetail, choice: TerminationChoice, *, freeze_days: int) -> list[str]:
    """Exactly what terminating will do, for the confirmation."""
    lines = [s for s in detail.subscribers if s.status in LIVE]
    numbers = ", ".join(phone(s.service_number) for s in lines) or _("none")
    return [
        _("End the relationship with {name} ({reason})").format(
            name=detail.name, reason=TerminationReason(choice.reason).label
        ),
        _("Deactivate every live line in one order: {numbers}").format(numbers=numbers),
        ngettext(
            "Numbers frozen for {days} day, then back to the pool; SIMs abandoned",
            "Numbers frozen for {days} days, then back to the pool; SIMs abandoned",
            freeze_days,
        ).format(days=freeze_days),
        _("Profile and preferences archived (the customer consents)")
        if choice.archive_consent
        else _("No consent: only what the retention policy requires is archived"),
        _("Contacts, addresses and social links removed; billing, network and partners told"),
        _("The customer becomes terminated; this cannot be undone here"),
    ]


def start_termination(
    screen: ServiceScreen,
    detail: CustomerDetail,
    *,
    on_progress: Callable[[OrderView], None],
    on_done: Callable[[TerminationResult], None],
) -> None:
    """The modal, then the confirmation, then the order in a worker (steps reported live to `on_progress`)."""
    app = screen.workbench
    services = app.services

    def run(choice: TerminationChoice) -> None:
        actor = app.actor

        def terminate(progress: Callable[[OrderView], None]) -> TerminationResult:
            return terminate_customer(
                detail.customer_id,
                services=services,
                actor=actor,
                reason=choice.reason,
                archive_consent=choice.archive_consent,
                number_mode=NUMBER_MODE,
                sim_mode=SIM_MODE,
                on_progress=progress,
            )

        run_order(
            screen,
            terminate,
            on_done,
            on_progress=on_progress,
            group="terminate-customer",
            description="Terminate the customer relationship",  # i18n: not for people
        )

    def chosen(choice: TerminationChoice | None) -> None:
        if choice is None:
            return
        effects = termination_effects(detail, choice, freeze_days=services.settings.number_freeze_days)
        app.push_screen(
            ConfirmModal(_("Terminate {name}?").format(name=detail.name), effects, confirm_label=_("Terminate")),
            lambda confirmed: run(choice) if confirmed else None,
        )

    app.push_screen(TerminateModal(detail), chosen)

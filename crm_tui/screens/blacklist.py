"""BLACKLIST (issue 13): the entries as a keyboard-driven list, like a queue. Everyone signed in sees
them (CSRs with certificate numbers masked); supervisors add (`a`, a form) and lift (`l`, a reason).
Lifting keeps the entry as history; `h` shows lifted and expired entries too, `/` filters.

Opened from the palette ("Blacklist"), and after a fraud termination with the entry prefilled."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Static

from crm_tui import present
from crm_tui.domain import BlacklistSeverity, CertType
from crm_tui.i18n import N_, _, ngettext
from crm_tui.present import NOTHING, day, local_time, text, words
from crm_tui.screens.base import ServiceScreen, WorkbenchScreen
from crm_tui.services.identity.blacklist import (
    BlacklistEntryView,
    add_blacklist_entry,
    lift_blacklist_entry,
    list_blacklist,
)
from crm_tui.widgets.form_field import FREE_TEXT, FormField
from crm_tui.widgets.tables import WorkbenchTable
from crm_tui.widgets.text_input import TextInput

COLUMNS = (
    (N_("Entry"), 5),
    (N_("State"), 7),
    (N_("Severity"), 8),
    (N_("Who"), 30),
    (N_("Reason"), 28),
    (N_("Expires"), 16),
    (N_("Added"), 10),
)
"""(header translated where shown, width); the English header is the column's key."""
FIELDS = (
    ("cert_type", N_("Certificate type"), ", ".join(CertType)),
    ("cert_number", N_("Certificate number"), N_("or leave the certificate empty and give name and birthday")),
    ("cert_country", N_("Issuing country"), "ES"),
    ("name", N_("Name (without a certificate)"), "Ana Ruiz Gil"),
    ("birthday", N_("Birthday (with the name)"), present.day_example),
    ("severity", N_("Severity: ban or warn"), "ban"),
    ("reason", N_("Reason"), N_("why: shown to whoever meets the entry")),
    ("expires_on", N_("Expires (last day; empty: never)"), present.day_example),
)
"""(field, label, placeholder) of the add form, words translated where shown (a date's placeholder
made where shown, the operator's way: present.day_example); field names are the
service's, so its errors land here. The certificate types, the country, the name and `ban` are values."""
ENTRY_STATES = {"live": N_("Live"), "expired": N_("Expired"), "lifted": N_("Lifted")}
"""An entry's state (the service's slug) in words, translated where shown."""

SUPERVISOR_ROLES = ("supervisor", "admin")
REFUSED = N_("Only a Supervisor or Admin may change the blacklist; ask a supervisor.")


def who(entry: BlacklistEntryView) -> str:
    if entry.cert_number:
        return f"{words(entry.cert_type, CertType)} {entry.cert_number} ({entry.cert_country})"
    return _("{name}, born {day}").format(name=text(entry.name), day=day(entry.birthday))


def entry_cells(entry: BlacklistEntryView) -> tuple[str, ...]:
    return (
        str(entry.entry_id),
        _(ENTRY_STATES[entry.state]) if entry.state in ENTRY_STATES else words(entry.state),
        words(entry.severity, BlacklistSeverity),
        who(entry),
        entry.reason,
        local_time(entry.expires_at, nothing=_("never")),
        day(entry.created_at.date()),
    )


def entry_detail(entry: BlacklistEntryView | None) -> str:
    if entry is None:
        return _("No entry chosen.")
    made = _("Added {when} by {operator}.").format(when=local_time(entry.created_at), operator=text(entry.created_by))
    if entry.lifted_at:
        made += " " + _("Lifted {when} by {operator}: {reason}.").format(
            when=local_time(entry.lifted_at), operator=text(entry.lifted_by), reason=entry.lift_reason
        )
    return _("Entry {entry} · {who} · {reason}. {made}").format(
        entry=entry.entry_id, who=who(entry), reason=entry.reason, made=made
    )


def _parse_day(value: str, field: str, errors: dict[str, str]) -> date | None:
    if not value.strip():
        return None
    try:
        return present.parse_day(value)  # the operator's way (31/12/2026) or ISO
    except ValueError:
        errors[field] = _("A date like {example} or 2030-03-01.").format(example=present.day_example())
        return None


class AddEntryModal(ModalScreen[BlacklistEntryView | None], ServiceScreen):
    """The add form: a certificate, or a name and a birthday; severity, reason, expiry. ctrl+s adds."""

    DEFAULT_CSS = """
    AddEntryModal { align: center middle; background: $background 60%; }
    AddEntryModal > #add-box { width: 90; max-width: 100%; height: auto; max-height: 95%; padding: 0 2; border: thick $accent; background: $surface; overflow-y: auto; }
    AddEntryModal #add-title { text-style: bold; color: $accent; }
    AddEntryModal #add-buttons { height: 1; align-horizontal: right; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "add", N_("Add"), tooltip=N_("add the entry"), id="blacklist-add-submit"),
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("nothing is added"), id="blacklist-add-cancel"),
    ]

    def __init__(self, fill: dict[str, str] | None = None) -> None:
        super().__init__()
        self.fill = fill or {}

    def compose(self) -> ComposeResult:
        with Vertical(id="add-box"):
            yield Static(_("Add a blacklist entry (ctrl+s adds, escape cancels)"), id="add-title")
            for field, label, placeholder in FIELDS:
                control = TextInput(
                    self.fill.get(field, "ban" if field == "severity" else ""),
                    placeholder=placeholder() if callable(placeholder) else _(placeholder),
                    id=f"add-{field}",
                    classes=FREE_TEXT if field in ("reason", "name") else "",
                    compact=True,  # two lines a field: the whole form fits an 80x24 terminal
                )
                yield FormField(_(label), control, name=field)
            with Horizontal(id="add-buttons"):
                yield Button(_("Add (ctrl+s)"), id="add", variant="primary", compact=True)

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        if event.input.id == "add-expires_on":
            self.action_add()
        else:
            self.focus_next()

    @on(Button.Pressed, "#add")
    def action_add(self) -> None:
        values = {field: self.query_one(f"#add-{field}", Input).value for field, _label, _placeholder in FIELDS}
        errors: dict[str, str] = {}
        birthday = _parse_day(values["birthday"], "birthday", errors)
        expires = _parse_day(values["expires_on"], "expires_on", errors)
        if errors:
            self.show_field_errors(errors)
            return
        app = self.workbench
        services, actor = app.services, app.actor
        self.call_service(
            lambda: add_blacklist_entry(
                uow=services.writer(),
                actor=actor,
                severity=values["severity"].strip().lower(),
                reason=values["reason"],
                cert_type=values["cert_type"].strip().lower(),
                cert_number=values["cert_number"],
                cert_country=values["cert_country"],
                name=values["name"],
                birthday=birthday,
                expires_on=expires,
            ),
            self.dismiss,
            group="blacklist-add",
            description="Add a blacklist entry",  # i18n: not for people
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class LiftEntryModal(ModalScreen[BlacklistEntryView | None], ServiceScreen):
    """Why the entry is lifted; enter lifts it (it stays as history)."""

    DEFAULT_CSS = """
    LiftEntryModal { align: center middle; background: $background 60%; }
    LiftEntryModal > #lift-box { width: 80; max-width: 100%; height: auto; padding: 1 2; border: thick $warning; background: $surface; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", N_("Cancel"), tooltip=N_("the entry stays"), id="blacklist-lift-cancel"),
    ]

    def __init__(self, entry: BlacklistEntryView) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        with Vertical(id="lift-box"):
            yield Static(
                _("Lift entry {entry}: {who}").format(entry=self.entry.entry_id, who=who(self.entry)), markup=False
            )
            yield FormField(
                _("Why is it lifted? (enter lifts)"),
                TextInput(
                    placeholder=_("court ruling, identity theft victim, ..."), id="lift-reason", classes=FREE_TEXT
                ),
                name="reason",
            )

    @on(Input.Submitted, "#lift-reason")
    def _lift(self, event: Input.Submitted) -> None:
        app = self.workbench
        services, actor, entry_id, reason = app.services, app.actor, self.entry.entry_id, event.value
        self.call_service(
            lambda: lift_blacklist_entry(entry_id, uow=services.writer(), actor=actor, reason=reason),
            self.dismiss,
            group="blacklist-lift",
            description="Lift a blacklist entry",  # i18n: not for people
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


class BlacklistScreen(WorkbenchScreen):
    """Entries newest first; live ones only until `h` shows the history (lifted, expired)."""

    BINDINGS = [
        Binding("a", "add", N_("Add"), tooltip=N_("a new entry (supervisors)"), id="blacklist-add"),
        Binding(
            "l",
            "lift",
            N_("Lift"),
            tooltip=N_("the entry under the cursor, with a reason (supervisors)"),
            id="blacklist-lift",
        ),
        Binding(
            "slash", "filter", N_("Filter"), tooltip=N_("by certificate number, name or reason"), id="blacklist-filter"
        ),
        Binding(
            "h", "history", N_("History"), tooltip=N_("show lifted and expired entries too"), id="blacklist-history"
        ),
    ]
    DEFAULT_CSS = """
    BlacklistScreen #blacklist-title { height: 1; margin-top: 1; }
    BlacklistScreen #blacklist-title > .screen-title { width: auto; }
    BlacklistScreen #blacklist-status { width: 1fr; padding: 0 1; color: $text-muted; }
    BlacklistScreen #blacklist-filter-input { display: none; }
    BlacklistScreen #blacklist-entries { height: 1fr; }
    BlacklistScreen #blacklist-detail { height: auto; padding: 0 1; color: $text-muted; }
    """
    AUTO_FOCUS = "#blacklist-entries"
    HELP_TITLE = N_("Blacklist")
    WORKFLOW = (
        N_("The live entries, newest first: arrows (or j/k) choose one, its history shows below."),
        N_("a adds an entry (a certificate, or a name and birthday); l lifts the chosen one with a reason."),
        N_("/ filters by certificate number, name or reason; h shows lifted and expired entries too."),
    )

    def __init__(self, proposal: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.proposal = proposal
        """A prefilled entry to offer at once (after a fraud termination)."""
        self.entries: dict[str, BlacklistEntryView] = {}
        self.history = False
        self.filter_text = ""
        self.changed = False
        """An entry was added or lifted here: the customer view below reloads on the way back."""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="blacklist-title"):
            yield Static(_("BLACKLIST"), classes="screen-title")
            yield Static("", id="blacklist-status", markup=False)
        yield TextInput(
            placeholder=_("Filter by certificate number, name or reason"),
            id="blacklist-filter-input",
            classes=FREE_TEXT,
        )
        yield WorkbenchTable(id="blacklist-entries")
        yield Static("", id="blacklist-detail", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#blacklist-entries", WorkbenchTable)
        for label, width in COLUMNS:
            table.add_column(_(label), width=width, key=label)
        self.load()
        if self.proposal is not None:
            self.action_add(fill=self.proposal)

    @property
    def may_change(self) -> bool:
        return self.workbench.actor.role in SUPERVISOR_ROLES

    def load(self) -> None:
        app = self.workbench
        services, actor, needle = app.services, app.actor, self.filter_text
        state = "" if self.history else "live"
        self.call_service(
            lambda: list_blacklist(uow=services.reader(), actor=actor, text=needle, state=state),
            self._show,
            group="blacklist-list",
            description="Load the blacklist",  # i18n: not for people
            busy=self.query_one("#blacklist-entries"),
        )

    def _show(self, entries: list[BlacklistEntryView]) -> None:
        table = self.query_one("#blacklist-entries", WorkbenchTable)
        table.clear()
        self.entries = {str(e.entry_id): e for e in entries}
        for entry in entries:
            table.add_row(*entry_cells(entry), key=str(entry.entry_id))
        if self.query_one("#blacklist-filter-input", Input).has_focus:  # filtered: back to the rows
            table.focus()
        count = len(entries)
        if self.history:
            shown = ngettext("{count} live and past entry", "{count} live and past entries", count)
        else:
            shown = ngettext("{count} live entry", "{count} live entries", count)
        filtered = " " + _("matching “{text}”").format(text=self.filter_text) if self.filter_text else ""
        self.query_one("#blacklist-status", Static).update("  " + shown.format(count=count) + filtered)
        self._show_detail()

    def selected(self) -> BlacklistEntryView | None:
        table = self.query_one("#blacklist-entries", WorkbenchTable)
        if not self.entries or table.cursor_row < 0:
            return None
        return list(self.entries.values())[min(table.cursor_row, len(self.entries) - 1)]

    @on(DataTable.RowHighlighted, "#blacklist-entries")
    def _show_detail(self) -> None:
        self.query_one("#blacklist-detail", Static).update(entry_detail(self.selected()) if self.entries else NOTHING)

    def action_add(self, fill: dict[str, Any] | None = None) -> None:
        if not self.may_change:
            self.notify(_(REFUSED), title=_("Not allowed"), severity="error")
            return
        self.app.push_screen(AddEntryModal({k: str(v) for k, v in (fill or {}).items() if v}), self._changed)

    def action_lift(self) -> None:
        if not self.may_change:
            self.notify(_(REFUSED), title=_("Not allowed"), severity="error")
            return
        entry = self.selected()
        if entry is None or entry.state == "lifted":
            self.notify(_("Choose a live entry to lift."), title=_("Nothing to lift"))
            return
        self.app.push_screen(LiftEntryModal(entry), self._changed)

    def _changed(self, entry: BlacklistEntryView | None) -> None:
        if entry is None:
            return
        self.changed = True
        done = _("Entry {entry} lifted.") if entry.lifted_at else _("Entry {entry} added.")
        self.notify(done.format(entry=entry.entry_id), title=_("Blacklist"))
        self.load()

    def action_filter(self) -> None:
        box = self.query_one("#blacklist-filter-input", Input)
        box.display = True
        box.focus()

    @on(Input.Submitted, "#blacklist-filter-input")
    def _filter(self, event: Input.Submitted) -> None:
        self.filter_text = event.value.strip()
        self.load()

    def action_history(self) -> None:
        self.history = not self.history
        self.load()

    def action_back(self) -> None:
        box = self.query_one("#blacklist-filter-input", Input)
        if self.escape_filter(box, self.query_one("#blacklist-entries")):
            if not box.value and self.filter_text and not box.display:
                self.filter_text = ""
                self.load()
            return
        super().action_back()
        app = self.workbench
        below = app.screen
        if self.changed and getattr(below, "customer_id", None) and hasattr(below, "detail"):
            app.open_customer(below.customer_id, key_kind=None, record=False)  # its BLACKLISTED badge may change

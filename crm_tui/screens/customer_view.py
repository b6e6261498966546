"""The customer view: everything about one customer, where later issues hang their actions.

Over 400 lines: each action is a key, a short handler and its refusal in words; what they open lives
in its own screen (deregistration, suspend, terminate, reestablish, profile_edit).
"""

from __future__ import annotations

from datetime import UTC, date

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.widgets import Label, Static, TabbedContent, TabPane

from crm_tui.domain import (
    CertType,
    CreditLevel,
    CustomerStatus,
    Gender,
    InteractionChannel,
    KeyKind,
    PaymentType,
    Role,
    SubscriberStatus,
    SuspensionReason,
)
from crm_tui.i18n import N_, _
from crm_tui.present import (
    NOTHING,
    day,
    local_time,
    money,
    money_text,
    phone,
    text,
    words,
)
from crm_tui.screens.base import WorkbenchScreen
from crm_tui.screens.customer_caller import CallerActions, SocialAccountsTable
from crm_tui.screens.customer_lookup import load_customer
from crm_tui.screens.profile_edit import ProfileEditScreen
from crm_tui.screens.reestablish import ReestablishScreen
from crm_tui.screens.registration_modals import UploadModal
from crm_tui.screens.suspend import start_suspension
from crm_tui.screens.terminate import start_termination
from crm_tui.services.identity.attachments import AttachmentView, attach_file
from crm_tui.services.identity.document_seen import DocumentSeen, record_document_seen
from crm_tui.services.identity.profile_edit import EditableProfile, editable_profile
from crm_tui.services.lifecycle.termination import TerminationResult
from crm_tui.services.orders.engine import OrderView, list_orders
from crm_tui.services.shared.views import CustomerDetail, SubscriberView
from crm_tui.widgets.fitted_table import FitColumn, FittedTable
from crm_tui.widgets.order_progress import UNFINISHED, CustomerOrders

BADGE_CLASSES = {
    CustomerStatus.ACTIVE: "badge-good",
    CustomerStatus.IDLE: "badge-quiet",
    CustomerStatus.SUSPENDED: "badge-warn",
    CustomerStatus.TERMINATED: "badge-bad",
    CustomerStatus.ARCHIVED: "badge-quiet",
}
CLOSED = (
    CustomerStatus.TERMINATED,
    CustomerStatus.ARCHIVED,
    CustomerStatus.ERASED,
    CustomerStatus.MERGED,
)
"""A customer no longer served: no new line."""
SECTIONS = ("lines", "accounts", "contracts", "certificates", "contacts", "addresses", "interactions", "social")
"""The tabs, in the order of their number keys; `social` is loaded on its own (SocialAccountsTable)."""
NARROW = 110
"""Below this many columns the tab labels are short, so that all eight tabs fit an 80-column terminal."""
SECTION_KEYS = {
    "lines": (N_("Lines"), N_("the lines tab")),
    "accounts": (N_("Accounts"), N_("the accounts tab")),
    "contracts": (N_("Contracts"), N_("the contracts tab")),
    "certificates": (N_("Certificates"), N_("the certificates tab")),
    "contacts": (N_("Contacts"), N_("the contacts tab")),
    "addresses": (N_("Addresses"), N_("the addresses tab")),
    "interactions": (N_("Interactions"), N_("the interactions tab")),
    "social": (N_("Social"), N_("the social tab")),
}
"""Each tab's number key: (description, tooltip), marked here and translated by the footer and the help."""
SALUTATIONS = (N_("Mr"), N_("Mrs"), N_("Ms"), N_("Dr"))
"""The titles registration stores (Mr, Mrs, Ms, Dr), shown in the operator's language ("Sra.")."""

SHORT_TITLES = {"Certificates": N_("Certs"), "Interactions": N_("Interactions")}
"""By the tab's English title (its msgid): the label under NARROW columns."""
GOOD, WARN, BAD = "badge-good", "badge-warn", "badge-bad"


def _tab_label(title: str, count: int, *, short: bool) -> str:
    """`title` is the English msgid (N_): the label is in the operator's language."""
    if short:
        return _(SHORT_TITLES.get(title, title))
    return _("{title} ({count})").format(title=_(title), count=count)


class CustomerViewScreen(CallerActions, WorkbenchScreen):
    """Profile with status badges and outstanding balance; lines, accounts and the rest in tabs."""

    CSS_PATH = "customer_view.tcss"
    BINDINGS = [
        *(
            Binding(
                str(number),
                f"section('{section}')",
                SECTION_KEYS[section][0],
                show=False,
                tooltip=SECTION_KEYS[section][1],
                id=f"section-{section}",
            )
            for number, section in enumerate(SECTIONS, start=1)
        ),
        Binding("d", "deregister", N_("Deregister"), tooltip=N_("the selected line leaves"), id="deregister-line"),
        Binding("t", "terminate", N_("Terminate"), tooltip=N_("end the whole relationship"), id="terminate-customer"),
        Binding("s", "suspend", N_("Suspend"), tooltip=N_("bar the selected line for a reason"), id="suspend-line"),
        Binding("r", "resume", N_("Resume"), tooltip=N_("the selected suspended line comes back"), id="resume-line"),
        Binding("n", "add_line", N_("New line"), tooltip=N_("a new line for this customer"), id="add-line"),
        Binding(
            "b",
            "reestablish",
            N_("Re-establish"),
            tooltip=N_("bring back: a terminated customer comes back"),
            id="reestablish-customer",
        ),
        Binding(
            "e", "edit_profile", N_("Edit profile"), tooltip=N_("change any group of the record"), id="edit-profile"
        ),
        Binding("a", "attach", N_("Attach"), tooltip=N_("add a scanned document or signed form"), id="attach-file"),
        Binding(
            "i",
            "document_seen",
            N_("ID inspected"),
            tooltip=N_("record the ID document seen in person"),
            id="document-seen",
        ),
        Binding(
            "p",
            "receipts",
            N_("Receipts"),
            tooltip=N_("payments and refunds: show, reprint, save as PDF"),
            id="receipts",
        ),
        Binding(
            "v", "verify_caller", N_("Verify"), tooltip=N_("check the caller's service password"), id="verify-caller"
        ),
        Binding(
            "ctrl+u",
            "unlock_verification",
            N_("Unlock caller verification"),
            show=False,
            tooltip=N_("supervisors: lift the lock after five wrong service passwords"),
            id="unlock-verification",
        ),
    ]
    FOOTER_FIRST = ("verify-caller", "edit-profile", "add-line", "suspend-line", "resume-line", "deregister-line")
    """What the counter does most with a customer in front of it, first: an 80-column footer cuts from the
    right, and terminating, re-establishing, attaching and the rest stay in the help (F1) and the palette."""
    AUTO_FOCUS = "#table-lines"
    HELP_TITLE = N_("Customer view")
    WORKFLOW = (
        N_("Check the badges, the outstanding balance and any open order at the top."),
        N_(
            "1 to 8 show lines, accounts, contracts, certificates, contacts, addresses, interactions and social accounts."
        ),
        N_(
            "On a line: d deregisters, s suspends, r resumes; n adds a line. e edits the profile, a attaches, i: ID inspected, v verifies a caller, p receipts."
        ),
    )

    def __init__(self, detail: CustomerDetail) -> None:
        super().__init__()
        self.detail = detail
        self.sections: list[tuple[str, str, tuple[FitColumn, ...], list[Row]]] = []
        """(id, title, columns, rows) of each tab, made when the screen is composed (on the app's clock)."""

    @property
    def customer_id(self) -> str:
        return self.detail.customer_id

    def compose_body(self) -> ComposeResult:
        detail = self.detail
        currency = self.workbench.services.settings.currency
        today = self.workbench.clock().date()
        with Horizontal(id="customer-title"):
            yield Static(detail.name, id="customer-name", markup=False)
            for label, css in _badges(detail, today):
                yield Label(label, classes=f"badge {css}")
        with Grid(id="profile"):
            for label, value in _profile(detail, currency):
                owed = label == "Outstanding" and detail.outstanding > 0  # the msgid, not the words shown
                yield Static(_(label), classes="profile-label")
                yield Static(value, classes="profile-value owed" if owed else "profile-value", markup=False)
        yield CustomerOrders(id="customer-orders")
        with TabbedContent(id="sections"):
            self.sections = _sections(detail, today)
            for section, title, columns, rows in self.sections:
                with TabPane(_tab_label(title, len(rows), short=False), id=f"tab-{section}"):
                    table = FittedTable(columns, id=f"table-{section}")
                    table.set_rows((None, row) for row in rows)
                    yield table
            with TabPane(_("Social"), id="tab-social"):
                social = SocialAccountsTable(id="table-social")
                social.add_columns(_("Provider"), _("Account"), _("Linked"))
                yield social

    def on_resize(self, event: events.Resize) -> None:
        """Under NARROW columns the tabs lose their counts ("Certificates" says "Certs"): all eight stay in view."""
        short = event.size.width < NARROW
        tabs = self.query_one(TabbedContent)
        for section, title, _columns_shown, rows in self.sections:
            tabs.get_tab(f"tab-{section}").label = _tab_label(title, len(rows), short=short)
        if self.social_accounts is not None:
            tabs.get_tab("tab-social").label = _tab_label(N_("Social"), len(self.social_accounts), short=short)

    def tab_label(self, title: str, count: int) -> str:
        """A tab's label at the screen's present width: with its count, or short under NARROW columns."""
        return _tab_label(title, count, short=self.size.width < NARROW)

    def on_mount(self) -> None:
        self._load_the_rest()
        self.set_interval(2, self._refresh_running_orders)

    async def recompose(self) -> None:
        """Redrawn (the operator switched language): the parts loaded after compose are loaded again."""
        await super().recompose()
        if self.is_attached:
            self._load_the_rest()

    def _load_the_rest(self) -> None:
        """What the customer detail does not carry: the orders and the social accounts."""
        self.query_one(CustomerOrders).display = False
        self._load_orders()
        self._load_social()

    def _load_orders(self) -> None:
        app = self.workbench
        actor, services, customer_id = app.actor, app.services, self.customer_id
        self.call_service(
            lambda: list_orders(uow=services.reader(), actor=actor, customer_id=customer_id, limit=20),
            self.query_one(CustomerOrders).show_orders,
            group="customer-orders",
            description=_("Load the customer's orders"),
        )

    def _refresh_running_orders(self) -> None:
        orders = self.query(CustomerOrders)  # none while the screen is being recomposed
        if orders and orders.first().running and not self.workers:
            self._load_orders()

    def show_order(self, view: OrderView) -> None:
        """An order's progress as its steps advance."""
        self.query_one(CustomerOrders).show_order(view)

    def action_deregister(self) -> None:
        """Deregister the line under the cursor of the Lines tab."""
        table = self.query_one("#table-lines", FittedTable)
        if not self.detail.subscribers or table.cursor_row < 0:
            self.notify(_("This customer has no line to deregister."), title=_("No line"))
            return
        line = self.detail.subscribers[min(table.cursor_row, len(self.detail.subscribers) - 1)]
        if line.status not in (SubscriberStatus.ACTIVE, SubscriberStatus.SUSPENDED):
            self.notify(
                _("{number} is already {state}.").format(
                    number=phone(line.service_number), state=words(line.status, SubscriberStatus).lower()
                ),
                title=_("Nothing to deregister"),
            )
            return
        if self._refuse_while_unfinished(line.service_number):
            return
        self.workbench.open_deregistration(line.service_number)

    def selected_line(self) -> SubscriberView | None:
        """The line under the cursor of the Lines tab."""
        table = self.query_one("#table-lines", FittedTable)
        if not self.detail.subscribers or table.cursor_row < 0:
            return None
        return self.detail.subscribers[min(table.cursor_row, len(self.detail.subscribers) - 1)]

    def action_suspend(self) -> None:
        """Suspend the selected line: reason and note in a modal, then the order runs here."""
        line = self.selected_line()
        if line is None or line.status != SubscriberStatus.ACTIVE:
            state = words(line.status, SubscriberStatus).lower() if line else _("missing")
            self.notify(
                _("Only an active line is suspended; {line} is {state}.").format(
                    line=phone(line.service_number) if line else _("the line"), state=state
                ),
                title=_("Nothing to suspend"),
            )
            return
        if self._refuse_while_unfinished(line.service_number):
            return
        start_suspension(self, line.service_number, on_done=self._line_order_done, on_progress=self.show_order)

    def action_resume(self) -> None:
        """The Resume screen for the selected line (a reserved resumption shows there, x cancels it)."""
        line = self.selected_line()
        if line is None or line.status != SubscriberStatus.SUSPENDED:
            state = words(line.status, SubscriberStatus).lower() if line else _("missing")
            self.notify(
                _("Only a suspended line is resumed; {line} is {state}.").format(
                    line=phone(line.service_number) if line else _("the line"), state=state
                ),
                title=_("Nothing to resume"),
            )
            return
        self.workbench.open_resume(line.service_number)

    def action_reestablish(self) -> None:
        """A terminated customer comes back: the archive screen, searched by this customer ID."""
        if self.detail.status not in (CustomerStatus.TERMINATED, CustomerStatus.ARCHIVED):
            self.notify(
                _("{name} is {status}: only a former customer is re-established.").format(
                    name=self.detail.name, status=words(self.detail.status, CustomerStatus).lower()
                ),
                title=_("Nothing to re-establish"),
            )
            return
        self.app.push_screen(ReestablishScreen(fill={"customer_id": self.customer_id}))

    def action_edit_profile(self) -> None:
        """The profile in the Registration form's groups, opened at the version shown here."""
        if self.detail.status in (CustomerStatus.TERMINATED, CustomerStatus.ARCHIVED):
            self.notify(
                _("A former customer is re-established (b) before their profile is edited."), title=_("Not editable")
            )
            return
        app = self.workbench
        services, actor, customer_id, name = app.services, app.actor, self.customer_id, self.detail.name

        def opened(profile: EditableProfile) -> None:
            self.app.push_screen(ProfileEditScreen(profile, name=name))

        self.call_service(
            lambda: editable_profile(customer_id, uow=services.reader(), actor=actor),
            opened,
            group="profile-edit-open",
            description=_("Open the profile to edit"),
        )

    def action_attach(self) -> None:
        """Add a file to the customer's record (the upload modal of Registration)."""
        self.app.push_screen(UploadModal(), self._attach_chosen)

    def _attach_chosen(self, path: str | None) -> None:
        if not path:
            return
        app = self.workbench
        services, actor, customer_id = app.services, app.actor, self.customer_id
        data_dir = services.settings.data_dir

        def attached(view: AttachmentView) -> None:
            self.notify(
                _("{filename} attached ({media_type}).").format(
                    filename=view.filename, media_type=words(view.media_type)
                ),
                title=_("Attachment added"),
            )
            app.open_customer(customer_id, key_kind=None, record=False)

        self.call_service(
            lambda: attach_file(customer_id, path, uow=services.writer(), actor=actor, data_dir=data_dir),
            attached,
            group="attach-file",
            description=_("Attach a file"),
        )

    def action_document_seen(self) -> None:
        """The CSR has the customer's ID document in hand: recorded on an interaction, shown as last seen."""
        app = self.workbench
        services, actor, customer_id = app.services, app.actor, self.customer_id
        now = app.clock().astimezone(UTC)

        def recorded(seen: DocumentSeen) -> None:
            kind = words(seen.cert_type, CertType)
            if seen.expired:
                self.notify(
                    _("{kind} •••• {digits} expired on {day}: ask for a valid document.").format(
                        kind=kind, digits=seen.last_digits, day=day(seen.expires_on)
                    ),
                    title=_("Document expired"),
                    severity="warning",
                )
            else:
                self.notify(
                    _("{kind} •••• {digits} inspected.").format(kind=kind, digits=seen.last_digits),
                    title=_("ID inspected"),
                )
            app.open_customer(customer_id, key_kind=None, record=False)

        self.call_service(
            lambda: record_document_seen(customer_id, uow=services.writer(), actor=actor, now=now),
            recorded,
            group="document-seen",
            description=_("Record the ID inspected"),
        )

    def action_add_line(self) -> None:
        """A new line for this customer: the Add line screen (escape comes back, reloaded if added)."""
        if self.detail.status in CLOSED:
            self.notify(
                _("{name} is {status}: a new line needs a served customer.").format(
                    name=self.detail.name, status=words(self.detail.status, CustomerStatus).lower()
                ),
                title=_("No new line"),
            )
            return
        self.workbench.open_add_line(self.customer_id)

    def _line_order_done(self, order: OrderView) -> None:
        self.show_order(order)
        reserved = order.status == "reserved"
        status = words(order.status).lower()
        self.notify(
            _("Order {order_id} {status} for {when}; the reserved-orders queue cancels it.").format(
                order_id=order.order_id, status=status, when=local_time(order.effective_at)
            )
            if reserved
            else _("Order {order_id} {status}.").format(order_id=order.order_id, status=status),
            title=_("Suspension reserved") if reserved else _("Line suspended"),
        )
        self.workbench.open_customer(self.customer_id, key_kind=None, record=False)

    def action_terminate(self) -> None:
        """End the whole relationship: reason and archive consent, a confirmation, then the order."""
        if self.detail.status in (CustomerStatus.TERMINATED, CustomerStatus.ARCHIVED):
            self.notify(
                _("{name} is already {status}.").format(
                    name=self.detail.name, status=words(self.detail.status, CustomerStatus).lower()
                ),
                title=_("Nothing to terminate"),
            )
            return
        if self._refuse_while_unfinished(None):
            return
        start_termination(self, self.detail, on_progress=self.show_order, on_done=self._terminated)

    def _refuse_while_unfinished(self, service_number: str | None) -> bool:
        """One order at a time: a failed or running order of the line (or customer) is finished first."""
        for order in self.query_one(CustomerOrders).orders.values():
            if order.status in UNFINISHED and (
                service_number is None or order.service_number in (None, service_number)
            ):
                self.notify(
                    _("Order {order_id} is {status}: a supervisor retries or cancels it first.").format(
                        order_id=order.order_id, status=words(order.status).lower()
                    ),
                    title=_("An order is unfinished"),
                    severity="warning",
                )
                return True
        return False

    def _terminated(self, result: TerminationResult) -> None:
        self.show_order(result.order)
        self.notify(
            _("Relationship ended: order {order_id} {status}.").format(
                order_id=result.order.order_id, status=words(result.order.status).lower()
            ),
            title=_("Customer terminated"),
        )
        proposal = result.blacklist_proposal
        app = self.workbench
        if proposal is None or app.actor.role == "csr":
            app.open_customer(self.customer_id, key_kind=None, record=False)
            if proposal is not None:
                self.notify(
                    _("Terminated for fraud: ask a supervisor to blacklist this person (palette: Blacklist)."),
                    title=_("Blacklist proposed"),
                    severity="warning",
                    timeout=12,
                )
            return
        fill = proposal.model_dump(exclude={"birthday"}) | {"birthday": day(proposal.birthday, nothing="")}
        services, actor, customer_id = app.services, app.actor, self.customer_id

        def offer(detail: CustomerDetail) -> None:
            app.show_customer(detail)
            app.open_blacklist(fill)  # the entry prefilled over the refreshed view: ctrl+s adds, escape declines

        self.call_service(
            lambda: load_customer(customer_id, services=services, actor=actor, key_kind=None, record=False),
            offer,
            group="terminated-customer",
            description=_("Reload the terminated customer"),
        )

    def action_receipts(self) -> None:
        """p: the customer's receipts and refund vouchers."""
        self.workbench.open_receipts(self.customer_id)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reestablish":
            return self.detail.status in (CustomerStatus.TERMINATED, CustomerStatus.ARCHIVED)
        if action in ("edit_profile", "attach", "document_seen"):
            return self.detail.status not in (CustomerStatus.TERMINATED, CustomerStatus.ARCHIVED)
        if action == "unlock_verification":
            actor = self.workbench.actor  # None once signed out, while the screen stack is taken down
            return actor is not None and actor.role in (Role.SUPERVISOR, Role.ADMIN)
        if action == "add_line":
            return self.detail.status not in CLOSED
        return True

    def action_section(self, section: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{section}"
        self.query_one(f"#table-{section}").focus()


def _badges(detail: CustomerDetail, today: date) -> list[tuple[str, str]]:
    badges = [(words(detail.status, CustomerStatus).upper(), BADGE_CLASSES.get(detail.status, "badge-quiet"))]
    if detail.blacklisted:
        badges.append((_("BLACKLISTED"), BAD))
    if detail.merged_from:
        badges.append((_("MERGED from {customer_id}").format(customer_id=detail.merged_from), WARN))
    if expired_document(detail, today):
        badges.append((_("ID EXPIRED"), BAD))
    if detail.incomplete:
        badges.append((_("INCOMPLETE: NO BIRTHDAY"), WARN))
    return badges


def expired_document(detail: CustomerDetail, today: date) -> bool:
    """The customer's live primary document has passed its expiry date."""
    live = [c for c in detail.certificates if c.retired_at is None]
    return bool(live) and live[0].expires_on is not None and live[0].expires_on < today


def _profile(detail: CustomerDetail, currency: str) -> list[tuple[str, str]]:
    certificate = NOTHING
    if detail.cert_number:
        certificate = f"{words(detail.cert_type, CertType)} {detail.cert_number} ({detail.cert_country})"
    return [  # row by row, three pairs a row: long values in the wide first column; labels translated where shown
        (N_("Customer ID"), detail.customer_id),
        (N_("Type"), words(detail.type)),
        (N_("Mobile"), phone(detail.mobile)),
        (N_("Certificate"), certificate),
        (N_("Gender"), words(detail.gender, Gender) if detail.gender else NOTHING),
        (N_("Outstanding"), money_text(detail.outstanding, currency)),
        (N_("Email"), text(detail.email)),
        (N_("Birthday"), day(detail.birthday)),
        (N_("Customer since"), day(detail.created_at.date())),
        (
            N_("Credit level"),
            _("{level} · limit {limit}").format(
                level=words(detail.credit_level, CreditLevel), limit=money_text(detail.credit_limit, currency)
            ),
        ),
        (N_("Nationality"), text(detail.nationality)),
        (N_("Birthplace"), text(detail.birthplace)),
        (
            N_("ID seen"),
            f"{local_time(detail.document_seen_at)} · {detail.document_seen.removeprefix('ID inspected: ')}"
            if detail.document_seen_at and detail.document_seen
            else _("never recorded (i)"),
        ),
        (N_("Title"), words(detail.title)),
        (N_("Version"), str(detail.version)),
    ]


Row = tuple[object, ...]


def _reason_words(status: str, reason: str) -> str:
    """Why a line is in its state, in words: a suspension's reason has its own vocabulary."""
    return words(reason, SuspensionReason if status == SubscriberStatus.SUSPENDED else None)


def _columns(*named: tuple[str, int] | FitColumn) -> tuple[FitColumn, ...]:
    """(label, priority) pairs, or a FitColumn where a column grows or may be cut."""
    return tuple(c if isinstance(c, FitColumn) else FitColumn(c[0], priority=c[1]) for c in named)


def _sections(detail: CustomerDetail, today: date) -> list[tuple[str, str, tuple[FitColumn, ...], list[Row]]]:
    """(id, title, columns, rows) for each tab, in SECTIONS order; the priorities say which columns an
    80-column terminal drops first (the highest number: the IMSI on the lines)."""
    lines: list[Row] = [
        (
            phone(s.service_number),
            words(s.status, SubscriberStatus)
            + (f" ({_reason_words(s.status, s.status_reason)})" if s.status_reason else ""),
            s.primary_offering,
            words(s.payment_type, PaymentType),
            s.iccid,
            s.imsi,
            s.account_id,
            day(s.valid_from),
        )
        for s in detail.subscribers
    ]
    accounts: list[Row] = [
        (
            a.account_code,
            words(a.payment_type, PaymentType),
            money(a.balance, a.currency),
            money(a.outstanding, a.currency),
            words(a.status),
        )
        for a in detail.accounts
    ]
    currency = detail.accounts[0].currency if detail.accounts else ""
    contracts: list[Row] = [
        (
            c.name,
            phone(c.service_number),
            c.offering,
            day(c.effective_on),
            day(c.expires_on),
            Text(str(c.duration_months), justify="right"),
            words(c.prolongation),
            money(c.penalty_amount, currency),
            words(c.status),
        )
        for c in detail.contracts
    ]
    certificates: list[Row] = [
        (
            words(c.cert_type, CertType),
            c.cert_number,
            c.cert_country,
            _("Yes") if c.is_primary else "",
            day(c.expires_on)
            + (" " + _("(expired)") if c.retired_at is None and c.expires_on and c.expires_on < today else ""),
            _("retired {day}").format(day=day(c.retired_at.date())) if c.retired_at else _("live"),
        )
        for c in detail.certificates
    ]
    contacts: list[Row] = [(words(c.contact_type), text(c.name), words(c.method), c.value) for c in detail.contacts]
    addresses: list[Row] = [
        (words(a.address_type), a.detail, text(a.city), text(a.region), text(a.postal_code), text(a.country))
        for a in detail.addresses
    ]
    interactions: list[Row] = [
        (
            local_time(i.at),
            words(i.kind),
            words(i.channel, InteractionChannel),
            words(i.key_kind, KeyKind) if i.key_kind else NOTHING,
            text(i.operator),
            i.summary,
        )
        for i in detail.interactions
    ]
    return [
        (
            "lines",
            N_("Lines"),
            _columns(
                (_("Service Number"), 0),
                FitColumn(_("Status"), priority=1, min_width=9),
                (_("Offering"), 2),
                (_("Payment"), 4),
                (_("ICCID"), 6),
                (_("IMSI"), 9),
                (_("Account"), 5),
                (_("Since"), 3),
            ),
            lines,
        ),
        (
            "accounts",
            N_("Accounts"),
            _columns((_("Account"), 0), (_("Payment"), 2), (_("Balance"), 3), (_("Outstanding"), 1), (_("Status"), 4)),
            accounts,
        ),
        (
            "contracts",
            N_("Contracts"),
            _columns(
                FitColumn(_("Contract"), priority=0, min_width=12),
                (_("Service Number"), 2),
                (_("Offering"), 5),
                (_("From"), 6),
                (_("Until"), 3),
                (_("Months"), 7),
                (_("Prolongation"), 8),
                (_("Penalty"), 4),
                (_("Status"), 1),
            ),
            contracts,
        ),
        (
            "certificates",
            N_("Certificates"),
            _columns(
                (_("Type"), 0),
                (_("Number"), 1),
                (_("Country"), 3),
                (_("Primary"), 4),
                (_("Expires"), 2),
                (_("State"), 5),
            ),
            certificates,
        ),
        (
            "contacts",
            N_("Contacts"),
            _columns((_("Role"), 0), FitColumn(_("Name"), priority=3, min_width=12), (_("Method"), 2), (_("Value"), 1)),
            contacts,
        ),
        (
            "addresses",
            N_("Addresses"),
            _columns(
                (_("Type"), 0),
                FitColumn(_("Address"), priority=1, min_width=16, grow=True),
                (_("City"), 2),
                (_("Region"), 5),
                (_("Postal Code"), 3),
                (_("Country"), 4),
            ),
            addresses,
        ),
        (
            "interactions",
            N_("Interactions"),
            _columns(
                (_("When"), 0),
                (_("What"), 1),
                (_("Channel"), 4),
                (_("Key"), 3),
                (_("Operator"), 5),
                FitColumn(_("Summary"), priority=2, min_width=16, grow=True),
            ),
            interactions,
        ),
    ]

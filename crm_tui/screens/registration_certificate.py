"""The Registration screen's first section, who the customer is: the certificate, the customer type,
the service number, the Customer Name box and Check; under them what Check found: a sentence, the
customer who already has this certificate (to open), or those who look alike (each ticked as a
different person).

The screen runs Check, keeps the certificate and the customer type in step and opens a customer;
this module lays the section out, and its panel shows the outcome and keeps what was ticked.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.message import Message
from textual.widgets import Button, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from crm_tui.domain import CertType, CustomerType
from crm_tui.i18n import N_, _
from crm_tui.present import phone
from crm_tui.screens.customer_form import form_field, text_field
from crm_tui.screens.registration_parts import existing_message, near_match_line, near_matches_message
from crm_tui.services.identity.near_matches import NearMatch
from crm_tui.widgets.form_field import FormField


def certificate_section(*, default_region: str) -> ComposeResult:
    """Certificate type, number and country, customer type, the service number, the Customer Name box
    and the Check button; under them, what Check found."""
    yield Static(_("CERTIFICATE INFO"), classes="section-title")
    with Grid(classes="form-grid"):
        yield FormField(
            _("Certificate Type *"),
            Select(
                [c for c in CertType.choices()],
                value=CertType.NATIONAL_ID.value,
                allow_blank=False,
                id="cert_type",
            ),
            name="cert_type",
        )
        yield text_field("cert_number", _("Certificate Number *"), _("from the document"))
        yield text_field("cert_country", _("Issuing Country *"), "ES", value=default_region, max_length=2)
        yield FormField(
            _("Customer Type"),
            Select(
                CustomerType.choices(),
                value=CustomerType.INDIVIDUAL.value,
                allow_blank=False,
                id="customer_type",
            ),
            name="type",
        )
        yield form_field(
            _("Service Number"), ServiceNumberSelect(id="service_number"), name="service_number", classes="span-2"
        )
        yield text_field("customer_name", _("Customer Name"), _("fills the names below"))
        with Vertical(classes="grid-button"):
            yield Button(_("Check (ctrl+k)"), id="check")
    yield CheckResult(id="check-result")


class ServiceNumberSelect(Select[str]):
    """The service number to give: the next free one (blank), a golden one with its fee, or one named at launch."""

    def __init__(self, *, id: str) -> None:  # noqa: A002
        super().__init__([], prompt=_("Next free number"), allow_blank=True, id=id)
        self.offered: list[tuple[str, str]] = []
        """(label, +E.164) of the golden numbers on offer, and any number given at launch."""

    def offer_golden(self, golden: list[tuple[str, str]]) -> None:
        """The golden numbers, once loaded, after any number given at launch; the choice made stays."""
        known = {value for _label, value in golden}
        self.offered = [option for option in self.offered if option[1] not in known] + golden
        wanted = self.value
        self.set_options(self.offered)
        if wanted is not Select.NULL:
            self.value = wanted

    def offer(self, value: str) -> None:
        """A number given at launch joins the choices (the service checks it is free)."""
        if value not in {v for _label, v in self.offered}:
            self.offered.insert(0, (phone(value.lstrip("+")) if value.startswith("+") else value, value))
            self.set_options(self.offered)


class NearMatchList(SelectionList[str]):
    """Existing customers who look like this person: space ticks "a different person"; o opens one."""

    BINDINGS = [
        Binding("o", "open_match", N_("Open match"), tooltip=N_("the customer under the cursor"), id="open-match")
    ]

    class OpenRequested(Message):
        def __init__(self, customer_id: str) -> None:
            super().__init__()
            self.customer_id = customer_id

    def action_open_match(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.OpenRequested(str(self.get_option_at_index(self.highlighted).value)))


class CheckResult(Vertical):
    """The sentence (`#check-message`), the button to the existing customer (`#open-existing`) and the
    near matches (`NearMatchList`); each shown only when it has something to say."""

    def __init__(self, *, id: str) -> None:  # noqa: A002
        super().__init__(id=id)
        self.existing_customer_id: str | None = None
        """The customer who has this certificate, while the certificate is unchanged."""

    def compose(self) -> ComposeResult:
        yield Static("", id="check-message")
        yield Button("", id="open-existing", variant="warning")
        yield NearMatchList(id="near-matches")

    def on_mount(self) -> None:
        self.say("")

    @property
    def different_from(self) -> list[str]:
        """The near matches ticked as a different person."""
        return list(self.query_one(NearMatchList).selected)

    def say(self, message: str, *, good: bool = False, bad: bool = False) -> None:
        """One sentence (none for ""); hides the existing customer's button, keeps any near matches."""
        text = self.query_one("#check-message", Static)
        text.update(message)
        text.display = bool(message)
        text.set_class(good, "good")
        text.set_class(bad, "bad")
        self.query_one("#open-existing").display = False
        listing = self.query_one(NearMatchList)
        listing.display = listing.option_count > 0

    def show_existing(self, customer_id: str) -> None:
        """This certificate is taken: say whose, and offer to open them (focused)."""
        self.existing_customer_id = customer_id
        self.say(existing_message(customer_id), bad=True)
        button = self.query_one("#open-existing", Button)
        button.label = _("Open customer {customer_id} (enter)").format(customer_id=customer_id)
        button.display = True
        button.focus()

    def show_near_matches(self, matches: list[NearMatch]) -> None:
        """List who looks alike (keeping the ticks of those listed before) and focus the list."""
        listing = self.query_one(NearMatchList)
        ticked = set(listing.selected)
        listing.clear_options()
        listing.add_options([Selection(near_match_line(m), m.customer_id, m.customer_id in ticked) for m in matches])
        self.say(near_matches_message(len(matches)), bad=True)
        listing.display = True
        listing.highlighted = 0
        listing.focus()

    def forget_existing(self) -> None:
        """The certificate changed: the existing customer no longer applies."""
        if self.existing_customer_id is not None:
            self.existing_customer_id = None
            self.say("")

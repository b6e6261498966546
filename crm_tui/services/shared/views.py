"""Plain results the services hand to the faces: never live ORM objects."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from crm_tui.domain import Role


class View(BaseModel):
    """Frozen result model; `model_dump(mode="json")` is the CLI's JSON."""

    model_config = ConfigDict(frozen=True)


class Actor(View):
    """The signed-in operator on whose behalf a service acts."""

    id: int
    username: str
    display_name: str
    role: Role
    shop: str = ""
    batch: str | None = None
    """The `crm-tui batch` this operator is running, if any: its commands' audit entries name it."""
    language: str | None = None
    """The operator's language for screens and formats (`es`, `en`); None: CRM_LOCALE or the system's."""


class OperatorView(View):
    username: str
    display_name: str
    role: Role
    shop: str
    locked: bool
    failed_sign_ins: int
    is_active: bool
    last_sign_in_at: datetime | None
    language: str | None = None


class CustomerSummary(View):
    """A row of search results; personal keys may be masked for the actor's role."""

    customer_id: str
    status: str
    type: str
    name: str
    first_name: str | None
    last_name: str | None
    gender: str | None
    nationality: str | None
    birthday: date | None
    email: str | None
    mobile: str | None
    credit_level: str
    cert_type: str | None
    cert_number: str | None
    cert_country: str | None
    merged_from: str | None = None
    incomplete: bool = False
    """A legacy record kept without a usable birthday (issue 14.5)."""


class CustomerPage(View):
    customers: list[CustomerSummary]
    total: int
    total_is_capped: bool = False
    page: int
    page_size: int
    key_kind: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


class CertificateView(View):
    cert_type: str
    cert_number: str
    cert_country: str
    is_primary: bool
    expires_on: date | None
    retired_at: datetime | None = None
    """A retired document is history: no longer the customer's, never flagged as expired."""


class ContactView(View):
    contact_type: str
    name: str
    method: str
    value: str


class AddressView(View):
    address_type: str
    region: str | None
    city: str | None
    detail: str
    postal_code: str | None
    country: str | None


class AccountView(View):
    account_code: str
    payment_type: str
    currency: str
    balance: Decimal
    outstanding: Decimal
    status: str


class SubscriberView(View):
    service_number: str
    status: str
    status_reason: str | None
    iccid: str
    imsi: str
    customer_id: str
    account_id: str
    primary_offering: str
    network_type: str
    payment_type: str
    brand: str
    activated_at: datetime | None
    valid_from: date | None
    expires_on: date | None


class ContractView(View):
    name: str
    status: str
    service_number: str
    offering: str
    effective_on: date
    expires_on: date
    duration_months: int
    prolongation: str
    penalty_amount: Decimal


class InteractionView(View):
    at: datetime
    kind: str
    channel: str
    key_kind: str | None
    operator: str | None
    summary: str


class PreferenceView(View):
    currency: str
    language: str | None
    written_language: str | None
    dnd_channel: str | None
    dnd_days: str | None
    dnd_start: str | None
    dnd_end: str | None


class CustomerDetail(View):
    """Everything the customer view shows."""

    customer_id: str
    status: str
    type: str
    name: str
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    organization_name: str | None
    gender: str | None
    title: str | None
    nationality: str | None
    birthplace: str | None
    birthday: date | None
    email: str | None
    mobile: str | None
    credit_level: str
    credit_limit: Decimal
    cert_type: str | None
    cert_number: str | None
    cert_country: str | None
    created_at: datetime
    blacklisted: bool
    outstanding: Decimal
    merged_from: str | None = None
    login_name: str | None = None
    """The customer's sign-in name, if they chose one (stored lower-case)."""
    certificates: list[CertificateView]
    contacts: list[ContactView]
    addresses: list[AddressView]
    accounts: list[AccountView]
    subscribers: list[SubscriberView]
    contracts: list[ContractView]
    interactions: list[InteractionView]
    preferences: PreferenceView | None
    version: int = 1
    """The record's version when read: an edit from this view is refused if it moved on (issue 13)."""
    document_seen_at: datetime | None = None
    """When a CSR last recorded the ID document as inspected in person."""
    document_seen: str | None = None
    """What was inspected then (type, last digits, expiry), as recorded."""
    incomplete: bool = False
    """A legacy record imported without a usable birthday: ask for it, an edit with it clears the flag."""

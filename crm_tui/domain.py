"""The vocabulary of the domain: states, kinds and reasons, each a slug with the words shown on screen.

Every layer may import this module; of the project it imports only crm_tui.i18n (standard library
only), so that a label is said in the operator's language.
"""

from __future__ import annotations

from enum import StrEnum

from crm_tui.i18n import N_, NC_, _, pgettext


class Labelled(StrEnum):
    """A slug stored and scripted as is, shown to people as words."""

    @property
    def label(self) -> str:
        """The words for this member in the current language (`_LABELS` holds the English)."""
        english = _LABELS.get(self.value, self.value.replace("_", " ").capitalize())
        context = _CONTEXTS.get(self.value)
        return pgettext(context, english) if context else _(english)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(label, slug) pairs, in declaration order, for selects and `--help`."""
        return [(member.label, member.value) for member in cls]


class Role(Labelled):
    CSR = "csr"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class CustomerType(Labelled):
    INDIVIDUAL = "individual"
    ORGANIZATION = "organization"


class CustomerStatus(Labelled):
    ACTIVE = "active"
    IDLE = "idle"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    ARCHIVED = "archived"
    ERASED = "erased"
    MERGED = "merged"


HIDDEN_STATUSES: tuple[str, ...] = (CustomerStatus.MERGED.value, CustomerStatus.ERASED.value)
"""Customers that no longer stand for anyone (merged into a survivor, or erased): never listed,
matched, scanned or exported."""


class CertType(Labelled):
    NATIONAL_ID = "national_id"
    PASSPORT = "passport"
    DRIVING_LICENCE = "driving_licence"
    RESIDENCE_PERMIT = "residence_permit"
    COMPANY_REGISTRATION = "company_registration"


class Gender(Labelled):
    MALE = "male"
    FEMALE = "female"
    UNKNOWN = "unknown"


class SubscriberStatus(Labelled):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DEACTIVATED = "deactivated"
    ARCHIVED = "archived"


LIVE_LINE_STATUSES: tuple[str, ...] = (SubscriberStatus.ACTIVE.value, SubscriberStatus.SUSPENDED.value)
"""A line is live while active or suspended: it holds its number and SIM (a former number may
belong to someone else now)."""


class PaymentType(Labelled):
    PREPAID = "prepaid"
    POSTPAID = "postpaid"


class NumberState(Labelled):
    AVAILABLE = "available"
    RESERVED = "reserved"
    IN_USE = "in_use"
    FROZEN = "frozen"


class SimState(Labelled):
    AVAILABLE = "available"
    IN_USE = "in_use"
    ABANDONED = "abandoned"


class CreditLevel(Labelled):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class ChargeKind(Labelled):
    BILL = "bill"
    PENALTY = "penalty"
    FEE = "fee"
    REFUND = "refund"


class ChargeStatus(Labelled):
    OUTSTANDING = "outstanding"
    PAID = "paid"
    WAIVED = "waived"


class OrderStatus(Labelled):
    OPEN = "open"
    RUNNING = "running"
    RESERVED = "reserved"
    FAILED = "failed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class StepStatus(Labelled):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    UNDONE = "undone"


class QueueName(Labelled):
    DUPLICATES = "duplicates"
    HELD_REGISTRATIONS = "held_registrations"
    FAILED_ORDERS = "failed_orders"
    RESERVED_ORDERS = "reserved_orders"
    ERASURE_REQUESTS = "erasure_requests"
    PENALTY_WAIVERS = "penalty_waivers"
    FRAUD_RESUMPTIONS = "fraud_resumptions"
    FAILED_NOTIFICATIONS = "failed_notifications"


class QueueItemStatus(Labelled):
    OPEN = "open"
    CLAIMED = "claimed"
    APPROVED = "approved"
    REJECTED = "rejected"
    DISMISSED = "dismissed"
    DONE = "done"


class BlacklistSeverity(Labelled):
    WARN = "warn"
    BAN = "ban"


class InteractionChannel(Labelled):
    SHOP = "shop"
    SCRIPT = "script"
    PHONE = "phone"


class KeyKind(Labelled):
    """Which key identified a customer: recorded on the interaction."""

    CUSTOMER_ID = "customer_id"
    EMAIL = "email"
    IMSI = "imsi"
    ICCID = "iccid"
    SERVICE_NUMBER = "service_number"
    CERTIFICATE = "certificate"
    NAME = "name"
    SOCIAL = "social"
    LOGIN_NAME = "login_name"


class DeregistrationReason(Labelled):
    FEE_PROBLEM = "fee_problem"
    CALL_QUALITY = "call_quality"
    SERVICE_PROBLEM = "service_problem"
    MAINTENANCE_PROBLEM = "maintenance_problem"
    SPECIAL_ISSUES = "special_issues"
    OTHER = "other"


class SuspensionReason(Labelled):
    CUSTOMER_REQUEST = "customer_request"
    LOST_SIM = "lost_sim"
    TRAVEL = "travel"
    DEBT = "debt"
    FRAUD = "fraud"
    ADMIN = "admin"


class ResumeOperation(Labelled):
    """Who asks for a resumption (the Resume screen's Operation Type)."""

    CUSTOMER_REQUEST = "customer_request"
    ADMINISTRATOR = "administrator"
    SYSTEM_TRIGGER = "system_trigger"


class TerminationReason(Labelled):
    CUSTOMER_REQUEST = "customer_request"
    CEASED_TO_EXIST = "ceased_to_exist"
    FRAUD = "fraud"
    BUSINESS_DECISION = "business_decision"


_CONTEXTS = {"open": "state"}
"""Labels whose English means something else elsewhere ("Open" the state, not the key that opens)."""

_LABELS = {
    # Role
    "csr": N_("CSR"),
    "supervisor": N_("Supervisor"),
    "admin": N_("Admin"),  # also SuspensionReason.ADMIN
    # CustomerType
    "individual": N_("Individual"),
    "organization": N_("Organization"),
    # CustomerStatus (active, suspended, archived: also SubscriberStatus)
    "active": N_("Active"),
    "idle": N_("Idle"),
    "suspended": N_("Suspended"),
    "terminated": N_("Terminated"),
    "archived": N_("Archived"),
    "erased": N_("Erased"),
    "merged": N_("Merged"),
    # CertType
    "national_id": N_("National ID"),
    "passport": N_("Passport"),
    "driving_licence": N_("Driving licence"),
    "residence_permit": N_("Residence permit"),
    "company_registration": N_("Company registration"),
    # Gender
    "male": N_("Male"),
    "female": N_("Female"),
    "unknown": N_("Unknown"),
    # SubscriberStatus
    "deactivated": N_("Deactivated"),
    # PaymentType
    "prepaid": N_("Prepaid"),
    "postpaid": N_("Postpaid"),
    # NumberState, SimState
    "available": N_("Available"),
    "reserved": N_("Reserved"),  # also OrderStatus.RESERVED
    "in_use": N_("In use"),
    "frozen": N_("Frozen"),
    "abandoned": N_("Abandoned"),
    # CreditLevel
    "A": N_("A"),
    "B": N_("B"),
    "C": N_("C"),
    "D": N_("D"),
    # ChargeKind
    "bill": N_("Bill"),
    "penalty": N_("Penalty"),
    "fee": N_("Fee"),
    "refund": N_("Refund"),
    # ChargeStatus
    "outstanding": N_("Outstanding"),
    "paid": N_("Paid"),
    "waived": N_("Waived"),
    # OrderStatus (open: also QueueItemStatus; failed: also StepStatus)
    "open": NC_("state", "Open"),
    "running": N_("Running"),
    "failed": N_("Failed"),
    "closed": N_("Closed"),
    "cancelled": N_("Cancelled"),
    # StepStatus (done: also QueueItemStatus)
    "pending": N_("Pending"),
    "done": N_("Done"),
    "undone": N_("Undone"),
    # QueueName
    "duplicates": N_("Possible duplicates"),
    "held_registrations": N_("Held registrations"),
    "failed_orders": N_("Failed orders"),
    "reserved_orders": N_("Reserved orders"),
    "erasure_requests": N_("Erasure requests"),
    "penalty_waivers": N_("Penalty waivers"),
    "fraud_resumptions": N_("Resumptions after fraud"),
    "failed_notifications": N_("Failed notifications"),
    # QueueItemStatus
    "claimed": N_("Claimed"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "dismissed": N_("Dismissed"),
    # BlacklistSeverity
    "warn": N_("Warn"),
    "ban": N_("Ban"),
    # InteractionChannel
    "shop": N_("Shop"),
    "script": N_("Script"),
    "phone": N_("Phone"),
    # KeyKind
    "customer_id": N_("Customer ID"),
    "email": N_("Email"),
    "imsi": N_("IMSI"),
    "iccid": N_("ICCID"),
    "service_number": N_("Service number"),
    "certificate": N_("Certificate"),
    "name": N_("Name"),
    "social": N_("Social"),
    "login_name": N_("Login name"),
    # DeregistrationReason
    "fee_problem": N_("Fee problem"),
    "call_quality": N_("Call quality problem"),
    "service_problem": N_("Service problem"),
    "maintenance_problem": N_("Maintenance problem"),
    "special_issues": N_("Special issues, no advance payments"),
    "other": N_("Other"),
    # SuspensionReason, ResumeOperation, TerminationReason (customer_request: all three; fraud: two)
    "customer_request": N_("Customer request"),
    "lost_sim": N_("Lost or stolen SIM"),
    "travel": N_("Travel"),
    "debt": N_("Debt"),
    "fraud": N_("Fraud"),
    "administrator": N_("Administrator"),
    "system_trigger": N_("System trigger"),
    "ceased_to_exist": N_("Ceased to exist"),
    "business_decision": N_("Business decision"),
}
"""The English words of every member's slug, marked for the catalogue (`label` translates them).
A slug shared by several enums has one label. Every member has one here (tests/test_domain.py)."""

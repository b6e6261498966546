"""The vocabulary of the domain: states, kinds and reasons, each a slug with the words shown on screen.

Every layer may import this module; it imports nothing of the project.
"""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A slug stored and scripted as is, shown to people as words."""

    @property
    def label(self) -> str:
        return _LABELS.get(self.value, self.value.replace("_", " ").capitalize())

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


_LABELS = {
    "csr": "CSR",
    "national_id": "National ID",
    "driving_licence": "Driving licence",
    "residence_permit": "Residence permit",
    "company_registration": "Company registration",
    "in_use": "In use",
    "imsi": "IMSI",
    "iccid": "ICCID",
    "customer_id": "Customer ID",
    "call_quality": "Call quality problem",
    "special_issues": "Special issues, no advance payments",
    "lost_sim": "Lost or stolen SIM",
    "held_registrations": "Held registrations",
    "fraud_resumptions": "Resumptions after fraud",
    "system_trigger": "System trigger",
    "failed_orders": "Failed orders",
    "reserved_orders": "Reserved orders",
    "erasure_requests": "Erasure requests",
    "penalty_waivers": "Penalty waivers",
    "duplicates": "Possible duplicates",
}

"""Terminating a whole customer relationship: every live line and the profile, through one order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session

from crm_tui.domain import (
    LIVE_LINE_STATUSES,
    CustomerStatus,
    TerminationReason,
)
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.i18n import _
from crm_tui.services.context import Services
from crm_tui.services.lifecycle.deregistration import NUMBER_MODES, SIM_MODES
from crm_tui.services.lifecycle.order_steps import _line_payload
from crm_tui.services.orders.engine import (
    OrderView,
    create_order,
    run_order,
    unfinished_order,
)
from crm_tui.services.shared import audit
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.permissions import (
    require_signed_in,
)
from crm_tui.services.shared.validation import (
    parse_customer_id,
)
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Certificate, Customer
from crm_tui.storage.models.lines import Subscriber
from crm_tui.storage.models.queues import QueueItem
from crm_tui.storage.types import utcnow

# --- terminate the whole relationship ----------------------------------------------------------------


class BlacklistProposal(View):
    """A prefilled blacklist entry offered after a fraud termination (a supervisor adds it, or not)."""

    cert_type: str | None
    cert_number: str | None
    cert_country: str | None
    name: str | None
    birthday: date | None
    severity: str = "ban"
    reason: str

    def command(self) -> str:
        """The `crm-tui blacklist add` command that adds it."""
        if self.cert_number:
            keys = f"--cert-type {self.cert_type} --cert-number {self.cert_number} --cert-country {self.cert_country}"
        else:
            keys = f"--name '{self.name}' --birthday {self.birthday}"
        return f"crm-tui blacklist add {keys} --severity {self.severity} --reason '{self.reason}'"


class TerminationResult(View):
    order: OrderView
    lines: list[str]
    blacklist_proposal: BlacklistProposal | None = None
    """Set when the reason is fraud: the entry a supervisor is offered to add."""


def _fraud_proposal(session: Session, customer: Customer) -> BlacklistProposal:
    certificate = session.execute(
        select(Certificate)
        .where(Certificate.customer_id == customer.id)
        .order_by(Certificate.is_primary.desc(), Certificate.id)
        .limit(1)
    ).scalar_one_or_none()
    reason = _("Fraud: customer {customer_id} terminated").format(customer_id=customer.customer_id)
    if certificate is not None:
        return BlacklistProposal(
            cert_type=certificate.cert_type,
            cert_number=certificate.cert_number,
            cert_country=certificate.cert_country,
            name=None,
            birthday=None,
            reason=reason,
        )
    return BlacklistProposal(
        cert_type=None,
        cert_number=None,
        cert_country=None,
        name=customer.display_name,
        birthday=customer.birthday,
        reason=reason,
    )


def terminate_customer(
    customer_id: str,
    *,
    services: Services,
    actor: Actor,
    reason: str,
    archive_consent: bool,
    number_mode: str = "freeze",
    sim_mode: str = "abandon",
    now: datetime | None = None,
    on_progress: Callable[[OrderView], None] | None = None,
) -> TerminationResult:
    """End the relationship, not just the services: every live line in one order, then archive and clean up."""
    require_signed_in(actor, doing=_("terminate customers"))
    now = now or utcnow()
    try:
        TerminationReason(reason)
    except ValueError:
        raise InvalidInput(
            _("Choose a termination reason: {reasons}.").format(reasons=", ".join(r.value for r in TerminationReason)),
            fields={"reason": _("Unknown reason.")},
        ) from None
    if number_mode not in NUMBER_MODES or sim_mode not in SIM_MODES:
        raise InvalidInput(
            _("Number: immediate or freeze; SIM: reuse or abandon."), fields={"number_mode": _("Check the options.")}
        )
    customer_id = parse_customer_id(customer_id)
    with services.writer() as uow:
        session = uow.session
        customer = session.execute(select(Customer).where(Customer.customer_id == customer_id)).scalar_one_or_none()
        if customer is None:
            raise NotFound(_("No customer {customer_id}.").format(customer_id=customer_id))
        if customer.status in (
            CustomerStatus.TERMINATED,
            CustomerStatus.ARCHIVED,
            CustomerStatus.ERASED,
            CustomerStatus.MERGED,
        ):
            raise Conflict(
                _("Customer {customer_id} is already {status}.").format(customer_id=customer_id, status=customer.status)
            )
        pending = unfinished_order(uow, customer_pk=customer.id)
        if pending:
            raise Conflict(
                _("Order {order} for this customer is not finished; finish or cancel it first.").format(order=pending)
            )
        busy = session.execute(
            select(func.count())
            .select_from(QueueItem)
            .where(QueueItem.ref_id == customer_id, QueueItem.status.in_(["open", "claimed"]))
        ).scalar_one()
        lines = (
            session.execute(
                select(Subscriber)
                .where(Subscriber.customer_id == customer.id, Subscriber.status.in_(LIVE_LINE_STATUSES))
                .order_by(Subscriber.id)
            )
            .scalars()
            .all()
        )
        proposal = _fraud_proposal(session, customer) if reason == TerminationReason.FRAUD else None
        payload = {
            "customer_id": customer_id,
            "reason": reason,
            "archive_consent": archive_consent,
            "number_mode": number_mode,
            "sim_mode": sim_mode,
            "freeze_days": services.settings.number_freeze_days,
            "subscribers": [_line_payload(s) for s in lines],
        }
        order = create_order(
            uow,
            order_type="terminate_customer",
            actor=actor,
            customer_pk=customer.id,
            subscriber_pk=None,
            payload=payload,
            now=now,
        )
        capture(
            session,
            customer.id,
            kind="terminate",
            summary=_("Relationship terminated ({reason}); archive consent: {consent}; order {order}").format(
                reason=TerminationReason(reason).label,
                consent=_("yes") if archive_consent else _("no"),
                order=order.order_number,
            ),
            actor=actor,
            now=now,
        )
        audit.record(
            uow,
            actor,
            "customer.terminate",
            "customer",
            customer_id,
            {"order": order.order_number, "lines": len(lines), "consent": archive_consent, "open_queue_items": busy},
        )
        uow.commit()
        number = order.order_number
    view = run_order(
        number,
        database_uow=services.writer,
        externals=services.externals,
        settings=services.settings,
        actor=actor,
        on_progress=on_progress,
    )
    return TerminationResult(order=view, lines=[s.service_number for s in lines], blacklist_proposal=proposal)

"""Re-establish a customer relationship (eTOM 1.3.4.3): a terminated customer comes back under the
same customer ID, with what the archive kept, their past interactions, and their former number if
it is still frozen for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from crm_tui.domain import CustomerStatus, NumberState
from crm_tui.errors import Conflict, InvalidInput, NotFound
from crm_tui.i18n import N_, _
from crm_tui.services.lines.inventory import release_frozen_numbers
from crm_tui.services.lines.provisioning import give_line
from crm_tui.services.shared import audit, outbox
from crm_tui.services.shared.catalog import ensure_catalog
from crm_tui.services.shared.certificates import parse_certificate
from crm_tui.services.shared.interactions import capture
from crm_tui.services.shared.permissions import require_signed_in
from crm_tui.services.shared.validation import parse_customer_id, parse_service_number
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.archive import ArchiveRecord
from crm_tui.storage.models.customers import Address, Certificate, Contact, Customer, Interaction, Preference
from crm_tui.storage.models.lines import Account, NumberPoolEntry, Offering, Subscriber
from crm_tui.storage.sequences import next_number
from crm_tui.storage.types import utcnow
from crm_tui.storage.unit_of_work import UnitOfWork

RETURNABLE = (CustomerStatus.TERMINATED.value, CustomerStatus.ARCHIVED.value)
BOOKKEEPING = ("customer_id", "display_name", "reason", "terminated_at", "type", "payments_total")
RESTORED_WORDS = {"contacts": N_("contacts"), "addresses": N_("addresses"), "preferences": N_("preferences")}
"""What a re-establishment restored, as the customer's history says it (other fields by name)."""
"""Archive keys about the termination itself, not the customer's data: not listed as "kept"."""


class FormerLine(View):
    service_number: str
    offering: str | None
    deactivated_at: str | None
    recoverable: bool
    """The number is still frozen for this customer and can be taken back."""


class ArchivedCustomer(View):
    """What the CSR sees before restoring: what was kept, and what can come back."""

    customer_id: str
    name: str
    status: str
    consent: bool
    kept: list[str]
    former_lines: list[FormerLine]
    interactions: int


def _find_customer(
    uow: UnitOfWork,
    *,
    customer_id: str,
    cert_type: str,
    cert_number: str,
    cert_country: str,
    former_service_number: str,
    region: str,
) -> Customer:
    session = uow.session
    if customer_id:
        customer = session.execute(
            select(Customer).where(Customer.customer_id == parse_customer_id(customer_id))
        ).scalar_one_or_none()
    elif cert_number:
        kind, number, country = parse_certificate(cert_type, cert_number, cert_country or region)
        customer = session.execute(
            select(Customer)
            .join(Certificate, Certificate.customer_id == Customer.id)
            .where(
                Certificate.cert_type == kind.value,
                Certificate.cert_number == number,
                Certificate.cert_country == country,
            )
        ).scalar_one_or_none()
    elif former_service_number:
        number = parse_service_number(former_service_number, region=region)
        owner = session.execute(
            select(ArchiveRecord.customer_number)
            .where(ArchiveRecord.kind == "subscriber", ArchiveRecord.subject_key == number)
            .order_by(ArchiveRecord.id.desc())
            .limit(1)
        ).scalar()
        customer = (
            session.execute(select(Customer).where(Customer.customer_id == owner)).scalar_one_or_none()
            if owner
            else None
        )
    else:
        raise InvalidInput(
            _("Give the customer ID, the certificate, or the former service number."),
            fields={"customer_id": _("One key is needed.")},
        )
    if customer is None:
        raise NotFound(_("No former customer matches in the archive."))
    if customer.status == CustomerStatus.ERASED:
        raise NotFound(
            _(
                "Customer {customer_id} asked for their data to be erased: there is nothing to restore. Register them as a new customer."
            ).format(customer_id=customer.customer_id),
            erased=True,
        )
    if customer.status not in RETURNABLE:
        raise Conflict(
            _("Customer {customer_id} is {status}, not terminated: nothing to re-establish.").format(
                customer_id=customer.customer_id, status=customer.status
            )
        )
    return customer


def _archive(uow: UnitOfWork, customer: Customer) -> tuple[ArchiveRecord | None, list[ArchiveRecord]]:
    records = (
        uow.session.execute(
            select(ArchiveRecord)
            .where(ArchiveRecord.customer_number == customer.customer_id, ArchiveRecord.erased_at.is_(None))
            .order_by(ArchiveRecord.id.desc())
        )
        .scalars()
        .all()
    )
    profile = next((r for r in records if r.kind == "customer"), None)
    return profile, [r for r in records if r.kind == "subscriber"]


def _recoverable(uow: UnitOfWork, record: ArchiveRecord) -> bool:
    entry = uow.session.execute(
        select(NumberPoolEntry).where(NumberPoolEntry.service_number == record.subject_key)
    ).scalar_one_or_none()
    if entry is None or entry.state != NumberState.FROZEN or entry.subscriber_id is None:
        return False
    if entry.frozen_until is not None and entry.frozen_until <= utcnow():
        return False  # the freeze has passed: the number goes back to the pool
    former = uow.session.get(Subscriber, entry.subscriber_id)
    return (
        former is not None
        and former.customer_id is not None
        and record.customer_number == _customer_id_of(uow, former.customer_id)
    )


def _customer_id_of(uow: UnitOfWork, pk: int) -> str | None:
    return uow.session.execute(select(Customer.customer_id).where(Customer.id == pk)).scalar()


def find_archived_customer(
    *,
    uow: UnitOfWork,
    actor: Actor,
    region: str,
    customer_id: str = "",
    cert_type: str = "",
    cert_number: str = "",
    cert_country: str = "",
    former_service_number: str = "",
) -> ArchivedCustomer:
    require_signed_in(actor, doing=_("look in the archive"))
    with uow:
        customer = _find_customer(
            uow,
            customer_id=customer_id,
            cert_type=cert_type,
            cert_number=cert_number,
            cert_country=cert_country,
            former_service_number=former_service_number,
            region=region,
        )
        profile, lines = _archive(uow, customer)
        interactions = len(
            uow.session.execute(select(Interaction.id).where(Interaction.customer_id == customer.id)).all()
        )
        kept = (
            sorted(
                k
                for k, v in (profile.payload if profile else {}).items()
                if v not in (None, [], "") and k not in BOOKKEEPING
            )
            if profile
            else []
        )
        return ArchivedCustomer(
            customer_id=customer.customer_id,
            name=customer.display_name,
            status=customer.status,
            consent=bool(profile and profile.consent),
            kept=kept,
            former_lines=[
                FormerLine(
                    service_number=r.subject_key or "",
                    offering=r.payload.get("offering"),
                    deactivated_at=r.payload.get("deactivated_at"),
                    recoverable=_recoverable(uow, r),
                )
                for r in lines
            ],
            interactions=interactions,
        )


class Reestablished(View):
    customer_id: str
    status: str
    restored: list[str]
    service_number: str | None
    number_recovered: bool


def reestablish_customer(
    *,
    uow: UnitOfWork,
    actor: Actor,
    region: str,
    customer_id: str = "",
    cert_type: str = "",
    cert_number: str = "",
    cert_country: str = "",
    former_service_number: str = "",
    offering: str = "",
    recover_number: bool = True,
    now: datetime | None = None,
) -> Reestablished:
    """Bring the customer back: profile, preferences and contacts from the archive (if kept), the
    same customer ID, the past interactions; with an offering, a line on the former number if it is
    still frozen for them (else the next free one)."""
    require_signed_in(actor, doing=_("re-establish customers"))
    now = now or utcnow()
    with uow:
        session = uow.session
        release_frozen_numbers(session)
        customer = _find_customer(
            uow,
            customer_id=customer_id,
            cert_type=cert_type,
            cert_number=cert_number,
            cert_country=cert_country,
            former_service_number=former_service_number,
            region=region,
        )
        profile, lines = _archive(uow, customer)
        restored = _restore_profile(uow, customer, profile.payload if profile and profile.consent else {})
        customer.status = CustomerStatus.IDLE.value
        customer.updated_at = now
        customer.version += 1
        session.add(customer)
        service_number, recovered = None, False
        if offering:
            ensure_catalog(session)
            product = session.execute(select(Offering).where(Offering.code == offering.upper())).scalar_one_or_none()
            if product is None:
                raise InvalidInput(
                    _("No offering {offering}.").format(offering=offering), fields={"offering": _("Unknown offering.")}
                )
            wanted = None
            if recover_number:
                wanted_record = next((r for r in lines if _recoverable(uow, r)), None)
                if wanted_record is not None:
                    entry = session.execute(
                        select(NumberPoolEntry).where(NumberPoolEntry.service_number == wanted_record.subject_key)
                    ).scalar_one()
                    entry.state, entry.frozen_until = NumberState.AVAILABLE.value, None
                    session.add(entry)
                    session.flush()
                    wanted = entry.service_number
            account = Account(
                account_code=f"21{next_number(session, 'account_code'):09d}",
                customer_id=customer.id,
                payment_type=product.payment_type,
                created_at=now,
            )
            session.add(account)
            session.flush()
            line = give_line(session, customer, product, account, wanted_number=wanted, now=now)
            service_number, recovered = line.service_number, wanted is not None
            customer.status = CustomerStatus.ACTIVE.value
        capture(
            session,
            customer.id,
            kind="reestablish",
            summary=_("Relationship re-established")
            + "; "
            + (
                _("restored {what}").format(
                    what=", ".join(_(RESTORED_WORDS[r]) if r in RESTORED_WORDS else r for r in restored)
                )
                if restored
                else _("nothing kept in the archive to restore")
            )
            + ("; " + _("former number {number} recovered").format(number=service_number) if recovered else ""),
            actor=actor,
            now=now,
        )
        outbox.emit(
            uow,
            "customer.reestablished",
            "customer",
            customer.customer_id,
            {"service_number": service_number, "number_recovered": recovered},
        )
        audit.record(
            uow,
            actor,
            "customer.reestablish",
            "customer",
            customer.customer_id,
            {"restored": restored, "number_recovered": recovered},
        )
        uow.commit()
        return Reestablished(
            customer_id=customer.customer_id,
            status=customer.status,
            restored=restored,
            service_number=service_number,
            number_recovered=recovered,
        )


def _restore_profile(uow: UnitOfWork, customer: Customer, kept: dict[str, Any]) -> list[str]:
    """Put back what the archive kept and the operational tables lost in the clean-up."""
    session = uow.session
    restored = []
    if (
        kept.get("contacts")
        and not session.execute(select(Contact.id).where(Contact.customer_id == customer.id)).first()
    ):
        for contact in kept["contacts"]:
            session.add(
                Contact(
                    customer_id=customer.id,
                    method=contact["method"],
                    value=contact["value"],
                    value_normalized=contact["value"].lower(),
                )
            )
        restored.append("contacts")  # i18n: not for people
    if (
        kept.get("addresses")
        and not session.execute(select(Address.id).where(Address.customer_id == customer.id)).first()
    ):
        for address in kept["addresses"]:
            session.add(
                Address(
                    customer_id=customer.id,
                    address_type=address.get("address_type") or "living",
                    detail=address["detail"],
                    city=address.get("city"),
                    postal_code=address.get("postal_code"),
                )
            )
        restored.append("addresses")  # i18n: not for people
    if kept.get("preferences"):
        preference = session.execute(
            select(Preference).where(Preference.customer_id == customer.id)
        ).scalar_one_or_none() or Preference(customer_id=customer.id)
        for key, value in kept["preferences"].items():
            if hasattr(preference, key) and key not in ("id", "customer_id"):
                setattr(preference, key, value)
        session.add(preference)
        restored.append("preferences")  # i18n: not for people
    for field in ("email", "mobile", "first_name", "middle_name", "last_name", "organization_name"):
        if kept.get(field) and not getattr(customer, field):
            setattr(customer, field, kept[field])
            restored.append(field)
    return restored

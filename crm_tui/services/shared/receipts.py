"""Receipts and refund vouchers: every payment (and every refund paid out) has a numbered receipt that
can be shown, and reprinted as text for a receipt printer or as a PDF (`receipt_documents`).

Receipts are made on demand from the payment, the charges it settled and the shop's header
(`crm_tui/data/receipts.json`), never stored: an erased customer leaves no receipt file behind
unless someone saved one, and a saved one under the data folder (`receipt_path`) is removed by the
erasure (`remove_receipt_files`). A reprint says REPRINT and is audited.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crm_tui.errors import InvalidInput, NotFound
from crm_tui.i18n import _
from crm_tui.services.shared import audit
from crm_tui.services.shared.permissions import require_signed_in
from crm_tui.services.shared.validation import clean_text, parse_customer_id
from crm_tui.services.shared.views import Actor, View
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.lines import Account
from crm_tui.storage.models.money import Charge, Payment
from crm_tui.storage.models.operators import Operator
from crm_tui.storage.unit_of_work import UnitOfWork

CENT = Decimal("0.01")
FORMS = ("text", "pdf")


class ReceiptLine(View):
    description: str
    amount: Decimal


class ReceiptSummary(View):
    """A row of a customer's receipts."""

    receipt_number: str
    kind: str
    """payment or refund."""
    issued_at: datetime
    method: str
    total: Decimal
    currency: str
    account_code: str


class ReceiptView(View):
    """Everything a receipt prints; the customer's name masked (initials)."""

    receipt_number: str
    kind: str
    issued_at: datetime
    customer_id: str
    customer_name: str
    account_code: str
    method: str
    currency: str
    items: list[ReceiptLine]
    total: Decimal
    vat_rate: Decimal | None
    vat_amount: Decimal | None
    net_amount: Decimal | None
    operator: str | None
    shop: str
    header: list[str]
    footer: str
    reprint: bool = False


@cache
def receipt_settings() -> dict[str, Any]:
    """The shop header, VAT rate and footer from the data folder."""
    return json.loads(resources.files("crm_tui.data").joinpath("receipts.json").read_text(encoding="utf-8"))


def masked_name(name: str) -> str:
    """`Lucía García Pérez` -> `L••• G••• P•••`: the customer recognises it, a bystander does not."""
    return " ".join(word[0] + "•••" for word in name.split()) or "•••"


def parse_receipt_number(value: str) -> str:
    number = clean_text(value, field="receipt", max_length=32).upper().replace(" ", "")
    if not number or not number[:2].isalpha() or not number[2:].isdigit():
        raise InvalidInput(
            _("A receipt number reads like RC000000012 (a refund voucher RF...)."),
            fields={"receipt": _("Like RC000000012.")},
        )
    return number


def list_receipts(customer_id: str, *, uow: UnitOfWork, actor: Actor | None) -> list[ReceiptSummary]:
    """The customer's payments and refunds, newest first."""
    require_signed_in(actor, doing=_("see receipts"))
    customer_id = parse_customer_id(customer_id)
    with uow:
        customer = uow.session.execute(select(Customer).where(Customer.customer_id == customer_id)).scalar_one_or_none()
        if customer is None:
            raise NotFound(_("No customer {customer_id}.").format(customer_id=customer_id))
        rows = uow.session.execute(
            select(Payment, Account.account_code)
            .join(Account, Account.id == Payment.account_id)
            .where(Account.customer_id == customer.id)
            .order_by(Payment.created_at.desc(), Payment.id.desc())
        ).all()
        return [
            ReceiptSummary(
                receipt_number=p.receipt_number,
                kind=p.kind,
                issued_at=p.created_at,
                method=p.method,
                total=p.amount,
                currency=p.currency,
                account_code=code,
            )
            for p, code in rows
        ]


def _build(uow: UnitOfWork, number: str, *, reprint: bool) -> ReceiptView:
    session = uow.session
    found = session.execute(
        select(Payment, Account, Customer)
        .join(Account, Account.id == Payment.account_id)
        .join(Customer, Customer.id == Account.customer_id)
        .where(Payment.receipt_number == number)
    ).first()
    if found is None:
        raise NotFound(_("No receipt {number}.").format(number=number))
    payment, account, customer = found
    operator = session.get(Operator, payment.operator_id) if payment.operator_id else None
    charges = session.execute(select(Charge).where(Charge.receipt_number == number).order_by(Charge.id)).scalars()
    items = [ReceiptLine(description=c.description or c.kind.capitalize(), amount=c.amount) for c in charges]
    rest = payment.amount - sum((item.amount for item in items), Decimal("0.00"))
    if rest != 0:
        items.append(
            ReceiptLine(description=_("Refund") if payment.kind == "refund" else _("Payment on account"), amount=rest)
        )
    settings = receipt_settings()
    rate = Decimal(settings["vat_rate"]) if settings.get("vat_rate") else None
    net = vat = None
    if rate is not None:
        net = (payment.amount / (1 + rate / 100)).quantize(CENT)
        vat = payment.amount - net
    return ReceiptView(
        receipt_number=payment.receipt_number,
        kind=payment.kind,
        issued_at=payment.created_at,
        customer_id=customer.customer_id,
        customer_name=masked_name(customer.display_name),
        account_code=account.account_code,
        method=payment.method,
        currency=payment.currency,
        items=items,
        total=payment.amount,
        vat_rate=rate,
        vat_amount=vat,
        net_amount=net,
        operator=operator.display_name if operator else None,
        shop=operator.shop if operator else "",
        header=[settings["operator"], *settings.get("address", []), settings.get("tax_id", "")],
        footer=settings.get("footer", ""),
        reprint=reprint,
    )


def get_receipt(receipt_number: str, *, uow: UnitOfWork, actor: Actor | None) -> ReceiptView:
    """One receipt as it was issued (to look at; printing it again is `reprint_receipt`)."""
    require_signed_in(actor, doing=_("see receipts"))
    number = parse_receipt_number(receipt_number)
    with uow:
        return _build(uow, number, reprint=False)


def reprint_receipt(receipt_number: str, *, uow: UnitOfWork, actor: Actor | None, form: str = "text") -> ReceiptView:
    """The receipt marked REPRINT, and an audit entry saying who reprinted it, when and as what."""
    actor = require_signed_in(actor, doing=_("reprint receipts"))
    if form not in FORMS:
        raise InvalidInput(_("A receipt is reprinted as text or pdf."), fields={"form": _("text or pdf.")})
    number = parse_receipt_number(receipt_number)
    with uow:
        view = _build(uow, number, reprint=True)
        audit.record(uow, actor, "receipt.reprint", "customer", view.customer_id, {"receipt": number, "form": form})
        uow.commit()
        return view


def receipt_path(data_dir: Path, receipt_number: str) -> Path:
    """Where the workbench saves a receipt's PDF: data_dir/receipts/<number>.pdf."""
    return data_dir / "receipts" / f"{receipt_number}.pdf"


def customer_receipt_numbers(uow: UnitOfWork, customer_pk: int) -> list[str]:
    """Every receipt number of the customer's accounts (the erasure removes their saved files)."""
    return list(
        uow.session.execute(
            select(Payment.receipt_number)
            .join(Account, Account.id == Payment.account_id)
            .where(Account.customer_id == customer_pk)
        ).scalars()
    )


def remove_receipt_files(data_dir: Path, numbers: list[str]) -> list[Path]:
    """Delete the saved receipt files of these receipts; returns the ones that remain (none, normally)."""
    left = []
    for number in numbers:
        path = receipt_path(data_dir, number)
        path.unlink(missing_ok=True)
        if path.exists():
            left.append(path)
    return left

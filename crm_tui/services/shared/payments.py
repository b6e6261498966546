"""Taking a payment at the counter: cash, card, or from the account's prepaid balance, with a
numbered receipt, settling the charges it pays (each settled charge names the receipt). One way for
every flow that takes money (deregistration, resumption, and whatever comes next), inside the
caller's transaction; `pay_out_refund` is the same for money handed back (a refund voucher).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from crm_tui.domain import ChargeStatus
from crm_tui.errors import Conflict, InvalidInput
from crm_tui.i18n import _
from crm_tui.services.shared.views import Actor
from crm_tui.storage.models.lines import Account
from crm_tui.storage.models.money import Charge, Payment
from crm_tui.storage.sequences import next_number

PAYMENT_METHODS = ("cash", "card", "account")


def take_payment(
    session: Session,
    account: Account,
    *,
    amount: Decimal,
    method: str,
    actor: Actor | None,
    now: datetime,
    settles: Iterable[Charge] = (),
) -> Payment:
    """Take `amount` by `method` and mark `settles` paid; the Payment carries the receipt number.

    From the account, the prepaid balance must cover it (a Conflict at `payment_method` otherwise).
    """
    if method not in PAYMENT_METHODS:
        raise InvalidInput(
            _("Unknown payment method {method}; one of {methods}.").format(
                method=repr(method), methods=", ".join(PAYMENT_METHODS)
            ),
            fields={"payment_method": _("Choose cash, card or account.")},
        )
    if method == "account":
        if account.balance < amount:
            raise Conflict(
                _("The account balance {balance} does not cover {amount}.").format(
                    balance=account.balance, amount=amount
                ),
                fields={"payment_method": _("Balance too low.")},
            )
        account.balance -= amount
        session.add(account)
    payment = Payment(
        receipt_number=f"RC{next_number(session, 'receipt_number'):09d}",
        account_id=account.id,
        amount=amount,
        currency=account.currency,
        method=method,
        operator_id=actor.id if actor else None,
        created_at=now,
    )
    session.add(payment)
    for charge in settles:
        charge.status = ChargeStatus.PAID.value
        charge.receipt_number = payment.receipt_number
        session.add(charge)
    return payment


def pay_out_refund(
    session: Session,
    account: Account,
    *,
    amount: Decimal,
    description: str,
    actor: Actor | None,
    now: datetime,
    method: str = "cash",
) -> Payment:
    """Money handed back (a prepaid balance refunded in cash): a negative payment with its own voucher
    number (`RF...`, from the receipts' sequence) and the refund charge it settles."""
    if amount <= 0:
        raise InvalidInput(_("A refund is a positive amount."), fields={"amount": _("More than zero.")})
    payment = Payment(
        receipt_number=f"RF{next_number(session, 'receipt_number'):09d}",
        kind="refund",
        account_id=account.id,
        amount=-amount,
        currency=account.currency,
        method=method,
        operator_id=actor.id if actor else None,
        created_at=now,
    )
    session.add(payment)
    session.add(
        Charge(
            account_id=account.id,
            kind="refund",
            description=description,
            amount=-amount,
            currency=account.currency,
            status=ChargeStatus.PAID.value,
            created_at=now,
            receipt_number=payment.receipt_number,
        )
    )
    return payment

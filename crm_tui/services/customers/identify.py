"""The identify box: recognise whatever key the customer hands over, then search by it (UX.md)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from stdnum import imsi as stdnum_imsi

from crm_tui.domain import KeyKind
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.services.customers.search import CustomerQuery, search_customers
from crm_tui.services.shared.validation import (
    EMAIL_PATTERN,
    clean_text,
    is_customer_id,
    is_iccid,
)
from crm_tui.services.shared.views import Actor, CustomerPage
from crm_tui.storage.unit_of_work import UnitOfWork

SOCIAL_HINT = re.compile(r"^(@|[A-Za-z]{1,16}:@?)[^\s:@]\S*$")
"""`@handle` or `provider:handle` (a social account); a bare handle reads as a name or document."""
CERT_TOKEN = re.compile(r"^(?=.*\d)[A-Za-z0-9\-./ ]{4,40}$")


@dataclass(frozen=True)
class RecognisedKey:
    kind: KeyKind
    query: CustomerQuery


def recognise_key(raw: str, *, region: str) -> RecognisedKey:
    """Which kind of key `raw` is, in the order of UX.md; anything else is a name."""
    value = clean_text(raw, field="key")
    if not value:
        raise InvalidInput(
            _("Type a customer ID, number, document or name."), fields={"key": _("Type something to look for.")}
        )
    compact = re.sub(r"[\s\-]", "", value)
    if is_customer_id(compact):
        return RecognisedKey(KeyKind.CUSTOMER_ID, CustomerQuery(customer_id=compact))
    if EMAIL_PATTERN.fullmatch(value):
        return RecognisedKey(KeyKind.EMAIL, CustomerQuery(email=value))
    if SOCIAL_HINT.fullmatch(value):
        return RecognisedKey(KeyKind.SOCIAL, CustomerQuery(social=value))
    if compact.isdigit() and len(compact) == 15 and stdnum_imsi.is_valid(compact):
        return RecognisedKey(KeyKind.IMSI, CustomerQuery(imsi=compact))
    if compact.isdigit() and 18 <= len(compact) <= 20 and is_iccid(compact):
        return RecognisedKey(KeyKind.ICCID, CustomerQuery(iccid=compact))
    if re.fullmatch(r"\+?[\d\s\-().]{6,20}", value) and _is_phone(value, region):
        return RecognisedKey(KeyKind.SERVICE_NUMBER, CustomerQuery(service_number=value))
    if CERT_TOKEN.fullmatch(value):
        return RecognisedKey(KeyKind.CERTIFICATE, CustomerQuery(cert_number=value))
    return RecognisedKey(KeyKind.NAME, CustomerQuery(name=value))


def _is_phone(value: str, region: str) -> bool:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(number)


def identify_customer(raw: str, *, uow: UnitOfWork, actor: Actor, region: str, page_size: int = 50) -> CustomerPage:
    """Search by whatever key this is; the page says which kind it was taken for."""
    key = recognise_key(raw, region=region)
    page = search_customers(key.query, uow=uow, actor=actor, region=region, page_size=page_size)
    return page.model_copy(update={"key_kind": key.kind.value})

"""The TM Forum shapes of a customer: TMF629 v4 `Customer` and TMF632 v4 `Individual` / `Organization`.

Built from one exported record (export.py) and checked in the tests against the official swagger
documents in tests/tmf, every object closed. What goes where, and why:
- the customer's own email, phones and postal addresses are `contactMedium` (`mediumType` email,
  phone or postalAddress, with `contactType`: mobile, landline, the address type...);
- contacts that are other persons (they have a name: a family member, an emergency contact, a
  company's contact person) are `relatedParty` entries with their role, never the customer's own
  contact media (a consumer would call the wrong person); how to reach them, and their names, go in
  a `relatedPartyDetail` characteristic keyed by the related party's id (`Characteristic.value` is
  free-form in both APIs, the `relatedParty` reference is closed);
- `engagedParty` is the TMF632 party with its own id (`P` + the customer number) and an absolute
  `href` on `CRM_API_BASE_URL`; the customer's `href` is absolute too;
- a terminated or archived customer's `validFor` is closed (when the relationship ended) and
  `statusReason` carries the termination reason; other customers carry our state word there;
- numbers are JSON numbers (`creditLimit`), dates of birth `YYYY-MM-DD` in TMF629 characteristics
  and a date-time at midnight UTC in TMF632's `birthDate` (the schema says date-time).
The reverse (TMF629 back to the import format) is identity/import_tmf.py, with the names defined here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from crm_tui.storage.models.customers import Address, Certificate, Contact, Customer, Preference

CUSTOMER_PATH = "/tmf-api/customerManagement/v4/customer"
PARTY_PATH = "/tmf-api/partyManagement/v4"
TMF629_STATUS = {
    "active": "Approved",
    "idle": "Approved",
    "suspended": "Suspended",
    "terminated": "Terminated",
    "archived": "Terminated",
}
"""Our lifecycle in the words TMF629 examples use (`status` is free text there); ours goes in statusReason."""
ENDED = ("terminated", "archived")
PHONE_METHODS = ("mobile", "landline")
MEDIUM_OF_METHOD = {"mobile": "phone", "landline": "phone", "email": "email", "social": "socialNetwork"}
KEY_OF_MEDIUM = {"phone": "phoneNumber", "email": "emailAddress", "socialNetwork": "socialNetworkId"}
RELATED_DETAIL = "relatedPartyDetail"
"""The characteristic that says how to reach a related party (a contact person) and their names."""


def party_id(customer_id: str) -> str:
    """The TMF632 party of customer C0000000018 is P0000000018: its own id, found again from either side."""
    return f"P{customer_id[1:]}"


def party_kind(customer: Customer) -> str:
    return "Organization" if customer.type == "organization" else "Individual"


def customer_href(base: str, customer_id: str) -> str:
    return f"{base}{CUSTOMER_PATH}/{customer_id}"


def party_href(base: str, customer: Customer) -> str:
    return f"{base}{PARTY_PATH}/{party_kind(customer).lower()}/{party_id(customer.customer_id)}"


def when(value: datetime | date | None) -> str | None:
    """RFC 3339 in UTC with a Z (a date is its midnight UTC)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def number(value: Decimal | None) -> int | float | None:
    """Money as a JSON number: an integer when whole."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def e164(stored: str) -> str:
    """A stored phone number (E.164 digits) as E.164 with its plus."""
    return f"+{stored}" if stored.isdigit() else stored


def clean(document: dict[str, Any]) -> dict[str, Any]:
    """Without empty values: a resource says only what is known."""
    return {k: v for k, v in document.items() if v not in (None, "", [], {})}


def is_other_person(contact: Contact) -> bool:
    """A contact with a person's name is someone else (family, emergency, a company's contact person)."""
    return bool(contact.first_name or contact.last_name)


def _characteristic(name: str, value: Any, value_type: str = "string") -> dict[str, Any]:
    return {"name": name, "value": value, "valueType": value_type}


# --- pieces both APIs share ------------------------------------------------------------------------------


def contact_media(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The customer's own ways to be reached (never another person's)."""
    c: Customer = record["customer"]
    media: list[dict[str, Any]] = []
    if c.email:
        media.append(
            {
                "mediumType": "email",
                "preferred": True,
                "characteristic": {
                    "contactType": "work" if c.type == "organization" else "personal",
                    "emailAddress": c.email,
                },
                "@type": "ContactMedium",
            }
        )
    if c.mobile:
        media.append(
            {
                "mediumType": "phone",
                "preferred": not c.email,
                "characteristic": {"contactType": "mobile", "phoneNumber": e164(c.mobile)},
                "@type": "ContactMedium",
            }
        )
    for k in record["contacts"]:
        if is_other_person(k):
            continue
        medium = MEDIUM_OF_METHOD.get(k.method, "socialNetwork")
        value = e164(k.value_normalized) if k.method in PHONE_METHODS else k.value
        kind = k.method if k.method in PHONE_METHODS and k.contact_type == "primary" else k.contact_type
        media.append(
            {
                "mediumType": medium,
                "preferred": False,
                "characteristic": {"contactType": kind, KEY_OF_MEDIUM[medium]: value},
                "@type": "ContactMedium",
            }
        )
    for a in record["addresses"]:
        media.append(
            {
                "mediumType": "postalAddress",
                "preferred": a.address_type in ("living", "registered"),
                "characteristic": clean(_postal(a)),
                "@type": "ContactMedium",
            }
        )
    return media


def _postal(a: Address) -> dict[str, Any]:
    return {
        "contactType": a.address_type,
        "street1": a.detail,
        "street2": a.contact_point,
        "city": a.city,
        "stateOrProvince": a.region,
        "postCode": a.postal_code,
        "country": a.country,
    }


def related_parties(record: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Contacts that are other persons: (relatedParty references, relatedPartyDetail characteristics)."""
    c: Customer = record["customer"]
    refs: list[dict[str, Any]] = []
    details: list[dict[str, Any]] = []
    others = [k for k in record["contacts"] if is_other_person(k)]
    for position, k in enumerate(others, start=1):
        related = f"{party_id(c.customer_id)}-R{position}"
        name = " ".join(p for p in (k.first_name, k.middle_name, k.last_name) if p)
        refs.append(
            {
                "id": related,
                "name": name,
                "role": k.contact_type,
                "@referredType": "Individual",
                "@type": "RelatedParty",
            }
        )
        medium = MEDIUM_OF_METHOD.get(k.method, "socialNetwork")
        value = e164(k.value_normalized) if k.method in PHONE_METHODS else k.value
        details.append(
            _characteristic(
                RELATED_DETAIL,
                clean(
                    {
                        "relatedPartyId": related,
                        "role": k.contact_type,
                        "title": k.title,
                        "givenName": k.first_name,
                        "middleName": k.middle_name,
                        "familyName": k.last_name,
                        "contactMedium": {
                            "mediumType": medium,
                            "characteristic": {"contactType": k.method, KEY_OF_MEDIUM[medium]: value},
                        },
                    }
                ),
                "object",
            )
        )
    return refs, details


def _primary(certificates: list[Certificate]) -> Certificate | None:
    primaries = [c for c in certificates if c.is_primary]
    return (primaries or certificates or [None])[0]


def _preference_characteristics(prefs: Preference | None) -> list[dict[str, Any]]:
    if prefs is None:
        return []
    found = [
        _characteristic(n, v)
        for n, v in (
            ("preferredLanguage", prefs.language),
            ("writtenLanguage", prefs.written_language),
            ("currency", prefs.currency),
        )
        if v
    ]
    dnd = clean({"channel": prefs.dnd_channel, "days": prefs.dnd_days, "start": prefs.dnd_start, "end": prefs.dnd_end})
    return found + ([_characteristic("doNotDisturb", dnd, "object")] if dnd else [])


# --- TMF629 Customer ---------------------------------------------------------------------------------------


def tmf629_customer(record: dict[str, Any], *, base: str) -> dict[str, Any]:
    """One TMF629 v4 Customer resource."""
    c: Customer = record["customer"]
    refs, details = related_parties(record)
    ended = c.status in ENDED
    characteristics = [
        _characteristic(name, value)
        for name, value in (
            ("customerType", c.type),
            ("givenName", c.first_name),
            ("middleName", c.middle_name),
            ("familyName", c.last_name),
            ("gender", c.gender),
            ("title", c.title),
            ("nationality", c.nationality),
            ("placeOfBirth", c.birthplace),
            ("creditLevel", c.credit_level),
        )
        if value
    ]
    if c.birthday:
        characteristics.append(_characteristic("birthDate", c.birthday.isoformat(), "date"))
    if c.credit_limit is not None:
        characteristics.append(_characteristic("creditLimit", number(c.credit_limit), "number"))
    for cert in record["certificates"]:
        characteristics.append(
            _characteristic(
                "identification",
                clean(
                    {
                        "identificationType": cert.cert_type,
                        "identificationId": cert.cert_number,
                        "issuingCountry": cert.cert_country,
                        "isPrimary": cert.is_primary,
                        "validUntil": cert.expires_on.isoformat() if cert.expires_on else None,
                    }
                ),
                "object",
            )
        )
    characteristics += _preference_characteristics((record["preferences"] or [None])[0])
    characteristics += [
        _characteristic("socialAccount", {"provider": s.provider, "subject": s.subject}, "object")
        for s in record["social_accounts"]
    ]
    characteristics += details
    resource = {
        "id": c.customer_id,
        "href": customer_href(base, c.customer_id),
        "name": c.display_name,
        "status": TMF629_STATUS.get(c.status, c.status),
        "statusReason": (record.get("end_reason") or c.status) if ended else c.status,
        "validFor": clean(
            {
                "startDateTime": when(c.created_at),
                "endDateTime": when(record.get("ended_at") or c.updated_at) if ended else None,
            }
        ),
        "engagedParty": {
            "id": party_id(c.customer_id),
            "href": party_href(base, c),
            "name": c.display_name,
            "role": "Customer",
            "@referredType": party_kind(c),
            "@type": "RelatedParty",
        },
        "contactMedium": contact_media(record),
        "relatedParty": refs,
        "account": [
            {
                "id": a.account_code,
                "name": f"{a.payment_type} account",
                "@referredType": "BillingAccount",
                "@type": "AccountRef",
            }
            for a in record["accounts"]
        ],
        "characteristic": characteristics,
        "@type": "Customer",
    }
    return clean(resource)


# --- TMF632 Individual / Organization ----------------------------------------------------------------------


def tmf632_party(record: dict[str, Any], *, base: str) -> dict[str, Any]:
    """The TMF632 v4 party a customer's engagedParty points at: an Individual or an Organization."""
    c: Customer = record["customer"]
    refs, details = related_parties(record)
    refs.insert(
        0,
        {
            "id": c.customer_id,
            "href": customer_href(base, c.customer_id),
            "name": c.display_name,
            "role": "Customer",
            "@referredType": "Customer",
            "@type": "RelatedParty",
        },
    )
    prefs: Preference | None = (record["preferences"] or [None])[0]
    characteristics = [
        _characteristic("socialAccount", {"provider": s.provider, "subject": s.subject}, "object")
        for s in record["social_accounts"]
    ]
    characteristics += details
    identifications = [
        clean(
            {
                "identificationId": cert.cert_number,
                "identificationType": cert.cert_type,
                "issuingAuthority": cert.cert_country,
                "validFor": {"endDateTime": when(cert.expires_on)} if cert.expires_on else None,
                "@type": "IndividualIdentification" if c.type != "organization" else "OrganizationIdentification",
            }
        )
        for cert in record["certificates"]
    ]
    common = {
        "id": party_id(c.customer_id),
        "href": party_href(base, c),
        "contactMedium": contact_media(record),
        "relatedParty": refs,
        "partyCharacteristic": characteristics,
        "externalReference": [{"externalReferenceType": "customerId", "name": c.customer_id}],
    }
    if c.type == "organization":
        return clean(
            common
            | {
                "name": c.organization_name or c.display_name,
                "isLegalEntity": True,
                "organizationType": "company",
                "organizationIdentification": identifications,
                "status": "closed" if c.status in ENDED else "validated",
                "@type": "Organization",
            }
        )
    languages = []
    if prefs and prefs.language:
        languages.append({"languageCode": prefs.language, "isFavouriteLanguage": True})
    if prefs and prefs.written_language and prefs.written_language != (prefs.language or ""):
        languages.append({"languageCode": prefs.written_language, "isFavouriteLanguage": False})
    return clean(
        common
        | {
            "givenName": c.first_name,
            "middleName": c.middle_name,
            "familyName": c.last_name,
            "fullName": c.display_name,
            "title": c.title,
            "gender": c.gender,
            "birthDate": when(c.birthday),
            "nationality": c.nationality,
            "placeOfBirth": c.birthplace,
            "individualIdentification": identifications,
            "languageAbility": languages,
            "status": "validated",
            "@type": "Individual",
        }
    )

"""A TMF629 v4 Customer resource read back into the import format (CLI.md), so another system's
TMF629 export, or ours (`customers export --format tmf629`), imports like a JSON Lines row.

The reverse of services/customers/tmf.py: names from the `givenName` / `middleName` /
`familyName` characteristics (else the resource's `name` split at its first space; an
Organization's `name` is its legal name); the certificate from the primary `identification`
characteristic; email, mobile and postal addresses from `contactMedium` (the preferred living or
registered address becomes `address`, the others `addresses`); other persons from `relatedParty`
with the `relatedPartyDetail` characteristic that says how to reach them; languages, currency,
do-not-disturb and social accounts from their characteristics. What the import format cannot hold
(accounts, credit level, status) is not read: the target database decides those itself.
"""

from __future__ import annotations

from typing import Any

from crm_tui.services.customers.tmf import KEY_OF_MEDIUM, RELATED_DETAIL

PHONE_KINDS = ("mobile", "landline")


def is_tmf629(value: dict[str, Any]) -> bool:
    return value.get("@type") == "Customer" or "engagedParty" in value


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _characteristics(resource: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """(the first value of each name, every (name, value) in order)."""
    every = [
        (str(item.get("name", "")), item.get("value"))
        for item in resource.get("characteristic") or []
        if isinstance(item, dict)
    ]
    first: dict[str, Any] = {}
    for name, value in every:
        first.setdefault(name, value)
    return first, every


def row_from_tmf629(resource: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """The import-format row of one Customer resource, or why it cannot be read."""
    first, every = _characteristics(resource)
    party = resource.get("engagedParty") if isinstance(resource.get("engagedParty"), dict) else {}
    organization = party.get("@referredType") == "Organization" or first.get("customerType") == "organization"
    row: dict[str, Any] = {"type": "organization" if organization else "individual"}
    name = _text(resource.get("name") or party.get("name"))
    if organization:
        row["organization_name"] = name
    else:
        given, family = _text(first.get("givenName")), _text(first.get("familyName"))
        if not (given or family) and name:
            given, _, family = name.partition(" ")
        row |= {"first_name": given, "middle_name": _text(first.get("middleName")), "last_name": family}
    identifications = [v for n, v in every if n == "identification" and isinstance(v, dict)]
    identifications.sort(key=lambda v: not v.get("isPrimary", False))
    if identifications:
        cert = identifications[0]
        row |= {
            "cert_type": _text(cert.get("identificationType")),
            "cert_number": _text(cert.get("identificationId")),
            "cert_country": _text(cert.get("issuingCountry")),
        }
    for key, name_ in (
        ("gender", "gender"),
        ("title", "title"),
        ("nationality", "nationality"),
        ("birthplace", "placeOfBirth"),
        ("language", "preferredLanguage"),
        ("written_language", "writtenLanguage"),
    ):
        row[key] = _text(first.get(name_))
    birth = _text(first.get("birthDate"))
    row["birthday"] = birth[:10]
    _media(resource, row)
    _preferences(first, every, row)
    contacts = _related(resource, every)
    if contacts:
        row["contacts"] = [*row.get("contacts", []), *contacts]
    return {k: v for k, v in row.items() if v not in ("", None, [], {})}, None


def _media(resource: dict[str, Any], row: dict[str, Any]) -> None:
    addresses: list[dict[str, Any]] = []
    own_contacts: list[dict[str, Any]] = []
    for medium in resource.get("contactMedium") or []:
        if not isinstance(medium, dict) or not isinstance(medium.get("characteristic"), dict):
            continue
        kind = _text(medium.get("mediumType")).lower()
        traits = medium["characteristic"]
        contact_type = _text(traits.get("contactType"))
        if kind == "email" and traits.get("emailAddress"):
            if "email" not in row:
                row["email"] = _text(traits["emailAddress"])
            else:
                own_contacts.append(
                    {
                        "contact_type": contact_type or "primary",
                        "method": "email",
                        "value": _text(traits["emailAddress"]),
                    }
                )
        elif kind in ("phone", "mobile", "telephone") and traits.get("phoneNumber"):
            if "mobile" not in row and contact_type in ("mobile", ""):
                row["mobile"] = _text(traits["phoneNumber"])
            else:
                method = contact_type if contact_type in PHONE_KINDS else "mobile"
                own_type = "primary" if contact_type in PHONE_KINDS or not contact_type else contact_type
                own_contacts.append({"contact_type": own_type, "method": method, "value": _text(traits["phoneNumber"])})
        elif kind == "socialnetwork" and traits.get("socialNetworkId"):
            own_contacts.append(
                {
                    "contact_type": contact_type or "primary",
                    "method": "social",
                    "value": _text(traits["socialNetworkId"]),
                }
            )
        elif kind == "postaladdress" and traits.get("street1"):
            addresses.append(
                {
                    "address_type": contact_type or "living",
                    "detail": _text(traits.get("street1")),
                    "contact_point": _text(traits.get("street2")),
                    "city": _text(traits.get("city")),
                    "region": _text(traits.get("stateOrProvince")),
                    "postal_code": _text(traits.get("postCode")),
                    "country": _text(traits.get("country")),
                    "_preferred": bool(medium.get("preferred")),
                }
            )
    living = next((a for a in addresses if a["address_type"] == "living"), None)
    if living is not None:
        addresses.remove(living)
        row |= {
            "address": living["detail"],
            "city": living["city"],
            "region": living["region"],
            "postal_code": living["postal_code"],
        }
    identity = next((a for a in addresses if a["address_type"] == "id"), None)
    if identity is not None:
        addresses.remove(identity)
        row["id_address"] = identity["detail"]
    row["addresses"] = [
        {k: v for k, v in a.items() if v not in ("", None) and not k.startswith("_")} for a in addresses
    ]
    row["contacts"] = own_contacts


def _preferences(first: dict[str, Any], every: list[tuple[str, Any]], row: dict[str, Any]) -> None:
    dnd = first.get("doNotDisturb") if isinstance(first.get("doNotDisturb"), dict) else {}
    preferences = {
        "currency": _text(first.get("currency")),
        "language": row.get("language", ""),
        "written_language": row.get("written_language", ""),
        "dnd_channel": _text(dnd.get("channel")),
        "dnd_days": _text(dnd.get("days")),
        "dnd_start": _text(dnd.get("start")),
        "dnd_end": _text(dnd.get("end")),
    }
    preferences = {k: v for k, v in preferences.items() if v}
    if preferences:
        row["preferences"] = preferences
    row["social_accounts"] = [
        {"provider": _text(v.get("provider")), "subject": _text(v.get("subject"))}
        for n, v in every
        if n == "socialAccount" and isinstance(v, dict)
    ]


def _related(resource: dict[str, Any], every: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Other persons: a relatedParty with the detail that says how to reach them (else not a contact)."""
    details = {_text(v.get("relatedPartyId")): v for n, v in every if n == RELATED_DETAIL and isinstance(v, dict)}
    contacts = []
    for party in resource.get("relatedParty") or []:
        if not isinstance(party, dict):
            continue
        detail = details.get(_text(party.get("id")))
        medium = detail.get("contactMedium") if detail else None
        if not isinstance(medium, dict) or not isinstance(medium.get("characteristic"), dict):
            continue
        traits = medium["characteristic"]
        key = KEY_OF_MEDIUM.get(_text(medium.get("mediumType")))
        if not key or not traits.get(key):
            continue
        contacts.append(
            {
                k: v
                for k, v in {
                    "contact_type": _text(party.get("role") or detail.get("role")) or "primary",
                    "title": _text(detail.get("title")),
                    "first_name": _text(detail.get("givenName")),
                    "middle_name": _text(detail.get("middleName")),
                    "last_name": _text(detail.get("familyName")),
                    "method": _text(traits.get("contactType")) or "mobile",
                    "value": _text(traits[key]),
                }.items()
                if v
            }
        )
    return contacts

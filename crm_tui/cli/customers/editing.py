"""`crm-tui customers update | document-seen`: change a profile after registration, version-checked, and
record an ID document inspected in person (issue 13.1 and 13.2).

`update --file` takes a patch in the shape registration files use (README "Changing a customer from
scripts"); the field options cover the common cases and win over the file's keys.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crm_tui.cli.options import ConfirmDifferent, Json, build_document, read_text
from crm_tui.cli.output import print_json, print_table, reports_errors, say, show_error
from crm_tui.cli.session import checked_early, invocation
from crm_tui.domain import CertType
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _
from crm_tui.present import day

if TYPE_CHECKING:
    from crm_tui.services.identity.profile_patch import ProfilePatch

FIELD_OPTIONS = {
    "address_line": "address",
    "city": "city",
    "region": "region",
    "postal_code": "postal_code",
    "email": "email",
    "mobile": "mobile",
    "language": "language",
    "written_language": "written_language",
    "first_name": "first_name",
    "middle_name": "middle_name",
    "last_name": "last_name",
    "birthday": "birthday",
    "nationality": "nationality",
}
"""Option (parameter name) to the patch key it sets."""


def _read_patch(file: str, options: dict[str, str | None], confirm_different: list[str]) -> ProfilePatch:
    """The file's patch (if any) with the field options over it; bad shape -> exit 2 with the field."""
    from crm_tui.services.identity.profile_patch import ProfilePatch

    document: dict[str, Any] = {}
    if file:
        raw = read_text(file)
        try:
            loaded = json.loads(raw)
        except json.JSONDecodeError as error:
            raise InvalidInput(
                _("{file} is not JSON: {reason} at line {line}, column {column}.").format(
                    file=file, reason=error.msg, line=error.lineno, column=error.colno
                ),
                fields={"file": _("Not JSON.")},
            ) from None
        if not isinstance(loaded, dict):
            raise InvalidInput(_("The patch is one JSON object."), fields={"file": _("One JSON object expected.")})
        document = loaded
    for option, key in FIELD_OPTIONS.items():
        if options.get(option) is not None:
            document[key] = options[option]
    if confirm_different:
        document["confirmed_different_from"] = [*document.get("confirmed_different_from", []), *confirm_different]
    if not document:
        raise InvalidInput(
            _("Nothing to change: give --file PATCH.json or a field option (--email, --address-line ...)."),
            fields={"file": _("Required without field options.")},
        )
    return build_document(
        ProfilePatch,
        document,
        unknown=_("Not a field of a profile patch."),
        refused=_("The patch does not follow the import format (see the README)."),
    )


def _text_option(flag: str, what: str, example: str) -> Any:
    return typer.Option(flag, help=f"{what}. Example: {flag} {example}")


@reports_errors
def customers_update(
    customer_id: Annotated[str, typer.Argument(metavar="ID", help="The customer to change. Example: C0000000018")],
    file: Annotated[
        str,
        typer.Option(
            "--file",
            metavar="PATCH.json",
            help="The keys to change, in the import format (README); `-` reads stdin. Example: --file patch.json",
        ),
    ] = "",
    expect_version: Annotated[
        int | None,
        typer.Option(
            "--expect-version",
            metavar="N",
            help="Refuse (exit 3) if the customer is no longer at this version (`customers show --json`). "
            "Example: --expect-version 4",
        ),
    ] = None,
    address_line: Annotated[
        str | None, _text_option("--address-line", "The new living address's street line", "'Calle Mayor 5, 2º B'")
    ] = None,
    city: Annotated[str | None, _text_option("--city", "City of the living address", "Madrid")] = None,
    region: Annotated[
        str | None, _text_option("--region", "Region of the living address", "'Comunidad de Madrid'")
    ] = None,
    postal_code: Annotated[
        str | None, _text_option("--postal-code", "Postal code of the living address", "28013")
    ] = None,
    email: Annotated[str | None, _text_option("--email", "Email; empty removes it", "lucia@example.com")] = None,
    mobile: Annotated[str | None, _text_option("--mobile", "Mobile, national or +E.164", "612345678")] = None,
    language: Annotated[str | None, _text_option("--language", "IVR (spoken) language code", "ca")] = None,
    written_language: Annotated[str | None, _text_option("--written-language", "Written language code", "es")] = None,
    first_name: Annotated[str | None, _text_option("--first-name", "First name", "Lucía")] = None,
    middle_name: Annotated[str | None, _text_option("--middle-name", "Middle name", "María")] = None,
    last_name: Annotated[str | None, _text_option("--last-name", "Last name(s)", "'García Pérez'")] = None,
    birthday: Annotated[str | None, _text_option("--birthday", "Birthday, YYYY-MM-DD", "1988-04-12")] = None,
    nationality: Annotated[str | None, _text_option("--nationality", "Nationality, ISO alpha-2", "ES")] = None,
    confirm_different: ConfirmDifferent = None,
    as_json: Json = False,
) -> None:
    """Change a customer's profile with the checks of registration; version-checked.

    Exit 0 changed, 2 field errors, 3 changed elsewhere since --expect-version (or the new identity belongs to, or looks like, another customer), 5 no such customer.

    Example: crm-tui customers update C0000000018 --address-line 'Calle Nueva 7' --city Madrid --postal-code 28001
    """
    from crm_tui.services.identity.near_matches import PossibleDuplicates
    from crm_tui.services.identity.profile_edit import update_profile

    options = {
        "address_line": address_line,
        "city": city,
        "region": region,
        "postal_code": postal_code,
        "email": email,
        "mobile": mobile,
        "language": language,
        "written_language": written_language,
        "first_name": first_name,
        "middle_name": middle_name,
        "last_name": last_name,
        "birthday": birthday,
        "nationality": nationality,
    }
    # bad input answers before any sign-in
    patch = checked_early(lambda: _read_patch(file, options, confirm_different or []))
    run = invocation()
    settings = run.settings
    try:
        result = update_profile(
            customer_id,
            patch,
            uow=run.services().writer(),
            actor=run.actor(),
            region=settings.default_region,
            expected_version=expect_version,
            min_age=settings.min_customer_age,
            now=datetime.now(UTC),
            data_dir=settings.data_dir,
        )
    except PossibleDuplicates as error:
        show_error(error, as_json=as_json)
        if not as_json:
            say(_("If each of them is another person, run again with --confirm-different ID for each."))
        raise typer.Exit(error.exit_code) from None
    if as_json:
        print_json(result)
        return
    rows = [(_("Customer ID"), result.customer_id), (_("Version"), str(result.version))]
    rows += [(_("Changed"), ", ".join(c.replace("_", " ") for c in result.changed) or _("nothing"))]
    rows += [(_("Warning"), warning) for warning in result.warnings]
    print_table(_("Profile changed"), [_("Field"), _("Value")], rows)


@reports_errors
def customers_document_seen(
    customer_id: Annotated[
        str, typer.Argument(metavar="ID", help="The customer whose ID document was inspected. Example: C0000000018")
    ],
    as_json: Json = False,
) -> None:
    """Record that the customer's ID document was inspected in person (type, last digits, expiry).

    Example: crm-tui customers document-seen C0000000018 --json
    """
    from crm_tui.services.identity.document_seen import record_document_seen

    run = invocation()
    seen = record_document_seen(customer_id, uow=run.services().writer(), actor=run.actor())
    if as_json:
        print_json(seen)
        return
    expiry = (_("expired {day}") if seen.expired else _("expires {day}")).format(day=day(seen.expires_on))
    say(
        _("Inspected: {document} •••• {last_digits}, {expiry}.").format(
            document=CertType(seen.cert_type).label, last_digits=seen.last_digits, expiry=expiry
        )
    )

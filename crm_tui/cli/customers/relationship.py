"""`crm-tui customers terminate | reestablish | erase`: the end of the relationship, and its return."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from crm_tui.cli.options import Json, Yes
from crm_tui.cli.orders import print_order
from crm_tui.cli.output import phone, print_json, print_table, reports_errors, say
from crm_tui.cli.session import confirm, invocation
from crm_tui.domain import QueueName, TerminationReason
from crm_tui.errors import Held, InvalidInput
from crm_tui.i18n import _


@reports_errors
def customers_terminate(
    customer_id: Annotated[str, typer.Argument(metavar="ID", help="The customer to terminate. Example: C0000000018")],
    reason: Annotated[
        TerminationReason,
        typer.Option("--reason", help="Why the relationship ends. Example: --reason customer_request"),
    ],
    archive_consent: Annotated[
        Literal["yes", "no"],
        typer.Option(
            "--archive-consent",
            help="yes: keep the profile in the archive; no: only what the policy requires. Example: --archive-consent no",
        ),
    ],
    number_mode: Annotated[
        Literal["immediate", "freeze"],
        typer.Option(
            "--number-mode",
            help="immediate: numbers back to the pool; freeze: kept for the customer a while. Example: --number-mode freeze",
        ),
    ] = "freeze",
    sim: Annotated[
        Literal["reuse", "abandon"],
        typer.Option("--sim", help="reuse: SIM cards back to stock; abandon: destroyed. Example: --sim abandon"),
    ] = "abandon",
    blacklist: Annotated[
        bool,
        typer.Option(
            "--blacklist",
            help="With --reason fraud: also add the proposed blacklist entry (supervisors). Example: --blacklist",
        ),
    ] = False,
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """End the whole relationship: every live line in one order, archive (with consent) and clean-up.

    For fraud, the blacklist entry is proposed: printed as a `blacklist add` command, or added with --blacklist.

    Example: crm-tui customers terminate C0000000018 --reason customer_request --archive-consent yes --yes
    """
    from crm_tui.services.identity.blacklist import add_blacklist_entry
    from crm_tui.services.lifecycle.termination import terminate_customer
    from crm_tui.services.shared.permissions import SUPERVISORS, require_role

    run = invocation()
    if blacklist:
        if reason != TerminationReason.FRAUD:
            raise InvalidInput(_("--blacklist goes with --reason fraud."), fields={"blacklist": _("Only for fraud.")})
        require_role(run.actor(), *SUPERVISORS, doing=_("change the blacklist"))
    confirm(_("Terminate customer {customer_id} and deactivate every line?").format(customer_id=customer_id), yes=yes)
    result = terminate_customer(
        customer_id,
        services=run.services(),
        actor=run.actor(),
        reason=reason,
        archive_consent=archive_consent == "yes",
        number_mode=number_mode,
        sim_mode=sim,
    )
    proposal, entry = result.blacklist_proposal, None
    if proposal is not None and blacklist:
        entry = add_blacklist_entry(
            uow=run.services().writer(),
            actor=run.actor(),
            severity=proposal.severity,
            reason=proposal.reason,
            cert_type=proposal.cert_type or "",
            cert_number=proposal.cert_number or "",
            cert_country=proposal.cert_country or "",
            name=proposal.name or "",
            birthday=proposal.birthday,
        )
    if as_json:
        document = {"order_id": result.order.order_id, **result.model_dump(mode="json")}
        if proposal is not None:
            document["blacklist_command"] = proposal.command()
            document["blacklist_entry_id"] = entry.entry_id if entry else None
        print_json(document)
        return
    print_order(result.order, as_json=False)
    if entry is not None:
        say(
            _("Blacklist entry {entry_id} added ({severity}).").format(entry_id=entry.entry_id, severity=entry.severity)
        )
    elif proposal is not None:
        say(_("Fraud: to blacklist this person, a supervisor runs:"))
        say(f"  {proposal.command()}")


@reports_errors
def customers_reestablish(
    customer_id: Annotated[
        str, typer.Option("--id", "--customer-id", help="The former customer ID. Example: --id C0000000018")
    ] = "",
    cert_type: Annotated[
        str, typer.Option("--cert-type", help="The document type, with --cert-number. Example: --cert-type national_id")
    ] = "",
    cert_number: Annotated[
        str, typer.Option("--cert-number", help="The document number. Example: --cert-number 12345678Z")
    ] = "",
    cert_country: Annotated[
        str, typer.Option("--cert-country", help="The issuing country (ISO alpha-2). Example: --cert-country ES")
    ] = "",
    former_service_number: Annotated[
        str,
        typer.Option(
            "--former-service-number",
            help="A number the customer had (still frozen). Example: --former-service-number 612345678",
        ),
    ] = "",
    offering: Annotated[
        str,
        typer.Option(
            "--offering", help="Take a line now (the former number if still frozen). Example: --offering MAR-POST-4G-25"
        ),
    ] = "",
    keep_new_number: Annotated[
        bool, typer.Option("--new-number", help="Do not recover the former number. Example: --new-number")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show what the archive kept. Example: --dry-run")
    ] = False,
    as_json: Json = False,
) -> None:
    """Bring a former customer back under the same customer ID.

    Example: crm-tui customers reestablish --cert-type national_id --cert-number 12345678Z --cert-country ES
    """
    from crm_tui.services.lifecycle import reestablishment as reestablish

    run = invocation()
    keys = {
        "customer_id": customer_id,
        "cert_type": cert_type,
        "cert_number": cert_number,
        "cert_country": cert_country,
        "former_service_number": former_service_number,
    }
    if dry_run:
        found = reestablish.find_archived_customer(
            uow=run.services().reader(), actor=run.actor(), region=run.settings.default_region, **keys
        )
        if as_json:
            print_json(found)
        else:
            print_table(
                _("{name} ({customer_id}) · consent {consent}").format(
                    name=found.name, customer_id=found.customer_id, consent=_("yes") if found.consent else _("no")
                ),
                [_("Former line"), _("Offering"), _("Recoverable")],
                [
                    (phone(line.service_number), line.offering or "", _("yes") if line.recoverable else _("no"))
                    for line in found.former_lines
                ],
                caption=_("Kept: {kept} · {interactions} past interactions").format(
                    kept=", ".join(found.kept) or _("nothing"), interactions=found.interactions
                ),
            )
        return
    done = reestablish.reestablish_customer(
        uow=run.services().writer(),
        actor=run.actor(),
        region=run.settings.default_region,
        offering=offering,
        recover_number=not keep_new_number,
        **keys,
    )
    if as_json:
        print_json(done)
    else:
        restored = ", ".join(done.restored) or _("nothing kept")
        if not done.service_number:
            message = _("{customer_id} is {status} again; restored: {restored}.")
        elif done.number_recovered:
            message = _("{customer_id} is {status} again; restored: {restored}; line {line} (former number recovered).")
        else:
            message = _("{customer_id} is {status} again; restored: {restored}; line {line}.")
        say(
            message.format(
                customer_id=done.customer_id,
                status=done.status,
                restored=restored,
                line=phone(done.service_number) if done.service_number else "",
            )
        )


@reports_errors
def customers_erase(
    customer_id: Annotated[str, typer.Argument(metavar="ID", help="The customer to erase. Example: C0000000018")],
    requested_by: Annotated[
        str,
        typer.Option(
            "--requested-by", help="Who asked (the customer, their lawyer, ...). Example: --requested-by 'her lawyer'"
        ),
    ] = "the customer",
    legal_ground: Annotated[str, typer.Option("--legal-ground", help="The legal ground, e.g. GDPR art. 17.")] = "",
    as_json: Json = False,
) -> None:
    """Record an erasure request; a supervisor approves it in the erasure queue (exit 4: held).

    Example: crm-tui customers erase C0000000018 --legal-ground 'GDPR art. 17'
    """
    from crm_tui.services.privacy import erasure

    run = invocation()
    request = erasure.request_erasure(
        customer_id,
        uow=run.services().writer(),
        actor=run.actor(),
        requested_by=requested_by,
        legal_ground=legal_ground,
    )
    raise Held(
        _("Erasure requested; a supervisor approves it in the erasure queue."),
        held={"queue": QueueName.ERASURE_REQUESTS.value, "item_id": request.item_id, "reason": "erasure request"},
        customer_id=request.customer_id,
    )

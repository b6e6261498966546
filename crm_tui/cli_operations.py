"""`crm-tui` commands for the lifecycle after registration: lines (suspend, resume, deregister),
orders, the relationship (terminate, re-establish, erase, import), de-duplication, queues, the
archive, the audit trail and the outbox. Same contract as `cli.py`: --json for one document on
stdout, diagnostics on stderr, exit codes by failure kind (7 when an external system fails)."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Annotated

import typer

from crm_tui.cli_support import (
    Column,
    invocation,
    local_time,
    money,
    print_json,
    print_table,
    progress_bar,
    reports_errors,
    say,
    words,
)
from crm_tui.domain import (
    DeregistrationReason,
    QueueName,
    SubscriberStatus,
    SuspensionReason,
    TerminationReason,
)
from crm_tui.errors import Held, InvalidInput

if TYPE_CHECKING:
    from crm_tui.services.orders import engine as orders

Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout instead of tables.")]
Note = Annotated[str, typer.Option("--note", help="Why: recorded with the action.")]

subscribers_app = typer.Typer(help="Lines: show, suspend, resume, deregister.", no_args_is_help=True)
orders_app = typer.Typer(help="Durable orders: list, show, resume after a crash, retry, cancel, run reserved ones.", no_args_is_help=True)
dedupe_app = typer.Typer(help="De-duplicate customer identities: scan, merge, unmerge.", no_args_is_help=True)
queue_app = typer.Typer(help="The supervisor's queues.", no_args_is_help=True)
archive_app = typer.Typer(help="History storage of former customers and lines.", no_args_is_help=True)
audit_app = typer.Typer(help="The append-only, hash-chained audit trail.", no_args_is_help=True)
events_app = typer.Typer(help="The outbox: who must be told what.", no_args_is_help=True)


def register(app: typer.Typer, customers_app: typer.Typer) -> None:
    """Attach these commands to the root and to `customers` (called once by cli.py)."""
    for name, sub in (("subscribers", subscribers_app), ("orders", orders_app), ("dedupe", dedupe_app), ("queue", queue_app), ("archive", archive_app), ("audit", audit_app), ("events", events_app)):
        app.add_typer(sub, name=name)
    customers_app.command("terminate")(customers_terminate)
    customers_app.command("reestablish")(customers_reestablish)
    customers_app.command("erase")(customers_erase)
    customers_app.command("import")(customers_import)
    customers_app.command("export")(customers_export)


# --- printing -------------------------------------------------------------------------------------


def _print_order(order: orders.OrderView, *, as_json: bool) -> None:
    from crm_tui.services.shared.validation import format_service_number

    if as_json:
        print_json(order)
        return
    print_table(
        f"Order {order.order_id} · {order.type.replace('_', ' ')} · {order.status}",
        [Column("#", numeric=True), "Step", "Status", Column("Attempts", numeric=True), "Error"],
        [(s.seq, s.label, s.status, s.attempts, s.error or "") for s in order.steps],
        caption=f"Customer {order.customer_id or '—'} · line {format_service_number(order.service_number) or '—'}",
    )


def _confirm(question: str, *, yes: bool) -> None:
    """Destructive or money steps need --yes, or a person answering at the terminal."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise InvalidInput(f"{question} Add --yes to confirm from a script.", fields={"yes": "Confirmation needed."})
    if not typer.confirm(question, err=True):
        raise typer.Exit(0)


def _settings():  # noqa: ANN202
    return invocation().settings


# --- subscribers ------------------------------------------------------------------------------------


@subscribers_app.command("show")
@reports_errors
def subscribers_show(service_number: str, as_json: Json = False) -> None:
    """One line: `{"service_number", "status", "iccid", "imsi", "customer_id", "account_id", "primary_offering", "status_reason"}`."""
    from crm_tui.services.customers.profile import get_subscriber
    from crm_tui.services.shared.validation import format_service_number

    run = invocation()
    view = get_subscriber(service_number, uow=run.services().reader(), actor=run.actor(), region=run.settings.default_region)
    if as_json:
        print_json(view)
        return
    print_table(
        f"Line {format_service_number(view.service_number)}",
        ["Field", "Value"],
        [
            ("Status", words(SubscriberStatus, view.status) + (f" ({words(SuspensionReason, view.status_reason)})" if view.status_reason else "")),
            ("Customer", view.customer_id),
            ("Account", view.account_id),
            ("Offering", view.primary_offering),
            ("ICCID", view.iccid),
            ("IMSI", view.imsi),
            ("Network / payment", f"{view.network_type} / {view.payment_type}"),
            ("Valid from", view.valid_from or ""),
        ],
    )


@subscribers_app.command("suspend")
@reports_errors
def subscribers_suspend(
    service_number: str,
    reason: Annotated[str, typer.Option("--reason", help=f"One of: {', '.join(r.value for r in SuspensionReason)}.")],
    note: Note = "",
    as_json: Json = False,
) -> None:
    """Suspend a line (billing and network) as an order; exit 7 if a system fails (the order stays)."""
    from crm_tui.services.lifecycle.suspension import suspend_subscriber

    run = invocation()
    order = suspend_subscriber(service_number, services=run.services(), actor=run.actor(), reason=reason, note=note)
    _print_order(order, as_json=as_json)


@subscribers_app.command("resume")
@reports_errors
def subscribers_resume(
    service_number: str,
    reason: Annotated[str, typer.Option("--reason", help="Why the line comes back, in words.")],
    operation: Annotated[str, typer.Option("--operation", help="customer_request, administrator or system_trigger.")] = "customer_request",
    effective_date: Annotated[str, typer.Option("--effective-date", help="YYYY-MM-DD (shop time): reserve the resumption for that day.")] = "",
    pay: Annotated[str, typer.Option("--pay", help="cash, card or account: pays the resumption fee (and the debt with --pay-debt).")] = "",
    pay_debt: Annotated[bool, typer.Option("--pay-debt", help="Pay the outstanding debt now (a debt suspension needs it).")] = False,
    remarks: Annotated[str, typer.Option("--remarks")] = "",
    as_json: Json = False,
) -> None:
    """Resume now or on a date; exit 4 when a supervisor must decide (fraud), 3 when the debt is unpaid."""
    from crm_tui.services.lifecycle.resumption import resume_subscriber

    run = invocation()
    result = resume_subscriber(
        service_number,
        services=run.services(),
        actor=run.actor(),
        operation=operation,
        reason=reason,
        remarks=remarks,
        effective_date=effective_date or None,
        payment_method=pay or None,
        pay_outstanding=pay_debt,
    )
    if as_json:
        print_json(result)
        return
    if result.receipt_number:
        say(f"Paid {money(result.paid, run.settings.currency)}, receipt {result.receipt_number}.")
    _print_order(result.order, as_json=False)


@subscribers_app.command("deregister")
@reports_errors
def subscribers_deregister(
    service_number: str,
    reason: Annotated[str, typer.Option("--reason", help=f"One of: {', '.join(r.value for r in DeregistrationReason)} (other needs --note).")],
    number_mode: Annotated[str, typer.Option("--number-mode", help="immediate (back to the pool) or freeze (kept for the customer).")],
    sim: Annotated[str, typer.Option("--sim", help="reuse (back to stock) or abandon.")],
    retention: Annotated[str, typer.Option("--retention", help="declined, or accepted:OFFER to keep the customer (ends here).")] = "declined",
    pay: Annotated[str, typer.Option("--pay", help="cash, card or account.")] = "",
    balance: Annotated[str, typer.Option("--balance", help="A prepaid balance: refund, forfeit or transfer:ACCOUNT.")] = "refund",
    waive_penalty: Annotated[bool, typer.Option("--request-waiver", help="Ask a supervisor to waive the penalty.")] = False,
    note: Note = "",
    yes: Annotated[bool, typer.Option("--yes", help="Confirm the charges and the deactivation without asking.")] = False,
    as_json: Json = False,
) -> None:
    """Deregister a line: retention, charges and penalties, payment with receipt, then the six-step order."""
    from crm_tui.services.lifecycle.deregistration import submit_deregistration
    from crm_tui.services.lifecycle.deregistration_quote import (
        accept_retention_offer,
        quote_deregistration,
    )
    from crm_tui.services.shared.validation import format_service_number

    run = invocation()
    services, actor, region = run.services(), run.actor(), run.settings.default_region
    if retention.startswith("accepted:"):
        applied = accept_retention_offer(service_number, retention.split(":", 1)[1], uow=services.writer(), actor=actor, region=region, reason=reason)
        print_json({"retention": applied.model_dump(mode="json")}) if as_json else say(f"Customer stays: {applied.offer_name}.")
        return
    quote = quote_deregistration(service_number, uow=services.reader(), actor=actor, region=region, reason=reason)
    if not as_json:
        print_table(
            "Charges",
            ["Item", Column("Amount", numeric=True)],
            [*((c.description, money(c.amount, quote.currency)) for c in quote.outstanding), *((f"Penalty: {p.contract}", money(p.amount, quote.currency)) for p in quote.penalties), ("Total due", money(quote.total_due, quote.currency))],
            to_stderr=True,
        )
    _confirm(f"Deactivate {format_service_number(quote.basics.service_number)} and charge {money(quote.total_due, quote.currency)}?", yes=yes)
    result = submit_deregistration(
        service_number,
        services=services,
        actor=actor,
        reason=reason,
        note=note,
        number_mode=number_mode,
        sim_mode=sim,
        retention=retention,
        payment_method=pay or None,
        balance=balance,
        request_waiver=waive_penalty,
        expected_total=quote.total_due,
    )
    if as_json:
        print_json({"order_id": result.order.order_id, **result.model_dump(mode="json")})
        return
    if result.receipt:
        say(f"Receipt {result.receipt.receipt_number}: {money(result.receipt.amount, result.receipt.currency)} by {result.receipt.method}.")
    if result.balance_handling:
        say(f"Balance: {result.balance_handling}.")
    _print_order(result.order, as_json=False)


# --- customers: terminate, re-establish, erase, import ----------------------------------------------------


@reports_errors
def customers_terminate(
    customer_id: str,
    reason: Annotated[str, typer.Option("--reason", help=f"One of: {', '.join(r.value for r in TerminationReason)}.")],
    archive_consent: Annotated[str, typer.Option("--archive-consent", help="yes: keep the profile in the archive; no: only what the policy requires.")],
    number_mode: Annotated[str, typer.Option("--number-mode")] = "freeze",
    sim: Annotated[str, typer.Option("--sim")] = "abandon",
    yes: Annotated[bool, typer.Option("--yes")] = False,
    as_json: Json = False,
) -> None:
    """End the whole relationship: every live line in one order, archive (with consent) and clean-up."""
    from crm_tui.services.lifecycle.termination import terminate_customer

    if archive_consent not in ("yes", "no"):
        raise InvalidInput("--archive-consent is yes or no.", fields={"archive_consent": "yes or no."})
    run = invocation()
    _confirm(f"Terminate customer {customer_id} and deactivate every line?", yes=yes)
    result = terminate_customer(customer_id, services=run.services(), actor=run.actor(), reason=reason, archive_consent=archive_consent == "yes", number_mode=number_mode, sim_mode=sim)
    if as_json:
        print_json({"order_id": result.order.order_id, **result.model_dump(mode="json")})
    else:
        _print_order(result.order, as_json=False)


@reports_errors
def customers_reestablish(
    customer_id: Annotated[str, typer.Option("--id", "--customer-id")] = "",
    cert_type: Annotated[str, typer.Option("--cert-type")] = "",
    cert_number: Annotated[str, typer.Option("--cert-number")] = "",
    cert_country: Annotated[str, typer.Option("--cert-country")] = "",
    former_service_number: Annotated[str, typer.Option("--former-service-number")] = "",
    offering: Annotated[str, typer.Option("--offering", help="Take a line now (the former number if still frozen).")] = "",
    keep_new_number: Annotated[bool, typer.Option("--new-number", help="Do not recover the former number.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what the archive kept.")] = False,
    as_json: Json = False,
) -> None:
    """Bring a former customer back under the same customer ID."""
    from crm_tui.services.lifecycle import reestablishment as reestablish
    from crm_tui.services.shared.validation import format_service_number

    run = invocation()
    keys = dict(customer_id=customer_id, cert_type=cert_type, cert_number=cert_number, cert_country=cert_country, former_service_number=former_service_number)
    if dry_run:
        found = reestablish.find_archived_customer(uow=run.services().reader(), actor=run.actor(), region=run.settings.default_region, **keys)
        if as_json:
            print_json(found)
        else:
            print_table(f"{found.name} ({found.customer_id}) · consent {'yes' if found.consent else 'no'}", ["Former line", "Offering", "Recoverable"], [(format_service_number(line.service_number), line.offering or "", "yes" if line.recoverable else "no") for line in found.former_lines], caption=f"Kept: {', '.join(found.kept) or 'nothing'} · {found.interactions} past interactions")
        return
    done = reestablish.reestablish_customer(uow=run.services().writer(), actor=run.actor(), region=run.settings.default_region, offering=offering, recover_number=not keep_new_number, **keys)
    if as_json:
        print_json(done)
    else:
        say(f"{done.customer_id} is {done.status} again; restored: {', '.join(done.restored) or 'nothing kept'}" + (f"; line {format_service_number(done.service_number)}" + (" (former number recovered)" if done.number_recovered else "") if done.service_number else "") + ".")


@reports_errors
def customers_erase(
    customer_id: str,
    requested_by: Annotated[str, typer.Option("--requested-by", help="Who asked (the customer, their lawyer, ...).")] = "the customer",
    legal_ground: Annotated[str, typer.Option("--legal-ground", help="The legal ground, e.g. GDPR art. 17.")] = "",
    as_json: Json = False,
) -> None:
    """Record an erasure request; a supervisor approves it in the erasure queue (exit 4: held)."""
    from crm_tui.services.privacy import erasure

    run = invocation()
    request = erasure.request_erasure(customer_id, uow=run.services().writer(), actor=run.actor(), requested_by=requested_by, legal_ground=legal_ground)
    raise Held("Erasure requested; a supervisor approves it in the erasure queue.", held={"queue": QueueName.ERASURE_REQUESTS.value, "item_id": request.item_id, "reason": "erasure request"}, customer_id=request.customer_id)


@reports_errors
def customers_import(path: str, as_json: Json = False) -> None:
    """Bulk import a .csv or .jsonl file in the import format; bad rows are reported by line and skipped."""
    from pathlib import Path

    from crm_tui.services.identity.importing import count_rows, import_customers

    run = invocation()
    services, actor = run.services(), run.actor()
    total = count_rows(Path(path)) if Path(path).is_file() else None
    done = 0
    with progress_bar("Importing", total=total) as update:

        def step(n: int) -> None:
            nonlocal done
            done += n
            update(done)

        report = import_customers(path, services=services, actor=actor, progress=step)
    if as_json:
        print_json(report)
        return
    say(f"{report.rows} rows: {report.created} created, {len(report.duplicates)} duplicates, {len(report.errors)} errors.")
    print_table("Not imported", [Column("Line", numeric=True), "Field", "Problem", Column("Existing customer", code=True)], [(p.line, p.field or "", p.message, p.existing_customer_id or "") for p in sorted([*report.duplicates, *report.errors], key=lambda p: p.line)])


@reports_errors
def customers_export(
    export_format: Annotated[str, typer.Option("--format", help="jsonl: the import format; tmf629: TM Forum Customer resources.")] = "jsonl",
    output: Annotated[str, typer.Option("--output", "-o", metavar="FILE", help="Write here instead of stdout.")] = "",
    status: Annotated[list[str] | None, typer.Option("--status", help="Only customers in this state (repeatable); default all but merged and erased.")] = None,
    as_json: Json = False,
) -> None:
    """Export customers, one JSON object per line (admins; recorded in the audit trail).

    Without --output the lines go to stdout and the summary to stderr; --json prints the summary as
    one JSON document on stdout, so it needs --output.
    """
    from pathlib import Path

    from crm_tui.services.customers.export import (
        count_exportable,
        export_customers,
    )

    if as_json and not output:
        raise InvalidInput("--json prints the summary on stdout, where the export goes: add --output FILE.", fields={"output": "Required with --json."})
    run = invocation()
    services, actor = run.services(), run.actor()
    total = count_exportable(services=services, actor=actor, format=export_format, statuses=status)
    target = Path(output) if output else None
    partial = target.with_name(target.name + ".partial") if target else None
    handle = partial.open("w", encoding="utf-8") if partial else sys.stdout
    done = 0
    try:
        with progress_bar("Exporting", total=total) as update:

            def step(n: int) -> None:
                nonlocal done
                done += n
                update(done)

            report = export_customers(handle.write, services=services, actor=actor, format=export_format, statuses=status, progress=step)
    except BaseException:
        if partial:
            handle.close()
            partial.unlink(missing_ok=True)  # never half a file under the name asked for
        raise
    if partial and target:
        handle.close()
        partial.replace(target)
    if as_json:
        print_json(report.model_dump(mode="json") | {"file": str(target)})
        return
    say(f"Exported {report.customers} customers ({report.format}){f' to {target}' if target else ''}.")


# --- orders ------------------------------------------------------------------------------------------


@orders_app.command("list")
@reports_errors
def orders_list(
    status: Annotated[str, typer.Option("--status", help="open, reserved, failed, closed or cancelled.")] = "",
    customer_id: Annotated[str, typer.Option("--customer")] = "",
    as_json: Json = False,
) -> None:
    from crm_tui.services.orders import engine as orders
    from crm_tui.services.shared.validation import format_service_number

    run = invocation()
    found = orders.list_orders(uow=run.services().reader(), actor=run.actor(), status=status or None, customer_id=customer_id or None)
    if as_json:
        print_json({"orders": [o.model_dump(mode="json") for o in found]})
        return
    print_table("Orders", [Column("Order", code=True), "Type", "Status", Column("Customer", code=True), "Line", "Steps done", "Created"], [(o.order_id, o.type.replace("_", " "), o.status, o.customer_id or "", format_service_number(o.service_number), f"{sum(s.status == 'done' for s in o.steps)}/{len(o.steps)}", local_time(o.created_at)) for o in found])


@orders_app.command("show")
@reports_errors
def orders_show(order_id: str, as_json: Json = False) -> None:
    from crm_tui.services.orders import engine as orders

    run = invocation()
    _print_order(orders.get_order(order_id, uow=run.services().reader(), actor=run.actor()), as_json=as_json)


@orders_app.command("resume")
@reports_errors
def orders_resume(as_json: Json = False) -> None:
    """Finish every unfinished (open) order, e.g. after a crash; each runs from its first unfinished step."""
    from crm_tui.services.orders import engine as orders

    run = invocation()
    done = orders.resume_orders(services=run.services(), actor=run.actor())
    if as_json:
        print_json({"orders": [o.model_dump(mode="json") for o in done]})
        return
    print_table("Resumed orders", [Column("Order", code=True), "Type", "Status"], [(o.order_id, o.type, o.status) for o in done])


@orders_app.command("retry")
@reports_errors
def orders_retry(order_id: str, as_json: Json = False) -> None:
    """Retry a failed order from its failed step (supervisors)."""
    from crm_tui.services.orders import engine as orders

    run = invocation()
    _print_order(orders.retry_order(order_id, services=run.services(), actor=run.actor()), as_json=as_json)


@orders_app.command("cancel")
@reports_errors
def orders_cancel(order_id: str, note: Note = "", as_json: Json = False) -> None:
    """Cancel a reserved or failed order: undo what can be undone, say what cannot."""
    from crm_tui.services.orders import engine as orders

    run = invocation()
    view, cannot = orders.cancel_order(order_id, services=run.services(), actor=run.actor(), note=note)
    if as_json:
        print_json({"order": view.model_dump(mode="json"), "not_undone": cannot})
        return
    _print_order(view, as_json=False)
    for line in cannot:
        say(f"Not undone: {line}", style="yellow")


@orders_app.command("run-due")
@reports_errors
def orders_run_due(
    as_of: Annotated[str, typer.Option("--as-of", help="ISO date-time (default: now); for drills and tests.")] = "",
    as_json: Json = False,
) -> None:
    """Run reserved orders whose effective date has come (for cron; safe to run twice or on two machines)."""
    from crm_tui.services.orders import engine as orders

    run = invocation()
    moment = _parse_moment(as_of) if as_of else None
    done = orders.run_due_orders(services=run.services(), actor=None, as_of=moment)
    if as_json:
        print_json({"orders": [o.model_dump(mode="json") for o in done]})
        return
    print_table("Orders run", [Column("Order", code=True), "Type", "Status"], [(o.order_id, o.type, o.status) for o in done])


def _parse_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Give the time as ISO 8601, like 2026-12-01T09:00.", fields={"as_of": "ISO date-time."}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# --- de-duplication ---------------------------------------------------------------------------------


@dedupe_app.command("scan")
@reports_errors
def dedupe_scan(as_json: Json = False) -> None:
    """Find possible duplicates; `{"pairs": [{"customer_id_a", "customer_id_b", "score", "reasons"}], "new": N}`."""
    from crm_tui.services.dedupe.scan import scan_duplicates

    run = invocation()
    services, actor = run.services(), run.actor()
    with progress_bar("Scanning") as update:
        report = scan_duplicates(services=services, actor=actor, progress=lambda stage, done, total: update(done, total=total))
    if as_json:
        print_json(report)
        return
    print_table("Possible duplicates", [Column("A", code=True), Column("B", code=True), Column("Score", numeric=True), "Agree", "Differ", "Status"], [(p.customer_id_a, p.customer_id_b, f"{p.score:.2f}", ", ".join(p.reasons.get("agree", [])), ", ".join(p.reasons.get("differ", [])), p.status) for p in report.pairs], caption=f"{report.new} new · {report.compared:,} pairs compared in {report.seconds:.1f} s")


@dedupe_app.command("merge")
@reports_errors
def dedupe_merge(
    survivor: str,
    merged: str,
    take: Annotated[str, typer.Option("--take", help="Fields whose value comes from the merged record, comma-separated.")] = "",
    note: Note = "",
    yes: Annotated[bool, typer.Option("--yes")] = False,
    as_json: Json = False,
) -> None:
    """Merge MERGED into SURVIVOR; its old ID keeps answering with the survivor."""
    from crm_tui.services.dedupe import merge

    run = invocation()
    _confirm(f"Merge {merged} into {survivor}?", yes=yes)
    result = merge.merge_customers(survivor, merged, uow=run.services().writer(), actor=run.actor(), take_from_merged=[f.strip() for f in take.split(",") if f.strip()], note=note)
    print_json(result) if as_json else say(f"Merged {result.merged_id} into {result.survivor_id} (merge {result.merge_id}); moved: " + ", ".join(f"{k} {v}" for k, v in result.moved.items() if v) + ".")


@dedupe_app.command("unmerge")
@reports_errors
def dedupe_unmerge(merge_id: int, as_json: Json = False) -> None:
    """Undo a merge from its before-image."""
    from crm_tui.services.dedupe import merge

    run = invocation()
    result = merge.unmerge(merge_id, uow=run.services().writer(), actor=run.actor())
    print_json(result) if as_json else say(f"{result.merged_id} and {result.survivor_id} are separate again.")


# --- queues -------------------------------------------------------------------------------------------


@queue_app.command("list")
@reports_errors
def queue_list(queue: Annotated[str, typer.Argument(help="A queue; without it, every queue with its count.")] = "", as_json: Json = False) -> None:
    from crm_tui.services import queues

    run = invocation()
    services, actor = run.services(), run.actor()
    if not queue:
        summaries = queues.queue_summaries(uow=services.reader(), actor=actor)
        if as_json:
            print_json({"queues": [s.model_dump(mode="json") for s in summaries]})
        else:
            print_table("Queues", ["Queue", Column("Open", numeric=True), "Oldest", "Actions"], [(s.label, s.open, local_time(s.oldest), ", ".join(s.actions)) for s in summaries])
        return
    items = queues.list_queue(queue, uow=services.reader(), actor=actor)
    if as_json:
        print_json({"queue": queue, "items": [i.model_dump(mode="json") for i in items]})
        return
    print_table(words(QueueName, queue), [Column("Item", numeric=True), Column("Ref", code=True), "Status", "Claimed by", "Reason", "Since"], [(i.item_id, i.ref_id, i.status, i.claimed_by or "", i.reason, local_time(i.created_at)) for i in items])


@queue_app.command("act")
@reports_errors
def queue_act(queue: str, item: int, action: str, note: Note = "", as_json: Json = False) -> None:
    """Act on an item (approve, reject, merge, dismiss, retry, cancel ... as the queue allows)."""
    from crm_tui.services import queues

    run = invocation()
    result = queues.act_on_item(queue, item, action, services=run.services(), actor=run.actor(), note=note)
    print_json(result) if as_json else say(f"{words(QueueName, result.queue)} item {result.item_id}: {result.action} → {result.status}.")


# --- archive, audit, events ------------------------------------------------------------------------------


@archive_app.command("show")
@reports_errors
def archive_show(customer_id: str, as_json: Json = False) -> None:
    from crm_tui.services.privacy import archive

    run = invocation()
    records = archive.show_archive(customer_id, uow=run.services().reader(), actor=run.actor())
    if as_json:
        print_json({"records": [r.model_dump(mode="json") for r in records]})
        return
    print_table(f"Archive of {customer_id}", ["Kind", "Subject", "Consent", "Archived", "Keep until", "Kept"], [(r.kind, r.subject_key or "", "yes" if r.consent else "no", local_time(r.archived_at), local_time(r.retain_until), ", ".join(k for k, v in r.payload.items() if v) or ("erased" if r.erased else "")) for r in records])


@archive_app.command("purge")
@reports_errors
def archive_purge(dry_run: Annotated[bool, typer.Option("--dry-run", help="Only list what would be removed.")] = False, as_json: Json = False) -> None:
    """Remove archive records past their retention date."""
    from crm_tui.services.privacy import archive

    run = invocation()
    report = archive.purge_archive(uow=run.services().writer(), actor=run.actor(), dry_run=dry_run)
    if as_json:
        print_json(report)
        return
    print_table("Would remove" if dry_run else "Removed", [Column("Record", numeric=True), "Kind", Column("Customer", code=True), "Keep until"], [(r.id, r.kind, r.customer_id, local_time(r.retain_until)) for r in report.records])


@audit_app.command("show")
@reports_errors
def audit_show(customer_id: Annotated[str, typer.Option("--customer")] = "", limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 200, as_json: Json = False) -> None:
    from crm_tui.services.shared import audit

    run = invocation()
    entries = audit.show_entries(uow=run.services().reader(), actor=run.actor(), customer_id=customer_id or None, limit=limit)
    if as_json:
        print_json({"entries": [e.model_dump(mode="json") for e in entries]})
        return
    print_table("Audit trail", [Column("#", numeric=True), "When", "Operator", "Action", "Entity", "Summary"], [(e.id, local_time(e.at), f"{e.operator} ({e.role})", e.action, f"{e.entity_type} {e.entity_id}", ", ".join(f"{k}={v}" for k, v in e.summary.items())) for e in entries])


@audit_app.command("verify")
@reports_errors
def audit_verify(as_json: Json = False) -> None:
    """Recompute the hash chain; exit 3 naming the first broken link if a row was changed or removed."""
    from crm_tui.services.shared import audit

    run = invocation()
    report = audit.verify_chain(uow=run.services().reader(), actor=run.actor())
    if as_json:
        print_json(report)
    elif report.intact:
        say(f"Audit trail intact: {report.entries:,} entries.")
    else:
        say(f"Audit trail BROKEN at entry {report.first_broken_id}: {report.problem}.", style="bold red")
    if not report.intact:
        raise typer.Exit(3)


@events_app.command("list")
@reports_errors
def events_list(since: Annotated[str, typer.Option("--since", help="ISO date-time.")] = "", event_type: Annotated[str, typer.Option("--type")] = "", as_json: Json = False) -> None:
    from crm_tui.services.shared import events

    run = invocation()
    found = events.list_events(uow=run.services().reader(), actor=run.actor(), since=_parse_moment(since) if since else None, event_type=event_type or None)
    if as_json:
        print_json({"events": [e.model_dump(mode="json") for e in found]})
        return
    print_table("Outbox", [Column("#", numeric=True), "When", "Event", "About", "Sent"], [(e.id, local_time(e.created_at), e.event_type, f"{e.aggregate_type} {e.aggregate_id}", local_time(e.dispatched_at) or "pending") for e in found])


__all__ = ["register"]

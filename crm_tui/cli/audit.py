"""`crm-tui audit`: the append-only, HMAC-chained audit trail: show entries, verify, checkpoint the head."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crm_tui.cli.conventions import JsonFields
from crm_tui.cli.options import CustomerFilter, Json
from crm_tui.cli.output import (
    Column,
    local_time,
    print_json,
    print_table,
    reports_errors,
    say,
)
from crm_tui.cli.session import invocation
from crm_tui.i18n import _

app = typer.Typer(help="The append-only, HMAC-chained audit trail.", no_args_is_help=True)


@app.command("show")
@reports_errors
def audit_show(
    customer_id: CustomerFilter = "",
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help="At most this many, newest first. Example: --limit 50")
    ] = 200,
    as_json: Json = False,
    json_fields: JsonFields = None,
) -> None:
    """The audit trail, newest first (supervisors and admins).

    Example: crm-tui audit show --customer C0000000018 --limit 20
    """
    from crm_tui.services.shared import audit

    run = invocation()
    entries = audit.show_entries(
        uow=run.services().reader(), actor=run.actor(), customer_id=customer_id or None, limit=limit
    )
    if as_json or json_fields:
        print_json({"entries": [e.model_dump(mode="json") for e in entries]})
        return
    print_table(
        _("Audit trail"),
        [Column("#", numeric=True), _("When"), _("Operator"), _("Action"), _("Entity"), _("Summary")],
        [
            (
                e.id,
                local_time(e.at),
                f"{e.operator} ({e.role})",
                e.action,
                f"{e.entity_type} {e.entity_id}",
                ", ".join(f"{k}={v}" for k, v in e.summary.items()),
            )
            for e in entries
        ],
    )


@app.command("verify")
@reports_errors
def audit_verify(
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="Also hold the log against the checkpoints in this file (repeat for more). Example: --checkpoint /backup/audit-checkpoints.jsonl",
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Check every entry's HMAC and the log against its checkpoints; exit 3 naming what was changed or removed.

    When intact, a new checkpoint of the head is added to audit-checkpoints.jsonl in the data folder.

    Example: crm-tui audit verify --checkpoint /backup/audit-checkpoints.jsonl
    """
    from crm_tui.services.shared import audit
    from crm_tui.services.shared.audit_anchor import checkpoints_path, load_checkpoints, save_checkpoint

    run = invocation()
    services = run.services()
    actor = run.actor()
    kept = checkpoints_path(services.settings.data_dir)
    marks = load_checkpoints(kept, *(checkpoint or []))
    report = audit.verify_chain(uow=services.reader(), actor=actor, checkpoints=marks)
    written = None
    if report.intact:
        written = save_checkpoint(audit.make_checkpoint(uow=services.reader(), actor=actor), kept)
    if as_json:
        print_json(report.model_dump(mode="json") | {"checkpoint_written": str(written) if written else None})
    elif report.intact:
        say(
            _("Audit trail intact: {entries} entries, {checkpoints} checkpoint(s) held.").format(
                entries=f"{report.entries:,}", checkpoints=report.checkpoints_checked
            )
        )
        if report.legacy_entries:
            say(
                _("{count} entries predate audit keys (unkeyed); the first keyed entry anchors them.").format(
                    count=f"{report.legacy_entries:,}"
                )
            )
    else:
        for problem in report.problems:
            say(_("Audit trail BROKEN: {problem}.").format(problem=problem), style="bold red")
    if not report.intact:
        raise typer.Exit(3)


@app.command("checkpoint")
@reports_errors
def audit_checkpoint(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Also append it to this file (keep a copy away from the database). Example: -o /backup/audit-checkpoints.jsonl",
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Sign the log's head (last entry, its HMAC, the count) and keep it outside the database.

    Example: crm-tui audit checkpoint -o /backup/audit-checkpoints.jsonl
    """
    from crm_tui.services.shared import audit
    from crm_tui.services.shared.audit_anchor import checkpoints_path, save_checkpoint

    run = invocation()
    services = run.services()
    mark = audit.make_checkpoint(uow=services.reader(), actor=run.actor())
    paths = [save_checkpoint(mark, checkpoints_path(services.settings.data_dir))]
    if output is not None:
        paths.append(save_checkpoint(mark, output))
    if as_json:
        print_json(mark.model_dump(mode="json") | {"files": [str(p) for p in paths]})
        return
    say(
        _("Checkpoint: entry {last_id}, {entries} entries, signed with key {key_id}.").format(
            last_id=mark.last_id, entries=f"{mark.entries:,}", key_id=mark.key_id
        )
    )
    for path in paths:
        say(_("Kept in {path}").format(path=path))

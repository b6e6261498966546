"""`crm-tui dedupe`: possible duplicate identities: scan, merge, unmerge."""

from __future__ import annotations

from typing import Annotated

import typer

from crm_tui.cli.options import Json, Note, Yes
from crm_tui.cli.output import (
    Column,
    print_json,
    print_table,
    progress_bar,
    reports_errors,
    say,
)
from crm_tui.cli.session import confirm, invocation

app = typer.Typer(help="De-duplicate customer identities: scan, merge, unmerge.", no_args_is_help=True)


@app.command("scan")
@reports_errors
def dedupe_scan(as_json: Json = False) -> None:
    """Find possible duplicates; `{"pairs": [{"customer_id_a", "customer_id_b", "score", "reasons"}], "new": N}`."""
    from crm_tui.services.dedupe.scan import scan_duplicates

    run = invocation()
    services, actor = run.services(), run.actor()
    with progress_bar("Scanning") as update:
        report = scan_duplicates(
            services=services, actor=actor, progress=lambda stage, done, total: update(done, total=total)
        )
    if as_json:
        print_json(report)
        return
    print_table(
        "Possible duplicates",
        [Column("A", code=True), Column("B", code=True), Column("Score", numeric=True), "Agree", "Differ", "Status"],
        [
            (
                p.customer_id_a,
                p.customer_id_b,
                f"{p.score:.2f}",
                ", ".join(p.reasons.get("agree", [])),
                ", ".join(p.reasons.get("differ", [])),
                p.status,
            )
            for p in report.pairs
        ],
        caption=f"{report.new} new · {report.compared:,} pairs compared in {report.seconds:.1f} s",
    )


@app.command("merge")
@reports_errors
def dedupe_merge(
    survivor: str,
    merged: str,
    take: Annotated[
        str, typer.Option("--take", help="Fields whose value comes from the merged record, comma-separated.")
    ] = "",
    note: Note = "",
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Merge MERGED into SURVIVOR; its old ID keeps answering with the survivor."""
    from crm_tui.services.dedupe import merge

    run = invocation()
    confirm(f"Merge {merged} into {survivor}?", yes=yes)
    result = merge.merge_customers(
        survivor,
        merged,
        uow=run.services().writer(),
        actor=run.actor(),
        take_from_merged=[f.strip() for f in take.split(",") if f.strip()],
        note=note,
    )
    print_json(result) if as_json else say(
        f"Merged {result.merged_id} into {result.survivor_id} (merge {result.merge_id}); moved: "
        + ", ".join(f"{k} {v}" for k, v in result.moved.items() if v)
        + "."
    )


@app.command("unmerge")
@reports_errors
def dedupe_unmerge(merge_id: int, as_json: Json = False) -> None:
    """Undo a merge from its before-image."""
    from crm_tui.services.dedupe import merge

    run = invocation()
    result = merge.unmerge(merge_id, uow=run.services().writer(), actor=run.actor())
    print_json(result) if as_json else say(f"{result.merged_id} and {result.survivor_id} are separate again.")

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
from crm_tui.domain import QueueItemStatus
from crm_tui.i18n import N_, _
from crm_tui.present import decimal, fields, number, words

ADDRESS_WORDS = {  # how `dedupe train` says the model counts the address
    "household": N_("the address counted as one household's"),
    "independent": N_("the address's parts counted apart (few people share an address here)"),
}


app = typer.Typer(help="De-duplicate customer identities: train, scan, merge, unmerge.", no_args_is_help=True)


@app.command("train")
@reports_errors
def dedupe_train(
    seed: Annotated[
        int,
        typer.Option(
            "--seed", help="Seed of the random pairs: the same base and seed, the same model. Example: --seed 42"
        ),
    ] = 42,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="Probability at or above which a pair is reported (default: the model in force's). Example: --threshold 0.8",
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Estimate the matching model on the current base (supervisor) and store it as the one in force:
    u from random pairs, m by expectation-maximisation over blocking rules.
    `{"version", "trained_at", "records", "prior", "threshold", "address", "weights": {comparison: {level: weight}}}`;
    "address" says how the address counts: "household" (its parts as one household's, the telecom
    default) or "independent" (each part apart, for a base where different people seldom share one).

    Example: crm-tui dedupe train --seed 42 --json
    """
    from crm_tui.services.customers.linkage import COMPARISON_WORDS
    from crm_tui.services.dedupe.training import train_model

    run = invocation()
    services, actor = run.services(), run.actor()
    with progress_bar(_("Reading customers")) as update:
        report = train_model(
            services=services,
            actor=actor,
            seed=seed,
            threshold=threshold,
            progress=lambda stage, done, total: update(done, total=total),
        )
    if as_json:
        print_json(report)
        return
    print_table(
        _("Matching model {version}").format(version=report.version),
        [_("Comparison"), _("Level"), Column(_("Weight"), numeric=True)],
        [
            (_(COMPARISON_WORDS[comparison]), _(level), decimal(weight, 2, signed=True))
            for comparison, levels in report.weights.items()
            for level, weight in levels.items()
        ],
        caption=_(
            "Trained on {records} customers in {seconds} s · report pairs at p >= {threshold} · {address}"
        ).format(
            records=number(report.records),
            seconds=decimal(report.seconds, 1),
            threshold=number(report.threshold),
            address=_(ADDRESS_WORDS[report.address]),
        ),
    )


@app.command("scan")
@reports_errors
def dedupe_scan(
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=0,
            max=64,
            help=(
                "Processes for blocking and scoring on a base of 50,000 customers or more: 0 one per core,"
                " 1 one process (default: the dedupe_workers setting). Example: --workers 2"
            ),
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Find possible duplicates; `{"pairs": [{"customer_id_a", "customer_id_b", "score", "reasons"}], "new": N}`.

    Example: crm-tui dedupe scan --workers 0 --json
    """
    from crm_tui.services.dedupe.scan import SCAN_STAGES, scan_duplicates

    run = invocation()
    services, actor = run.services(), run.actor()
    with progress_bar(_("Scanning")) as update:
        report = scan_duplicates(
            services=services,
            actor=actor,
            workers=workers,
            progress=lambda stage, done, total: update(done, total=total, description=_(SCAN_STAGES[stage])),
        )
    if as_json:
        print_json(report)
        return
    print_table(
        _("Possible duplicates"),
        [
            Column("A", code=True),
            Column("B", code=True),
            Column(_("Score"), numeric=True),
            _("Agree"),
            _("Differ"),
            _("Status"),
        ],
        [
            (
                p.customer_id_a,
                p.customer_id_b,
                decimal(p.score, 2),
                fields(p.reasons.get("agree"), nothing=""),
                fields(p.reasons.get("differ"), nothing=""),
                words(p.status, QueueItemStatus),
            )
            for p in report.pairs
        ],
        caption=_("{new} new · {compared} pairs compared in {seconds} s · model {model}").format(
            new=number(report.new),
            compared=number(report.compared),
            seconds=decimal(report.seconds, 1),
            model=report.model,
        ),
    )
    if report.borderline:
        print_table(
            _("Borderline: p {low} to {high}, not queued").format(
                low=f"{report.ignore_below:g}",
                high=f"{report.threshold:g}",  # as the settings say them
            ),
            [Column("A", code=True), Column("B", code=True), Column(_("Score"), numeric=True), _("Agree"), _("Differ")],
            [
                (
                    p.customer_id_a,
                    p.customer_id_b,
                    decimal(p.score, 2),
                    fields(p.reasons.get("agree"), nothing=""),
                    fields(p.reasons.get("differ"), nothing=""),
                )
                for p in report.borderline
            ],
            caption=_(
                "The review band is CRM_DEDUPE_IGNORE_BELOW to CRM_DEDUPE_QUEUE_ABOVE; merge one with dedupe merge."
            ),
        )


@app.command("merge")
@reports_errors
def dedupe_merge(
    survivor: Annotated[str, typer.Argument(help="The customer who stays. Example: C0000000018")],
    merged: Annotated[str, typer.Argument(help="The duplicate merged into the survivor. Example: C0000000026")],
    take: Annotated[
        str,
        typer.Option(
            "--take",
            help="Fields whose value comes from the merged record, comma-separated. Example: --take mobile,email",
        ),
    ] = "",
    note: Note = "",
    yes: Yes = False,
    as_json: Json = False,
) -> None:
    """Merge MERGED into SURVIVOR; its old ID keeps answering with the survivor.

    Example: crm-tui dedupe merge C0000000018 C0000000026 --yes
    """
    from crm_tui.services.dedupe import merge

    run = invocation()
    confirm(_("Merge {merged} into {survivor}?").format(merged=merged, survivor=survivor), yes=yes)
    result = merge.merge_customers(
        survivor,
        merged,
        uow=run.services().writer(),
        actor=run.actor(),
        take_from_merged=[f.strip() for f in take.split(",") if f.strip()],
        note=note,
    )
    print_json(result) if as_json else say(
        _("Merged {merged_id} into {survivor_id} (merge {merge_id}); moved: {moved}.").format(
            merged_id=result.merged_id,
            survivor_id=result.survivor_id,
            merge_id=result.merge_id,
            moved=", ".join(f"{k} {v}" for k, v in result.moved.items() if v),
        )
    )


@app.command("unmerge")
@reports_errors
def dedupe_unmerge(
    merge_id: Annotated[int, typer.Argument(help="The merge's number (merge answers it). Example: 1")],
    as_json: Json = False,
) -> None:
    """Undo a merge from its before-image.

    Example: crm-tui dedupe unmerge 1
    """
    from crm_tui.services.dedupe import merge

    run = invocation()
    result = merge.unmerge(merge_id, uow=run.services().writer(), actor=run.actor())
    print_json(result) if as_json else say(
        _("{merged_id} and {survivor_id} are separate again.").format(
            merged_id=result.merged_id, survivor_id=result.survivor_id
        )
    )

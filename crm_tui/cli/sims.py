"""`crm-tui sims`: the SIM card pool: stock it from ICCID,IMSI lines (admins)."""

from __future__ import annotations

import csv
import io
from typing import Annotated

import typer

from crm_tui.cli.options import Json, read_text
from crm_tui.cli.output import print_stocked, reports_errors
from crm_tui.cli.session import invocation
from crm_tui.errors import InvalidInput
from crm_tui.i18n import _

app = typer.Typer(help="The SIM card pool: stock it (admins).", no_args_is_help=True)


@app.command("stock")
@reports_errors
def sims_stock(
    file: Annotated[
        str,
        typer.Option(
            "--file",
            metavar="F.csv",
            help="One SIM card a line: ICCID,IMSI (a header line is skipped); `-` reads stdin. Example: --file sims.csv",
        ),
    ],
    as_json: Json = False,
) -> None:
    """Add SIM cards to the pool (admins); cards already there stay as they are.

    Example: crm-tui sims stock --file sims.csv
    """
    from crm_tui.services.lines import inventory

    run = invocation()
    text = read_text(file)
    cards: list[tuple[str, str]] = []
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or (line == 1 and not cells[0].isdigit()):
            continue  # blank lines and the header
        if len(cells) != 2:
            raise InvalidInput(
                _("Line {line} of {file} does not hold ICCID,IMSI.").format(line=line, file=file),
                fields={"file": _("Line {line}: two values, ICCID,IMSI.").format(line=line)},
            )
        cards.append((cells[0], cells[1]))
    if not cards:
        raise InvalidInput(_("No SIM cards in {file}.").format(file=file), fields={"file": _("No ICCID,IMSI lines.")})
    stocked = inventory.stock_sims(cards, uow=run.services().writer(), actor=run.actor())
    print_stocked(_("SIM pool"), stocked, len({iccid for iccid, _imsi in cards}), as_json=as_json)

"""`crm-tui bss-sim`: run the BSS simulator (billing, provisioning, inventory, notifications over HTTP)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crm_tui.i18n import _

app = typer.Typer(
    help="The BSS simulator: the systems an order talks to, over HTTP.\n\nExample: crm-tui bss-sim --port 8700",
    invoke_without_command=True,
)


@app.callback()
def bss_sim(
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port on 127.0.0.1 (e.g. 8700).")] = 8700,
    ledger: Annotated[Path, typer.Option("--ledger", help="Its own SQLite file (e.g. bss-sim.db).")] = Path(
        "bss-sim.db"
    ),
    faults: Annotated[
        str,
        typer.Option(
            "--faults",
            help="SYSTEM.OPERATION:MODE,... with MODE fail, fail-once, 'slow 2s', apply-then-drop, crash. Example: --faults cbs.deactivate:fail-once",
        ),
    ] = "",
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback by default). Example: --host 127.0.0.1")
    ] = "127.0.0.1",
) -> None:
    """Serve until stopped; point the CRM at it with CRM_CBS_URL=http://127.0.0.1:PORT (and the others)."""
    from crm_tui.simulator.app import serve
    from crm_tui.simulator.faults import FaultSpecError, parse

    try:
        parse(faults)
    except FaultSpecError as error:
        # the option's name and the simulator's own words
        typer.echo(f"--faults: {error}", err=True)  # i18n: not for people
        raise typer.Exit(2) from None
    typer.echo(
        _("BSS simulator on http://{host}:{port} (ledger {ledger}); Ctrl+C stops it.").format(
            host=host, port=port, ledger=ledger
        ),
        err=True,
    )
    serve(host=host, port=port, ledger_path=ledger, faults=faults)

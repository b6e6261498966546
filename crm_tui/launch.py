"""The `crm-tui` console script's front door: bare `crm-tui` goes straight to the workbench.

The commands (typer and everything they import) load only when there are arguments, so the
sign-in screen of bare `crm-tui` comes up about a tenth of a second sooner (issue 2's cold start).
Lazy imports, each in the branch that needs it: `crm_tui.cli.main` (typer and the commands) only
with arguments; `crm_tui.app` and `crm_tui.cli.session` (light: no typer) only without;
`crm_tui.cli.output` only when the workbench failed outside its own handler.

`script()` is the console script and `python -m crm_tui`: `main()` in a process whose start-up and
exit skip the garbage collector's walks over what the imports made (crm_tui.collector: a read
command's whole time 1.58-1.75x the import floor before, 1.06-1.25x after, issue 21).
"""

from __future__ import annotations

import os
import sys

from crm_tui import collector


def script() -> None:
    """The `crm-tui` console script and `python -m crm_tui`: a process of its own, started and left
    without the collector's walks (the tests call `main()` in theirs)."""
    collector.start_up()
    main()


def main() -> None:
    """`crm-tui` with no arguments opens the workbench; anything else is a command (see `crm-tui --help`)."""
    if len(sys.argv) > 1 or "_CRM_TUI_COMPLETE" in os.environ:  # a command, or the shell asking for completions
        from crm_tui.cli.main import main as commands

        commands()
        return
    zone = os.environ.get("CRM_TIMEZONE")
    if zone:  # checked at start, cheaply (the full settings load behind the sign-in screen)
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from crm_tui.i18n import _

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            print(
                _(
                    "CRM_TIMEZONE: unknown time zone {zone}: an IANA name, like Europe/Madrid or Atlantic/Canary."
                ).format(zone=repr(zone)),
                file=sys.stderr,
            )
            sys.exit(2)
    from crm_tui.app import run_workbench
    from crm_tui.cli.session import Invocation

    run = Invocation()
    try:
        run_workbench(run.services)
    except Exception as error:  # noqa: BLE001 - the workbench failed outside its own handler: log, say where
        from crm_tui.cli.output import log_unexpected
        from crm_tui.i18n import _

        path = log_unexpected(error, command="crm-tui", log=run.log_path())
        print(_("Unexpected failure; details in {path}").format(path=path), file=sys.stderr)
        sys.exit(1)
    finally:
        run.close()

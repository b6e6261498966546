"""`python -m crm_tui.simulator --port 8700 [--ledger FILE] [--faults SPEC] [--host 127.0.0.1]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from crm_tui.simulator.app import serve


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="crm-tui bss-sim", description="The BSS simulator: billing, provisioning, notifications over HTTP."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--ledger", type=Path, default=Path("bss-sim.db"), help="its own SQLite file")
    parser.add_argument(
        "--faults", default="", help="SYSTEM.OPERATION:MODE,... (fail, fail-once, slow 2s, apply-then-drop, crash)"
    )
    arguments = parser.parse_args()
    serve(host=arguments.host, port=arguments.port, ledger_path=arguments.ledger, faults=arguments.faults)


if __name__ == "__main__":
    main()

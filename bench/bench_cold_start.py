"""Cold start of the workbench against a bare Textual app, alone (issue 15: Babel, pycountry and the
other field libraries must not slow the first frame; the goal stays within 1.5x).

The same two programs and the same timing as bench_foundation.py's cold-start row (a subprocess from
spawn to its "ready" line, the sign-in screen up with the focus in a field), without seeding
millions of rows first. Run from the repository root:

    PYTHONPATH=$PWD python bench/bench_cold_start.py --starts 9

It prints one JSON document: both medians, their ratio, and the time until the database is open.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_foundation import cold_start  # noqa: E402 - the one cold-start measure, shared

from crm_tui.storage.db import Database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--starts", type=int, default=9, help="cold starts of each app (default 9)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'cold.db'}"
        Database.open(url).dispose()  # migrated once: the starts measure the app, not the migrations
        result = cold_start(url, args.starts)
    print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}, indent=2))


if __name__ == "__main__":
    main()

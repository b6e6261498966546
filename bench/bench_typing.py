"""CPU a key typed into the registration form: the workbench's TextInput beside Textual's Input (whose
virtual size, set at every key, is a layout reactive: every key re-arranged the whole screen).

Both sides run in this one process, in turns, over one small SQLite file: the CrmApp the `crm-tui`
command builds, headless at 120x40 (or --size), signed in as a CSR, Registration open (F3), then a
long name typed key by key into the Customer Name field through Textual's Pilot. The figure is the
process's CPU time (time.process_time) over the keys, divided by the keys; the Pilot's own waits
between keys are sleeps and cost no CPU. "Input" is the same app with TextInput's virtual size put
back to a layout reactive, which is what a plain Input does. Run from the repository root:

    PYTHONPATH=$PWD .venv/bin/python bench/bench_typing.py [--rounds 5] [--size 80x24]

It prints one JSON document: CPU ms a key for each side, each round, their medians and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_memory import sign_in  # noqa: E402 - the one headless sign-in, shared

PASSWORD = "Typing-bench-2026"
NAME = "Íñigo Muñoz Ibáñez de la Peña Castellanos y Fernández-Villa"


def prepare(path: Path) -> str:
    from crm_tui.config import Settings
    from crm_tui.domain import Role
    from crm_tui.services.bootstrap import open_services
    from crm_tui.services.shared.passwords import hash_secret
    from crm_tui.storage.models.operators import Operator

    services = open_services(Settings(database_url=f"sqlite:///{path}", data_dir=path.parent / "data"))
    with services.writer() as uow:
        uow.session.add(
            Operator(username="typist", display_name="Typist", role=Role.CSR, password_hash=hash_secret(PASSWORD))
        )
        uow.commit()
    services.close()
    return f"sqlite:///{path}"


async def cpu_per_key(url: str, size: tuple[int, int]) -> float:
    from crm_tui.app import CrmApp
    from crm_tui.cli.session import Invocation
    from crm_tui.screens.registration import RegistrationScreen

    run = Invocation(database_url=url)
    app = CrmApp(open_services=run.services)
    async with app.run_test(size=size) as pilot:
        await sign_in(pilot, "typist", PASSWORD)
        await pilot.press("f3")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RegistrationScreen), screen
        screen.query_one("#customer_name").focus()
        await pilot.pause()
        started = time.process_time()
        await pilot.press(*NAME)
        spent = time.process_time() - started
        assert screen.query_one("#customer_name").value == NAME
    run.close()
    return spent / len(NAME) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", default="120x40", help="columns x rows (120x40)")
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))

    from textual.geometry import Size
    from textual.reactive import Reactive

    from crm_tui.widgets.text_input import TextInput

    repaint = TextInput.__dict__["virtual_size"]
    layout = Reactive(Size(0, 0), layout=True)  # what Textual's Input declares (Widget.virtual_size)
    layout.__set_name__(TextInput, "virtual_size")
    with tempfile.TemporaryDirectory(prefix="crm-typing-") as folder:
        url = prepare(Path(folder) / "typing.db")
        asyncio.run(cpu_per_key(url, size))  # warm: imports, the statements' first compile
        sides: dict[str, list[float]] = {"TextInput": [], "Input": []}
        for _ in range(args.rounds):  # in turns, so that a busy moment of the machine falls on both
            for side, reactive in (("TextInput", repaint), ("Input", layout)):
                TextInput.virtual_size = reactive  # type: ignore[misc]
                sides[side].append(asyncio.run(cpu_per_key(url, size)))
        TextInput.virtual_size = repaint  # type: ignore[misc]
    medians = {side: statistics.median(values) for side, values in sides.items()}
    print(
        json.dumps(
            {
                "what": "CPU ms a key typed into the registration form's Customer Name",
                "keys": len(NAME),
                "size": args.size,
                "rounds": {side: [round(v, 2) for v in values] for side, values in sides.items()},
                "median_ms": {side: round(v, 2) for side, v in medians.items()},
                "input_over_textinput": round(medians["Input"] / medians["TextInput"], 2),
                "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

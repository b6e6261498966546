"""Python's cyclic garbage collector, held off while a process builds objects that live as long as it.

Every so many allocations the collector walks the young objects looking for cycles. While a process
imports its libraries (typer, SQLAlchemy, pydantic, Textual, our tables) or reads a customer base into
memory, nearly everything it makes lives until the end and none of it is garbage: the walks find
nothing, and cost a read command about a tenth of its time while it imports (issue 21: 212 of them,
50 ms) and a duplicate scan about a third of its read. As the interpreter finalizes, one more
collection walks every object only to give the memory back (another quarter of a read command). A *hold* turns the collector off; it comes back when the last hold is released, so a
scan's hold and the start-up's never switch it on under each other. Objects made meanwhile are freed
by reference counting as always; only cycles wait for the collector to come back.

`start_up()` is the console script's (crm_tui.launch): a hold released a little after start, by which
time a command has imported what it needs (a short one has ended), and everything start-up made is
frozen (`gc.freeze`) so no later collection walks it again; at exit the same freeze spares the final
collection. A child forked within those seconds keeps the hold without the timer that ends it: the
only children the CRM forks are the duplicate scan's workers, which turn the collector off anyway.
"""

from __future__ import annotations

import atexit
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

START_UP_SECONDS = 2.0
"""How long start-up holds the collector: a read command ends well within it on a 2-core machine;
the workbench has drawn its sign-in screen and opened its database."""

_lock = threading.Lock()
_holds = 0
_was_enabled = True


def hold() -> None:
    """The collector off until every hold is released (it stays off if it was off before the first)."""
    global _holds, _was_enabled
    with _lock:
        if _holds == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holds += 1


def release(*, freeze: bool = False) -> None:
    """Give one hold back; the collector returns with the last, as it was before the first. `freeze`:
    what exists now lives on (start-up's modules and tables), so no collection walks it again."""
    global _holds
    with _lock:
        if _holds == 0:
            raise RuntimeError("the collector was not held")
        if freeze:
            gc.freeze()
        _holds -= 1
        if _holds == 0 and _was_enabled:
            gc.enable()


@contextmanager
def held() -> Iterator[None]:
    """The collector off for the block (a base read into memory), back after it unless another hold keeps it off."""
    hold()
    try:
        yield
    finally:
        release()


def start_up(seconds: float = START_UP_SECONDS) -> None:
    """For a process that starts here: no collections while it imports, for `seconds` (then start-up's
    objects are frozen and the collector comes back), and none of them walked again at exit."""
    hold()
    back = threading.Timer(seconds, release, kwargs={"freeze": True})
    back.daemon = True  # never keeps the process alive, never joined at exit
    back.start()
    atexit.register(gc.freeze)

"""Every key typed reaches the workbench once, in order, and where the keys before it left the focus.

Textual hands a key to whatever has the focus *when the app reads it*, but a key's effects (Enter
moving to the next field, `/` jumping to the identify box, F3 opening Registration) run later, as
messages passed from widget to widget. Keys typed faster than that (a clerk, a barcode scanner,
tmux `send-keys`) went to the field the focus was leaving: `alice⏎demo-csr-01⏎` all landed in the
operator name, digits typed after `/` switched the customer view's tabs, Tabs stopped one field short.

The `KeyLine` puts the keys in a line. A key is handed on at once when the workbench is at rest;
otherwise it waits until everything the keys before it started has finished:

- every message queue of the app and of the screens on the stack is empty, no screen has a callback
  waiting for its next refresh, and no key handed on is still on its way;
- no worker of the `holding` groups is running: those that end by opening a screen or moving the
  focus (sign-in, identify, open a customer...). Keys typed meanwhile go to where that screen puts the
  focus, as if the clerk had waited. If such a worker fails (a wrong password, nobody found), the keys
  typed ahead for the screen that did not open are dropped, and the app is told how many.

A key waits at most `HOLD_LIMIT_S` for a worker (then it is handed on where the focus is), so a stuck
database never swallows the keyboard. Enter typed while the workbench was starting reaches it as ctrl+j
(the terminal was not raw yet): it is handed on as enter.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from time import monotonic

from textual import events
from textual.app import App
from textual.worker import Worker

HOLD_LIMIT_S = 30.0
"""The longest a key waits for a holding worker before it is handed on anyway."""

FAST_POLLS = 50
"""Checks a key waits by yielding to the other tasks only, before it checks every millisecond."""

NEWLINE = "ctrl+j"
"""What enter arrives as when typed before the workbench put the terminal in raw mode (at start-up the
terminal still turns CR into LF): the line hands it on as enter. Nothing in the workbench uses ctrl+j."""

RELEASED = "_crm_key_line_released"
"""The attribute that marks a key the line hands on (it must not be held a second time)."""


class KeyLine:
    """The app's keys in one line: `take` holds a key typed while the workbench is busy; a task hands
    them on one by one, each once the one before has had all its effects."""

    def __init__(
        self,
        app: App[object],
        *,
        holding: Iterable[str],
        dropped: Callable[[int], None] | None = None,
    ) -> None:
        self.app = app
        self.holding = frozenset(holding)
        """Worker groups whose end opens a screen or moves the focus: keys wait for them."""
        self.dropped = dropped
        """Told how many keys typed ahead were dropped because a holding worker failed."""
        self.keys: deque[events.Key] = deque()
        """Keys typed and not yet handed on, oldest first."""
        self.handed_on = 0
        """Keys posted back to the app and not yet read by it."""
        self.handling = 0
        """Events the app is in the middle of handling (`CrmApp.on_event`)."""
        self._task: asyncio.Task[None] | None = None
        self._failed_holding = False

    # -- called by the app ------------------------------------------------------------------------

    def take(self, event: events.Event) -> bool:
        """True when the line keeps `event` (a key typed while the workbench is busy) to hand on later."""
        if not isinstance(event, events.Key) or event.is_forwarded:
            return False
        if getattr(event, RELEASED, False):
            self.handed_on -= 1
            return False
        if event.key == NEWLINE:  # enter, typed while the terminal was not yet raw (its CR became LF)
            event = events.Key("enter", "\r")
        elif not self.keys and not self.busy():
            return False
        self.keys.append(event)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._hand_on(), name="crm-key-line")
        return True

    def worker_failed(self, worker: Worker[object]) -> None:
        """Told by whoever handles a worker's failure: a holding one drops the keys typed ahead."""
        if worker.group in self.holding and self.keys:
            self._failed_holding = True

    def failed(self) -> None:
        """A holding service call came back without opening what the keys were typed for (nobody
        matched): the keys typed ahead are dropped as if it had failed."""
        if self.keys:
            self._failed_holding = True

    async def settled(self) -> None:
        """Wait until every key is handed on and has had its effects (tests; the terminal test's helper)."""
        while self.keys or self.busy():
            await asyncio.sleep(0.002)

    # -- the line ---------------------------------------------------------------------------------

    def busy(self, *, workers: bool = True) -> bool:
        """Is anything the earlier keys started still going on (`workers`: or a holding worker running)?"""
        app = self.app
        if self.handed_on > 0 or self.handling > 0:
            return True
        if app.message_queue_size > 0 or app._next_callbacks:
            return True
        for screen in app.screen_stack:
            if screen._callbacks:
                return True
            for node in screen.walk_children(with_self=True):
                if node.message_queue_size > 0 or node._next_callbacks:
                    return True
        return workers and self._holding_worker()

    def _holding_worker(self) -> bool:
        return any(worker.group in self.holding and not worker.is_finished for worker in self.app.workers)

    async def _hand_on(self) -> None:
        polls = 0
        holding_since: float | None = None
        while self.keys:
            if self._failed_holding and not self._holding_worker():
                self._drop_typed_ahead()
                continue
            if self.busy(workers=False):
                polls += 1
                # the next loop turns first (a key's effects are a few messages), then every millisecond
                await asyncio.sleep(0 if polls < FAST_POLLS else 0.001)
                continue
            if self._holding_worker():
                holding_since = holding_since or monotonic()
                if monotonic() - holding_since < HOLD_LIMIT_S:
                    await asyncio.sleep(0.005)
                    continue
            if polls >= 0:  # once more after the other tasks ran: a handler may be between two messages
                polls = -1
                await asyncio.sleep(0)
                continue
            polls, holding_since = 0, None
            event = self.keys.popleft()
            setattr(event, RELEASED, True)
            self.handed_on += 1
            self.app.post_message(event)
        self._failed_holding = False

    def _drop_typed_ahead(self) -> None:
        count = len(self.keys)
        self.keys.clear()
        self._failed_holding = False
        if count and self.dropped is not None:
            self.dropped(count)

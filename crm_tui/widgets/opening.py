"""Something slow to open (the workbench's services): given open, or opened once in a thread worker
behind the first screen while the operator types; other threads wait for it, and a failure is kept
to be said (by the sign-in screen, and by any sign-in that waited for it)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Opening(Generic[T]):
    """The value once open, the failure if opening failed, and a way to wait for either."""

    def __init__(self, opened: T | None = None) -> None:
        self.value: T | None = opened
        """What was opened (None until then)."""
        self.error: BaseException | None = None
        """Why opening failed (None unless it did)."""
        self._done = threading.Event()
        if opened is not None:
            self._done.set()

    def open(self, opener: Callable[[], T]) -> None:
        """Run `opener` in this thread (a worker's); whatever happens, the waiters wake."""
        try:
            self.value = opener()
        except BaseException as error:  # noqa: BLE001 - kept, to be said and raised to the waiters
            self.error = error
        finally:
            self._done.set()

    def wait(self, timeout: float) -> T | None:
        """The value once open, None if `timeout` seconds pass first; the opening's failure is raised."""
        if not self._done.wait(timeout):
            return None
        if self.error is not None:
            raise self.error
        return self.value

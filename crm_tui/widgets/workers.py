"""The one way the workbench calls a service: in a thread worker, with the result posted back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

T = TypeVar("T")


def run_service(
    node: DOMNode,
    call: Callable[[], T],
    then: Callable[[T], object],
    *,
    group: str,
    description: str,
    busy: Widget | None = None,
) -> Worker[T]:
    """Run `call` (a service with its own unit of work) off the UI thread, then `then(result)` on it.

    `busy` shows Textual's loading indicator meanwhile. Failures go to the node's
    `Worker.StateChanged` handler (the screens and the app pass them to the one failure handler).
    A newer call in the same group supersedes an older one, whose result is dropped.
    """
    app = node.app
    if busy is not None:
        busy.loading = True

    def finish(result: T) -> None:
        if busy is not None:
            busy.loading = False
        then(result)

    def stop_loading() -> None:
        if busy is not None:
            busy.loading = False

    def job() -> T:
        worker = get_current_worker()
        try:
            result = call()
        except BaseException:
            if not worker.is_cancelled:
                app.call_from_thread(stop_loading)
            raise
        if not worker.is_cancelled:
            app.call_from_thread(finish, result)
        return result

    return node.run_worker(
        job,
        name=group,
        group=group,
        description=description,
        thread=True,
        exclusive=True,
        exit_on_error=False,
    )

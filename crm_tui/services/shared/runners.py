"""Who is doing a piece of shared work (running an order, dispatching an event): a runner's id
names its host and process, so a runner on this host that died can be told from one still working.
"""

from __future__ import annotations

import os
import socket
import uuid

HOST = socket.gethostname()


def new_runner_id() -> str:
    """A runner's id: host and process (to tell a dead local runner), and a token unique to this run."""
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def runner_is_gone(runner: str | None) -> bool:
    """True when the runner was a process on this host that no longer exists."""
    if not runner:
        return True
    host, _, rest = runner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False

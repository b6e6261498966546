"""The scan's heavy stages on every core: work split over forked processes.

A full scan at 1,000,000 customers spends most of its time in pure Python: reading the customers
into Persons, their blocking keys (35 million), the blocks, the certificate neighbours, the
candidate pairs and their scores. With `fork` a worker starts with the parent's memory as it is
(the Persons read so far, the model, the pairs), so nothing but results crosses to the parent
(pickling the Persons instead took longer than the work it would share), and Python's string
hashes (salted per interpreter) agree between the parent and its workers.

`forked_map` runs a list of jobs on a pool of them and gathers the results in order: the
blocking keys of each share of the people, the blocks and pairs of each part of the keys, the
scores of each span of the pairs. Where `fork` is not offered (Windows, macOS's
default), for a base under PARALLEL_FROM, and from the workbench, the scan runs in its own process,
the same way: the tests compare the two on one base.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

PARALLEL_FROM = 50_000
"""Customers below this are scanned in one process: forking would cost more than it saves."""

_SHARED: Any = None
"""What the forked workers read: set by `forked_map` just before the pool forks them."""


def worker_count(asked: int | None) -> int:
    """Processes to use: `asked` if given (at least 1), else one per core the process may run on."""
    if asked:
        return max(1, asked)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def forks(workers: int, customers: int) -> bool:
    """Whether a scan of `customers` asked for `workers` processes forks them (else it runs in one)."""
    return workers > 1 and customers >= PARALLEL_FROM and can_fork()


def shared() -> Any:
    """The data the parent handed `forked_map` (in a worker: its inherited copy)."""
    return _SHARED


def forked_map(
    fn: Callable[..., Any],
    jobs: Sequence[tuple[Any, ...]],
    *,
    workers: int,
    data: Any,
    done: Callable[[int], None] | None = None,
) -> list[Any]:
    """[fn(*job) for job in jobs], run by `workers` forked processes that see `data` as `shared()`.

    Results come back in the order of `jobs`; `done(k)` is told after the k-th. The workers run
    with the cyclic collector off: a collection would walk (and so copy, page by page) the whole
    inherited heap, and nothing they build holds a cycle."""
    global _SHARED
    _SHARED = data
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers, len(jobs)), initializer=gc.disable) as pool:
            results = []
            for k, result in enumerate(pool.imap(_run, [(fn, job) for job in jobs]), 1):
                results.append(result)
                if done is not None:
                    done(k)
            return results
    finally:
        _SHARED = None


def _run(call: tuple[Callable[..., Any], tuple[Any, ...]]) -> Any:
    fn, job = call
    return fn(*job)


def spans(n: int, parts: int) -> list[tuple[int, int]]:
    """[lo, hi) ranges covering range(n) in `parts` nearly equal, contiguous pieces (none empty but
    the one range of an empty n)."""
    parts = max(1, min(parts, n))
    return [(n * k // parts, n * (k + 1) // parts) for k in range(parts)]

"""The collector's holds (crm_tui.collector): off while any hold stands, back with the last, and the
console script's start-up hold that lets go by itself."""

from __future__ import annotations

import atexit
import gc
import time

import pytest

from crm_tui import collector


@pytest.fixture(autouse=True)
def _collector_as_found():
    enabled = gc.isenabled()
    yield
    assert collector._holds == 0, "a test left a hold"
    gc.unfreeze()
    atexit.unregister(gc.freeze)
    (gc.enable if enabled else gc.disable)()


def test_the_collector_comes_back_with_the_last_hold_only():
    gc.enable()
    with collector.held():
        assert not gc.isenabled()
        collector.hold()  # start-up's, say, while a scan holds it too
        with collector.held():
            assert not gc.isenabled()
        assert not gc.isenabled()
        collector.release()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    with collector.held():
        pass
    assert not gc.isenabled()


def test_a_release_without_a_hold_is_refused():
    with pytest.raises(RuntimeError):
        collector.release()


def test_a_hold_is_released_when_the_block_fails():
    gc.enable()
    with pytest.raises(ValueError), collector.held():
        raise ValueError
    assert gc.isenabled()


def test_start_up_holds_the_collector_then_freezes_what_it_made_and_lets_go():
    gc.enable()
    gc.unfreeze()
    collector.start_up(seconds=0.2)
    assert not gc.isenabled()
    made_at_start = [[index] for index in range(1000)]  # lists: objects the collector tracks
    deadline = time.monotonic() + 10
    while not gc.isenabled() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(made_at_start)

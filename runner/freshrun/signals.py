"""Ctrl-C and SIGTERM (what cron, CI runners and `timeout` send) both become
KeyboardInterrupt in the main thread: dbt then cancels its running queries and
stops its threads, freshrun records what finished, releases the lock and exits
130.  While freshrun writes those records, a second signal is held back until
the write is done, so an impatient second Ctrl-C does not lose them."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

_received = threading.Event()
_deferring = threading.Event()
_pending = threading.Event()


def _handler(signum: int, frame: Any) -> None:
    _received.set()
    if _deferring.is_set():
        _pending.set()
        return
    raise KeyboardInterrupt(signal.Signals(signum).name)


def install() -> None:
    """Route SIGINT and SIGTERM to KeyboardInterrupt (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):
            signal.signal(sig, _handler)


def received() -> bool:
    """Has a stop been asked for since the process started?"""
    return _received.is_set()


def wait_received(timeout: float) -> bool:
    """Block until a stop is asked for (True) or the timeout passes (False)."""
    return _received.wait(timeout)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold signals back while the block runs; re-raise one afterwards if it came."""
    already = _deferring.is_set()
    _deferring.set()
    try:
        yield
    finally:
        if not already:
            _deferring.clear()
            if _pending.is_set():
                _pending.clear()
                raise KeyboardInterrupt("deferred signal")

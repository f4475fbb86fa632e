"""The command line reads selectors as dbt does, and stops cleanly on a signal."""

from __future__ import annotations

import os
import signal

import pytest

from freshrun import signals
from freshrun.cli import dbt_style_selectors


def test_several_words_after_select_or_exclude_are_one_selector_value():
    args = ["run", "--select", "a", "b+", "--exclude", "c", "tag:x", "--json"]
    assert dbt_style_selectors(args, takes_arguments=False) == [
        "run", "--select", "a b+", "--exclude", "c tag:x", "--json"]


def test_short_option_and_single_values_are_unchanged():
    assert dbt_style_selectors(["plan", "-s", "a", "--at", "+2h"], False) == ["plan", "-s", "a", "--at", "+2h"]
    assert dbt_style_selectors(["plan", "--select=a"], False) == ["plan", "--select=a"]


def test_refresh_keeps_its_positional_models():
    args = ["refresh", "--select", "a", "model_b"]
    assert dbt_style_selectors(args, takes_arguments=True) == args


@pytest.fixture
def handlers():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    signals._received.clear()


def test_sigterm_becomes_keyboard_interrupt_and_is_held_back_while_recording(handlers):
    signals.install()
    with pytest.raises(KeyboardInterrupt), signals.deferred():
        os.kill(os.getpid(), signal.SIGTERM)  # arrives inside: the block still finishes
        finished = True
    assert finished and signals.received()
    with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
        os.kill(os.getpid(), signal.SIGTERM)
        signal.sigtimedwait([], 0.1)  # give the handler a chance to run

"""Cron schedules: ticks evaluated in the schedule's time zone, returned as naive UTC.

DST: croniter handles skipped wall times (a job at 02:30 on the spring-forward day fires at
03:00).  On the fall-back day a wall time occurs twice; like Vixie cron, a job with a fixed
hour fires once (the first occurrence) while a wildcard-hour job follows the wall clock
through both.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter  # type: ignore[import-untyped]

from ..model import Node

_UTC = timezone.utc
_ONE_MICROSECOND = timedelta(microseconds=1)
_MEMO_LIMIT = 4096  # memoised ticks per schedule before the memo is dropped


class CronSchedule:
    """One cron expression in one time zone, answering "the tick before / after t"."""

    def __init__(self, expr: str, tz: str):
        if not croniter.is_valid(expr):
            raise ValueError(f"invalid cron_schedule {expr!r}")
        try:
            self.tz = ZoneInfo(tz or "UTC")
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown cron_schedule_timezone {tz!r}") from e
        self.expr = expr
        fields = expr.split()
        self.fixed_hour = len(fields) >= 2 and not fields[1].startswith("*")
        self._iterator = croniter(expr, datetime(2000, 1, 1, tzinfo=self.tz))
        self._memo: dict[tuple[int, datetime], datetime] = {}
        self._lock = threading.Lock()  # schedules are shared (lru_cache): one iterator user at a time

    def _local(self, t: datetime) -> datetime:
        return t.replace(tzinfo=_UTC).astimezone(self.tz)

    def _accept(self, tick: datetime) -> datetime | None:
        utc = tick.astimezone(_UTC)
        if self.fixed_hour and utc.astimezone(self.tz).fold == 1:
            return None
        return utc.replace(tzinfo=None)

    def prev_lt(self, t: datetime) -> datetime:
        """Latest tick strictly before t."""
        return self._tick(t, forward=False)

    def prev_le(self, t: datetime) -> datetime:
        """Latest tick at or before t."""
        return self.prev_lt(t + _ONE_MICROSECOND)

    def next_gt(self, t: datetime) -> datetime:
        """First tick strictly after t."""
        return self._tick(t, forward=True)

    def _tick(self, t: datetime, forward: bool) -> datetime:
        key = (int(forward), t)
        tick = self._memo.get(key)
        if tick is not None:
            return tick
        with self._lock:
            iterator = self._iterator
            iterator.set_current(self._local(t), force=True)
            step = iterator.get_next if forward else iterator.get_prev
            while True:
                try:
                    tick = self._accept(step(datetime))
                except CroniterError as e:
                    word = "next" if forward else "prev"
                    raise ValueError(f"cron_schedule {self.expr!r} has no {word} tick from {t}: {e}") from None
                if tick is not None and (tick > t if forward else tick < t):
                    break
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = tick
        return tick


@lru_cache(maxsize=256)
def cron_schedule(expr: str, tz: str) -> CronSchedule:
    return CronSchedule(expr, tz)


def node_cron_schedule(node: Node) -> CronSchedule:
    """The cron schedule of a node's policy; an invalid one is an error naming the node."""
    policy = node.policy
    assert policy is not None and policy.cron_schedule is not None
    try:
        return cron_schedule(policy.cron_schedule, policy.cron_schedule_timezone or "UTC")
    except ValueError as e:
        where = f" ({node.original_file_path})" if node.original_file_path else ""
        raise ValueError(f"{node.unique_id}{where}: {e}") from None


def cron_ticks(expr: str, tz: str, start: datetime, end: datetime) -> list[datetime]:
    """Ticks in (start, end], naive UTC (for tests, ``simulate`` and reports)."""
    schedule = cron_schedule(expr, tz)
    out: list[datetime] = []
    t = start
    while True:
        t = schedule.next_gt(t)
        if t > end:
            return out
        out.append(t)

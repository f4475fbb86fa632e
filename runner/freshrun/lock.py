"""Two ticks never build at once: a lock held in the warehouse.

Append-only protocol (no UPDATE/DELETE: concurrent writers deadlock on those
in Snowflake and Redshift), in table freshrun_locks:
  1. insert an `acquire` row (owner, host, pid, the warehouse's clock, expiry);
  2. read the live claims: `acquire` rows not yet expired whose owner has no
     `release` row; the earliest (at, owner) wins;
  3. the winner re-reads after a short settle delay (a claim committed late
     with an earlier clock would show up there) and holds the lock; a loser
     appends `release` for its claim, waits and tries again until
     --lock-timeout, then exits 4 naming the holder.
A process killed while holding the lock leaves a claim that stops counting at
its expiry -- or at once when it was on this host and its pid is gone (kill -9,
OOM killer, a reboot): freshrun appends the `release` the dead process could
not.  DuckDB allows one writing process per file: its lock error is
waited on the same way and reported with the same exit code."""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from freshrun.contract import LOCKS, naive_utc
from freshrun.dbt import DbtProject
from freshrun.errors import LockedError
from freshrun.rows import AuditTables, Computed

LOCK_NAME = "tick"
SETTLE_SECONDS = 0.3


@dataclass
class Holder:
    owner: str
    host: str
    pid: int
    at: datetime
    expires_at: datetime

    def __str__(self) -> str:
        return (f"{self.host} pid {self.pid} since {self.at:%Y-%m-%d %H:%M:%S} UTC "
                f"(expires {self.expires_at:%H:%M:%S} UTC)")


def _hostname() -> str:
    return socket.gethostname()[:100]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else (or cannot tell: assume alive)
    return True


class WarehouseLock:
    def __init__(self, project: DbtProject, timeout_seconds: float = 30.0, ttl_minutes: float = 120.0) -> None:
        self.project = project
        self.timeout = timeout_seconds
        self.ttl = ttl_minutes
        self.owner = uuid.uuid4().hex
        self.held = False

    def _claims(self, tables: AuditTables) -> list[Holder]:
        _, rows = tables.adapter.execute(
            f"select owner, host, pid, event, claimed_at, expires_at, {tables.clock().sql} as now_at "
            f"from {tables.relation(LOCKS)} where lock_name = '{LOCK_NAME}'", fetch=True)
        released = {r[0] for r in rows.rows if r[3] == "release"}
        live = []
        for r in rows.rows:
            if r[3] == "acquire" and r[0] not in released and naive_utc(r[5]) > naive_utc(r[6]):
                live.append(Holder(r[0], r[1], int(r[2]), naive_utc(r[4]), naive_utc(r[5])))
        return sorted(live, key=lambda h: (h.at, h.owner))

    def _reap_dead(self, tables: AuditTables, claims: list[Holder]) -> list[Holder]:
        """Drop (and release) live claims of processes on this host that no longer exist."""
        host = _hostname()
        alive = []
        for claim in claims:
            if claim.host == host and claim.pid != os.getpid() and not _pid_alive(claim.pid):
                self._append(tables, "release", owner=claim.owner, pid=claim.pid)
            else:
                alive.append(claim)
        return alive

    def _append(self, tables: AuditTables, event: str, owner: str | None = None, pid: int | None = None) -> None:
        """One `acquire` or `release` row, stamped with the warehouse's clock."""
        now = tables.clock()
        expires = now
        if event == "acquire":
            expires = Computed(str(tables.adapter.execute_macro("dateadd", project="dbt", kwargs={
                "datepart": "minute", "interval": int(self.ttl), "from_date_or_timestamp": now.sql})).strip())
        tables.append(LOCKS, [{"lock_name": LOCK_NAME, "owner": owner or self.owner, "host": _hostname(),
                               "pid": pid or os.getpid(), "event": event, "claimed_at": now, "expires_at": expires}])

    def _attempt(self) -> Holder | None:
        """One try: None when we hold the lock, else the holder.  Connections are
        closed while waiting (on DuckDB an open connection blocks every other process)."""
        self.owner = uuid.uuid4().hex  # a fresh claim per attempt: a withdrawn claim never counts again
        with self.project.connection() as adapter:
            tables = AuditTables(adapter, self.project)
            tables.ensure(LOCKS)
            self._append(tables, "acquire")
            claims = self._reap_dead(tables, self._claims(tables))
        self.project.release()
        if claims and claims[0].owner == self.owner:
            time.sleep(SETTLE_SECONDS)
            with self.project.connection() as adapter:
                claims = self._claims(AuditTables(adapter, self.project))
            self.project.release()
        if claims and claims[0].owner == self.owner:
            return None
        with self.project.connection() as adapter:
            self._append(AuditTables(adapter, self.project), "release")
        self.project.release()
        others = [c for c in claims if c.owner != self.owner]
        return others[0] if others else Holder("unknown", "unknown", 0, datetime.min, datetime.min)

    def acquire(self) -> None:
        deadline = time.monotonic() + self.timeout
        last: str = "unknown"
        while True:
            try:
                holder = self._attempt()
                if holder is None:
                    self.held = True
                    self.project.release()
                    return
                last = str(holder)
            except LockedError as exc:
                last = str(exc)
            if time.monotonic() >= deadline:
                raise LockedError(f"another freshrun tick holds the warehouse lock: {last}. "
                                  f"Waited {self.timeout:g}s (--lock-timeout).")
            time.sleep(min(2.0, max(0.2, deadline - time.monotonic())))

    def release(self) -> None:
        if not self.held:
            return
        try:
            with self.project.connection() as adapter:
                self._append(AuditTables(adapter, self.project), "release")
        finally:
            self.held = False
            self.project.release()

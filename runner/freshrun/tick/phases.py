"""One tick as named phases, each handing the next what it learnt:

1. read and plan: the warehouse state, and what is stale as of now;
2. observe and re-plan: the sources those decisions hang on are observed again;
3. lock and re-plan: only a tick with something to build takes the warehouse
   lock, and plans again under it (another tick may have built it meanwhile);
4. build and record: one dbt invocation, every result recorded, dropped views
   put back, the state read again;
5. report: the violations that remain, webhook alerts, the tick's own row,
   the summary and the exit code.

The graph is analysed once per session; the state is read once, then again
only where something new can be seen (after the lock, after a build)."""

from __future__ import annotations

from datetime import datetime

from freshrun.contract import FAILED_STATUSES
from freshrun.errors import EXIT_NODE_FAILED, EXIT_OK, EXIT_VIOLATED
from freshrun.lock import WarehouseLock
from freshrun.model import Plan
from freshrun.observe import record_tick
from freshrun.options import utc_now
from freshrun.report import console, plan_json, print_json, print_plan, warn
from freshrun.session import Session
from freshrun.state import WarehouseState
from freshrun.tick.building import build_and_record, build_selectors, context, dropped_views, plan_context
from freshrun.tick.observation import observe
from freshrun.tick.refresh import only_for

SELECTOR = "freshrun run"  # the selector recorded for every dbt invocation a tick starts


class Tick:
    """One `freshrun run` (or, with `force`, one `freshrun refresh`) on an open session."""

    def __init__(self, session: Session, command: str = "build", force: frozenset[str] = frozenset(),
                 json_output: bool = False) -> None:
        self.session = session
        self.command = command  # the dbt command that builds: build | run
        self.force = force
        self.json_output = json_output
        self.lock: WarehouseLock | None = None
        self.results: list[tuple[str, str]] = []  # (unique_id, status) of what dbt finished
        self.started_at: datetime
        self.state: WarehouseState
        self.now: datetime
        self.plan: Plan
        self.after: WarehouseState  # the state once the build is recorded

    def _plan(self) -> Plan:
        plan = self.session.plan(self.state, self.now, self.force)
        return only_for(plan, self.force) if self.force else plan

    # -- 1 ---------------------------------------------------------------------
    def read_and_plan(self) -> None:
        self.state = self.session.read_state()
        self.now = self.started_at = utc_now()
        self.plan = self._plan()

    # -- 2 ---------------------------------------------------------------------
    def observe_and_replan(self) -> None:
        self.state, observed = observe(self.session, self.state, self.plan, self.now, SELECTOR)
        if observed:  # plan again as of now: the observations were taken after the first plan
            self.now = utc_now()
            self.plan = self._plan()

    # -- 3 ---------------------------------------------------------------------
    def lock_and_replan(self, timeout_seconds: float) -> None:
        """Two ticks never build at once: with something to build, take the lock, then
        read and plan again under it."""
        if not self.plan.selected:
            return
        self.lock = WarehouseLock(self.session.project, timeout_seconds=timeout_seconds)
        self.lock.acquire()
        self.state = self.session.read_state()
        self.now = utc_now()
        self.plan = self._plan()

    # -- 4 ---------------------------------------------------------------------
    def build_and_record(self) -> None:
        session = self.session
        if self.plan.selected:
            if not self.json_output:
                print_plan(self.plan, "Building", violations=[])
            selectors = build_selectors(session, self.plan, self.state)
            self.results = build_and_record(session, selectors, self.command, plan_context(self.plan, SELECTOR),
                                            self.json_output)
        self.after = session.read_state() if self.results else self.state  # nothing built: nothing changed
        dropped = dropped_views(session, self.state, self.after)
        if dropped:  # put them back in this tick rather than leaving them missing until the next one
            selectors = {uid: session.graph.selectors[uid] for uid in dropped}
            self.results += build_and_record(session, selectors, "run",
                                             context({uid: ["missing"] for uid in dropped}, SELECTOR),
                                             self.json_output)
            self.after = session.read_state()

    # -- 5 ---------------------------------------------------------------------
    def report(self, webhook: str | None = None, webhook_timeout: float = 5.0) -> int:
        """Alert, record the tick, print the summary; returns the exit code."""
        session = self.session
        after_now = utc_now()
        if self.results or self.force:
            remaining = session.plan(self.after, after_now).violations
        else:  # nothing was built and the last plan is of this very state: its violations remain
            remaining = self.plan.violations
        if webhook:
            from freshrun.alerts import notify_transitions

            for warning in notify_transitions(session, webhook, after_now, state=self.after, timeout=webhook_timeout):
                warn(warning)
        results = [(uid, status) for uid, status in self.results if uid not in session.graph.package_nodes]
        failed = [uid for uid, status in results if status in FAILED_STATUSES]
        if not self.force:
            record_tick(session.project, self.started_at, utc_now(), SELECTOR, not failed,
                        session.project.config.target_name)
        if self.json_output:
            print_json(plan_json(self.plan, results, {"violations_after": [
                {"unique_id": v.unique_id, "name": v.name, "lag_minutes": v.lag_minutes,
                 "maximum_lag_minutes": v.maximum_lag_minutes, "blocked_by": v.blocked_by} for v in remaining]}))
        else:
            print_plan(self.plan, "Tick summary", results=dict(results) if self.plan.selected else None,
                       violations=remaining)
            if remaining:
                console.print(f"[red]{len(remaining)} policy violation(s) remain after this tick[/red]")
        if failed:
            return EXIT_NODE_FAILED
        if remaining:
            return EXIT_VIOLATED
        return EXIT_OK

    def release(self) -> None:
        if self.lock is not None:
            self.lock.release()

"""`freshrun run` (one tick), `freshrun refresh` (a tick for named nodes) and
`freshrun plan` (the tick's first plan, nothing built).  The tick's phases are
freshrun.tick.phases."""

from __future__ import annotations

from datetime import datetime

from freshrun import planner, signals
from freshrun.errors import ConfigError
from freshrun.options import parse_at, utc_now
from freshrun.report import console, plan_json, print_json, print_plan
from freshrun.session import CommonOptions, Session
from freshrun.state import WarehouseState
from freshrun.tick.observation import observe
from freshrun.tick.phases import Tick


def refuse_before_history(state: WarehouseState, now: datetime, at: str | None) -> None:
    """`--at` plans with today's state: before the first recorded build it would read builds that had
    not happened yet (negative lags), so it is refused."""
    if not at:
        return
    first = min((times[0][0] for times in (s.success_times for s in state.nodes.values()) if times), default=None)
    if first is not None and now < first:
        raise ConfigError(f"--at {at}: {now:%Y-%m-%d %H:%M} UTC is before the first build freshrun has recorded "
                          f"({first:%Y-%m-%d %H:%M} UTC); plan as of a time at or after it")


def run_plan(options: CommonOptions, at: str | None, explain: str | None) -> int:
    session = Session.open(options)
    try:
        state = session.read_state()
        observe(session, state, record=False)  # what a tick would see now (kept in memory)
        now = parse_at(at, utc_now())
        refuse_before_history(state, now, at)
        plan = session.plan(state, now)
        if explain:
            uid = session.find(explain)
            lines = planner.explain(plan, uid)
            reasons = next((list(s.reasons) for s in plan.selected if s.unique_id == uid), [])
            if options.json:
                print_json({"unique_id": uid, "selected": bool(reasons), "reasons": reasons, "explanation": lines,
                            **plan_json(plan)})
            else:
                console.print(f"[bold]{uid}[/bold]: "
                              + ("selected (" + ", ".join(reasons) + ")" if reasons else "not selected"))
                for line in lines:
                    console.print(f"  - {line}")
            return session.report_policy_errors()
        if options.json:
            print_json(plan_json(plan))
        else:
            print_plan(plan, f"Plan as of {now:%Y-%m-%d %H:%M} UTC")
        return session.report_policy_errors()
    finally:
        session.close()


def run_tick(options: CommonOptions, command: str = "build", force_selectors: list[str] | None = None,
             dry_run: bool = False, lock_timeout: float = 10.0, webhook: str | None = None,
             webhook_timeout: float = 5.0) -> int:
    """One tick (`freshrun run`), or a surgical `freshrun refresh` when force_selectors are given."""
    if command not in ("build", "run"):
        raise ConfigError(f"--command must be build or run, got {command!r}")
    if webhook:
        from freshrun.alerts import check_webhook_options

        check_webhook_options(webhook, webhook_timeout)
    session = Session.open(options)
    tick: Tick | None = None
    try:
        force: frozenset[str] = frozenset()
        if force_selectors:
            force = frozenset(session.project.select(force_selectors, []) - session.graph.package_nodes)
            if not force:
                raise ConfigError("nothing to refresh: " + " ".join(force_selectors)
                                  + " matches no model, seed or snapshot")
        tick = Tick(session, command, force, options.json)
        tick.read_observe_and_plan(record=not dry_run)
        if dry_run:
            if options.json:
                print_json(plan_json(tick.plan))
            else:
                print_plan(tick.plan, "Would build")
            return session.report_policy_errors()
        tick.lock_and_replan(lock_timeout)
        tick.build_and_record()
        return tick.report(webhook, webhook_timeout)
    finally:
        with signals.deferred():
            if tick is not None:
                tick.release()
            session.close()

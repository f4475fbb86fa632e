"""`freshrun run` (one tick), `freshrun refresh` (a tick for named nodes) and
`freshrun plan` (the tick's first plan, nothing built).  The tick's phases are
freshrun.tick.phases."""

from __future__ import annotations

from freshrun import planner, signals
from freshrun.errors import EXIT_OK, ConfigError
from freshrun.options import parse_at, utc_now
from freshrun.report import console, plan_json, print_json, print_plan
from freshrun.session import CommonOptions, Session
from freshrun.tick.phases import Tick


def run_plan(options: CommonOptions, at: str | None, explain: str | None) -> int:
    session = Session.open(options)
    try:
        state = session.read_state()
        now = parse_at(at, utc_now())
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
            return EXIT_OK
        if options.json:
            print_json(plan_json(plan))
        else:
            print_plan(plan, f"Plan as of {now:%Y-%m-%d %H:%M} UTC")
        return EXIT_OK
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
        tick.read_and_plan()
        if dry_run:
            if options.json:
                print_json(plan_json(tick.plan))
            else:
                print_plan(tick.plan, "Would build")
            return EXIT_OK
        tick.observe_and_replan()
        tick.lock_and_replan(lock_timeout)
        tick.build_and_record()
        return tick.report(webhook, webhook_timeout)
    finally:
        with signals.deferred():
            if tick is not None:
                tick.release()
            session.close()

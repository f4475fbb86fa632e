"""`freshrun run` (one tick) and `freshrun plan` (the same plan, nothing built)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from freshrun import planner
from freshrun import signals
from freshrun.recover import record_missing
from freshrun.lock import WarehouseLock
from freshrun.observe import observe_sources, record_tick
from freshrun.errors import EXIT_NODE_FAILED, EXIT_OK, EXIT_VIOLATED, ConfigError
from freshrun.model import Plan
from freshrun.options import parse_at, utc_now
from freshrun.report import console, last_line, plan_json, print_json, print_plan, warn
from freshrun.session import CommonOptions, Session
from freshrun.state import WarehouseState

FAILED = {"error", "fail", "runtime error", "skipped"}


def make_plan(session: Session, state: WarehouseState, now: datetime, force: frozenset[str] = frozenset()) -> Plan:
    plan = planner.plan(session.user_nodes, state.nodes, now, session.interval_minutes(state),
                        scope=session.scope, force=force)
    return only_for(plan, force) if force else plan


def only_for(plan: Plan, force: frozenset[str]) -> Plan:
    """`refresh`: keep the forced nodes and the ancestors they (transitively) require; drop the rest of the tick."""
    keep = set(force)
    changed = True
    while changed:
        changed = False
        for s in plan.selected:
            if s.unique_id not in keep and any(r.startswith("required_by:") and r.split(":", 1)[1] in keep for r in s.reasons):
                keep.add(s.unique_id)
                changed = True
    dropped = len([s for s in plan.selected if s.unique_id not in keep])
    plan.selected = [s for s in plan.selected if s.unique_id in keep]
    plan.skipped += dropped
    return plan


def observed_sources_for(session: Session, candidates: set[str]) -> list[str]:
    """Observed sources upstream of the candidate nodes (at any depth)."""
    nodes = session.user_nodes
    seen: set[str] = set()
    stack = list(candidates)
    out: list[str] = []
    while stack:
        uid = stack.pop()
        for parent in nodes[uid].parents if uid in nodes else ():
            if parent in seen:
                continue
            seen.add(parent)
            node = nodes.get(parent)
            if node is None:
                continue
            if node.is_source:
                if node.observed:
                    out.append(parent)
            else:
                stack.append(parent)
    return sorted(out)


def candidates_of(session: Session, state: WarehouseState, plan: Plan, now: datetime) -> set[str]:
    """Nodes whose decision could change once sources are observed again."""
    found = {s.unique_id for s in plan.selected} | {v.unique_id for v in plan.violations}
    for uid, node in session.user_nodes.items():
        policy = node.policy
        if policy is None or policy.build_after_minutes is None:
            continue
        if not session.in_scope(uid):
            continue
        last = state.nodes.get(uid)
        last_build = last.last_success if last else None
        if last_build is None or (now - last_build.started_at).total_seconds() / 60 >= policy.build_after_minutes:
            found.add(uid)
    return found


def dropped_views(session: Session, before: WarehouseState, after: WarehouseState) -> list[str]:
    """Views that existed before this tick's build and are gone after it."""
    out = []
    for uid, node in session.user_nodes.items():
        if node.materialized != "view" or not session.in_scope(uid):
            continue
        was, now = before.nodes.get(uid), after.nodes.get(uid)
        if was is not None and was.relation_exists and now is not None and now.relation_exists is False:
            out.append(uid)
    return out


def tick_context(plan: Plan, command: str) -> dict[str, Any]:
    return {"triggered_by": "freshrun", "selector": f"freshrun {command}",
            "reasons": {s.unique_id: list(s.reasons) for s in plan.selected}}


def observe(session: Session, state: WarehouseState, plan: Plan, now: datetime, command: str) -> tuple[WarehouseState, list[str]]:
    sources = observed_sources_for(session, candidates_of(session, state, plan, now))
    if not sources:
        return state, []
    taken: list[tuple[str, datetime, datetime | None]] = []
    leftover = observe_sources(session.project, sources, utc_now(), taken)
    if leftover:  # loaded_at_query sources: dbt renders and runs those itself
        names = [session.user_nodes[s].name for s in leftover]
        session.project.source_freshness(names, {"triggered_by": "freshrun", "selector": f"freshrun {command}"})
        return session.read_state(), sources
    # only the observations changed: add them to the state rather than reading it all again
    for uid, snapshotted_at, loaded in taken:
        state.add_observation(uid, snapshotted_at, loaded)
    return state, sources


def build_and_record(session: Session, selectors: dict[str, str], command: str, context: dict[str, Any],
                     json_output: bool) -> list[tuple[str, str]]:
    """One dbt invocation, then make sure everything it finished is recorded (freshrun.recover).
    Interrupted (Ctrl-C / SIGTERM): record what finished, then raise KeyboardInterrupt (exit 130)."""
    outcome = session.project.build(selectors, command, context, to_stderr=json_output)
    with signals.deferred():
        try:
            written = record_missing(session.project, outcome)
        except Exception as exc:  # the warehouse went away too: say so, keep the exit code meaningful
            written = 0
            warn(f"could not check or complete the records of dbt invocation {outcome.invocation_id}: "
                 f"{last_line(exc)}; the next tick rebuilds what is not recorded")
    if written and not outcome.interrupted:
        warn(f"dbt's on-run-end hook did not record {written} result(s) of invocation {outcome.invocation_id}; "
             f"freshrun recorded them from the results it holds")
    if outcome.interrupted:
        done = [uid for uid, status in outcome.statuses if status == "success"]
        raise KeyboardInterrupt(f"dbt {command} stopped; {len(done)} node(s) finished and recorded "
                                f"({written} written by freshrun)")
    return outcome.statuses


def run_plan(options: CommonOptions, at: str | None, explain: str | None) -> int:
    session = Session.open(options)
    try:
        state = session.read_state()
        now = parse_at(at, utc_now())
        plan = make_plan(session, state, now)
        if explain:
            uid = session.find(explain)
            lines = planner.explain(plan, uid)
            reasons = next((list(s.reasons) for s in plan.selected if s.unique_id == uid), [])
            if options.json:
                print_json({"unique_id": uid, "selected": bool(reasons), "reasons": reasons, "explanation": lines,
                            **plan_json(plan)})
            else:
                console.print(f"[bold]{uid}[/bold]: " + ("selected (" + ", ".join(reasons) + ")" if reasons else "not selected"))
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
    lock = None
    try:
        force: frozenset[str] = frozenset()
        if force_selectors:
            force = frozenset(session.project.select(force_selectors, []) - session.graph.package_nodes)
            if not force:
                raise ConfigError("nothing to refresh: " + " ".join(force_selectors) + " matches no model, seed or snapshot")
        state = session.read_state()
        now = tick_started = utc_now()
        plan = make_plan(session, state, now, force)
        if not dry_run:
            state, observed = observe(session, state, plan, now, "run")
            if observed:  # plan again as of now: the observations were taken after the first plan
                now = utc_now()
                plan = make_plan(session, state, now, force)
        if not dry_run and plan.selected:
            # Two ticks never build at once.  Only a tick with something to build needs the lock;
            # under it, plan again: another tick may have built it while we waited.
            lock = WarehouseLock(session.project, timeout_seconds=lock_timeout)
            lock.acquire()
            state = session.read_state()
            now = utc_now()
            plan = make_plan(session, state, now, force)
        if dry_run:
            if options.json:
                print_json(plan_json(plan))
            else:
                print_plan(plan, "Would build")
            return EXIT_OK
        results: list[tuple[str, str]] = []
        if plan.selected:
            if not options.json:
                print_plan(plan, "Building", violations=[])
            build_ids = [s.unique_id for s in plan.selected]
            # freshrun's own views (cheap) come along while they do not exist yet
            build_ids += [uid for uid in sorted(session.graph.package_nodes)
                          if not (state.nodes.get(uid) and state.nodes[uid].relation_exists)]
            selectors = {uid: session.graph.selectors[uid] for uid in build_ids}
            results = build_and_record(session, selectors, command, tick_context(plan, "run"), options.json)
        after = session.read_state() if results else state  # nothing built: nothing changed
        dropped = dropped_views(session, state, after)
        if dropped:
            # Replacing a table drops the views on it on some warehouses (PostgreSQL: drop ... cascade);
            # put them back in the same tick rather than leaving them missing until the next one.
            context = {"triggered_by": "freshrun", "selector": "freshrun run",
                       "reasons": {uid: ["missing"] for uid in dropped}}
            results += build_and_record(session, {u: session.graph.selectors[u] for u in dropped}, "run", context,
                                        options.json)
            after = session.read_state()
        after_now = utc_now()
        after_plan = make_plan(session, after, after_now, frozenset())
        if webhook:
            from freshrun.alerts import notify_transitions

            for warning in notify_transitions(session, webhook, after_now, state=after, timeout=webhook_timeout):
                warn(warning)
        results = [(uid, status) for uid, status in results if uid not in session.graph.package_nodes]
        by_id = dict(results)
        failed = [uid for uid, status in results if status in FAILED]
        if not force_selectors:
            record_tick(session.project, tick_started, utc_now(), "freshrun run", not failed,
                        session.project.config.target_name)
        if options.json:
            print_json(plan_json(plan, results, {"violations_after": [
                {"unique_id": v.unique_id, "name": v.name, "lag_minutes": v.lag_minutes,
                 "maximum_lag_minutes": v.maximum_lag_minutes, "blocked_by": v.blocked_by} for v in after_plan.violations]}))
        else:
            print_plan(plan, "Tick summary", results=by_id if plan.selected else None, violations=after_plan.violations)
            if after_plan.violations:
                console.print(f"[red]{len(after_plan.violations)} policy violation(s) remain after this tick[/red]")
        if failed:
            return EXIT_NODE_FAILED
        if after_plan.violations:
            return EXIT_VIOLATED
        return EXIT_OK
    finally:
        with signals.deferred():
            if lock is not None:
                lock.release()
            session.close()

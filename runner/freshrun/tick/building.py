"""Building: one dbt invocation for what the plan selected, then making sure
everything it finished is recorded (freshrun.recover), and putting back the
views a rebuild dropped.

An interrupted invocation (Ctrl-C, SIGTERM) still has what finished recorded,
then raises KeyboardInterrupt (exit 130)."""

from __future__ import annotations

from typing import Any

from freshrun import signals
from freshrun.contract import SUCCESS_STATUS, TRIGGERED_BY
from freshrun.model import Plan
from freshrun.recover import record_missing
from freshrun.report import last_line, warn
from freshrun.session import Session
from freshrun.state import WarehouseState


def context(reasons: dict[str, list[str]], selector: str) -> dict[str, Any]:
    """What the package's hook records about a build freshrun runs (triggered_by, selector, reasons)."""
    return {"triggered_by": TRIGGERED_BY, "selector": selector, "reasons": reasons}


def plan_context(plan: Plan, selector: str) -> dict[str, Any]:
    return context({s.unique_id: list(s.reasons) for s in plan.selected}, selector)


def build_selectors(session: Session, plan: Plan, state: WarehouseState) -> dict[str, str]:
    """{unique_id: dbt selector} of the plan's selection, plus freshrun's own views (cheap)
    while they do not exist yet."""
    build_ids = [s.unique_id for s in plan.selected]
    build_ids += [uid for uid in sorted(session.graph.package_nodes)
                  if not (state.nodes.get(uid) and state.nodes[uid].relation_exists)]
    return {uid: session.graph.selectors[uid] for uid in build_ids}


def build_and_record(session: Session, selectors: dict[str, str], command: str, build_context: dict[str, Any],
                     json_output: bool) -> list[tuple[str, str]]:
    """One dbt invocation, then make sure everything it finished is recorded; returns
    [(unique_id, status)] of what dbt finished."""
    outcome = session.project.build(selectors, command, build_context, to_stderr=json_output)
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
        done = [uid for uid, status in outcome.statuses if status == SUCCESS_STATUS]
        raise KeyboardInterrupt(f"dbt {command} stopped; {len(done)} node(s) finished and recorded "
                                f"({written} written by freshrun)")
    return outcome.statuses


def dropped_views(session: Session, before: WarehouseState, after: WarehouseState) -> list[str]:
    """Views that existed before this tick's build and are gone after it (replacing a table
    drops the views on it on some warehouses: PostgreSQL's drop ... cascade)."""
    found = []
    for uid, node in session.user_nodes.items():
        if node.materialized != "view" or not session.in_scope(uid):
            continue
        was, now = before.nodes.get(uid), after.nodes.get(uid)
        if was is not None and was.relation_exists and now is not None and now.relation_exists is False:
            found.append(uid)
    return found

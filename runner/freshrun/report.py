"""What freshrun prints: rich tables for people, stable JSON for machines."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from freshrun.contract import SHOWN_AS_FAILED_STATUSES, SUCCESS_STATUS
from freshrun.model import Plan, Policy

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def warn(message: str) -> None:
    """A warning on stderr: never changes the exit code."""
    sys.stderr.write(f"freshrun: warning: {message}\n")
    sys.stderr.flush()


def last_line(exc: BaseException) -> str:
    """The telling line of a (database) error: its last non-empty line."""
    lines = str(exc).strip().splitlines()
    return lines[-1] if lines else type(exc).__name__


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if isinstance(value, datetime) else value


def _round(x: float | None) -> float | None:
    return None if x is None else round(float(x), 1)


def plan_json(plan: Plan, results: list[tuple[str, str]] | None = None,
              extra: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "now": iso(plan.now),
        "interval_minutes": plan.interval_minutes,
        "selected": [{"unique_id": s.unique_id, "name": s.name, "reasons": list(s.reasons)} for s in plan.selected],
        "skipped": plan.skipped,
        "violations": [
            {"unique_id": v.unique_id, "name": v.name, "lag_minutes": _round(v.lag_minutes),
             "maximum_lag_minutes": v.maximum_lag_minutes, "blocked_by": v.blocked_by, "kind": v.kind,
             "deadline": iso(v.deadline)}
            for v in plan.violations
        ],
        "unrecorded": list(plan.unrecorded),
        "excluded_required": [{"unique_id": a, "required_by": b} for a, b in plan.excluded_required],
    }
    if results is not None:
        out["results"] = [{"unique_id": uid, "status": status} for uid, status in results]
    out.update(extra or {})
    return out


def print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=_default) + "\n")


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def print_plan(plan: Plan, title: str, results: dict[str, str] | None = None, violations: list | None = None) -> None:
    if plan.selected:
        console.print(f"[bold]{title}[/bold]")
        table = Table()
        table.add_column("model")
        table.add_column("reasons")
        if results is not None:
            table.add_column("result")
        for s in plan.selected:
            row = [s.name, ", ".join(s.reasons)]
            if results is not None:
                status = results.get(s.unique_id, "not run")
                colour = ("green" if status == SUCCESS_STATUS else "red" if status in SHOWN_AS_FAILED_STATUSES
                          else "yellow")
                row.append(f"[{colour}]{status}[/{colour}]")
            table.add_row(*row)
        console.print(table)
    else:
        console.print(f"{title}: nothing is stale.")
    console.print(f"{len(plan.selected)} selected, {plan.skipped} up to date "
                  f"(now {iso(plan.now)}, interval {plan.interval_minutes:g} min)")
    print_violations(plan.violations if violations is None else violations)
    if plan.unrecorded:
        console.print(f"[yellow]{len(plan.unrecorded)} relation(s) exist in the warehouse with no recorded build; "
                      "they are not rebuilt. Record them with one `dbt build` with the freshrun package "
                      "installed.[/yellow]")
    for ancestor, needed_by in plan.excluded_required:
        console.print(f"[yellow]{ancestor} is needed by {needed_by} but is outside --select/--exclude[/yellow]")


def print_violations(violations: list) -> None:
    if not violations:
        return
    console.print("[bold]Policies violated[/bold]")
    table = Table()
    for col in ("model", "lag (min)", "max lag (min)", "kind", "blocked by"):
        table.add_column(col)
    for v in violations:
        table.add_row(v.name, f"{v.lag_minutes:.1f}" if v.lag_minutes is not None else "never built",
                      f"{v.maximum_lag_minutes:g}" if v.maximum_lag_minutes is not None else "",
                      v.kind, v.blocked_by or "")
    console.print(table)


def policy_text(policy: Policy | None) -> str:
    """A node's policy in a few words (`lazy` when it has none)."""
    if policy is None:
        return "lazy"
    parts = []
    if policy.maximum_lag_minutes is not None:
        parts.append(f"lag ≤ {policy.maximum_lag_minutes:g}m")
    if policy.cron_schedule:
        parts.append(f"by '{policy.cron_schedule}' {policy.cron_schedule_timezone}")
    if policy.build_after_minutes is not None:
        parts.append(f"build_after {policy.build_after_minutes:g}m ({policy.updates_on})")
    return ", ".join(parts)


def print_rows(title: str, columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    console.print(f"[bold]{title}[/bold]")
    table = Table()
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*["" if v is None else str(v) for v in row])
    console.print(table)

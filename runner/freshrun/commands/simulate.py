"""`freshrun simulate`: replay a horizon of ticks on the project's real DAG, policies
and recorded durations, and compare freshrun with `dbt build` on a schedule."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from rich.table import Table

from freshrun.errors import EXIT_OK, ConfigError
from freshrun.options import parse_at, parse_minutes, utc_now
from freshrun.report import console, iso, print_json
from freshrun.session import CommonOptions, Session
from freshrun.simulate import LABELS, Simulation, arrivals_from_spec, simulate

DEFAULT_SOURCE_EVERY = "1h"


def load_arrivals_file(path: Path) -> dict[str, Any]:
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ConfigError(f"--arrivals: cannot read {path}: {exc.strerror or exc}") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"--arrivals: {path} is not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"--arrivals: {path}: expected a mapping with `sources:` (see the README)")
    return doc


def run_simulate(options: CommonOptions, hours: float = 24.0, interval: str | None = None,
                 arrivals_file: Path | None = None, source_every: str | None = None, start: str | None = None,
                 trace: bool = False) -> int:
    if arrivals_file is not None and source_every is not None:
        raise ConfigError("--arrivals and --source-every: give one or the other")
    if not hours or hours <= 0:
        raise ConfigError(f"--hours: must be more than zero, got {hours!r}")
    spec = load_arrivals_file(arrivals_file) if arrivals_file is not None else None
    every = None if spec is not None else parse_minutes(source_every or DEFAULT_SOURCE_EVERY, "--source-every")
    session = Session.open(options)
    try:
        state = session.read_state()
        iv = parse_minutes(interval) if interval else session.interval_minutes(state)
        t0 = parse_at(start, utc_now().replace(microsecond=0))
        end = t0 + timedelta(hours=hours)
        nodes = session.user_nodes
        try:
            arrivals = arrivals_from_spec(spec, nodes, t0, end, every)
            sim = simulate(nodes, state.nodes, arrivals, t0, hours, iv, scope=session.scope)
        except ValueError as exc:
            where = f"--arrivals {arrivals_file}: " if spec is not None and "arrivals" in str(exc) else ""
            raise ConfigError(f"{where}{exc}") from None
        if options.json:
            print_json(simulation_json(sim, hours, trace))
        else:
            print_simulation(sim, nodes, hours, trace)
        return EXIT_OK
    finally:
        session.close()


def simulation_json(sim: Simulation, hours: float, trace: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "start": iso(sim.start),
        "end": iso(sim.end),
        "hours": hours,
        "interval_minutes": sim.interval_minutes,
        "ticks": len(sim.ticks),
        "resolution_minutes": sim.resolution_minutes,
        "sla_models": sim.sla_models,
        "arrivals": {u: len([t for t in ts if sim.start < t < sim.end]) for u, ts in sim.arrivals.items()},
        "strategies": {k: v.as_dict(bound=(k == "lower_bound")) for k, v in sim.strategies.items()},
    }
    if trace:
        out["trace"] = [
            {"at": iso(t.at), "skipped": t.skipped,
             "selected": [{"unique_id": s.unique_id, "name": s.name, "reasons": list(s.reasons)} for s in t.selected]}
            for t in sim.trace
        ]
    return out


def print_simulation(sim: Simulation, nodes, hours: float, trace: bool = False) -> None:
    counts = sorted((nodes[u].name, len([t for t in ts if sim.start < t < sim.end])) for u, ts in sim.arrivals.items())
    sources = ", ".join(f"{name} ×{n}" for name, n in counts) or "none"
    console.print(f"[bold]Simulated {hours:g} h from {sim.start:%Y-%m-%d %H:%M} UTC[/bold], a tick every "
                  f"{sim.interval_minutes:g} min ({len(sim.ticks)} ticks), {sim.sla_models} model(s) with an SLA; "
                  f"new source data: {sources}")
    table = Table()
    table.add_column("strategy")
    table.add_column("model executions", justify="right")
    table.add_column("warehouse seconds", justify="right")
    table.add_column("SLA violations (model-minutes overdue)", justify="right")
    for key, r in sim.strategies.items():
        viol = "—" if key == "lower_bound" else f"{r.violation_minutes:,.0f}"
        table.add_row(LABELS[key], f"{r.executions:,}", f"{r.warehouse_seconds:,.0f}", viol)
    console.print(table)
    lb = sim.strategies.get("lower_bound")
    fr = sim.strategies.get("freshrun")
    if lb is not None and fr is not None:
        console.print(f"Unavoidable (no schedule meets the policy with the data that has arrived): "
                      f"{lb.violation_minutes:,.0f} model-minutes; freshrun's beyond them: "
                      f"{fr.excess_violation_minutes:,.0f}.")
    if fr is not None and fr.skipped_ticks:
        console.print(f"[yellow]{fr.skipped_ticks} tick(s) skipped: the previous tick was still building[/yellow]")
    if trace:
        for t in sim.trace:
            what = "skipped (still building)" if t.skipped else (
                ", ".join(f"{s.name} ({', '.join(s.reasons)})" for s in t.selected) or "nothing")
            console.print(f"{t.at:%Y-%m-%d %H:%M} {what}")

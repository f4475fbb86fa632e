"""`freshrun simulate`, the pure part: replay a horizon of ticks on a DAG and
compare freshrun's planner with the ways people schedule dbt today.

No I/O, no dbt, no clock.  Inputs: the graph (planner ``Node``s), the state
at the start (``NodeState`` per node, as ``state.read_state`` returns it, or
:func:`fresh_state`), when each source gets new data (``arrivals``), the
horizon and the tick interval.  Every datetime is naive UTC.

How a tick is simulated (the same for every strategy):

1. if builds from the previous tick are still running, the tick is skipped
   (two ticks never build at once; the second exits 4);
2. sources with an arrival pattern are observed: ``Observation(snapshotted_at
   = tick, max_loaded_at = latest arrival at or before the tick)`` (what
   ``dbt source freshness`` reports; rows loaded before the start count too);
3. the strategy picks what to build; for freshrun that is :func:`plan.plan`
   itself -- the very function ``freshrun run`` calls, on the simulated state;
4. the selection is built as one dbt invocation with unlimited threads: a node
   starts when its selected ancestors have completed and takes its expected
   duration (median of recorded durations, else the planner's defaults);
   each build gets the data time the dbt hook would record (DESIGN.md §2):
   the minimum over its frontier of a table's latest data time, an observed
   source's latest observation, an unobserved source's build start; seeds
   contribute nothing.  Builds enter the state when they complete.

Policy violations are sampled in the middle of every ``resolution_minutes``
(default 1): a model with a policy is overdue at instant t when its current data time
(``plan.current_data_time``, the function behind ``freshrun status``) is
older than ``t - maximum_lag_minutes``, or, with a cron schedule, older than
``c - maximum_lag_minutes`` for the latest cron tick ``c <= t`` -- the rule
``plan.assess`` applies.  Violation minutes = overdue (model, sample) pairs x
resolution.

Strategies: ``freshrun`` (the planner), ``build_every_tick`` and
``build_hourly`` (``dbt build`` of every model, seed and snapshot -- views
too, they are executions -- every tick / at the first tick of every hour),
``eager`` (at every tick rebuild each table-like node one of whose inputs has
new data since its last build started, in dependency order, so that the
change flows down; plus anything missing or with changed code), and the
``lower_bound`` described in :class:`_Bound`.
"""

from __future__ import annotations

import random
import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import AbstractSet, Any

from .model import Build, Node, NodeState, Observation, Selection
from .plan import PlanGraph, cron_ticks, current_data_time, expected_duration_seconds, plan

__all__ = [
    "STRATEGIES",
    "LABELS",
    "SourcePattern",
    "StrategyResult",
    "TickTrace",
    "Simulation",
    "simulate",
    "fresh_state",
    "arrival_times",
    "arrivals_from_spec",
    "overdue_at",
]

STRATEGIES = ("freshrun", "build_every_tick", "build_hourly", "eager", "lower_bound")
LABELS = {
    "freshrun": "freshrun",
    "build_every_tick": "`dbt build` every tick",
    "build_hourly": "`dbt build` every hour",
    "eager": "eager: rebuild whenever an input changed",
    "lower_bound": "lower bound",
}
DEFAULT_RESOLUTION_MINUTES = 1.0
HOURLY_MINUTES = 60.0
_SUCCESS_HISTORY = 50  # success_times kept per node (state.HISTORY_PER_NODE)
_DURATION_HISTORY = 10  # durations kept per node (as state.read_state does)
_NEG = float("-inf")
_POS = float("inf")


# --------------------------------------------------------------------------- arrivals


@dataclass(frozen=True)
class SourcePattern:
    """When one source gets new data: explicit times, or every ``every_minutes``
    (first at ``start + offset``), each moved by a uniform random amount in
    ``[-jitter, +jitter]`` minutes."""

    every_minutes: float | None = None
    jitter_minutes: float = 0.0
    offset_minutes: float = 0.0
    at: tuple[datetime, ...] = ()


def arrival_times(pattern: SourcePattern, start: datetime, end: datetime, rng: random.Random) -> list[datetime]:
    """Arrival instants (= the new max_loaded_at) of one source, ascending: the explicit
    ones plus the periodic ones from just before ``start`` (so that the source has data
    at the start) up to ``end``."""
    out = list(pattern.at)
    every = pattern.every_minutes
    if every:
        if every <= 0:
            raise ValueError(f"every must be more than zero, got {every}")
        jit = abs(pattern.jitter_minutes or 0.0)
        base = start + timedelta(minutes=pattern.offset_minutes or 0.0)
        k = -int(((pattern.offset_minutes or 0.0) + jit) // every) - 2
        while True:
            nominal = base + timedelta(minutes=k * every)
            if nominal - timedelta(minutes=jit) > end:
                break
            u = rng.uniform(-jit, jit) if jit else 0.0
            out.append(nominal + timedelta(minutes=u))
            k += 1
    return sorted(out)


_DUR_UNITS = {"s": 1 / 60, "m": 1.0, "min": 1.0, "h": 60.0, "d": 1440.0}


def _minutes(value: Any, what: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{what}: expected a duration like 30m, 2h or a number of minutes, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d)?\s*$", str(value), re.I)
    if not m:
        raise ValueError(f"{what}: expected a duration like 30m, 2h or a number of minutes, got {value!r}")
    return float(m.group(1)) * _DUR_UNITS[(m.group(2) or "m").lower()]


def _when(value: Any, what: str) -> datetime:
    if isinstance(value, datetime):
        t = value
    else:
        try:
            t = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{what}: expected an ISO 8601 time like 2026-11-24T09:00:00Z, got {value!r}") from None
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc).replace(tzinfo=None)
    return t


def _pattern(spec: Any, what: str) -> SourcePattern:
    if isinstance(spec, (list, tuple)):
        spec = {"at": list(spec)}
    if not isinstance(spec, Mapping):
        raise ValueError(f"{what}: expected a mapping with `every` (and `jitter`, `offset`) or `at`, got {spec!r}")
    unknown = sorted(set(spec) - {"every", "jitter", "offset", "at"})
    if unknown:
        raise ValueError(f"{what}: unknown key(s) {', '.join(unknown)} (expected every, jitter, offset, at)")
    if spec.get("every") is None and not spec.get("at"):
        raise ValueError(f"{what}: needs `every` or `at`")
    every = _minutes(spec["every"], f"{what}.every") if spec.get("every") is not None else None
    if every is not None and every <= 0:
        raise ValueError(f"{what}.every: must be more than zero")
    at = spec.get("at") or []
    if not isinstance(at, (list, tuple)):
        raise ValueError(f"{what}.at: expected a list of times")
    return SourcePattern(
        every_minutes=every,
        jitter_minutes=_minutes(spec.get("jitter", 0), f"{what}.jitter"),
        offset_minutes=_minutes(spec.get("offset", 0), f"{what}.offset"),
        at=tuple(_when(v, f"{what}.at") for v in at),
    )


def arrivals_from_spec(
    spec: Mapping[str, Any] | None,
    nodes: Mapping[str, Node],
    start: datetime,
    end: datetime,
    source_every_minutes: float | None = None,
) -> dict[str, list[datetime]]:
    """Source unique_id -> arrival instants, from an arrivals document (the parsed
    YAML of ``--arrivals``) or ``--source-every``.  Raises ValueError naming the
    offending key.

    Document::

        seed: 7                       # jitter is random but reproducible (default 0)
        default: {every: 1h}          # optional: every observed source not listed
        sources:
          shop.orders: {every: 30m, jitter: 5m, offset: 10m}
          shop.events: {at: ["2026-11-24T09:00:00Z", "2026-11-24T13:30:00Z"]}

    Sources are named ``source_name.table_name`` or by unique_id.  Observed sources
    not listed (and without ``default``) get no new data; unobserved sources are
    live unless listed.
    """
    sources = {u: n for u, n in nodes.items() if n.is_source}
    patterns: dict[str, SourcePattern] = {}
    seed: Any = 0
    if spec is not None:
        if not isinstance(spec, Mapping):
            raise ValueError("arrivals: expected a mapping with `sources:` (and optional `default:`, `seed:`)")
        unknown = sorted(set(spec) - {"sources", "default", "seed"})
        if unknown:
            raise ValueError(f"arrivals: unknown key(s) {', '.join(unknown)} (expected sources, default, seed)")
        seed = spec.get("seed", 0)
        listed = spec.get("sources") or {}
        if not isinstance(listed, Mapping):
            raise ValueError("arrivals.sources: expected a mapping of source name -> pattern")
        by_name: dict[str, list[str]] = {}
        for u, n in sources.items():
            by_name.setdefault(n.name, []).append(u)
        for key, value in listed.items():
            key = str(key)
            if key in sources:
                uid = key
            elif len(by_name.get(key, [])) == 1:
                uid = by_name[key][0]
            elif key in by_name:
                raise ValueError(f"arrivals.sources.{key}: ambiguous, use one of {', '.join(sorted(by_name[key]))}")
            else:
                known = ", ".join(sorted(by_name)) or "none"
                raise ValueError(f"arrivals.sources.{key}: no such source in the project (sources: {known})")
            patterns[uid] = _pattern(value, f"arrivals.sources.{key}")
        if spec.get("default") is not None:
            default = _pattern(spec["default"], "arrivals.default")
            for u, n in sources.items():
                if n.observed and u not in patterns:
                    patterns[u] = default
    elif source_every_minutes is not None:
        if source_every_minutes <= 0:
            raise ValueError("--source-every: must be more than zero")
        for u, n in sources.items():
            if n.observed:
                patterns[u] = SourcePattern(every_minutes=source_every_minutes)
    out = {}
    for u in sorted(patterns):
        rng = random.Random(f"{seed}:{u}")
        out[u] = arrival_times(patterns[u], start, end, rng)
    return out


# --------------------------------------------------------------------------- results


@dataclass
class StrategyResult:
    executions: int = 0
    warehouse_seconds: float = 0.0
    violation_minutes: float = 0.0
    # violation minutes at (model, instant) pairs where the lower bound is not violated
    excess_violation_minutes: float = 0.0
    skipped_ticks: int = 0

    def as_dict(self, bound: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "executions": self.executions,
            "warehouse_seconds": round(self.warehouse_seconds, 1),
            "violation_minutes": round(self.violation_minutes, 1),
        }
        if not bound:
            out["excess_violation_minutes"] = round(self.excess_violation_minutes, 1)
            out["skipped_ticks"] = self.skipped_ticks
        return out


@dataclass
class TickTrace:
    """What freshrun decided at one simulated tick."""

    at: datetime
    selected: list[Selection] = field(default_factory=list)
    skipped: bool = False  # builds of the previous tick were still running


@dataclass
class Simulation:
    start: datetime
    end: datetime
    interval_minutes: float
    resolution_minutes: float
    ticks: list[datetime]
    strategies: dict[str, StrategyResult]
    trace: list[TickTrace]  # freshrun's decisions, one per tick
    sla_models: int  # models whose violations are counted
    arrivals: dict[str, list[datetime]]


# --------------------------------------------------------------------------- helpers


def _copy_state(state: Mapping[str, NodeState]) -> dict[str, NodeState]:
    return {
        u: replace(
            s,
            success_times=list(s.success_times),
            durations=list(s.durations),
            observations=list(s.observations),
            content_changes=list(s.content_changes),
        )
        for u, s in state.items()
    }


def _obs_value(obs: Sequence[Observation], t: datetime) -> datetime | None:
    """Latest non-null max_loaded_at observed at or before t."""
    k = bisect_right(obs, t, key=lambda o: o.snapshotted_at)
    while k:
        v = obs[k - 1].max_loaded_at
        if v is not None:
            return v
        k -= 1
    return None


def _needs_base(node: Node, st: NodeState | None) -> bool:
    """Missing (never built, relation gone) or code changed: every strategy builds it."""
    if st is None or st.last_success is None:
        return st is None or st.relation_exists is not True
    if st.relation_exists is False:
        return True
    cs, bs = node.checksum, st.last_success.checksum
    return cs is not None and bs is not None and cs != bs


def overdue_at(cur: datetime | None, t: datetime, maximum_lag_minutes: float, cron_prev: datetime | None) -> bool:
    """The rule of ``plan.assess``: overdue when the data time is older than
    ``t - lag`` (or, with a cron schedule, ``c - lag`` for the latest cron tick c <= t)."""
    if cur is None:
        return False
    ref = cron_prev if cron_prev is not None else t
    return cur < ref - timedelta(minutes=maximum_lag_minutes)


def _cron_list(expr: str, tz: str, start: datetime, end: datetime) -> list[datetime]:
    """Cron ticks in (start - lookback, end], with at least one at or before start when one exists."""
    for days in (2, 9, 40, 400):
        ticks = cron_ticks(expr, tz, start - timedelta(days=days), end)
        if ticks and ticks[0] <= start:
            return ticks
    return cron_ticks(expr, tz, start - timedelta(days=400), end)


# --------------------------------------------------------------------------- the setup


class _Setup:
    """Everything derived once from the inputs, shared by the strategies."""

    def __init__(
        self,
        nodes: Mapping[str, Node],
        state: Mapping[str, NodeState],
        arrivals: Mapping[str, Sequence[datetime]],
        start: datetime,
        end: datetime,
        interval_minutes: float,
        scope: AbstractSet[str] | None,
        resolution_minutes: float,
    ):
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("start and end must be naive UTC datetimes")
        if interval_minutes <= 0 or resolution_minutes <= 0:
            raise ValueError("interval and resolution must be more than zero")
        if end <= start:
            raise ValueError("the horizon must be longer than zero")
        sim_nodes = dict(nodes.items())
        for u in arrivals:
            n = sim_nodes.get(u)
            if n is None or not n.is_source:
                raise ValueError(f"arrivals for {u}: not a source of this project")
            if not n.observed:  # an unobserved source with a given pattern is observed in the simulation
                sim_nodes[u] = replace(n, observed=True)
        self.g = g = PlanGraph(sim_nodes)
        self.start, self.end = start, end
        self.iv = float(interval_minutes)
        self.res = float(resolution_minutes)
        self.state0 = state
        self.arr: dict[int, list[datetime]] = {g.index[u]: sorted(ts) for u, ts in arrivals.items()}
        self.arrivals = {u: sorted(ts) for u, ts in arrivals.items()}
        self.scope = set(scope) if scope is not None else None
        n = g.n
        step = timedelta(minutes=self.iv)
        self.ticks: list[datetime] = []
        t = start
        while t < end:
            self.ticks.append(t)
            t += step
        rs = timedelta(minutes=self.res)
        self.samples: list[datetime] = []  # the middle of each `res` minutes: each stands for its whole step
        t = start + rs / 2
        while t < end:
            self.samples.append(t)
            t += rs
        nd = g.node
        self.table = [x.is_table_like for x in nd]
        self.passthru = [x.is_pass_through for x in nd]
        self.seed = [x.is_seed for x in nd]
        self.source = [x.is_source for x in nd]
        self.observed = [x.is_source and x.observed for x in nd]
        self.in_scope = [self.scope is None or g.order[i] in self.scope for i in range(n)]
        # what `dbt build` builds: models (not ephemeral), seeds, snapshots
        self.buildable = [
            i for i in range(n)
            if self.in_scope[i] and (self.table[i] or self.seed[i] or (nd[i].resource_type == "model" and nd[i].materialized == "view"))
        ]
        self.buildable_set = set(self.buildable)
        get = state.get
        self.dur = [expected_duration_seconds(nd[i], get(g.order[i])) for i in range(n)]
        # the hook's frontier: nearest data-holding upstreams (a parentless view is not one)
        self.fr = [g.frontier_of(i) for i in range(n)]
        self.hook_fr = [tuple(f for f in fr if not self.passthru[f]) for fr in self.fr]
        # models with an SLA whose violations are counted (as assess: models and snapshots)
        self.sla: list[tuple[int, float, list[datetime] | None]] = []
        for i in range(n):
            pol = nd[i].policy
            if pol is None or not pol.has_sla or not self.in_scope[i]:
                continue
            if nd[i].resource_type not in ("model", "snapshot"):
                continue
            crons = _cron_list(pol.cron_schedule, pol.cron_schedule_timezone or "UTC", start, end) if pol.cron_schedule else None
            self.sla.append((i, float(pol.maximum_lag_minutes), crons))
        # required data time per SLA model per sample, in minutes since start (-inf: none yet)
        self.req: list[list[float]] = []
        for i, L, crons in self.sla:
            row = []
            for t in self.samples:
                if crons is None:
                    ref = t
                else:
                    k = bisect_right(crons, t)
                    ref = crons[k - 1] if k else None
                row.append(_NEG if ref is None else self.mn(ref) - L)
            self.req.append(row)

    def mn(self, t: datetime) -> float:
        return (t - self.start).total_seconds() / 60.0

    def obs(self, i: int, t: datetime) -> datetime | None:
        """What `dbt source freshness` reports for observed source i at t: the newest of the
        latest arrival and the latest recorded observation (None: no data known)."""
        v = None
        arr = self.arr.get(i)
        if arr:
            k = bisect_right(arr, t)
            if k:
                v = arr[k - 1]
        st = self.state0.get(self.g.order[i])
        if st is not None and st.observations:
            r = _obs_value(st.observations, t)
            if r is not None and (v is None or r > v):
                v = r
        return v


# --------------------------------------------------------------------------- one strategy's world


class _World:
    def __init__(self, s: _Setup):
        self.s = s
        self.state = _copy_state(s.state0)
        self.pending: list[tuple[datetime, int, Build]] = []  # sorted by completion
        self.dirty = True

    # ---- sources
    def observe(self, t: datetime) -> None:
        s, order = self.s, self.s.g.order
        for i in s.arr:
            v = s.obs(i, t)
            if v is None:
                continue
            u = order[i]
            st = self.state.get(u)
            if st is None:
                st = self.state[u] = NodeState()
            if not st.observations or st.observations[-1].max_loaded_at != v:
                st.observations.append(Observation(t, v))
                self.dirty = True

    # ---- builds
    def _data_time(self, i: int, started: datetime, tick: datetime, overlay: dict[int, Build]) -> datetime | None:
        """The data time the dbt hook records for a build of i (DESIGN.md §2)."""
        s = self.s
        if s.seed[i]:
            return None
        members = s.hook_fr[i]
        if not members:
            return started
        best = None
        order, state = s.g.order, self.state
        for f in members:
            if s.source[f]:
                v = None
                if s.observed[f]:
                    st = state.get(order[f])
                    v = _obs_value(st.observations, tick) if st is not None and st.observations else None
                if v is None:
                    v = started
            elif s.seed[f]:
                continue
            else:
                b = overlay.get(f)
                if b is None:
                    st = state.get(order[f])
                    b = st.last_success if st is not None else None
                if b is None or b.data_time is None:
                    continue
                v = b.data_time
            if best is None or v < best:
                best = v
        return best

    def schedule(self, t: datetime, sel: Sequence[int]) -> float:
        """Build `sel` as one invocation started at t; returns the warehouse seconds."""
        s = self.s
        g = s.g
        n, parents, dur, nodes, order = g.n, g.parents, s.dur, g.node, g.order
        chosen = set(sel)
        acc = [0.0] * n  # completion offset of the latest selected node on a path ending here
        overlay: dict[int, Build] = {}
        seconds = 0.0
        for i in range(min(chosen), n):
            ps = parents[i]
            m = max((acc[p] for p in ps), default=0.0) if ps else 0.0
            if i not in chosen:
                acc[i] = m
                continue
            d = dur[i]
            acc[i] = m + d
            started = t + timedelta(seconds=m)
            done = t + timedelta(seconds=m + d)
            b = Build(started, done, self._data_time(i, started, t, overlay), nodes[i].checksum, d)
            overlay[i] = b
            self.pending.append((done, i, b))
            seconds += d
        self.pending.sort(key=lambda x: (x[0], x[1]))
        return seconds

    def commit(self, t: datetime) -> None:
        """Builds completed at or before t enter the state."""
        k = 0
        pend = self.pending
        while k < len(pend) and pend[k][0] <= t:
            k += 1
        if not k:
            return
        order, nodes = self.s.g.order, self.s.g.node
        for _, i, b in pend[:k]:
            u = order[i]
            old = self.state.get(u) or NodeState()
            changes = old.content_changes
            if nodes[i].is_seed and old.last_success is not None and old.last_success.checksum != b.checksum:
                changes = [*changes, b.started_at]
            self.state[u] = replace(
                old,
                last_success=b,
                success_times=[*old.success_times[-(_SUCCESS_HISTORY - 1):], (b.started_at, b.completed_at)],
                durations=[*old.durations[-(_DURATION_HISTORY - 1):], b.execution_seconds],
                consecutive_failures=0,
                last_failure_at=None,
                relation_exists=True,
                content_changes=changes,
            )
        del pend[:k]
        self.dirty = True

    # ---- eager: which table-like nodes have an input with new data
    def _new_since(self, f: int, since: datetime, t: datetime, chosen: set[int]) -> bool:
        s = self.s
        if f in chosen:
            return True
        st = self.state.get(s.g.order[f])
        if s.source[f]:
            if not s.observed[f]:
                return t > since
            latest = _obs_value(st.observations, t) if st is not None else None
            if latest is None:
                return t > since  # no data known: live
            before = _obs_value(st.observations, since)
            return before is None or latest > before
        if s.seed[f]:
            return bool(st is not None and st.content_changes and st.content_changes[-1] > since)
        if s.passthru[f]:
            return t > since  # a parentless view in a frontier: live
        if st is None or st.last_success is None:
            return False
        return st.last_success.completed_at > since

    def eager(self, t: datetime) -> list[int]:
        s = self.s
        order, nodes = s.g.order, s.g.node
        chosen: set[int] = set()
        for i in s.buildable:
            st = self.state.get(order[i])
            if _needs_base(nodes[i], st):
                chosen.add(i)
                continue
            if not s.table[i] or st is None or st.last_success is None:
                continue
            since = st.last_success.started_at
            fr = s.fr[i]
            if not fr:
                continue  # no inputs at all
            if any(self._new_since(f, since, t, chosen) for f in fr):
                chosen.add(i)
        return sorted(chosen)


# --------------------------------------------------------------------------- simulate


def simulate(
    nodes: Mapping[str, Node],
    state: Mapping[str, NodeState],
    arrivals: Mapping[str, Sequence[datetime]],
    start: datetime,
    hours: float,
    interval_minutes: float,
    scope: AbstractSet[str] | None = None,
    resolution_minutes: float = DEFAULT_RESOLUTION_MINUTES,
    strategies: Sequence[str] = STRATEGIES,
) -> Simulation:
    """Replay ``hours`` of ticks every ``interval_minutes`` from ``start`` under each strategy.

    ``arrivals``: source unique_id -> instants at which it gets new data (the new
    ``max_loaded_at``); see :func:`arrivals_from_spec`.  ``scope``: what freshrun
    may build (``--select/--exclude``), applied to every strategy."""
    unknown = [x for x in strategies if x not in STRATEGIES]
    if unknown:
        raise ValueError(f"unknown strategy: {', '.join(unknown)}")
    s = _Setup(nodes, state, arrivals, start, start + timedelta(hours=hours), interval_minutes, scope,
               resolution_minutes)
    results: dict[str, StrategyResult] = {}
    viol: dict[str, list[bytearray]] = {}
    trace: list[TickTrace] = []
    for name in strategies:
        if name == "lower_bound":
            continue
        results[name], viol[name] = _run(s, name, trace if name == "freshrun" else None)
    if "lower_bound" in strategies or len(viol):
        bound = _Bound(s)
        bres = bound.result()
        for name, rows in viol.items():
            excess = 0
            for row, brow in zip(rows, bound.viol):
                excess += sum(1 for a, b in zip(row, brow) if a and not b)
            results[name].excess_violation_minutes = excess * s.res
        if "lower_bound" in strategies:
            results["lower_bound"] = bres
    ordered = {k: results[k] for k in STRATEGIES if k in results}
    return Simulation(s.start, s.end, s.iv, s.res, s.ticks, ordered, trace, len(s.sla), s.arrivals)


def _run(s: _Setup, name: str, trace: list[TickTrace] | None) -> tuple[StrategyResult, list[bytearray]]:
    w = _World(s)
    g = s.g
    res = StrategyResult()
    S = len(s.samples)
    viol = [bytearray(S) for _ in s.sla]
    scope = s.scope
    next_hour = s.start
    ticks, samples = s.ticks, s.samples
    K = len(ticks)
    k = j = 0
    cur_min: list[float | None] = [None] * len(s.sla)
    live = True
    sla_uids = [g.order[i] for i, _, _ in s.sla]
    while k < K or j < S:
        if k < K and (j >= S or ticks[k] <= samples[j]):
            t = ticks[k]
            k += 1
            w.commit(t)
            if w.pending:
                res.skipped_ticks += 1
                if trace is not None:
                    trace.append(TickTrace(t, [], skipped=True))
                continue
            w.observe(t)
            sel: list[int] = []
            if name == "freshrun":
                p = plan(g, w.state, t, s.iv, scope=scope)
                sel = [g.index[x.unique_id] for x in p.selected]
                if trace is not None:
                    trace.append(TickTrace(t, list(p.selected)))
            elif name == "build_every_tick":
                sel = list(s.buildable)
            elif name == "build_hourly":
                if t >= next_hour:
                    sel = list(s.buildable)
                    while next_hour <= t:
                        next_hour += timedelta(minutes=HOURLY_MINUTES)
            elif name == "eager":
                sel = w.eager(t)
            if sel:
                res.warehouse_seconds += w.schedule(t, sel)
                res.executions += len(sel)
        else:
            t = samples[j]
            w.commit(t)
            if w.dirty or live:
                cur = current_data_time(g, w.state, t)
                now_m = s.mn(t)
                live = False
                for m, u in enumerate(sla_uids):
                    v = cur.get(u)
                    if v is None:
                        cur_min[m] = None
                    else:
                        cur_min[m] = s.mn(v)
                        if v == t:
                            live = True  # limited by a live input: recompute at every sample
                w.dirty = False
            for m, row in enumerate(s.req):
                c = cur_min[m]
                if c is not None and c < row[j]:
                    viol[m][j] = 1
            j += 1
    res.violation_minutes = sum(sum(r) for r in viol) * s.res
    return res, viol


# --------------------------------------------------------------------------- the lower bound


class _Bound:
    """The lower bound, computed from the graph, the policies and the arrivals alone.

    *Best achievable data.*  Rebuilding table-like node T in the invocation of tick
    b_k, after every table-like ancestor was rebuilt in the same invocation, gives
    T the data time A_T(k): the minimum over its root sources of their latest
    observation at b_k (an unobserved source counts as b_k).  A_T(k) is reached at
    the earliest at done_T(k) = max(b_k, the moment every frontier table first
    holds data >= A_T(k)) + T's expected duration.  So at instant t no schedule
    can give T better data than A_T(k*) for the latest k* with done_T(k*) <= t
    (or what it holds at the start); a view or ephemeral model is the minimum of
    its frontier.  A model is *unavoidably* overdue when even that best data
    violates its policy (same rule as everywhere else); that is the bound's
    ``violation_minutes``.

    *Fewest builds.*  Wherever a policy can be met, it must be: a model with an
    SLA needs data >= r(t) at t, and every table-like node upstream of it then
    needs data >= r(t) too (a build's data time is never newer than its
    inputs'), except where a node's data at the start already satisfies the need
    (then nothing above it must move).  Each table-like node thus gets the
    strictest need of everything downstream at every sampled instant; the
    fewest rebuilds that meet those needs -- each build placed at the latest
    tick that still meets the need, where it gets the newest data (the classic
    greedy, optimal for this covering problem) -- are counted; a rebuild serves
    a need at t only if it has completed by t (it starts at a tick at least its
    own expected duration earlier).  ``build_after`` models add the rebuilds their rule
    forces (window passed and an input has new data, where "new" comes from the
    bound's own rebuilds upstream).  Missing nodes and nodes with changed code
    are built once.  Views cost nothing: they are never counted.
    """

    def __init__(self, s: _Setup):
        self.s = s
        g = s.g
        n = g.n
        K = len(s.ticks)
        tick_m = [s.mn(t) for t in s.ticks]
        self.tick_m = tick_m
        self.sample_m = [s.mn(t) for t in s.samples]
        self.sample_tick = [bisect_right(s.ticks, t) - 1 for t in s.samples]
        cur0 = current_data_time(g, s.state0, s.start)
        init: list[float | None] = [None if cur0.get(g.order[i]) is None else s.mn(cur0[g.order[i]]) for i in range(n)]
        self.init = init
        # observed sources: value at each tick (None: no data known = live)
        obs_k: dict[int, list[float | None]] = {}
        for i in range(n):
            if s.observed[i]:
                obs_k[i] = [None if (v := s.obs(i, t)) is None else s.mn(v) for t in s.ticks]
        self.obs_k = obs_k
        # A_T(k) and done_T(k) for table-like nodes, in topological order
        A: dict[int, list[float] | None] = {}
        done: dict[int, list[float]] = {}
        for i in range(n):
            if not s.table[i]:
                continue
            if i not in s.buildable_set:
                # cannot be rebuilt: keeps what it has
                A[i] = None if init[i] is None else [init[i]] * K
                done[i] = [_NEG] * K
                continue
            row: list[float] | None = None
            contributing = False
            vals = [_POS] * K
            frs = s.fr[i]
            if not frs:
                vals = list(tick_m)
                contributing = True
            for f in frs:
                if s.source[f]:
                    if s.observed[f]:
                        ok = obs_k[f]
                        vals = [min(v, tick_m[k] if o is None else o) for k, (v, o) in enumerate(zip(vals, ok))]
                    else:
                        vals = [min(v, tm) for v, tm in zip(vals, tick_m)]
                    contributing = True
                elif s.seed[f]:
                    continue
                elif s.passthru[f]:  # parentless view: live
                    vals = [min(v, tm) for v, tm in zip(vals, tick_m)]
                    contributing = True
                else:
                    af = A.get(f)
                    if af is None:
                        continue
                    vals = list(map(min, vals, af))
                    contributing = True
            if contributing:
                row = vals
            A[i] = row
            if row is None:
                done[i] = [_NEG] * K
                continue
            d = s.dur[i] / 60.0
            tables = [f for f in frs if s.table[f] and A.get(f) is not None]
            drow = []
            for k in range(K):
                x = row[k]
                ready = tick_m[k]
                for f in tables:
                    r = self._ready(f, x, A, done)
                    if r > ready:
                        ready = r
                drow.append(ready + d)
            # monotone by construction; guard against float noise
            for k in range(1, K):
                if drow[k] < drow[k - 1]:
                    drow[k] = drow[k - 1]
            done[i] = drow
        self.A, self.done = A, done
        # best data per SLA model per sample, and the unavoidable violations
        self.best: list[list[float | None]] = []
        self.viol: list[bytearray] = []
        for m, (i, _, _) in enumerate(s.sla):
            row = [self.best_at(i, j) for j in range(len(s.samples))]
            self.best.append(row)
            req = s.req[m]
            self.viol.append(bytearray(1 if (b is not None and b < r) else 0 for b, r in zip(row, req)))

    # ---- best achievable data
    def _ready(self, f: int, x: float, A, done) -> float:
        """Earliest instant table-like f can hold data >= x."""
        init = self.init[f]
        if init is not None and init >= x:
            return _NEG
        af = A.get(f)
        if af is None:
            return _NEG
        k = bisect_left(af, x)
        if k >= len(af):
            return _POS
        return done[f][k]

    def _best_table(self, i: int, j: int) -> float | None:
        t = self.sample_m[j]
        init = self.init[i]
        row = self.A.get(i)
        if row is None:
            return init
        k = bisect_right(self.done[i], t) - 1
        if k < 0:
            return init
        v = row[k]
        return v if init is None or v > init else init

    def best_at(self, i: int, j: int) -> float | None:
        """Best data time node i can have at sample j (None: no data / static)."""
        s = self.s
        if s.table[i]:
            return self._best_table(i, j)
        t = self.sample_m[j]
        frs = s.fr[i]
        if not frs:
            return t  # a parentless view is live
        best = None
        kj = self.sample_tick[j]
        for f in frs:
            if s.source[f]:
                if s.observed[f]:
                    o = self.obs_k[f][kj]
                    v = t if o is None else o
                else:
                    v = t
            elif s.seed[f]:
                continue
            elif s.passthru[f]:
                v = t
            else:
                v = self._best_table(f, j)
                if v is None:
                    continue
            if best is None or v < best:
                best = v
        return best

    # ---- fewest builds
    def result(self) -> StrategyResult:
        s = self.s
        g = s.g
        n = g.n
        S = len(s.samples)
        nodes, order = g.node, g.order
        buildable = s.buildable_set
        # needs per table-like node and sample (minutes since start; -inf: none)
        dem: dict[int, list[float]] = {}

        def add(f: int, row: Sequence[float]) -> None:
            cur = dem.get(f)
            dem[f] = list(row) if cur is None else list(map(max, cur, row))

        for m, (i, _, _) in enumerate(s.sla):
            feas = [r if (b is not None and b >= r) else _NEG for b, r in zip(self.best[m], s.req[m])]
            if s.table[i]:
                add(i, feas)
            else:
                for f in s.fr[i]:
                    if s.table[f]:
                        add(f, feas)
        for i in range(n - 1, -1, -1):  # reverse topological: a node's needs are complete when reached
            if i not in dem:
                continue
            init = self.init[i]
            lim = _NEG if init is None else init
            row = dem[i]
            up = [r if r > lim else _NEG for r in row]
            if any(r != _NEG for r in up):
                for f in s.fr[i]:
                    if s.table[f]:
                        add(f, up)
        tick_m = self.tick_m
        builds: dict[int, list[int]] = {}  # node -> tick indices of its bound builds
        executions = 0
        seconds = 0.0
        K = len(s.ticks)
        for i in range(n):
            if i not in buildable:
                continue
            st = s.state0.get(order[i])
            base = _needs_base(nodes[i], st)
            if not s.table[i]:
                if base and s.seed[i]:  # missing seeds are loaded once; views cost nothing
                    executions += 1
                    seconds += s.dur[i]
                continue
            row = self.A.get(i)
            ticks_built: list[int] = []
            D = _NEG if self.init[i] is None else self.init[i]
            last_start = st.last_success.started_at if (st is not None and st.last_success is not None) else None
            if base:
                ticks_built.append(0)
                if row is not None:
                    D = max(D, row[0])
                last_start = s.ticks[0]
            own = s.dur[i] / 60.0
            pol = nodes[i].policy
            ba = pol is not None and pol.has_build_after and (last_start is not None)
            need = dem.get(i)
            kt = 1 if base else 0  # next tick whose build_after rule is checked
            for j in range(S):
                kj = self.sample_tick[j]
                if ba:
                    while kt <= kj:
                        if (not ticks_built or ticks_built[-1] != kt) and self._ba_due(i, kt, last_start, builds):
                            ticks_built.append(kt)
                            last_start = s.ticks[kt]
                            if row is not None:
                                D = max(D, row[kt])
                        kt += 1
                if need is not None and need[j] > D and row is not None:
                    # the build must have completed by now: the latest tick at least its own duration ago
                    kb = bisect_right(tick_m, self.sample_m[j] - own) - 1
                    kb = min(kj, kb) if kb >= 0 else 0
                    if not ticks_built or ticks_built[-1] < kb:
                        ticks_built.append(kb)
                        last_start = s.ticks[kb] if last_start is None or s.ticks[kb] > last_start else last_start
                    D = max(D, row[kb])
            if ba:
                while kt < K:
                    if (not ticks_built or ticks_built[-1] != kt) and self._ba_due(i, kt, last_start, builds):
                        ticks_built.append(kt)
                        last_start = s.ticks[kt]
                    kt += 1
            builds[i] = ticks_built
            executions += len(ticks_built)
            seconds += len(ticks_built) * s.dur[i]
        self.builds = builds
        res = StrategyResult(executions=executions, warehouse_seconds=seconds)
        res.violation_minutes = sum(sum(r) for r in self.viol) * s.res
        return res

    def _ba_due(self, i: int, k: int, since: datetime, builds: dict[int, list[int]]) -> bool:
        """The planner's build_after rule at tick k for node i last built at `since`."""
        s = self.s
        t = s.ticks[k]
        pol = s.g.node[i].policy
        if (t - since).total_seconds() / 60.0 < float(pol.build_after_minutes):
            return False
        ps = s.g.parents[i]
        if not ps:
            flags = [t > since]
        else:
            flags = [self._new(p, since, k, builds, set()) for p in ps]
        return all(flags) if (pol.updates_on or "any").lower() == "all" else any(flags)

    def _new(self, p: int, since: datetime, k: int, builds: dict[int, list[int]], seen: set[int]) -> bool:
        s = self.s
        t = s.ticks[k]
        if s.source[p]:
            if not s.observed[p]:
                return t > since
            latest = s.obs(p, t)
            if latest is None:
                return t > since
            before = s.obs(p, since)
            return before is None or latest > before
        st = s.state0.get(s.g.order[p])
        if s.seed[p]:
            return bool(st is not None and st.content_changes and st.content_changes[-1] > since)
        if s.table[p]:
            for kb in reversed(builds.get(p, ())):
                if kb > k:
                    continue
                return s.ticks[kb] > since or kb == k
            return bool(st is not None and st.last_success is not None and st.last_success.completed_at > since)
        # view / ephemeral: new data when anything in its frontier has
        ps = s.g.parents[p]
        if not ps:
            return t > since
        if p in seen:
            return False
        seen.add(p)
        return any(self._new(q, since, k, builds, seen) for q in ps)


# --------------------------------------------------------------------------- a fresh state


def fresh_state(
    nodes: Mapping[str, Node],
    built_at: datetime,
    arrivals: Mapping[str, Sequence[datetime]] | None = None,
    durations: Mapping[str, float] | None = None,
) -> dict[str, NodeState]:
    """The state right after one ``dbt build`` of everything started at ``built_at``
    (with ``dbt source freshness`` just before it), as the hook would record it:
    for benchmarks and tests that start from a warehouse that was just built."""
    arrivals = arrivals or {}
    state: dict[str, NodeState] = {}
    for u, ts in arrivals.items():
        before = [x for x in ts if x <= built_at]
        if before:
            state[u] = NodeState(observations=[Observation(built_at, max(before))])
    if durations:
        for u, n in nodes.items():
            if u in durations and not n.is_source:
                state.setdefault(u, NodeState()).durations.append(float(durations[u]))
    s = _Setup(nodes, state, arrivals, built_at, built_at + timedelta(minutes=1), 1.0, None, 1.0)
    w = _World(s)
    if s.buildable:
        w.schedule(built_at, s.buildable)
    w.commit(datetime.max)
    return w.state

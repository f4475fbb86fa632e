#!/usr/bin/env python3
"""How good is the lower bound's "unavoidable" violation count?  An exact check, per model.

    .venv/bin/python integration_tests/benchmarks/offline_optimum.py [--arrival-seed 1]
        [--max-tables 8] [--workdir DIR] [bench_cost.py's other options]

The cost benchmark (bench_cost.py) counts freshrun's SLA violation minutes beyond the
lower bound's, and the bound's violations are computed instant by instant (for every
sampled minute, the best data any schedule could have given the model by then).  That
is optimistic twice over: it knows when every source will get data, and it lets each
instant pick its own schedule.  This script measures how much of the second optimism
matters: for every model with an SLA and at most ``--max-tables`` table-like ancestors,
it finds the *exact* minimum of that model's violation minutes over every schedule of
those ancestors -- one dbt invocation per tick, any subset of them, the same durations,
data-time rule and sampling as ``freshrun simulate`` -- knowing the arrivals in advance,
and ignoring cost and every other model.  (Dynamic programming over ticks; a state is
the data time of each of the model's tables, and a state with newer data everywhere and
no more violations so far dominates.)

It prints, per model: the bound's count, the exact offline optimum, freshrun's count,
and freshrun's minutes beyond the optimum.  Where the optimum equals the bound, the
bound is exact and what freshrun loses is knowledge of the future (a source arriving
before its cadence says it will), not a worse schedule.
"""

from __future__ import annotations

import argparse
import sys
from bisect import bisect_right
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "runner"))
sys.path.insert(0, str(HERE))

import bench_cost  # noqa: E402

from freshrun import simulate as sim  # noqa: E402


def ancestors(g, x: int) -> set[int]:
    seen: set[int] = set()
    stack = [x]
    while stack:
        for p in g.parents[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def offline_optimum(horizon: sim.Horizon, m: int, limit: int, schedule: list | None = None) -> int | None:
    """Exact minimum number of violated samples of SLA model horizon.sla_models[m] (None: too many tables).
    schedule: if given, filled with one optimal schedule, (tick, [table indices]) per tick."""
    g = horizon.graph
    x = horizon.sla_models[m].node
    anc = ancestors(g, x)
    tables = sorted(a for a in anc if horizon.is_table_like[a]) + ([x] if horizon.is_table_like[x] else [])
    if len(tables) > limit:
        return None
    pos = {t: k for k, t in enumerate(tables)}
    K = len(horizon.ticks)
    tick_m = [horizon.minutes_from_start(t) for t in horizon.ticks]
    init = []
    for i in tables:
        st = horizon.initial_state.get(g.order[i])
        if st is None or st.last_success is None or st.last_success.data_time is None:
            return None  # missing tables are out of this check's scope
        init.append(horizon.minutes_from_start(st.last_success.data_time))
    above = {i: ancestors(g, i) for i in tables}
    dur = {i: horizon.duration_seconds[i] / 60.0 for i in tables}
    minutes = horizon.minutes_from_start
    src_at = {f: [minutes(o) if (o := horizon.source_freshness(f, t)) is not None else None for t in horizon.ticks]
              for f in anc if horizon.is_source[f]}

    def source(f: int, k: int, t: float) -> float:
        v = src_at[f][k]
        return t if v is None else v  # no data known: live

    def frontier_min(i: int, D, k: int, t: float) -> float | None:
        best = None
        for f in horizon.hook_frontier[i] if horizon.is_table_like[i] else horizon.frontier[i]:
            if horizon.is_source[f]:
                v = source(f, k, t)
            elif f in pos:
                v = D[pos[f]]
            elif horizon.is_pass_through[f]:
                v = t
            else:
                continue  # seeds: no time
            if best is None or v < best:
                best = v
        return best

    def node_cur(D, k: int, t: float) -> float | None:
        return D[pos[x]] if horizon.is_table_like[x] else frontier_min(x, D, k, t)

    req = horizon.requirements[m]
    samples = [horizon.minutes_from_start(t) for t in horizon.samples]
    per_tick: list[list[int]] = [[] for _ in range(K)]
    for j, t in enumerate(samples):
        k = bisect_right(tick_m, t) - 1
        if k >= 0:
            per_tick[k].append(j)
    before = sum(1 for j, t in enumerate(samples)
                 if t < tick_m[0] and (c := node_cur(init, 0, t)) is not None and c < req[j])

    n = len(tables)
    states: dict[tuple, int] = {tuple(init): before}
    back: list[dict[tuple, tuple[tuple, int]]] = []  # per tick: state -> (previous state, mask)
    for k in range(K):
        b = tick_m[k]
        nxt: dict[tuple, int] = {}
        how: dict[tuple, tuple[tuple, int]] = {}
        for D, cost in states.items():
            for mask in range(1 << n):
                new = list(D)
                done: dict[int, float] = {}
                useful = True
                for q, i in enumerate(tables):
                    if not mask >> q & 1:
                        continue
                    v = frontier_min(i, new, k, b)
                    if v is None or v <= D[q]:
                        useful = False  # rebuilding it gains nothing: a dominated choice
                        break
                    new[q] = v
                    start = max((done[a] for a in done if a in above[i]), default=0.0)
                    done[i] = start + dur[i]
                if not useful:
                    continue
                c = cost
                for j in per_tick[k]:
                    t = samples[j]
                    Dt = [new[pos[i]] if i in done and b + done[i] <= t else D[pos[i]] for i in tables]
                    cur = node_cur(Dt, k, t)
                    if cur is not None and cur < req[j]:
                        c += 1
                key = tuple(new)
                if nxt.get(key, c + 1) > c:
                    nxt[key] = c
                    how[key] = (D, mask)
        kept: list[tuple[tuple, int]] = []
        for D, c in sorted(nxt.items(), key=lambda kv: kv[1]):
            if not any(c2 <= c and all(a >= b2 for a, b2 in zip(D2, D, strict=True)) for D2, c2 in kept):
                kept.append((D, c))
        states = dict(kept)
        back.append(how)
    best = min(states, key=states.__getitem__)
    if schedule is not None:
        D = best
        for k in range(K - 1, -1, -1):
            D, mask = back[k][D]
            schedule.append((horizon.ticks[k], [tables[q] for q in range(n) if mask >> q & 1]))
        schedule.reverse()
    return states[best]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    bench_cost.add_project_options(ap)
    ap.add_argument("--max-tables", type=int, default=8, help="skip models with more table-like ancestors")
    ap.add_argument("--show", metavar="MODEL", help="print one optimal schedule of MODEL next to freshrun's")
    args = ap.parse_args(argv)

    _, nodes = bench_cost.project_nodes(args)
    end = bench_cost.START + timedelta(hours=args.hours)
    _, arrivals = bench_cost.make_arrivals(nodes, bench_cost.START - timedelta(hours=2), end, args.arrival_seed)
    state = sim.fresh_state(nodes, bench_cost.START - timedelta(minutes=args.interval), arrivals)
    horizon = sim.Horizon(nodes, state, arrivals, bench_cost.START, end, args.interval)
    trace: list[sim.TickTrace] = []
    _, overdue = sim.replay(horizon, "freshrun", trace)
    bound = sim.LowerBound(horizon)
    graph = horizon.graph

    if args.show:
        ms = [m for m, sla in enumerate(horizon.sla_models) if graph.node[sla.node].name == args.show]
        if not ms:
            raise SystemExit(f"{args.show}: not a model with an SLA")
        m = ms[0]
        sched: list = []
        opt = offline_optimum(horizon, m, args.max_tables, sched)
        if opt is None:
            raise SystemExit(f"{args.show}: more than {args.max_tables} table-like ancestors")
        x = horizon.sla_models[m].node
        mine = set(t for _, ts in sched for t in ts) | ancestors(graph, x)
        name = graph.node
        print(f"{args.show}: offline optimum {opt} violated minutes, freshrun {sum(overdue[m])}, "
              f"bound {sum(bound.unavoidable[m])}")
        for (t, ts), tr in zip(sched, trace, strict=True):
            fsel = sorted(name[graph.index[s.unique_id]].name for s in tr.selected
                          if graph.index[s.unique_id] in mine or graph.index[s.unique_id] == x)
            osel = sorted(name[i].name for i in ts)
            if fsel != osel:
                print(f"  {t:%m-%d %H:%M}  optimum builds {', '.join(osel) or '-'}; "
                      f"freshrun builds {', '.join(fsel) or '-'}")
        for j, (a, b) in enumerate(zip(overdue[m], bound.unavoidable[m], strict=True)):
            if a and not b:
                print(f"  freshrun overdue at {horizon.samples[j]:%m-%d %H:%M:%S}, the bound is not")
        return 0
    print("| model | table ancestors | bound | offline optimum | freshrun | freshrun beyond the optimum |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    tot = {"bound": 0, "opt": 0, "fr": 0, "models": 0}
    skipped = 0
    res = horizon.resolution_minutes
    for m, (x, _, _) in enumerate(horizon.sla_models):
        opt = offline_optimum(horizon, m, args.max_tables)
        nt = sum(1 for a in ancestors(graph, x) if horizon.is_table_like[a]) + (1 if horizon.is_table_like[x] else 0)
        if opt is None:
            skipped += 1
            continue
        b, f = sum(bound.unavoidable[m]), sum(overdue[m])
        if opt > f:  # freshrun's own builds are one of the schedules searched: this cannot be
            raise SystemExit(f"{graph.node[x].name}: offline optimum {opt} > freshrun's {f}: the search is wrong")
        tot["bound"] += b
        tot["opt"] += opt
        tot["fr"] += f
        tot["models"] += 1
        print(f"| {graph.node[x].name} | {nt} | {b * res:g} | {opt * res:g} | {f * res:g} | {(f - opt) * res:g} |")
    print(f"\n{tot['models']} models checked ({skipped} with more than {args.max_tables} tables skipped): "
          f"bound {tot['bound'] * res:g}, offline optimum {tot['opt'] * res:g}, freshrun {tot['fr'] * res:g} "
          "violation minutes")
    bad = tot["opt"] < tot["bound"]
    if bad:
        print("the bound claims more unavoidable minutes than the exact optimum: it is not a lower bound here")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The planner: lineage + policies + state + now -> what to build, and why.

Pure: no I/O, no dbt, no clock.  ``now`` is a parameter and every datetime is
naive UTC.  DESIGN.md section 2 is the specification; the comments below say
how each rule is implemented.

Vocabulary
----------
* *data-holding* nodes: table-like models and snapshots, seeds, sources.
  Views and ephemeral models are pass-through: the planner looks through them.
* *frontier* of a node: its nearest data-holding upstreams (looking through
  views/ephemerals).  A pass-through node without any parents appears in its
  dependents' frontier itself and counts as live (contributes "now").
* ``eff(X)``: the effective current data time of a built table-like ``X`` --
  its recorded data time, lowered to the first content change of any seed in
  its root closure after X's build started, and to the start of the first
  newer build of any table-like frontier node (X is behind it).
  ``None`` = never stale by time (static inputs only).
* *requirement* ``R``: a node selected for lag/cron/required must end up with
  data time >= R; table-like frontier ancestors whose eff is older than R get
  ``required_by:<node>`` and inherit R.  Fresh-enough ancestors are not touched.

Decisions (DESIGN.md section 2; choices beyond it are marked *):

* lag: select X when waiting one tick would miss ``data_time + L``, counting the
  median durations of the chain the next tick would have to build: the chain any
  improvement needs (X and its ancestors whose data is no newer than X's) or, if
  longer, the chain for the requirement the next tick would set (*a later
  requirement makes more ancestors stale).  R starts at ``now + interval + d - L``
  and is raised until X, rebuilt after the ancestors R makes stale, would not need
  again at once (least fixpoint -- never "rebuild everything because everything
  takes long").  *Then R is raised further towards the newest data X's observed
  sources hold, as far as that does not lengthen the chain: ancestors that finish
  while the chain X waits for anyway runs cost X no time and postpone its next
  rebuild.
* cron: the next tick ``c`` the following planner tick can no longer serve
  (``c - d < now + interval``) needs data >= ``c - L``; past ticks are overdue when
  data < ``c - L``.  *A tick whose window [c-L, c-d] holds no planner tick counts as
  served once data >= ``c - own - interval`` (built at the last tick before c - d):
  one build per cron tick, the violation is still reported.
* *nodes built anyway this tick (missing, code change, retry, refresh) that have an
  SLA, and SLA views whose frontier has a never-built table, require their ancestors
  to be fresh enough to last until the next tick -- otherwise the next tick would
  rebuild them again.
* blocked: a rebuild that would not give newer data than the node has is dropped
  (violation blocked_by the oldest observed source upstream, or the failing
  ancestor it waits for, or *the out-of-scope ancestor it needs).
* *short: an SLA node whose rebuild now stays below its requirement because a late
  source caps it requires its ancestors only up to that cap (``best``): an ancestor
  already newer than anything the node can get now would lengthen its chain and
  delay it for nothing; once the source moves, the next tick (or prepare) refreshes it.
* *prepare: an SLA node that is blocked, or whose data after this plan stays below
  its requirement (a late source caps it), will be rebuilt once the late source
  moves; that rebuild then waits for every stale ancestor.  When the sources
  upstream are expected to have moved by the next tick (each observed source's own
  cadence: its latest max_loaded_at advanced by the median interval between its
  recent distinct values), the ancestors it will need are refreshed now instead --
  only those too old for the data the node will need from the next tick's rebuild
  (the blocked node's F: the requirement that tick will set, but no more than the
  node is expected to get then; an ancestor that cannot reach that yet is prepared
  for this tick's requirement instead), only those whose rebuild now reaches F, and
  only those on a path longer than the one from the late source (that path has to be
  rebuilt then anyway).  Without a cadence (fewer than two distinct values) nothing
  is prepared.
* build_after: *a direct parent being rebuilt in this same plan counts as new
  data; an unobserved source / parentless view has new data once time has passed
  since the node's last build started.
* failures: a node backing off is not built (unless forced) and every descendant
  waits.  *If NodeState.last_failure_checksum differs from the current checksum
  the code was fixed: retry at once.

Use :class:`PlanGraph` to analyse a graph once (topological order, seed
closures) and plan many times over it (``simulate``, benchmarks); plain
mappings work too and are analysed on each call.

Cost: frontiers are never materialised for all nodes (in view-heavy graphs they
are huge); values over a frontier are folds over parents through pass-through
nodes, memoised per call.  A plan is O(nodes + edges) plus, per table-like node
whose frontier holds a table rebuilt after it, a walk of that frontier (the one
term whose value depends on the node's own build time).  10,000 nodes / 50,000
edges shaped like a real project: ~60 ms with a prepared graph, ~90-100 ms cold on
2 shared cores (integration_tests/benchmarks/bench_planner.py).  Folds over all
ancestors (``best``, ``observed_best``, ``expected``) run only for nodes with a time
need, memoised per call.
"""

from __future__ import annotations

import gc
import heapq
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta, timezone
from contextlib import contextmanager
from functools import lru_cache, reduce
from operator import or_
from typing import AbstractSet
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter

from .model import Assessment, Node, NodeState, Plan, Selection, Violation

__all__ = [
    "PlanGraph",
    "plan",
    "assess",
    "frontier",
    "effective_data_time",
    "current_data_time",
    "explain",
    "cron_ticks",
    "expected_duration_seconds",
    "DEFAULT_TABLE_SECONDS",
    "DEFAULT_VIEW_SECONDS",
    "MAX_BACKOFF_TICKS",
]

DEFAULT_TABLE_SECONDS = 60.0  # expected build time without recorded durations (tables, seeds, snapshots)
DEFAULT_VIEW_SECONDS = 5.0  # ... for views
MAX_BACKOFF_TICKS = 16  # retry back-off: 1, 2, 4, 8, 16, 16, ... ticks
_MAX_ROUNDS = 12  # fixpoint rounds (selection <-> durations); converges in 2-3 in practice
_CADENCE_VALUES = 8  # recent distinct max_loaded_at values a source's cadence is taken from

# node kinds
TABLE, VIEW, EPHEMERAL, SEED, SOURCE, OTHER = range(6)
_PASS = (VIEW, EPHEMERAL, OTHER)
_BUILDABLE = (TABLE, VIEW, SEED)

_IDLE_SEED = "seed: loaded and unchanged"
_IDLE_VIEW = "view: built and unchanged; live, never needs a rebuild to become fresh"

# canonical reason order in Selection.reasons
_REASON_RANK = {
    "missing": 0,
    "code_changed": 1,
    "lag": 2,
    "cron": 3,
    "upstream_updated": 4,
    "retry": 6,
    "forced": 7,
}

_EMPTY_STATE = NodeState()
_UNSET = object()
_UTC = timezone.utc
_ONE_US = timedelta(microseconds=1)
_NO_BLOCKS: frozenset = frozenset()


def _kind(node: Node) -> int:
    rt = node.resource_type
    if rt == "source":
        return SOURCE
    if rt == "seed":
        return SEED
    if rt in ("model", "snapshot"):
        if node.is_pass_through:
            return VIEW if node.materialized == "view" else EPHEMERAL
        return TABLE
    return OTHER


def _reason_key(r: str) -> tuple[int, str]:
    if r.startswith("required_by:"):
        return (5, r)
    return (_REASON_RANK.get(r, 8), r)


class _Explanations(Mapping):
    """Plan.explanations: {unique_id: sentences} for every node, each written on first access
    (a tick that prints no explanation pays nothing for them)."""

    def __init__(self, planner: "_Planner") -> None:
        self._planner = planner
        self._done: dict[str, list[str]] = {}

    def __getitem__(self, uid: str) -> list[str]:
        got = self._done.get(uid)
        if got is None:
            i = self._planner.g.index[uid]  # KeyError for an unknown node, as a dict would
            got = self._done[uid] = self._planner.explanation(i)
        return got

    def __iter__(self) -> Iterator[str]:
        return iter(self._planner.g.order)

    def __len__(self) -> int:
        return self._planner.g.n


def _fmt(dt: datetime | None) -> str:
    return "-" if dt is None else dt.isoformat(" ", "minutes")


def _mins(td: timedelta) -> float:
    return td.total_seconds() / 60.0


def _fmt_m(minutes: float) -> str:
    if abs(minutes - round(minutes)) < 0.05:
        return f"{int(round(minutes))}m"
    return f"{minutes:.1f}m"


# --------------------------------------------------------------------------- graph


class PlanGraph(Mapping[str, Node]):
    """A read-only node mapping plus everything the planner derives from the graph alone.

    Build it once per manifest and pass it to :func:`plan` / :func:`assess`
    instead of the plain mapping to skip the graph analysis on every call.
    """

    def __init__(self, nodes: Mapping[str, Node]):
        with _gc_paused():
            self._build(nodes)

    def _build(self, nodes: Mapping[str, Node]) -> None:
        if isinstance(nodes, PlanGraph):
            nodes = nodes._nodes
        self._nodes: dict[str, Node] = dict(nodes)
        by_uid = self._nodes

        # work in "rank" space (position in sorted unique_ids) so that the order is canonical
        uids = sorted(by_uid)
        n = len(uids)
        rank = dict(zip(uids, range(n)))
        rget = rank.get
        # known parents in rank space (unknown uids are ignored; duplicates removed below)
        par_r: list[list[int]] = [list(map(rget, by_uid[u].parents)) for u in uids]
        for r, ps in enumerate(par_r):
            if not ps:
                continue
            if None in ps:
                ps = [q for q in ps if q is not None]
            if len(ps) > 1 and len(set(ps)) != len(ps):
                ps = list(dict.fromkeys(ps))
            if r in ps:
                ps = [q for q in ps if q != r]  # a self-reference is not a dependency
            par_r[r] = ps
        indeg = list(map(len, par_r))
        ch_r: list[list[int]] = [[] for _ in range(n)]
        for r, ps in enumerate(par_r):
            for q in ps:
                ch_r[q].append(r)
        # Kahn's algorithm level by level (each level in unique_id order): deterministic
        # whatever the input order
        level = [r for r in range(n) if indeg[r] == 0]
        order_r: list[int] = []
        while level:
            order_r.extend(level)
            nxt: list[int] = []
            add = nxt.append
            for r in level:
                for c in ch_r[r]:
                    indeg[c] -= 1
                    if not indeg[c]:
                        add(c)
            nxt.sort()
            level = nxt
        if len(order_r) != n:
            stuck = [uids[r] for r in range(n) if indeg[r] > 0]
            raise ValueError(f"dependency cycle among: {', '.join(stuck[:10])}")
        pos = [0] * n
        for i, r in enumerate(order_r):
            pos[r] = i
        order = [uids[r] for r in order_r]
        self.order: list[str] = order
        self.index: dict[str, int] = dict(zip(order, range(n)))
        self.node: list[Node] = [by_uid[u] for u in order]
        self.n = n
        pget = pos.__getitem__
        self.parents: list[tuple[int, ...]] = [tuple(sorted(map(pget, par_r[r]))) for r in order_r]
        kind_of = {}
        kinds = []
        for nd in self.node:
            key = (nd.resource_type, nd.materialized)
            k = kind_of.get(key)
            if k is None:
                k = kind_of[key] = _kind(nd)
            kinds.append(k)
        self.kind: list[int] = kinds
        kind = self.kind

        self.is_pass: list[bool] = [k in _PASS for k in kind]
        # seed closure (bit mask over seeds, through any path).  Frontiers are NOT
        # materialised for planning: in view-heavy graphs they are huge; the planner
        # folds over parents through pass-through nodes instead (see _Ctx._fold).
        seed_mask = [0] * n
        self.seed_of_bit: list[int] = []
        if SEED in kind:
            sm_get = seed_mask.__getitem__
            for i, ps in enumerate(self.parents):
                m = reduce(or_, map(sm_get, ps), 0) if ps else 0
                if kind[i] == SEED:
                    m |= 1 << len(self.seed_of_bit)
                    self.seed_of_bit.append(i)
                seed_mask[i] = m
        self.seed_mask = seed_mask
        self._frontier: list[tuple[int, ...]] | None = None
        self._tp: dict[int, tuple[int, ...]] = {}
        self._fr: dict[int, tuple[int, ...]] = {}

        self.buildable: list[int] = [i for i, k in enumerate(kinds) if k in _BUILDABLE]
        self.sla_nodes: list[int] = []
        self.build_after_nodes: list[int] = []
        for i, nd in enumerate(self.node):
            pol = nd.policy
            if pol is None or kind[i] in (SEED, SOURCE, OTHER):
                continue
            if pol.has_sla:
                self.sla_nodes.append(i)
            if pol.has_build_after and kind[i] == TABLE:
                self.build_after_nodes.append(i)
        self._children: list[list[int]] | None = None

    # Mapping interface
    def __getitem__(self, key: str) -> Node:
        return self._nodes[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)

    @property
    def children(self) -> list[list[int]]:
        if self._children is None:
            ch: list[list[int]] = [[] for _ in range(self.n)]
            for i, ps in enumerate(self.parents):
                for p in ps:
                    ch[p].append(i)
            self._children = ch
        return self._children

    def table_frontier(self, i: int) -> list[int]:
        """Frontier of node i (indices, ascending), computed by walking through pass-through parents."""
        out: set[int] = set()
        seen: set[int] = set()
        stack = [i]
        parents, is_pass = self.parents, self.is_pass
        while stack:
            v = stack.pop()
            for p in parents[v]:
                if is_pass[p] and parents[p]:
                    if p not in seen:
                        seen.add(p)
                        stack.append(p)
                else:
                    out.add(p)
        return sorted(out)

    def frontier_of(self, i: int) -> tuple[int, ...]:
        """i's frontier (cached per graph; computed on demand)."""
        fr = self._fr.get(i)
        if fr is None:
            fr = self._fr[i] = tuple(self.table_frontier(i))
        return fr

    def table_parents(self, i: int) -> tuple[int, ...]:
        """The table-like members of i's frontier (cached per graph; computed on demand)."""
        tp = self._tp.get(i)
        if tp is None:
            kind = self.kind
            tp = self._tp[i] = tuple(f for f in self.frontier_of(i) if kind[f] == TABLE)
        return tp

    @property
    def frontier(self) -> list[tuple[int, ...]]:
        if self._frontier is None:
            fr: list[tuple[int, ...]] = [()] * self.n
            is_pass = self.is_pass
            for i in range(self.n):
                acc: set[int] = set()
                for p in self.parents[i]:
                    if is_pass[p] and fr[p]:
                        acc.update(fr[p])
                    else:
                        acc.add(p)
                fr[i] = tuple(sorted(acc))
            self._frontier = fr
        return self._frontier

    def frontier_ids(self) -> dict[str, tuple[str, ...]]:
        order = self.order
        return {order[i]: tuple(sorted(order[f] for f in fr)) for i, fr in enumerate(self.frontier)}


def _graph(nodes: Mapping[str, Node]) -> PlanGraph:
    return nodes if isinstance(nodes, PlanGraph) else PlanGraph(nodes)


@contextmanager
def _gc_paused():
    """The planner allocates many small acyclic containers next to a large live heap
    (the state); cyclic GC passes triggered meanwhile are pure overhead (~25 ms at 10k
    nodes).  Pause the collector for the duration of one call; re-enable it only if it
    was enabled."""
    was = gc.isenabled()
    if was:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def frontier(nodes: Mapping[str, Node]) -> dict[str, tuple[str, ...]]:
    """unique_id -> its nearest data-holding upstreams, looking through views/ephemerals.

    A view/ephemeral with no parents is itself a frontier member (live data).
    """
    return _graph(nodes).frontier_ids()


# --------------------------------------------------------------------------- cron


class _Cron:
    """Cron ticks evaluated in a time zone, returned as naive UTC.

    DST: croniter handles skipped wall times (a job at 02:30 on the spring-forward
    day fires at 03:00).  On the fall-back day a wall time occurs twice; like
    Vixie cron, a job with a fixed hour fires once (the first occurrence) while a
    wildcard-hour job follows the wall clock through both.
    """

    def __init__(self, expr: str, tz: str):
        if not croniter.is_valid(expr):
            raise ValueError(f"invalid cron_schedule {expr!r}")
        try:
            self.tz = ZoneInfo(tz or "UTC")
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown cron_schedule_timezone {tz!r}") from e
        self.expr = expr
        fields = expr.split()
        self.fixed_hour = len(fields) >= 2 and not fields[1].startswith("*")
        self._it = croniter(expr, datetime(2000, 1, 1, tzinfo=self.tz))
        self._memo: dict[tuple[int, datetime], datetime] = {}
        self._lock = threading.Lock()  # _Cron objects are shared (lru_cache): one iterator user at a time

    def _local(self, t: datetime) -> datetime:
        return t.replace(tzinfo=_UTC).astimezone(self.tz)

    def _accept(self, c: datetime) -> datetime | None:
        u = c.astimezone(_UTC)
        if self.fixed_hour and u.astimezone(self.tz).fold == 1:
            return None
        return u.replace(tzinfo=None)

    def prev_lt(self, t: datetime) -> datetime:
        """Latest tick strictly before t."""
        return self._tick(t, forward=False)

    def prev_le(self, t: datetime) -> datetime:
        """Latest tick at or before t."""
        return self.prev_lt(t + _ONE_US)

    def next_gt(self, t: datetime) -> datetime:
        """First tick strictly after t."""
        return self._tick(t, forward=True)

    def _tick(self, t: datetime, forward: bool) -> datetime:
        key = (int(forward), t)
        c = self._memo.get(key)
        if c is not None:
            return c
        with self._lock:
            it = self._it
            it.set_current(self._local(t), force=True)
            step = it.get_next if forward else it.get_prev
            while True:
                try:
                    c = self._accept(step(datetime))
                except CroniterError as e:
                    word = "next" if forward else "prev"
                    raise ValueError(f"cron_schedule {self.expr!r} has no {word} tick from {t}: {e}") from None
                if c is not None and (c > t if forward else c < t):
                    break
            if len(self._memo) > 4096:
                self._memo.clear()
            self._memo[key] = c
        return c


@lru_cache(maxsize=256)
def _cron(expr: str, tz: str) -> _Cron:
    return _Cron(expr, tz)


def cron_ticks(expr: str, tz: str, start: datetime, end: datetime) -> list[datetime]:
    """Ticks in (start, end], naive UTC (for tests, ``simulate`` and reports)."""
    cr = _cron(expr, tz)
    out = []
    t = start
    while True:
        t = cr.next_gt(t)
        if t > end:
            return out
        out.append(t)


# --------------------------------------------------------------------------- per-call state


def _middle(xs):
    """The median of numbers or timedeltas."""
    s = sorted(xs)
    k = len(s)
    m = k // 2
    return s[m] if k % 2 else (s[m - 1] + s[m]) / 2


def _median(xs: list[float]) -> float:
    return float(_middle(xs))


def expected_duration_seconds(node: Node, st: NodeState | None) -> float:
    """Median of recorded durations; 5 s for views/ephemerals and 60 s otherwise when none."""
    if st is not None and st.durations:
        return _median(st.durations)
    return DEFAULT_VIEW_SECONDS if node.is_pass_through else DEFAULT_TABLE_SECONDS


def _successes(st: NodeState) -> list[tuple[datetime, datetime]]:
    if st.success_times:
        return st.success_times
    b = st.last_success
    return [(b.started_at, b.completed_at)] if b is not None else []


def _or(a, b):
    return a or b


def _snap(o) -> datetime:
    return o.snapshotted_at


class _Ctx:
    """State and memoised derived values for one (graph, state, now, interval)."""

    def __init__(self, g: PlanGraph, state: Mapping[str, NodeState], now: datetime, interval_minutes: float):
        if now.tzinfo is not None:
            raise ValueError("now must be a naive UTC datetime")
        self.g = g
        self.now = now
        self.interval_minutes = float(interval_minutes)
        self.iv = timedelta(minutes=self.interval_minutes)
        get = state.get
        self.st: list[NodeState] = [get(u) or _EMPTY_STATE for u in g.order]
        self.last = [s.last_success for s in self.st]
        self.built = [b is not None and s.relation_exists is not False for b, s in zip(self.last, self.st)]
        self._eff: list = [_UNSET] * g.n
        self._src: dict[int, datetime | None] = {}
        self._dur: dict[int, float] = {}
        self._oldest: dict[int, tuple[datetime, str] | None] = {}
        self._best: dict[int, datetime | None] = {}
        self._obest: dict[int, datetime | None] = {}
        self._expected: dict[int, datetime | None] = {}
        self._maxc_arr: list | None = None
        self._vcur: dict[int, datetime | None] = {}
        self._vmine: dict[int, datetime | None] = {}
        self._mine_leaf: dict[int, datetime | None] = {}
        self._fixed: dict[int, datetime | None] = {}
        self._stp: dict[int, tuple[list, list]] = {}
        self._vlive: dict[int, bool | None] = {}
        # seeds by latest content change; _seed_after[k] = mask of seeds whose latest change
        # is _seed_latest[k] or later, so "seeds changed after t" is one bisect away
        self._seed_changes: dict[int, list[datetime]] = {}
        lat = []
        for b, i in enumerate(g.seed_of_bit):
            cc = self.st[i].content_changes
            if cc:
                self._seed_changes[b] = cc
                lat.append((cc[-1], b))
        lat.sort()
        self._seed_latest = [t for t, _ in lat]
        after = [0] * (len(lat) + 1)
        for k in range(len(lat) - 1, -1, -1):
            after[k] = after[k + 1] | (1 << lat[k][1])
        self._seed_after = after

    # ---- durations
    def dur(self, i: int) -> float:
        d = self._dur.get(i)
        if d is None:
            d = self._dur[i] = expected_duration_seconds(self.g.node[i], self.st[i])
        return d

    # ---- sources
    def src(self, i: int, t: datetime | None = None) -> datetime | None:
        """Observed max_loaded_at as of t (default now); None = unobserved / no usable observation."""
        if not self.g.node[i].observed:
            return None
        if t is None:
            if i in self._src:
                return self._src[i]
        obs = self.st[i].observations
        v = None
        if obs:
            tt = self.now if t is None else t
            if obs[-1].snapshotted_at <= tt:
                v = obs[-1].max_loaded_at
            else:
                k = bisect_right(obs, tt, key=_snap)
                v = obs[k - 1].max_loaded_at if k else None
        if t is None:
            self._src[i] = v
        return v

    # ---- folds over the pass-through region above a view/ephemeral
    def _fold(self, i: int, memo: dict, leaf, empty, pick):
        """memo[i] for pass-through i: pick() over its parents, looking through pass-through
        parents recursively; leaf(p) for data-holding parents (None = contributes nothing);
        `empty` for a pass-through node without parents."""
        v0 = memo.get(i, _UNSET)
        if v0 is not _UNSET:
            return v0
        parents, is_pass = self.g.parents, self.g.is_pass
        stack = [i]
        while stack:
            v = stack[-1]
            if v in memo:
                stack.pop()
                continue
            ps = parents[v]
            pending = [p for p in ps if is_pass[p] and p not in memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if not ps:
                memo[v] = empty
                continue
            acc = None
            for p in ps:
                c = memo[p] if is_pass[p] else leaf(p)
                if c is not None:
                    acc = c if acc is None else pick(acc, c)
            memo[v] = acc
        return memo[i]

    def _leaf_maxc(self, p: int) -> datetime | None:
        if self.g.kind[p] != TABLE:
            return None
        ts = self.st[p].success_times
        if ts:
            return ts[-1][1]
        b = self.last[p]
        return b.completed_at if b is not None else None

    def _leaf_mine(self, p: int) -> datetime | None:
        if self.g.kind[p] != TABLE:
            return None
        if self.built[p]:
            return self.eff(p)
        if self.last[p] is None and self.st[p].relation_exists is True:
            return None  # unrecorded: unknown data, never required
        return datetime.min  # never built / relation gone: older than anything

    def _leaf_live(self, p: int) -> bool | None:
        return True if self.g.kind[p] == SOURCE and self.src(p) is None else None

    def _maxc_array(self) -> list:
        """Per node: latest completion of a table (tables) or of any table in the frontier
        (views/ephemerals); None when there is none."""
        # one forward pass with C-level folds: cheaper than lazy folds once most views are asked
        arr = self._maxc_arr
        if arr is None:
            g = self.g
            arr = self._maxc_arr = [None] * g.n
            kind, is_pass, parents = g.kind, g.is_pass, g.parents
            get = arr.__getitem__
            leaf = self._leaf_maxc
            for i in range(g.n):
                if kind[i] == TABLE:
                    arr[i] = leaf(i)
                elif is_pass[i]:
                    ps = parents[i]
                    if ps:
                        arr[i] = max(filter(None, map(get, ps)), default=None)
        return arr

    def mine(self, p: int) -> datetime | None:
        """Oldest eff of any table in pass-through p's frontier (datetime.min: one was never built)."""
        return self._fold(p, self._vmine, self._leaf_mine, None, min)

    def live(self, p: int) -> bool:
        """Does pass-through p's frontier hold a live member (unobserved source, parentless view)?"""
        return bool(self._fold(p, self._vlive, self._leaf_live, True, _or))

    def seed_changed_since_build(self, i: int) -> bool:
        """Has any seed upstream of built node i changed content since i's last build started?"""
        b = self.last[i]
        if b is None or not self._seed_latest:
            return False
        return bool(self.g.seed_mask[i] & self._seed_after[bisect_right(self._seed_latest, b.started_at)])

    # ---- effective data time of a built table-like node
    def eff(self, i: int) -> datetime | None:
        v = self._eff[i]
        if v is not _UNSET:
            return v
        b = self.last[i]
        if b is None:
            self._eff[i] = None
            return None
        s0 = b.started_at
        best = b.data_time
        m = self.g.seed_mask[i] & self._seed_after[bisect_right(self._seed_latest, s0)] if self._seed_latest else 0
        while m:
            low = m & -m
            bit = low.bit_length() - 1
            m ^= low
            cc = self._seed_changes[bit]
            if cc[-1] > s0:
                c = cc[bisect_right(cc, s0)]
                if best is None or c < best:
                    best = c
        g = self.g
        kind, is_pass, parents, st, last = g.kind, g.is_pass, g.parents, self.st, self.last
        mca = self._maxc_array()
        ps = parents[i]
        if not ps or max(filter(None, map(mca.__getitem__, ps)), default=s0) <= s0:
            self._eff[i] = best  # no frontier table completed a build since X started
            return best
        stack = [i]
        seen: set[int] = set()
        while stack:
            v = stack.pop()
            for f in parents[v]:
                mc = mca[f]  # latest completion in f (table) or f's frontier (view): None/old = skip
                if mc is None or mc <= s0:
                    continue
                if kind[f] == TABLE:
                    # start of f's first success that completed after X's build started
                    ts = st[f].success_times
                    if ts:
                        k = len(ts) - 1
                        while k and ts[k - 1][1] > s0:
                            k -= 1
                        c = ts[k][0]
                    else:
                        c = last[f].started_at
                    if best is None or c < best:
                        best = c
                elif f not in seen:
                    seen.add(f)
                    stack.append(f)
        self._eff[i] = best
        return best

    def contrib(self, f: int) -> datetime | None:
        """What data-holding node f contributes to a dependent's current data time (None = nothing)."""
        k = self.g.kind[f]
        if k == TABLE:
            return self.eff(f) if self.built[f] else None
        if k == SEED:
            return None
        if k == SOURCE:
            v = self.src(f)
            return self.now if v is None else v
        return self.cur(f)  # pass-through (parentless ones are live)

    def cur(self, i: int) -> datetime | None:
        """Current data time: eff for table-like, frontier minimum for views, observation for sources."""
        k = self.g.kind[i]
        if k == TABLE:
            return self.eff(i) if self.built[i] else None
        if k == SEED:
            return None
        if k == SOURCE:
            return self.src(i)
        return self._fold(i, self._vcur, self.contrib, self.now, min)

    def would(self, i: int, sel: Mapping[int, object], wmemo: Mapping[int, datetime | None], wv: dict) -> datetime | None:
        """Data time i would have if (re)built now, given this plan's selection (None = static).
        wv: per-selection memo for pass-through nodes."""
        g = self.g
        ps = g.parents[i]
        if not ps:
            return self.now
        kind, is_pass = g.kind, g.is_pass

        def leaf(f: int) -> datetime | None:
            if kind[f] == TABLE and f in sel:
                return wmemo.get(f)
            return self.contrib(f)

        v = None
        for p in ps:
            c = self._fold(p, wv, leaf, self.now, min) if is_pass[p] else leaf(p)
            if c is not None and (v is None or c < v):
                v = c
        return v

    def fixed_contrib(self, v: int) -> datetime | None:
        """Minimum contribution of v's non-table frontier members (now if v has no frontier)."""
        memo = self._fixed
        r = memo.get(v, _UNSET)
        if r is _UNSET:
            fr = self.g.frontier_of(v)
            if not fr:
                r = self.now
            else:
                r = None
                kind = self.g.kind
                for f in fr:
                    if kind[f] != TABLE:
                        c = self.contrib(f)
                        if c is not None and (r is None or c < r):
                            r = c
            memo[v] = r
        return r

    def stale_frontier(self, x: int, R: datetime) -> list[int]:
        """Table-like frontier members of x whose data is older than R (or that were never built).
        Per node, the members are kept sorted by data time: the answer is a prefix."""
        e = self._stp.get(x)
        if e is None:
            ml = self._mine_leaf
            pairs = []
            for f in self.g.table_parents(x):
                m = ml.get(f, _UNSET)
                if m is _UNSET:
                    m = ml[f] = self._leaf_mine(f)
                if m is not None:
                    pairs.append((m, f))
            pairs.sort()
            e = self._stp[x] = ([m for m, _ in pairs], [f for _, f in pairs])
        ms, fs = e
        return fs[: bisect_left(ms, R)]

    # ---- what rebuilding every ancestor would give (folds over sources, memoised)
    def _upstream_min(self, i: int, memo: dict, at_source, parentless) -> datetime | None:
        """memo[i]: minimum over i's sources (through every node) of at_source(source);
        seeds contribute nothing, a non-source without parents contributes `parentless`."""
        if i in memo:
            return memo[i]
        g = self.g
        parents, kind = g.parents, g.kind
        stack = [i]
        while stack:
            v = stack[-1]
            if v in memo:
                stack.pop()
                continue
            ps = parents[v]
            pending = [p for p in ps if p not in memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            k = kind[v]
            if k == SOURCE:
                memo[v] = at_source(v)
            elif k == SEED:
                memo[v] = None
            elif not ps:
                memo[v] = parentless
            else:
                acc = None
                for p in ps:
                    c = memo[p]
                    if c is not None and (acc is None or c < acc):
                        acc = c
                memo[v] = acc
        return memo[i]

    def _src_or_now(self, s: int) -> datetime:
        t = self.src(s)
        return self.now if t is None else t

    def best(self, i: int) -> datetime | None:
        """The newest data time i could get now if every table-like ancestor were rebuilt
        first: its oldest source (unobserved ones are live).  None: static."""
        return self._upstream_min(i, self._best, self._src_or_now, self.now)

    def observed_best(self, i: int) -> datetime | None:
        """best(i) over observed sources only (None: i reads no observed data)."""
        return self._upstream_min(i, self._obest, self.src, None)

    def expected(self, i: int) -> datetime | None:
        """best(i) as it is expected to be at the next tick (sources at expected_src)."""
        t = self.now + self.iv
        return self._upstream_min(i, self._expected, lambda s: self.expected_src(s, t), t)

    def expected_src(self, i: int, t: datetime) -> datetime:
        """The max_loaded_at source i is expected to show at t, from its own cadence: the
        latest value advanced by as many median intervals between its recent distinct
        values as fit before t.  No cadence (fewer than two distinct values): the latest
        value.  Unobserved / no data yet: live (t)."""
        v = self.src(i)
        if v is None:
            return t
        now = self.now
        vals = [v]
        for o in reversed(self.st[i].observations):
            m = o.max_loaded_at
            if m is None or o.snapshotted_at > now or m >= vals[-1]:
                continue
            vals.append(m)
            if len(vals) > _CADENCE_VALUES:
                break
        if len(vals) < 2:
            return v
        step = _middle([a - b for a, b in zip(vals, vals[1:])])
        if v + step > t:
            return v
        return v + step * ((t - v) // step)

    def oldest_observed(self, i: int) -> tuple[datetime, str] | None:
        """The observed source anywhere upstream of i with the oldest max_loaded_at (ties: unique_id)."""
        memo = self._oldest
        if i in memo:
            return memo[i]
        g = self.g
        parents = g.parents
        stack = [i]
        while stack:
            v = stack[-1]
            if v in memo:
                stack.pop()
                continue
            pending = [p for p in parents[v] if p not in memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            best = None
            for p in parents[v]:
                o = memo[p]
                if o is not None and (best is None or o < best):
                    best = o
            if g.kind[v] == SOURCE:
                t = self.src(v)
                if t is not None and (best is None or (t, g.order[v]) < best):
                    best = (t, g.order[v])
            memo[v] = best
        return memo[i]

    def cron(self, i: int) -> _Cron:
        pol = self.g.node[i].policy
        try:
            return _cron(pol.cron_schedule, pol.cron_schedule_timezone or "UTC")
        except ValueError as e:
            nd = self.g.node[i]
            where = f" ({nd.original_file_path})" if nd.original_file_path else ""
            raise ValueError(f"{nd.unique_id}{where}: {e}") from None


# --------------------------------------------------------------------------- SLA helpers


class _Sla:
    """Per-node constants of an SLA evaluation at `now`."""

    __slots__ = ("cur", "L", "cron", "c_prev", "overdue", "req_now", "deadline", "own")

    def __init__(self, cx: _Ctx, i: int):
        try:
            self._init(cx, i)
        except ValueError as e:
            if cx.g.order[i] in str(e):
                raise
            nd = cx.g.node[i]
            where = f" ({nd.original_file_path})" if nd.original_file_path else ""
            raise ValueError(f"{nd.unique_id}{where}: {e}") from None

    def _init(self, cx: _Ctx, i: int) -> None:
        pol = cx.g.node[i].policy
        self.own = timedelta(seconds=cx.dur(i)) if cx.g.kind[i] == TABLE else timedelta(0)
        self.cur = cx.cur(i)
        self.L = timedelta(minutes=float(pol.maximum_lag_minutes))
        self.cron = cx.cron(i) if pol.cron_schedule else None
        self.c_prev = None
        self.overdue = False
        self.req_now = None  # data time needed right now not to be overdue
        self.deadline = None
        if self.cron is not None:
            self.c_prev = self.cron.prev_le(cx.now)
            self.req_now = self.c_prev - self.L
            if self.cur is not None and self.cur < self.req_now:
                self.overdue = True
                self.deadline = self.c_prev
        else:
            self.req_now = cx.now - self.L
            if self.cur is not None:
                self.deadline = self.cur + self.L
                self.overdue = self.cur < self.req_now

    def fresh_R(self, cx: _Ctx, d: timedelta) -> datetime:
        """Requirement for data built from scratch now (a missing node, or a view whose
        frontier has a table being built for the first time): fine until the next tick."""
        if self.cron is None:
            return cx.now + cx.iv + d - self.L
        R = self.c_prev - self.L
        c = self.cron.prev_lt(cx.now + cx.iv + d)
        if c > cx.now and c - self.L > R:
            R = c - self.L
        return R

    def _requirement(
        self, at: datetime, iv: timedelta, d: timedelta, cur: datetime, c_prev: datetime | None
    ) -> tuple[datetime | None, datetime | None, datetime | None]:
        """The requirement the planner tick at `at` sets for data time `cur`: (R or None, the
        missed cron tick that asks for it, the coming cron tick that asks for it).
        d: expected time until the node is built; c_prev: the latest cron tick <= at."""
        L = self.L
        if self.cron is None:
            R = at + iv + d - L
            return (R if cur < R else None), None, None
        # cron: for tick c a build must start in [c - L, c - d]; if no tick of ours falls in
        # that window (narrower than the interval) the best is the last tick at or before c - d,
        # which leaves data time > c - d - interval.  A tick is "served" once the data time is
        # >= ach(c) = min(c - L, c - own - interval) (own: the node's own build time, which
        # does not depend on what else is selected, so that the decision stays monotone).
        own = self.own
        R = missed = coming = None
        if cur < c_prev - L and cur < c_prev - own - iv:
            R, missed = c_prev - L, c_prev
        # latest tick the following planner tick can no longer serve: c - d < at + interval
        c = self.cron.prev_lt(at + iv + d)
        if c > at and cur < min(c - L, c - own - iv):
            coming = c
            if R is None or c - L > R:
                R = c - L
        return R, missed, coming

    def need(self, cx: _Ctx, d: timedelta, cur=_UNSET) -> tuple[datetime | None, str | None]:
        """(required data time R, description) if the node must get fresher data at this tick.
        d: expected time until the node is built (its own build plus the chain before it);
        cur: evaluate as if the node's data time were this (default: its current one)."""
        if cur is _UNSET:
            cur = self.cur
        if cur is None:
            return None, None
        now, iv, L = cx.now, cx.iv, self.L
        R, missed, coming = self._requirement(now, iv, d, cur, self.c_prev)
        if R is None:
            return None, None
        if self.cron is None:
            return R, (
                f"lag policy: data time {_fmt(cur)} + {_fmt_m(_mins(L))} = deadline {_fmt(cur + L)}; "
                f"the next tick ({_fmt(now + iv)}) plus ~{_fmt_m(_mins(d))} of building would miss it"
            )
        if coming is not None:
            return R, (
                f"cron {self.cron.expr}: tick {_fmt(coming)} needs data from {_fmt(coming - L)} or later "
                f"(has {_fmt(cur)}); the next tick ({_fmt(now + iv)}) plus ~{_fmt_m(_mins(d))} of building "
                "would be too late"
            )
        return R, f"cron {self.cron.expr}: missed tick {_fmt(missed)} (needed data from {_fmt(R)}, has {_fmt(cur)})"

    def next_need(self, cx: _Ctx, d: timedelta, cur=_UNSET) -> datetime | None:
        """The requirement the next planner tick would set if nothing were built now (None:
        it would not act either) -- :meth:`need` evaluated one interval later."""
        if cur is _UNSET:
            cur = self.cur
        if cur is None:
            return None
        t = cx.now + cx.iv
        c_prev = self.cron.prev_le(t) if self.cron is not None else None
        return self._requirement(t, cx.iv, d, cur, c_prev)[0]


def _next_cron_deadline(sla: _Sla, now: datetime) -> datetime | None:
    if sla.cron is None or sla.cur is None:
        return sla.deadline
    if sla.overdue:
        return sla.c_prev
    return sla.cron.next_gt(max(now, sla.cur + sla.L))


# --------------------------------------------------------------------------- planner


def plan(
    nodes: Mapping[str, Node],
    state: Mapping[str, NodeState],
    now: datetime,
    interval_minutes: float,
    scope: AbstractSet[str] | None = None,
    force: AbstractSet[str] = frozenset(),
) -> Plan:
    """Decide what one tick builds, with reasons.  Pure: same inputs, same plan."""
    if not interval_minutes or interval_minutes <= 0:
        raise ValueError("interval_minutes must be > 0")
    with _gc_paused():
        g = _graph(nodes)
        cx = _Ctx(g, state, now, interval_minutes)
        return _Planner(cx, scope, force).run()


def explain(plan_obj: Plan, unique_id: str) -> list[str]:
    """Human sentences saying why unique_id was (not) selected."""
    return list(plan_obj.explanations.get(unique_id, [f"{unique_id}: not part of this project's DAG"]))


class _Planner:
    def __init__(self, cx: _Ctx, scope: AbstractSet[str] | None, force: AbstractSet[str]):
        self.cx = cx
        g = self.g = cx.g
        n = g.n
        order = g.order
        if scope is None:
            self.in_scope = [True] * n
        else:
            self.in_scope = [u in scope for u in order]
        unknown = sorted(u for u in force if u not in g.index)
        if unknown:
            raise ValueError(f"unknown node(s) to refresh: {', '.join(unknown)}")
        self.forced = {g.index[u] for u in force}

    # ------------------------------------------------------------------ classify
    def _classify(self) -> None:
        cx, g = self.cx, self.g
        n, kind, nodes, st, last = g.n, g.kind, g.node, cx.st, cx.last
        now, iv = cx.now, cx.iv
        in_scope, forced = self.in_scope, self.forced
        self.unrecorded: set[int] = set()
        self.held: dict[int, datetime | None] = {}  # index -> next retry time
        self.base: dict[int, list[str]] = {}
        self.missing_why: dict[int, str] = {}
        for i in g.buildable:
            s = st[i]
            b = last[i]
            kf = s.consecutive_failures
            if b is not None and s.relation_exists is not False and not kf and i not in forced:
                cs = nodes[i].checksum
                if cs is None or b.checksum is None or cs == b.checksum:
                    continue  # the common case: built, unchanged, healthy
            r: list[str] = []
            if b is None:
                if s.relation_exists is True:
                    self.unrecorded.add(i)
                else:
                    r.append("missing")
                    self.missing_why[i] = "never built"
            elif s.relation_exists is False:
                r.append("missing")
                self.missing_why[i] = "its relation is gone"
            if b is not None:
                cs = nodes[i].checksum
                if cs is not None and b.checksum is not None and cs != b.checksum:
                    r.append("code_changed")
            if kf > 0:
                fixed = (
                    s.last_failure_checksum is not None
                    and nodes[i].checksum is not None
                    and s.last_failure_checksum != nodes[i].checksum
                )
                lf = s.last_failure_at
                due = None if lf is None else lf + min(2 ** (kf - 1), MAX_BACKOFF_TICKS) * iv - iv / 2
                if fixed or due is None or now >= due:
                    r.append("retry")
                elif i not in forced:
                    self.held[i] = due
            if i in forced:
                r.append("forced")
            if r:
                self.base[i] = r

        # descendants of a node backing off wait for it (whatever their own reasons)
        self.waits: dict[int, int] = {}
        if self.held:
            held, waits, parents = self.held, self.waits, g.parents
            mark = bytearray(n)  # 1: backing off, 2: downstream of one
            for h in held:
                mark[h] = 1
            get = mark.__getitem__
            for i in range(min(held) + 1, n):
                if not mark[i] and any(map(get, parents[i])):
                    mark[i] = 2
                    for p in parents[i]:
                        if mark[p]:
                            waits[i] = p if mark[p] == 1 else waits[p]
                            break

        sel_ok = [False] * n
        unrec, held_, waits_ = self.unrecorded, self.held, self.waits
        for i in g.buildable:
            if in_scope[i] and (i in forced or not (i in unrec or i in held_ or i in waits_)):
                sel_ok[i] = True
        self.selectable = sel_ok
        for i in list(self.base):
            if not sel_ok[i]:
                del self.base[i]

    # ------------------------------------------------------------------ refresh
    def _force_walk(self) -> None:
        """Forced nodes pull in only their stale table-like ancestors (and the path to them)."""
        cx, g = self.cx, self.g
        fsel = {i for i in self.forced if self.selectable[i]}
        if not fsel:
            return
        anc_of: dict[int, set[int]] = {}
        for x in sorted(fsel):
            stack = [f for f in g.table_frontier(x) if g.kind[f] == TABLE]
            seen: set[int] = set()
            while stack:
                f = stack.pop()
                if f in seen:
                    continue
                seen.add(f)
                anc_of.setdefault(f, set()).add(x)
                stack.extend(a for a in g.table_frontier(f) if g.kind[a] == TABLE)
        for a in sorted(anc_of):
            if a in fsel:
                continue
            behind = False
            if cx.built[a]:
                e = cx.eff(a)
                d0 = cx.last[a].data_time
                behind = (e is not None and (d0 is None or e < d0)) or cx.seed_changed_since_build(a)
            stale = a in self.base or behind or any(f in fsel for f in g.table_frontier(a)) or (
                not cx.built[a] and a not in self.unrecorded
            )
            if not stale:
                continue
            if not self.selectable[a]:
                if not self.in_scope[a]:
                    for x in anc_of[a]:
                        self.excluded.add((a, x))
                continue
            r = self.base.setdefault(a, [])
            for x in sorted(anc_of[a]):
                r.append(f"required_by:{g.order[x]}")
                self.req_why.setdefault(a, {})[x] = "refresh of a descendant needs its stale ancestors"
            fsel.add(a)

    # ------------------------------------------------------------------ durations
    def _chain(self, sel: Mapping[int, object]) -> list[float]:
        """cp[i] = longest chain of expected build seconds of selected ancestors ending at i's parents."""
        g, cx = self.g, self.cx
        n = g.n
        cp = [0.0] * n
        if not sel:
            return cp
        acc = [0.0] * n
        parents = g.parents
        get = acc.__getitem__
        dur = cx.dur
        for i in range(min(sel), n):
            ps = parents[i]
            m = max(map(get, ps)) if ps else 0.0
            cp[i] = m
            acc[i] = m + dur(i) if i in sel else m
        return cp

    # ------------------------------------------------------------------ need + durations
    def _tchain(self) -> list[float]:
        """Longest chain of expected seconds over selectable table-like ancestors (upper bound helper)."""
        if self._tch is None:
            g, cx = self.g, self.cx
            n, kind, sel_ok = g.n, g.kind, self.selectable
            tacc = [0.0] * n
            tch = [0.0] * n
            get = tacc.__getitem__
            for i in range(n):
                ps = g.parents[i]
                m = max(map(get, ps)) if ps else 0.0
                tch[i] = m
                tacc[i] = m + cx.dur(i) if (kind[i] == TABLE and sel_ok[i]) else m
            self._tch = tch
        return self._tch

    def _prospective(self, x: int, R: datetime, cp: list[float], noprop: AbstractSet[int], with_w: bool = False):
        """Expected seconds until x is built if selected now with requirement R: the longest chain
        through x's ancestors that R makes stale (frontier tables with data older than R, found
        transitively), and through nodes already selected (cp).  With with_w, also the data time
        x would then get (None: static)."""
        g, cx = self.g, self.cx
        kind, sel_ok = g.kind, self.selectable
        sf: dict[int, list[int]] = {}

        def stale_parents(v: int) -> list[int]:
            r = sf.get(v)
            if r is None:
                r = sf[v] = [] if v in noprop else [f for f in cx.stale_frontier(v, R) if sel_ok[f]]
            return r

        pot: dict[int, float] = {}
        wd: dict[int, datetime | None] = {}

        built, eff = cx.built, cx.eff

        def w_of(v: int) -> datetime | None:
            out = cx.fixed_contrib(v)  # sources, seeds, live members: independent of R
            stale = sf.get(v, ())
            for f in g.table_parents(v):
                if f in stale:
                    c = wd[f]
                elif built[f]:
                    c = eff(f)
                else:
                    continue
                if c is not None and (out is None or c < out):
                    out = c
            return out

        best = cp[x]
        for f0 in stale_parents(x):
            if f0 not in pot:
                stack = [(f0, False)]
                while stack:
                    v, expanded = stack.pop()
                    if v in pot:
                        continue
                    if not expanded:
                        stack.append((v, True))
                        stack.extend((a, False) for a in stale_parents(v) if a not in pot)
                    else:
                        m = cp[v]
                        for a in stale_parents(v):
                            if pot[a] > m:
                                m = pot[a]
                        pot[v] = m + cx.dur(v)
                        if with_w:
                            wd[v] = w_of(v)
            if pot[f0] > best:
                best = pot[f0]
        d = best + (cx.dur(x) if kind[x] == TABLE else 0.0)
        if with_w:
            return d, w_of(x)
        return d

    def _settle(
        self, i: int, sla: _Sla, R: datetime, cp: list[float], noprop: AbstractSet[int], nxt: bool = False
    ) -> datetime:
        """Raise requirement R until i, rebuilt after the ancestors R makes stale, would get data
        W that does not itself need refreshing right away (counting the chain that would then
        limit W).  Least fixpoint: never the self-fulfilling "rebuild everything because
        everything takes long".  nxt: the same for the requirement the next tick would set."""
        cx = self.cx
        for _ in range(_MAX_ROUNDS):
            _, W = self._prospective(i, R, cp, noprop, with_w=True)
            if W is None:
                return R
            d2 = timedelta(seconds=self._prospective(i, W + _ONE_US, cp, noprop))
            R2 = sla.next_need(cx, d2, cur=W) if nxt else sla.need(cx, d2, cur=W)[0]
            if R2 is None:
                return R
            R_new = max(R2, W + _ONE_US)
            if R_new <= R:
                return R
            R = R_new
        return R

    def _fresh_need(self, i: int, sla: _Sla, cp: list[float], noprop: set[int]) -> datetime:
        """Requirement of a node getting data from scratch now (missing, code change, retry...)."""
        cx = self.cx
        own = cx.dur(i) if self.g.kind[i] == TABLE else 0.0
        return self._settle(i, sla, sla.fresh_R(cx, timedelta(seconds=cp[i] + own)), cp, noprop)

    def _need(
        self, i: int, sla: _Sla, cp: list[float], noprop: AbstractSet[int], settle: bool = True
    ) -> tuple[datetime | None, str | None]:
        """Required data time if i must get fresher data at this tick, else (None, None).

        Waiting for the next tick is too late when the chain that tick would build cannot
        complete by the deadline from there: the chain any improvement needs -- i plus its
        ancestors whose data is no newer than i's (they limit it) -- or, if longer, the chain
        for the requirement the next tick would set (it is later, so more ancestors can be
        too old for it).  settle=False: the first requirement, before _settle and
        _free_raise (what i needs to stay fresh through the next tick's rebuild)."""
        cx = self.cx
        cur = sla.cur
        if cur is None:
            return None, None
        own = cx.dur(i) if self.g.kind[i] == TABLE else 0.0
        if sla.need(cx, timedelta(seconds=cp[i] + self._tchain()[i] + own))[0] is None:
            return None, None  # not urgent even if every table upstream had to be rebuilt first
        d = self._prospective(i, cur + _ONE_US, cp, noprop)
        Rn = sla.next_need(cx, timedelta(seconds=d))
        if Rn is not None:
            Rn = self._settle(i, sla, max(Rn, cur + _ONE_US), cp, noprop, nxt=True)
            d = max(d, self._prospective(i, Rn, cp, noprop))
        R, why = sla.need(cx, timedelta(seconds=d))
        if R is None or not settle:
            return R, why
        R = self._settle(i, sla, R, cp, noprop)
        return self._free_raise(i, R, cp, noprop), why

    def _stale_closure(self, x: int, R: datetime, noprop: AbstractSet[int]) -> set[int]:
        """The ancestors R makes stale, transitively (the nodes _prospective walks)."""
        cx, sel_ok = self.cx, self.selectable
        seen: set[int] = set()
        stack = [x]
        while stack:
            v = stack.pop()
            if v in noprop:
                continue
            for f in cx.stale_frontier(v, R):
                if sel_ok[f] and f not in seen:
                    seen.add(f)
                    stack.append(f)
        return seen

    def _free_raise(self, i: int, R: datetime, cp: list[float], noprop: AbstractSet[int]) -> datetime:
        """Raise R towards the newest data i's observed sources hold, as far as the chain i
        waits for does not get longer: the ancestors that adds are rebuilt alongside the
        chain needed anyway, cost i no time and postpone its next rebuild.  (The chain only
        grows with R, and only at an ancestor's data time: the answer is one of those.)"""
        cx = self.cx
        b = cx.observed_best(i)
        if b is None or b <= R:
            return R
        d0 = self._prospective(i, R, cp, noprop)
        if self._prospective(i, b, cp, noprop) <= d0:
            return b
        eff, built = cx.eff, cx.built
        cands = sorted(
            {e for f in self._stale_closure(i, b, noprop) if built[f] and (e := eff(f)) is not None and R < e < b}
        )
        lo, hi = 0, len(cands)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._prospective(i, cands[mid], cp, noprop) <= d0:
                R = cands[mid]
                lo = mid + 1
            else:
                hi = mid
        return R

    def _propagate(
        self, start: Mapping[int, datetime], stop: AbstractSet[int] = _NO_BLOCKS,
        excluded: set[tuple[int, int]] | None = None,
    ) -> tuple[dict[int, datetime], dict[int, list[int]]]:
        """Carry requirements (node -> data time it must get) up the frontier, in reverse
        topological order: each selectable table-like ancestor with data older than a
        descendant's requirement takes the largest such requirement.  Returns (requirements,
        ancestor -> the descendants it is stale for).  Nodes in `stop` pass nothing up; an
        ancestor outside the scope is noted in `excluded` as (ancestor, node)."""
        cx, selectable, in_scope = self.cx, self.selectable, self.in_scope
        req: dict[int, datetime] = dict(start)
        by: dict[int, list[int]] = {}
        heap = [-i for i in req]
        heapq.heapify(heap)
        done: set[int] = set()
        while heap:
            i = -heapq.heappop(heap)
            if i in done:
                continue
            done.add(i)
            if i in stop:
                continue
            Ri = req[i]
            for f in cx.stale_frontier(i, Ri):
                if not selectable[f]:
                    if excluded is not None and not in_scope[f]:
                        excluded.add((f, i))
                    continue
                old = req.get(f)
                if old is None or Ri > old:
                    req[f] = Ri
                if f not in done:
                    heapq.heappush(heap, -f)
                by.setdefault(f, []).append(i)
        return req, by

    def _worth_preparing(self, prep_by: dict[int, list[int]], F: Mapping[int, datetime]) -> dict[int, list[int]]:
        """The part of the stale ancestry (prep_by: ancestor -> the descendants it is stale
        for) worth refreshing ahead.  An ancestor can be prepared when everything upstream of
        it already allows F (best); the others depend on a late source and are rebuilt once it
        moves anyway.  Preparing pays only where it shortens that rebuild: at each node that
        will wait, a preparable parent whose chain is longer than the chain of the parents
        that cannot be prepared -- with everything it needs upstream."""
        cx = self.cx
        fs = sorted(prep_by)  # topological
        ok: dict[int, bool] = {}
        for f in fs:
            b = cx.best(f)
            e = cx.eff(f) if cx.built[f] else None
            ok[f] = b is not None and b >= F[f] and (e is None or b > e)
        parents_of: dict[int, list[int]] = {}
        for f in fs:
            for c in prep_by[f]:
                parents_of.setdefault(c, []).append(f)
        up: dict[int, float] = {}  # longest stale chain ending at f
        fixed: dict[int, float] = {}  # ... of ancestors that cannot be prepared (0 for those that can)
        for f in fs:
            ps = parents_of.get(f, ())
            d = cx.dur(f)
            up[f] = d + max((up[q] for q in ps), default=0.0)
            fixed[f] = 0.0 if ok[f] else d + max((fixed[q] for q in ps if not ok[q]), default=0.0)
        keep: set[int] = set()
        for v, ps in parents_of.items():
            if ok.get(v, False):
                continue  # prepared itself (with its parents) or not at all
            floor = max((fixed[q] for q in ps if not ok[q]), default=0.0)
            keep.update(q for q in ps if ok[q] and up[q] > floor)
        stack = list(keep)
        while stack:
            for q in parents_of.get(stack.pop(), ()):
                if q not in keep:
                    keep.add(q)
                    stack.append(q)
        return {f: prep_by[f] for f in fs if f in keep}

    # ------------------------------------------------------------------ build_after
    def _new_data(self, p: int, since: datetime, sel: Mapping[int, object]) -> bool:
        """Has node p got data newer than `since` (or will it, being rebuilt in this plan)?"""
        cx, g = self.cx, self.g
        k = g.kind[p]
        if p in sel and k in _BUILDABLE:
            return True
        if k == TABLE:
            ts = _successes(cx.st[p])
            return bool(ts) and ts[-1][1] > since
        if k == SEED:
            cc = cx.st[p].content_changes
            return bool(cc) and cc[-1] > since
        if k == SOURCE:
            latest = cx.src(p)
            if latest is None:
                return cx.now > since  # unobserved: live
            before = cx.src(p, since)
            # no observation before that build: it read everything loaded before it started
            return latest > (before if before is not None else since)
        # view/ephemeral: new data when anything in its frontier has (or it is rebuilt itself)
        if cx.now > since and cx.live(p):
            return True
        stack = [p]
        seen = {p}
        while stack:
            v = stack.pop()
            ps = g.parents[v]
            if not ps:
                if cx.now > since:
                    return True
                continue
            for q in ps:
                if g.is_pass[q]:
                    if q in sel:
                        return True
                    if q not in seen:
                        seen.add(q)
                        stack.append(q)
                elif self._new_data(q, since, sel):
                    return True
        return False

    def _build_after(self, i: int, sel: Mapping[int, object]) -> str | None:
        cx, g = self.cx, self.g
        pol = g.node[i].policy
        b = cx.last[i]
        since = b.started_at
        M = float(pol.build_after_minutes)
        if _mins(cx.now - since) < M:
            self.ba_note[i] = (
                f"build_after {_fmt_m(M)}: last build started {_fmt(since)}, "
                f"next rebuild allowed from {_fmt(since + timedelta(minutes=M))}"
            )
            return None
        ps = g.parents[i]
        if not ps:
            flags = [(None, cx.now > since)]
        else:
            flags = [(p, self._new_data(p, since, sel)) for p in ps]
        mode = "all" if (pol.updates_on or "any").lower() == "all" else "any"
        ok = all(f for _, f in flags) if mode == "all" else any(f for _, f in flags)
        newer = [g.node[p].name for p, f in flags if f and p is not None]
        if not ok:
            self.ba_note[i] = (
                f"build_after {_fmt_m(M)} ({mode}): window passed but "
                + ("no input has" if mode == "any" else "not all inputs have")
                + f" new data since its last build at {_fmt(since)}"
            )
            return None
        shown = ", ".join(newer[:5]) + (f" and {len(newer) - 5} more" if len(newer) > 5 else "")
        return (
            f"build_after {_fmt_m(M)} passed since its last build at {_fmt(since)} and {mode} inputs have new data"
            + (f" ({shown})" if shown else "")
        )

    # ------------------------------------------------------------------ main
    def run(self) -> Plan:
        cx, g = self.cx, self.g
        n, kind, order = g.n, g.kind, g.order
        self.excluded: set[tuple[int, int]] = set()
        self.req_why: dict[int, dict[int, str]] = {}
        self.ba_note: dict[int, str] = {}
        self._tch: list[float] | None = None
        self._classify()
        self._force_walk()
        base = self.base
        selectable = self.selectable
        in_scope = self.in_scope

        # SLA constants (evaluated for in-scope nodes; a table must be selectable to act)
        slas: dict[int, _Sla] = {}
        for i in g.sla_nodes:
            if in_scope[i]:
                slas[i] = _Sla(cx, i)
        acting = []
        self._slas_all = slas
        # SLA nodes about to get data from scratch: a missing table, or a view whose frontier
        # has a table that was never built.  Their ancestors must be fresh enough *now*,
        # otherwise the next tick would find them overdue and build everything again.
        from_scratch: set[int] = set()
        for i in slas:
            if kind[i] == TABLE:
                if not selectable[i]:
                    continue
                if not cx.built[i] or i in base:
                    # built this tick anyway (missing, code change, retry, refresh): with inputs
                    # fresh enough to last until the next tick
                    from_scratch.add(i)
                    acting.append(i)
                elif slas[i].cur is not None:
                    acting.append(i)
            elif i not in self.waits:
                if any(cx.mine(p) == datetime.min if g.is_pass[p] else cx._leaf_mine(p) == datetime.min for p in g.parents[i]):
                    from_scratch.add(i)
                    acting.append(i)
                elif slas[i].cur is not None:
                    acting.append(i)
        ba_nodes = {i for i in g.build_after_nodes if selectable[i] and cx.built[i]}

        sel: dict[int, list[str]] = {i: list(r) for i, r in base.items()}
        noprop: set[int] = set()
        short: set[int] = set()  # SLA nodes whose data after the plan stays below their requirement
        cp_key: frozenset | None = None
        needs_key = None
        for _round in range(_MAX_ROUNDS):
            key = frozenset(sel)
            if key != cp_key:
                cp, cp_key = self._chain(sel), key
            # ---- time needs (unchanged when the chain and the blocked / short sets are)
            if needs_key != (cp_key, len(noprop), len(short)):
                needs_key = (cp_key, len(noprop), len(short))
                R0: dict[int, datetime] = {}
                own: dict[int, tuple[str, str]] = {}
                capped: dict[int, tuple[datetime, datetime]] = {}  # short node -> (requirement, cap)
                for i in acting:
                    if i in from_scratch:
                        R0[i] = self._fresh_need(i, slas[i], cp, noprop)
                        if slas[i].cur is None:
                            continue
                    Ri, why = self._need(i, slas[i], cp, noprop)
                    if Ri is not None and i in short:
                        # a late source caps what i can get now: an ancestor already newer
                        # than that cap would only lengthen i's chain
                        b = cx.best(i)
                        if b is not None and b < Ri:
                            capped[i] = (Ri, b)
                            Ri = b
                    if Ri is not None:
                        if i in R0 and R0[i] > Ri:
                            Ri = R0[i]  # (built anyway: the from-scratch requirement is stricter)
                        R0[i] = Ri
                        own[i] = ("cron" if slas[i].cron is not None else "lag", why)
                # blocked / short SLA nodes: the data they must hold through the next tick's
                # rebuild (as if nothing upstream were blocked), when the sources upstream are
                # expected to allow it by then
                F0: dict[int, datetime] = {}
                F0next: dict[int, datetime] = {}
                for i in acting:
                    if i in noprop or i in short:
                        Fi, _ = self._need(i, slas[i], cp, _NO_BLOCKS, settle=False)
                        if Fi is None:
                            continue
                        x = cx.expected(i) or datetime.min
                        if x >= Fi:
                            F0[i] = Fi
                            own_s = cx.dur(i) if kind[i] == TABLE else 0.0
                            Fn = slas[i].next_need(cx, timedelta(seconds=cp[i] + own_s)) or Fi
                            F0next[i] = min(max(Fn, Fi), x)
            # ---- propagate requirements up the frontier (reverse topological order)
            excluded_round: set[tuple[int, int]] = set()
            R, req_by = self._propagate(R0, noprop, excluded_round)
            # ---- prepare: F travels up the stale ancestors, through blocked ones too; first for
            # the requirement of the next tick's rebuild (F0next), then, for ancestors that cannot
            # reach it yet, for this tick's (F0)
            F: dict[int, datetime] = {}
            prep_by: dict[int, list[int]] = {}
            for F0x in (F0next, F0):
                Fx, px = self._propagate(F0x)
                if px:
                    for f, xs in self._worth_preparing(px, Fx).items():
                        if f not in prep_by:
                            prep_by[f] = xs
                            F[f] = Fx[f]
            # ---- forward: decide, check blocked, build_after
            new_sel: dict[int, list[str]] = {}
            wmemo: dict[int, datetime | None] = {}
            wv: dict[int, datetime | None] = {}
            blocked: dict[int, datetime | None] = {}
            prep_why: dict[int, datetime] = {}
            cand = set(base) | set(R) | set(ba_nodes) | set(prep_by)
            for i in sorted(cand):
                reasons = list(base.get(i, ()))
                if i in R and kind[i] == TABLE:
                    timed = []
                    if i in own:
                        timed.append(own[i][0])
                    timed.extend(f"required_by:{order[x]}" for x in req_by.get(i, ()))
                    if timed:
                        w = wmemo[i] = cx.would(i, new_sel, wmemo, wv)
                        e = cx.eff(i) if cx.built[i] else None
                        if e is not None and w is not None and w <= e:
                            blocked[i] = w
                        elif i in own and not req_by.get(i) and self._useless(i, w, cp):
                            blocked[i] = w
                        else:
                            reasons.extend(timed)
                if i in R and kind[i] != TABLE and i not in from_scratch:
                    w = cx.would(i, new_sel, wmemo, wv)
                    c = cx.cur(i)
                    if c is not None and w is not None and w <= c:
                        blocked[i] = w
                    elif i in slas and self._useless(i, w, cp):
                        blocked[i] = w
                if kind[i] == TABLE and i in ba_nodes and "upstream_updated" not in reasons:
                    why = self._build_after(i, new_sel)
                    if why is not None:
                        reasons.append("upstream_updated")
                        self.ba_note[i] = why
                if i in prep_by and kind[i] == TABLE and selectable[i] and i not in blocked:
                    # prepared only if the rebuild now gets it fresh enough (else it is redone then)
                    w = cx.would(i, new_sel, wmemo, wv)
                    e = cx.eff(i) if cx.built[i] else None
                    if w is not None and w >= F[i] and (e is None or w > e):
                        reasons.extend(f"required_by:{order[x]}" for x in prep_by[i])
                        prep_why[i] = F[i]
                        wmemo[i] = w
                if reasons and selectable[i]:
                    new_sel[i] = reasons
                    if kind[i] == TABLE and i not in wmemo:
                        wmemo[i] = cx.would(i, new_sel, wmemo, wv)
            self.R, self.own, self.req_by, self.blocked, self.wmemo, self.cp = R, own, req_by, blocked, wmemo, cp
            self.capped = capped
            self.wv = wv
            self.prep_by, self.prep_why = prep_by, prep_why
            self.excluded |= excluded_round
            # a blocked node does not pull its ancestors in next round -- unless it is built
            # anyway (missing, code change, retry...): then its inputs had better be fresh
            stop = {i for i in blocked if i not in new_sel}
            # a node that improves but stays below its requirement (a late source caps it)
            sh = set()
            for i in own:
                if i not in noprop and i not in short:
                    w = wmemo.get(i) if kind[i] == TABLE else cx.would(i, new_sel, wmemo, wv)
                    if w is not None and w < R0[i]:
                        sh.add(i)
            stable = new_sel == sel and stop <= noprop and sh <= short
            noprop |= stop
            short |= sh
            sel = new_sel
            if stable:
                break
        self.sel = sel
        self.slas = slas
        return self._result()

    def _useless(self, i, w, cp):
        """Would a rebuild now still leave i overdue when it finishes, because the data it
        would read (limited by an observed source) is too old?  Then it is blocked, not built:
        rebuilding every tick until the source moves burns warehouse time for nothing."""
        sla = self._slas_all[i]
        cx = self.cx
        if w is None or w >= cx.now:
            return False  # the rebuild would read live data: a chain slower than the lag must still run
        d = timedelta(seconds=cp[i] + (cx.dur(i) if self.g.kind[i] == TABLE else 0.0))
        done = cx.now + d
        if sla.cron is None:
            return w < done - sla.L
        c = sla.cron.prev_le(done)
        return w < c - sla.L

    # ------------------------------------------------------------------ output
    def _result(self) -> Plan:
        cx, g = self.cx, self.g
        n, kind, order, nodes = g.n, g.kind, g.order, g.node
        sel = self.sel
        p = Plan(now=cx.now, interval_minutes=cx.interval_minutes)
        for i in sorted(sel):
            rs = sorted(dict.fromkeys(sel[i]), key=_reason_key)
            p.selected.append(Selection(order[i], nodes[i].name, tuple(rs)))
        p.unrecorded = [order[i] for i in sorted(self.unrecorded) if self.in_scope[i]]
        p.excluded_required = [(order[a], order[b]) for a, b in sorted(self.excluded)]
        p.skipped = sum(
            1 for i in range(n) if kind[i] in _BUILDABLE and self.in_scope[i] and i not in sel
        )

        # violations
        needs_excluded: dict[int, str] = {}
        for a, x in sorted(self.excluded):
            needs_excluded.setdefault(x, order[a])
        self.viol_blocked: dict[int, str] = {}
        for i in sorted(self.slas):
            sla = self.slas[i]
            if not sla.overdue:
                continue
            after = self._after(i)
            blocked_by = None
            if after is None or after < sla.req_now:
                if i in self.waits:
                    blocked_by = order[self.waits[i]]
                elif i in self.held:
                    pass  # its own failures: status says "failing", the explanation says "backing off"
                else:
                    o = cx.oldest_observed(i)
                    if o is not None and o[0] < sla.req_now:
                        blocked_by = o[1]
                    elif i in needs_excluded:
                        blocked_by = needs_excluded[i]
            if blocked_by is not None:
                self.viol_blocked[i] = blocked_by
            pol = nodes[i].policy
            p.violations.append(
                Violation(
                    unique_id=order[i],
                    name=nodes[i].name,
                    lag_minutes=round(_mins(cx.now - sla.cur), 3),
                    maximum_lag_minutes=pol.maximum_lag_minutes,
                    blocked_by=blocked_by,
                    kind="cron" if sla.cron is not None else "lag",
                    deadline=sla.deadline,
                )
            )
        self.excluded_by: dict[int, list[int]] = {}
        for a, x in sorted(self.excluded):
            self.excluded_by.setdefault(a, []).append(x)
        # ancestors a capped node does without (they are newer than what it can get now)
        self.spared: dict[int, list[int]] = {}
        for x, (Rx, b) in sorted(self.capped.items()):
            for f in cx.stale_frontier(x, Rx):
                if f not in sel and cx.built[f] and (e := cx.eff(f)) is not None and e >= b:
                    self.spared.setdefault(f, []).append(x)
        special = set(sel)
        for extra in (self.unrecorded, self.held, self.waits, self.blocked, self.slas, self.ba_note, self.excluded_by,
                      self.spared):
            special.update(extra)
        self._special = special
        p.explanations = _Explanations(self)  # sentences are written when asked for (plan --explain, status)
        return p

    def explanation(self, i: int) -> list[str]:
        k = self.g.kind[i]
        if i in self._special or not self.in_scope[i] or k in (SOURCE, EPHEMERAL, OTHER):
            return self._explain(i)
        s = _IDLE_SEED if k == SEED else _IDLE_VIEW if k == VIEW else None
        return [s if s is not None else self._idle_sentence(i)]

    def _after(self, i: int) -> datetime | None:
        """Data time i will have after this plan's builds (None = static/unknown)."""
        cx = self.cx
        if self.g.kind[i] == TABLE:
            if i in self.sel:
                return self.wmemo.get(i)
            return cx.cur(i)
        return cx.would(i, self.sel, self.wmemo, self.wv)

    def _explain(self, i: int) -> list[str]:
        cx, g = self.cx, self.g
        k = g.kind[i]
        nd = g.node[i]
        order = g.order
        out: list[str] = []
        sla = self.slas.get(i)
        if k == SOURCE:
            v = cx.src(i)
            if not nd.observed:
                out.append("source: not built by freshrun; unobserved (treated as live)")
            elif v is not None:
                out.append(f"source: not built by freshrun; latest observed max_loaded_at {_fmt(v)}")
            else:
                out.append("source: observed, but no usable freshness observation yet (treated as live)")
            return out
        if k in (EPHEMERAL, OTHER):
            out.append(f"{nd.materialized}: no relation to build; looked through to its frontier")
        elif not self.in_scope[i]:
            out.append("outside the --select/--exclude scope: never built by this run")
        if i in self.sel:
            rs = sorted(dict.fromkeys(self.sel[i]), key=_reason_key)
            out.append("selected: " + ", ".join(rs))
            out.extend(self._reason_sentence(i, r) for r in rs)
            if i in self.capped:
                out.append(self._capped_sentence(i))
            if i in self.blocked:
                out.append("(not for freshness: " + self._blocked_sentence(i) + ")")
            return out
        told = bool(out)
        if i in self.unrecorded:
            out.append("relation exists but has no recorded history: run `freshrun baseline` to adopt it")
        if i in self.held:
            kf = cx.st[i].consecutive_failures
            out.append(f"backing off after {kf} failure{'s' if kf != 1 else ''}: next retry at {_fmt(self.held[i])}")
        if i in self.waits:
            out.append(f"waiting for failing ancestor {order[self.waits[i]]} (backing off) before building")
            if i in self.missing_why:
                out.append(f"(it is missing: {self.missing_why[i]})")
        if i in self.blocked:
            out.append(self._blocked_sentence(i))
        if sla is not None:
            out.append(self._sla_sentence(i, sla))
            b = self.viol_blocked.get(i)
            if b is not None and i not in self.blocked and i not in self.waits:
                out.append(f"overdue and limited by {b}: rebuilding cannot meet the policy yet")
        if k == TABLE and i in self.ba_note:
            out.append(self.ba_note[i])
        for x in self.spared.get(i, ()):
            out.append(
                f"fresh enough for {order[x]}: has {_fmt(cx.eff(i))}, and a late source lets that get "
                f"no newer than {_fmt(self.capped[x][1])} now"
            )
        for f in self.excluded_by.get(i, ()):
            out.append(f"needed by {order[f]} but outside the scope: not built")
        if not out or (told and len(out) == 1 and k not in (EPHEMERAL, OTHER)):
            out.append(self._idle_sentence(i))
        return out

    def _reason_sentence(self, i: int, r: str) -> str:
        cx, g = self.cx, self.g
        if r == "missing":
            return f"missing: {self.missing_why.get(i, 'never built')}"
        if r == "code_changed":
            b = cx.last[i]
            return f"code_changed: its checksum differs from the one recorded at its last build ({_fmt(b.completed_at)})"
        if r in ("lag", "cron"):
            return f"{r}: {self.own[i][1]}"
        if r == "upstream_updated":
            return f"upstream_updated: {self.ba_note.get(i, '')}"
        if r == "retry":
            kf = cx.st[i].consecutive_failures
            return f"retry: its last build failed ({kf} consecutive failure{'s' if kf != 1 else ''}); back-off elapsed"
        if r == "forced":
            return "forced: requested by refresh"
        if r.startswith("required_by:"):
            x = g.index.get(r[len("required_by:"):])
            why = self.req_why.get(i, {}).get(x)
            if why:
                return f"{r}: {why}"
            if i in self.prep_why and x in self.prep_by.get(i, ()) and x not in self.req_by.get(i, ()):
                have = _fmt(cx.eff(i)) if cx.built[i] else "never built"
                need = _fmt(self.prep_why[i])
                if x in self.prep_why:
                    return f"{r}: {g.node[x].name} is refreshed ahead too and needs data from {need} or later; has {have}"
                return (
                    f"{r}: {g.node[x].name} waits for a source that has not moved enough; once it does, it "
                    f"needs data from {need} or later and this has {have}: refreshed now, "
                    "so that rebuild is not held up by it"
                )
            have = _fmt(cx.eff(i)) if cx.built[i] else "never built"
            need = self.R.get(x)
            return f"{r}: {g.node[x].name} needs data from {_fmt(need)} or later; this has {have}"
        return r

    def _capped_sentence(self, i: int) -> str:
        R, b = self.capped[i]
        o = self.cx.oldest_observed(i)
        by = f"source {o[1]} (max_loaded_at {_fmt(o[0])})" if o is not None and o[0] <= b else "a late source"
        return (
            f"capped: {by} limits it to data from {_fmt(b)}, short of the {_fmt(R)} it needs; "
            "only inputs older than that are rebuilt first, so it is not held up by the rest"
        )

    def _blocked_sentence(self, i: int) -> str:
        cx = self.cx
        cur = cx.cur(i)
        o = cx.oldest_observed(i)
        if o is not None and (cur is None or o[0] <= cur):
            return (
                f"blocked by source {o[1]} which has not moved since {_fmt(o[0])}: "
                f"a rebuild would read data no newer than its current {_fmt(cur)}"
            )
        return f"blocked: a rebuild would read data no newer than its current {_fmt(cur)}"

    def _sla_sentence(self, i: int, sla: _Sla) -> str:
        cx = self.cx
        L = _mins(sla.L)
        if sla.cur is None:
            if self.g.kind[i] == TABLE and not cx.built[i]:
                return "policy: no data yet"
            return "never stale by time: only static data (seeds) upstream"
        lag = _mins(cx.now - sla.cur)
        if sla.cron is not None:
            nd = _next_cron_deadline(sla, cx.now)
            if sla.overdue:
                return f"overdue: missed cron tick {_fmt(sla.c_prev)} (lag {_fmt_m(lag)} of {_fmt_m(L)})"
            return (
                f"fresh for cron {sla.cron.expr} until tick {_fmt(nd)} (data time {_fmt(sla.cur)}; "
                f"each tick needs data at most {_fmt_m(L)} old, so it builds from {_fmt(nd - sla.L)})"
            )
        if sla.overdue:
            return f"overdue since {_fmt(sla.deadline)} (lag {_fmt_m(lag)} of {_fmt_m(L)})"
        if self.g.kind[i] != TABLE and i in self.R:
            return f"view: its upstream is being refreshed for it (lag {_fmt_m(lag)} of {_fmt_m(L)})"
        return f"fresh until {_fmt(sla.deadline)} (lag {_fmt_m(lag)} of {_fmt_m(L)})"

    def _idle_sentence(self, i: int) -> str:
        cx, g = self.cx, self.g
        k = g.kind[i]
        nd = g.node[i]
        if k == SEED:
            return _IDLE_SEED
        if k == VIEW:
            return _IDLE_VIEW
        if k in (EPHEMERAL, OTHER):
            return "nothing to do"
        if nd.policy is None or not (nd.policy.has_sla or nd.policy.has_build_after):
            return "lazy: nothing needs it"
        return "up to date"


# --------------------------------------------------------------------------- status


def effective_data_time(
    nodes: Mapping[str, Node], state: Mapping[str, NodeState], unique_id: str, now: datetime
) -> datetime | None:
    """Current data time of one node (see :func:`current_data_time`)."""
    return current_data_time(nodes, state, now)[unique_id]


def current_data_time(
    nodes: Mapping[str, Node], state: Mapping[str, NodeState], now: datetime
) -> dict[str, datetime | None]:
    """unique_id -> current data time: eff for table-like, frontier minimum for views,
    latest observed max_loaded_at for sources; None = never built / never stale by time."""
    with _gc_paused():
        g = _graph(nodes)
        cx = _Ctx(g, state, now, 15.0)
        return {g.order[i]: cx.cur(i) for i in range(g.n)}


def assess(
    nodes: Mapping[str, Node], state: Mapping[str, NodeState], now: datetime
) -> dict[str, Assessment]:
    """Per-node current freshness (``freshrun status``), mirroring ``freshrun_model_freshness``."""
    with _gc_paused():
        return _assess(_graph(nodes), state, now)


def _assess(g: PlanGraph, state: Mapping[str, NodeState], now: datetime) -> dict[str, Assessment]:
    cx = _Ctx(g, state, now, 15.0)
    out: dict[str, Assessment] = {}
    for i in range(g.n):
        nd = g.node[i]
        k = g.kind[i]
        s = cx.st[i]
        b = cx.last[i]
        pol = nd.policy
        dt = cx.cur(i)
        lag = None if dt is None else round(_mins(now - dt), 3)
        L = pol.maximum_lag_minutes if pol is not None else None
        cron = pol.cron_schedule if pol is not None else None
        overdue = False
        blocked_by = None
        deadline = None
        if pol is not None and pol.has_sla and k not in (SEED, SOURCE, OTHER):
            sla = _Sla(cx, i)
            overdue = sla.overdue
            deadline = _next_cron_deadline(sla, now)
            if overdue:
                o = cx.oldest_observed(i)
                if o is not None and o[0] < sla.req_now:
                    blocked_by = o[1]
        if k == SOURCE:
            status = "observed" if nd.observed else "unobserved"
        elif k in _BUILDABLE and b is None and s.relation_exists is True:
            status = "unrecorded"
        elif k in _BUILDABLE and not cx.built[i]:
            status = "missing"
        elif s.consecutive_failures > 0:
            status = "failing"
        elif overdue:
            status = "blocked" if blocked_by else "overdue"
        elif k == SEED or (dt is None and k != SOURCE):
            status = "static"
        elif pol is not None and pol.has_sla:
            status = "fresh"
        else:
            status = "lazy"
        out[g.order[i]] = Assessment(
            unique_id=g.order[i],
            name=nd.name,
            materialized=nd.materialized,
            last_success_at=b.completed_at if b is not None else None,
            data_time=dt,
            lag_minutes=lag,
            maximum_lag_minutes=L,
            cron_schedule=cron,
            is_overdue=overdue,
            blocked_by=blocked_by,
            next_deadline=deadline,
            consecutive_failures=s.consecutive_failures,
            status=status,
            resource_type=nd.resource_type,
        )
    return out

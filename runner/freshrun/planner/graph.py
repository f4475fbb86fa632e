"""The project graph as the planner sees it: canonical topological order, node kinds, seed closures.

Everything here depends on the lineage alone, so a :class:`ProjectGraph` is built once per
manifest and reused by every plan, assessment and simulated tick over it.  Frontiers are
computed on demand: in view-heavy graphs materialising them all would be the dominant cost.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import IntEnum
from functools import reduce
from operator import or_
from typing import Any

from ..model import Node


class NodeKind(IntEnum):
    """What a node is to the planner."""

    TABLE = 0  # table-like: tables, incrementals, snapshots -- data of its own, built by freshrun
    VIEW = 1
    EPHEMERAL = 2
    SEED = 3
    SOURCE = 4
    OTHER = 5  # any other model materialization without a relation of its own


# ProjectGraph.kind holds the values as plain ints, compared against these aliases in hot loops:
# attribute lookups on an Enum class are slow, and only exact ints get the interpreter's fast comparisons.
TABLE: int = NodeKind.TABLE.value
VIEW: int = NodeKind.VIEW.value
EPHEMERAL: int = NodeKind.EPHEMERAL.value
SEED: int = NodeKind.SEED.value
SOURCE: int = NodeKind.SOURCE.value
OTHER: int = NodeKind.OTHER.value

PASS_THROUGH_KINDS = (VIEW, EPHEMERAL, OTHER)  # looked through to their frontier
BUILDABLE_KINDS = (TABLE, VIEW, SEED)  # what a plan may select


def node_kind(node: Node) -> NodeKind:
    resource_type = node.resource_type
    if resource_type == "source":
        return NodeKind.SOURCE
    if resource_type == "seed":
        return NodeKind.SEED
    if resource_type in ("model", "snapshot"):
        if node.is_pass_through:
            return NodeKind.VIEW if node.materialized == "view" else NodeKind.EPHEMERAL
        return NodeKind.TABLE
    return NodeKind.OTHER


class ProjectGraph(Mapping[str, Node]):
    """A read-only node mapping plus everything the planner derives from the graph alone.

    Build it once per manifest and pass it to :func:`plan` / :func:`assess` instead of the
    plain mapping to skip the graph analysis on every call.  Nodes are addressed by their
    position in :attr:`order` (a topological order, canonical whatever the input order).
    """

    order: list[str]
    index: dict[str, int]
    node: list[Node]
    n: int
    parents: list[tuple[int, ...]]
    kind: list[int]  # NodeKind values
    is_pass_through: list[bool]
    seed_at_bit: list[int]
    seed_closure: list[int]
    buildable: list[int]
    sla_nodes: list[int]
    build_after_nodes: list[int]

    def __init__(self, nodes: Mapping[str, Node]):
        with gc_paused():
            self._build(nodes)

    def _build(self, nodes: Mapping[str, Node]) -> None:
        if isinstance(nodes, ProjectGraph):
            nodes = nodes._nodes
        self._nodes: dict[str, Node] = dict(nodes)
        by_uid = self._nodes

        # work in "rank" space (position in sorted unique_ids) so that the order is canonical
        uids = sorted(by_uid)
        n = len(uids)
        rank = dict(zip(uids, range(n), strict=True))
        rank_of = rank.get
        # known parents in rank space (unknown uids are ignored; duplicates removed below)
        parent_ranks: list[list[int]] = [list(map(rank_of, by_uid[u].parents)) for u in uids]  # type: ignore[arg-type]
        for r, ps in enumerate(parent_ranks):
            if not ps:
                continue
            if None in ps:
                ps = [q for q in ps if q is not None]
            if len(ps) > 1 and len(set(ps)) != len(ps):
                ps = list(dict.fromkeys(ps))
            if r in ps:
                ps = [q for q in ps if q != r]  # a self-reference is not a dependency
            parent_ranks[r] = ps
        indegree = list(map(len, parent_ranks))
        child_ranks: list[list[int]] = [[] for _ in range(n)]
        for r, ps in enumerate(parent_ranks):
            for q in ps:
                child_ranks[q].append(r)
        # Kahn's algorithm level by level (each level in unique_id order): deterministic
        # whatever the input order
        level = [r for r in range(n) if indegree[r] == 0]
        order_ranks: list[int] = []
        while level:
            order_ranks.extend(level)
            next_level: list[int] = []
            add = next_level.append
            for r in level:
                for c in child_ranks[r]:
                    indegree[c] -= 1
                    if not indegree[c]:
                        add(c)
            next_level.sort()
            level = next_level
        if len(order_ranks) != n:
            stuck = [uids[r] for r in range(n) if indegree[r] > 0]
            raise ValueError(f"dependency cycle among: {', '.join(stuck[:10])}")
        position = [0] * n
        for i, r in enumerate(order_ranks):
            position[r] = i
        order = [uids[r] for r in order_ranks]
        self.order = order
        self.index = dict(zip(order, range(n), strict=True))
        self.node = [by_uid[u] for u in order]
        self.n = n
        position_of = position.__getitem__
        self.parents = [tuple(sorted(map(position_of, parent_ranks[r]))) for r in order_ranks]
        kind_of: dict[tuple[str, str], int] = {}
        kinds: list[int] = []
        for node in self.node:
            key = (node.resource_type, node.materialized)
            k = kind_of.get(key)
            if k is None:
                k = kind_of[key] = node_kind(node).value
            kinds.append(k)
        self.kind = kinds

        self.is_pass_through = [k in PASS_THROUGH_KINDS for k in kinds]
        # seed closure (bit mask over seeds, through any path).  Frontiers are NOT
        # materialised for planning: in view-heavy graphs they are huge; the planner
        # folds over parents through pass-through nodes instead (see fold_through).
        seed_closure = [0] * n
        self.seed_at_bit = []
        if SEED in kinds:
            closure_of = seed_closure.__getitem__
            for i, direct in enumerate(self.parents):
                mask = reduce(or_, map(closure_of, direct), 0) if direct else 0
                if kinds[i] == SEED:
                    mask |= 1 << len(self.seed_at_bit)
                    self.seed_at_bit.append(i)
                seed_closure[i] = mask
        self.seed_closure = seed_closure
        self._frontier: list[tuple[int, ...]] | None = None
        self._table_frontier: dict[int, tuple[int, ...]] = {}
        self._frontier_of: dict[int, tuple[int, ...]] = {}

        self.buildable = [i for i, k in enumerate(kinds) if k in BUILDABLE_KINDS]
        self.sla_nodes = []
        self.build_after_nodes = []
        for i, node in enumerate(self.node):
            policy = node.policy
            if policy is None or kinds[i] in (SEED, SOURCE, OTHER):
                continue
            if policy.has_sla:
                self.sla_nodes.append(i)
            if policy.has_build_after and kinds[i] == TABLE:
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
            children: list[list[int]] = [[] for _ in range(self.n)]
            for i, ps in enumerate(self.parents):
                for p in ps:
                    children[p].append(i)
            self._children = children
        return self._children

    def walk_frontier(self, i: int) -> list[int]:
        """Frontier of node i (indices, ascending), computed by walking through pass-through parents."""
        out: set[int] = set()
        seen: set[int] = set()
        stack = [i]
        parents, is_pass_through = self.parents, self.is_pass_through
        while stack:
            v = stack.pop()
            for p in parents[v]:
                if is_pass_through[p] and parents[p]:
                    if p not in seen:
                        seen.add(p)
                        stack.append(p)
                else:
                    out.add(p)
        return sorted(out)

    def frontier_of(self, i: int) -> tuple[int, ...]:
        """i's frontier (cached per graph; computed on demand)."""
        members = self._frontier_of.get(i)
        if members is None:
            members = self._frontier_of[i] = tuple(self.walk_frontier(i))
        return members

    def table_frontier(self, i: int) -> tuple[int, ...]:
        """The table-like members of i's frontier (cached per graph; computed on demand)."""
        tables = self._table_frontier.get(i)
        if tables is None:
            kind = self.kind
            tables = self._table_frontier[i] = tuple(f for f in self.frontier_of(i) if kind[f] == TABLE)
        return tables

    @property
    def frontier(self) -> list[tuple[int, ...]]:
        """Every node's frontier (materialised on first use; for reports and simulate)."""
        if self._frontier is None:
            frontiers: list[tuple[int, ...]] = [()] * self.n
            is_pass_through = self.is_pass_through
            for i in range(self.n):
                members: set[int] = set()
                for p in self.parents[i]:
                    if is_pass_through[p] and frontiers[p]:
                        members.update(frontiers[p])
                    else:
                        members.add(p)
                frontiers[i] = tuple(sorted(members))
            self._frontier = frontiers
        return self._frontier

    def frontier_ids(self) -> dict[str, tuple[str, ...]]:
        order = self.order
        return {order[i]: tuple(sorted(order[f] for f in members)) for i, members in enumerate(self.frontier)}


PlanGraph = ProjectGraph  # the name before issue 11, still in the docs history; exported by freshrun.planner


def as_graph(nodes: Mapping[str, Node]) -> ProjectGraph:
    return nodes if isinstance(nodes, ProjectGraph) else ProjectGraph(nodes)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one planner call (re-enabled only if it was enabled).

    The planner allocates many small acyclic containers next to a large live heap (the state):
    collections triggered meanwhile find nothing to free.
    """
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def frontier(nodes: Mapping[str, Node]) -> dict[str, tuple[str, ...]]:
    """unique_id -> its nearest data-holding upstreams, looking through views/ephemerals.

    A view/ephemeral with no parents is itself a frontier member (live data).
    """
    return as_graph(nodes).frontier_ids()


_UNSET: Any = object()


def fold_through(
    graph: ProjectGraph,
    i: int,
    memo: dict[int, Any],
    leaf: Callable[[int], Any],
    empty: Any,
    pick: Callable[[Any, Any], Any],
) -> Any:
    """memo[i] for pass-through node i: `pick` over its parents, looking through pass-through
    parents recursively; ``leaf(p)`` for data-holding parents (None = contributes nothing);
    `empty` for a pass-through node without parents.  Values over frontiers are folded, never
    materialised: in view-heavy graphs frontiers are huge."""
    known = memo.get(i, _UNSET)
    if known is not _UNSET:
        return known
    parents, is_pass_through = graph.parents, graph.is_pass_through
    stack = [i]
    while stack:
        v = stack[-1]
        if v in memo:
            stack.pop()
            continue
        ps = parents[v]
        pending = [p for p in ps if is_pass_through[p] and p not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if not ps:
            memo[v] = empty
            continue
        folded = None
        for p in ps:
            value = memo[p] if is_pass_through[p] else leaf(p)
            if value is not None:
                folded = value if folded is None else pick(folded, value)
        memo[v] = folded
    return memo[i]

"""Missing or changed: what the state alone says a buildable node needs, whatever its freshness.

A node is *missing* when it was never built (and no relation of it was found) or its relation
is gone; its *code changed* when the checksum it was last built with differs from the
manifest's.  The planner selects such nodes with those reasons; every simulated strategy and
the lower bound build them at the first tick.
"""

from __future__ import annotations

from ..model import Build, Node, NodeState

NEVER_BUILT = "never built"
RELATION_GONE = "its relation is gone"


def is_unrecorded(node_state: NodeState) -> bool:
    """A relation exists but freshrun has no recorded build of it: not missing, not known either."""
    return node_state.last_success is None and node_state.relation_exists is True


def missing_because(node_state: NodeState) -> str | None:
    """Why the node is missing (:data:`NEVER_BUILT`, :data:`RELATION_GONE`); None: it is not."""
    if node_state.last_success is None:
        return None if node_state.relation_exists is True else NEVER_BUILT
    if node_state.relation_exists is False:
        return RELATION_GONE
    return None


def code_changed(node: Node, build: Build | None) -> bool:
    """Was the node's last successful build made with other code than the manifest's?  (Unknown
    checksums never count as a change.)"""
    if build is None:
        return False
    current, built = node.checksum, build.checksum
    return current is not None and built is not None and current != built


def missing_or_changed(node: Node, node_state: NodeState | None) -> bool:
    """Missing or code changed (no state at all: never built): :func:`missing_because` or
    :func:`code_changed`, in one call -- the planner asks it of every buildable node."""
    if node_state is None:
        return True
    build = node_state.last_success
    if build is None:
        return node_state.relation_exists is not True
    if node_state.relation_exists is False:
        return True
    current, built = node.checksum, build.checksum
    return current is not None and built is not None and current != built

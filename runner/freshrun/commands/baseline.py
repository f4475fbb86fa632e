"""`freshrun baseline`: adopt a warehouse built before freshrun was installed.

Every relation that exists and has no recorded build is recorded as built now
(flagged `baseline` in freshrun_events, so history stays honest) without
running it; relations that do not exist stay missing.  Afterwards a tick
builds only what policies need."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from freshrun.contract import BUILT_RESOURCE_TYPES
from freshrun.errors import EXIT_OK
from freshrun.lock import WarehouseLock
from freshrun.model import Node
from freshrun.options import utc_now
from freshrun.report import console, print_json, print_rows
from freshrun.session import CommonOptions, Session


def run_baseline(options: CommonOptions, dry_run: bool = False, lock_timeout: float = 10.0) -> int:
    session = Session.open(options)
    lock = None
    try:
        if not dry_run:
            lock = WarehouseLock(session.project, timeout_seconds=lock_timeout)
            lock.acquire()
        state = session.read_state()
        nodes = session.user_nodes
        topo = _topological(nodes)
        adopt = [uid for uid in topo
                 if nodes[uid].resource_type in BUILT_RESOURCE_TYPES
                 and session.in_scope(uid)
                 and state.nodes.get(uid) is not None and state.nodes[uid].relation_exists
                 and state.nodes[uid].last_success is None]
        missing = [uid for uid in topo if nodes[uid].resource_type in BUILT_RESOURCE_TYPES
                   and nodes[uid].materialized != "ephemeral"
                   and session.in_scope(uid)
                   and not (state.nodes.get(uid) and state.nodes[uid].relation_exists)]
        now = utc_now()
        if adopt and not dry_run:
            with session.project.connection() as adapter:
                adapter.execute_macro("record_baseline", project="freshrun", kwargs={
                    "unique_ids": adopt, "recorded_at": now.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    "invocation": f"freshrun-baseline-{uuid.uuid4()}"})
            session.project.release()
        if options.json:
            print_json({"now": now, "dry_run": dry_run,
                        "adopted": [{"unique_id": u, "name": nodes[u].name} for u in adopt],
                        "missing": [{"unique_id": u, "name": nodes[u].name} for u in missing]})
        else:
            verb = "Would adopt" if dry_run else "Adopted"
            print_rows(f"{verb} {len(adopt)} existing relation(s) as built now (flagged baseline)",
                       ["model", "materialized"], [[nodes[u].name, nodes[u].materialized] for u in adopt])
            if missing:
                console.print(f"{len(missing)} relation(s) do not exist and stay missing: "
                              + ", ".join(nodes[u].name for u in missing[:20]) + (" …" if len(missing) > 20 else ""))
        return EXIT_OK
    finally:
        if lock is not None:
            lock.release()
        session.close()


def _topological(nodes: Mapping[str, Node]) -> list[str]:
    order: list[str] = []
    seen: set[str] = set()
    for start in sorted(nodes):
        stack = [(start, False)]
        while stack:
            uid, done = stack.pop()
            if done:
                order.append(uid)
                continue
            if uid in seen:
                continue
            seen.add(uid)
            stack.append((uid, True))
            stack.extend((p, False) for p in nodes[uid].parents if p in nodes and p not in seen)
    return order

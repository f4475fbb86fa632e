"""`freshrun status`: current freshness per model."""

from __future__ import annotations

import dataclasses
from typing import Any

from freshrun.errors import EXIT_OK
from freshrun.options import utc_now
from freshrun.report import iso, policy_text, print_json, print_rows
from freshrun.session import CommonOptions, Session


def run_status(options: CommonOptions) -> int:
    session = Session.open(options)
    try:
        state = session.read_state()
        now = utc_now()
        nodes = session.user_nodes
        assessed = session.assess(state, now)
        models: list[dict[str, Any]] = []
        for uid in sorted(assessed, key=lambda u: nodes[u].name):
            if not session.in_scope(uid):
                continue
            a = assessed[uid]
            row = {k: (iso(v) if hasattr(v, "isoformat") else v) for k, v in dataclasses.asdict(a).items()}
            row["policy"] = policy_text(nodes[uid].policy)
            models.append(row)
        if options.json:
            print_json({"now": iso(now), "models": models})
            return EXIT_OK

        def short(value: Any) -> Any:
            return value[5:16].replace("T", " ") if isinstance(value, str) else value

        def name_of(uid: str) -> str:
            return nodes[uid].name if uid in nodes else uid

        print_rows(
            f"Freshness as of {now:%Y-%m-%d %H:%M} UTC (times in UTC)",
            ["model", "materialized", "last success", "data time", "lag (min)", "policy", "overdue", "blocked by",
             "next deadline"],
            [[m["name"], m["materialized"], short(m["last_success_at"]), short(m["data_time"]),
              None if m["lag_minutes"] is None else f"{m['lag_minutes']:.1f}", m["policy"],
              "YES" if m["is_overdue"] else "", name_of(m["blocked_by"]) if m["blocked_by"] else None,
              short(m["next_deadline"])] for m in models if nodes[m["unique_id"]].resource_type != "source"])
        return EXIT_OK
    finally:
        session.close()

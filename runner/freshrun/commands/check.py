"""`freshrun check`: exit 3 if any policy is violated, else 0; with `--webhook`,
POST each violation (and recovery) once per transition (see freshrun.alerts)."""

from __future__ import annotations

from freshrun.alerts import DEFAULT_TIMEOUT_SECONDS, AlertResult, check_webhook_options, deliver
from freshrun.errors import EXIT_OK, EXIT_VIOLATED
from freshrun.options import utc_now
from freshrun.report import console, iso, policy_text, print_json, print_rows, warn
from freshrun.session import CommonOptions, Session


def run_check(options: CommonOptions, webhook: str | None = None,
              timeout: float = DEFAULT_TIMEOUT_SECONDS) -> int:
    check_webhook_options(webhook, timeout)
    session = Session.open(options)
    try:
        state = session.read_state()
        now = utc_now()
        nodes = session.user_nodes
        assessed = session.assess(state, now)
        violations = [a for uid, a in sorted(assessed.items(), key=lambda kv: (kv[1].name, kv[0]))
                      if a.is_overdue and session.in_scope(uid)]
        alerts: list[AlertResult] = []
        warnings: list[str] = []
        if webhook:
            alerts, warnings = deliver(session.project, assessed, session.scope, webhook, now, timeout)
        for w in warnings:
            warn(w)
        if options.json:
            print_json({
                "now": iso(now),
                "violations": [{"unique_id": a.unique_id, "name": a.name,
                                "lag_minutes": None if a.lag_minutes is None else round(a.lag_minutes, 1),
                                "maximum_lag_minutes": a.maximum_lag_minutes, "cron_schedule": a.cron_schedule,
                                "blocked_by": a.blocked_by} for a in violations],
                "alerts": [{"unique_id": r.unique_id, "event": r.event, "sent": r.sent, "error": r.error}
                           for r in alerts],
            })
        else:
            if violations:
                print_rows(f"{len(violations)} policy violation(s) as of {now:%Y-%m-%d %H:%M} UTC",
                           ["model", "lag (min)", "policy", "blocked by"],
                           [[a.name, f"{a.lag_minutes:.1f}" if a.lag_minutes is not None else "",
                             policy_text(nodes[a.unique_id].policy), a.blocked_by] for a in violations])
            else:
                console.print(f"All policies met as of {now:%Y-%m-%d %H:%M} UTC.")
            for r in alerts:
                if r.sent:
                    console.print(f"Alert sent: {nodes[r.unique_id].name} {r.event}", markup=False)
        return EXIT_VIOLATED if violations else EXIT_OK
    finally:
        session.close()

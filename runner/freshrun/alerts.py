"""Webhook alerts when a model's policy becomes violated, and when it recovers:
once per transition, however many ticks or machines see it.

The alert state lives in the warehouse, in the append-only table
``freshrun_alerts`` (never UPDATE/DELETE: concurrent writers deadlock on those
in Snowflake and Redshift), one row per claim or outcome::

    unique_id, event ('violated' | 'recovered'), claimed_at, claimant (host:pid:uuid),
    sent, error, recorded_at

Protocol, for every model whose current state (overdue or not) differs from the
state its last *sent* event announced (no sent event yet + overdue ->
'violated'; a model never announced as violated never 'recovers'):

1. append a *claim* row (sent = false, error = null), claimed_at = the
   warehouse's clock, in its own transaction;
2. wait until claims made at the same moment by other processes are visible
   (``settle_seconds``), then read the recent rows back;
3. the earliest (claimed_at, claimant) among the claims for that
   (unique_id, event) made after the model's latest outcome row wins; nobody
   wins if the transition was meanwhile sent by someone else;
4. only the winner POSTs, then appends an *outcome* row with its claim's
   claimed_at/claimant: sent = true, or sent = false + error (the transition
   is then claimed again on the next tick).

A claim with no outcome after ``CLAIM_TTL`` (its process died) is ignored.

The pure functions (``transitions``, ``winner``, ``payload``) hold the logic and
are unit-tested; :class:`~freshrun.alert_store.AlertStore` is the SQL;
:func:`deliver` runs the protocol; :func:`notify_transitions` is what
``freshrun run --webhook`` calls.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from freshrun.alert_store import AlertRow, AlertStore
from freshrun.contract import ALERTS
from freshrun.errors import ConfigError, FreshrunError
from freshrun.model import Assessment
from freshrun.rows import AuditTables
from freshrun.webhook import Unreachable, post_json

__all__ = [
    "RECOVERED", "VIOLATED", "AlertResult", "AlertRow", "Transition", "Unreachable", "check_webhook_options",
    "deliver", "notify_transitions", "overdue_by_model", "payload", "post_json", "transitions", "winner",
]

VIOLATED = "violated"
RECOVERED = "recovered"
DEFAULT_TIMEOUT_SECONDS = 5.0
CLAIM_TTL = timedelta(minutes=10)
MIN_SETTLE_SECONDS = 1.0


# --------------------------------------------------------------------------- pure logic


@dataclass(frozen=True)
class Transition:
    unique_id: str
    event: str  # VIOLATED | RECOVERED


@dataclass(frozen=True)
class AlertResult:
    """A transition this process won the claim for, and what became of its POST."""

    unique_id: str
    event: str
    sent: bool
    error: str | None = None


def _when(row: AlertRow) -> tuple:
    return (row.recorded_at or row.claimed_at, row.claimed_at, row.claimant)


def last_sent(rows: Iterable[AlertRow]) -> dict[str, AlertRow]:
    """unique_id -> its latest sent event."""
    out: dict[str, AlertRow] = {}
    for r in rows:
        if r.sent and (r.unique_id not in out or _when(r) > _when(out[r.unique_id])):
            out[r.unique_id] = r
    return out


def round_start(rows: Iterable[AlertRow], unique_id: str) -> datetime | None:
    """When the current claiming round for a model began: its latest outcome
    (sent, or failed) -- claims made before it belong to a finished round."""
    times = [r.recorded_at or r.claimed_at for r in rows if r.unique_id == unique_id and r.is_outcome]
    return max(times, default=None)


def transitions(overdue: Mapping[str, bool], rows: Iterable[AlertRow]) -> list[Transition]:
    """The models whose current state differs from the one their last sent event announced."""
    sent = last_sent(rows)
    out = []
    for uid in sorted(overdue):
        last = sent.get(uid)
        if overdue[uid] and (last is None or last.event != VIOLATED):
            out.append(Transition(uid, VIOLATED))
        elif not overdue[uid] and last is not None and last.event == VIOLATED:
            out.append(Transition(uid, RECOVERED))
    return out


def winner(rows: Iterable[AlertRow], transition: Transition, not_before: datetime | None = None) -> AlertRow | None:
    """The claim that may send `transition`, or None: the earliest (claimed_at, claimant)
    claim for it made after the model's latest outcome (and not before `not_before`,
    the abandoned-claim cut-off).  None as well when the transition has been sent
    in the meantime."""
    rows = list(rows)
    uid, event = transition.unique_id, transition.event
    last = last_sent(rows).get(uid)
    if (last.event if last is not None else RECOVERED) == event:
        return None  # already announced (by someone else, meanwhile), or a recovery nobody needs
    start = round_start(rows, uid)
    claims = [r for r in rows if r.unique_id == uid and r.event == event and r.is_claim
              and (start is None or r.claimed_at > start)
              and (not_before is None or r.claimed_at >= not_before)]
    return min(claims, key=lambda r: (r.claimed_at, r.claimant), default=None)


def _fmt_minutes(x: float | None) -> str:
    return "unknown" if x is None else f"{x:.1f} min"


def _policy(a: Assessment) -> str:
    text = f"at most {a.maximum_lag_minutes:g} min" if a.maximum_lag_minutes is not None else "no lag policy"
    if a.cron_schedule:
        text += f" at each '{a.cron_schedule}' tick"
    return text


def payload(event: str, a: Assessment, now: datetime) -> dict[str, Any]:
    """The JSON body POSTed for one transition: Slack-compatible `text` plus structured fields."""
    if event == VIOLATED:
        text = f":red_circle: freshrun: {a.name} is overdue: lag {_fmt_minutes(a.lag_minutes)}, policy {_policy(a)}"
        if a.blocked_by:
            text += f"; blocked by {a.blocked_by} (no new data)"
    else:
        text = (f":large_green_circle: freshrun: {a.name} has recovered: lag {_fmt_minutes(a.lag_minutes)}, "
                f"policy {_policy(a)}")
    return {
        "text": text,
        "event": event,
        "unique_id": a.unique_id,
        "name": a.name,
        "lag_minutes": None if a.lag_minutes is None else round(float(a.lag_minutes), 1),
        "maximum_lag_minutes": a.maximum_lag_minutes,
        "cron_schedule": a.cron_schedule,
        "blocked_by": a.blocked_by,
        "now": now.isoformat(timespec="seconds") + "Z",
    }


def overdue_by_model(assessed: Mapping[str, Assessment], scope: set[str] | None) -> dict[str, bool]:
    """unique_id -> overdue, for every model and snapshot in scope (one whose policy was
    removed while it was violated is no longer overdue: it recovers)."""
    return {uid: a.is_overdue for uid, a in assessed.items()
            if a.resource_type in ("model", "snapshot") and (scope is None or uid in scope)}


def check_webhook_options(url: str | None, timeout: float) -> None:
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"--webhook: expected an http:// or https:// URL, got {url.split('?')[0][:40]!r}")
    if not timeout > 0:
        raise ConfigError(f"--webhook-timeout: must be more than zero seconds, got {timeout:g}")


# --------------------------------------------------------------------------- the protocol


def new_claimant() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def deliver(
    project: Any,
    assessed: Mapping[str, Assessment],
    scope: set[str] | None,
    webhook_url: str,
    now: datetime,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    post: Callable[[str, Mapping[str, Any], float], None] = post_json,
) -> tuple[list[AlertResult], list[str]]:
    """Run the alert protocol for the current assessment.  Returns (the transitions this
    process won, with their outcome; warnings).  Webhook and warehouse problems are
    warnings: the transition is claimed again on the next tick."""
    overdue = overdue_by_model(assessed, scope)
    warnings: list[str] = []
    results: list[AlertResult] = []
    claimant = new_claimant()
    try:
        # one connection for the whole protocol (DuckDB: no other process slips in between)
        with project.connection() as adapter:
            store = AlertStore(AuditTables(adapter, project))
            exists = store.exists()
            if not exists and not any(overdue.values()):
                return [], []  # nothing ever sent, nothing overdue: nothing to do
            history = store.outcomes() if exists else []
            wanted = transitions(overdue, history)
            if not wanted:
                return [], []
            store.ensure()
            not_before = store.clock() - CLAIM_TTL
            started = time.monotonic()
            store.append([(t.unique_id, t.event, None, claimant, False, None) for t in wanted])
            # claims made at the same moment elsewhere must be visible before we read them back
            time.sleep(max(MIN_SETTLE_SECONDS, 2 * (time.monotonic() - started)))
            rows = history + store.recent(not_before)
            won = [(t, w) for t in wanted if (w := winner(rows, t, not_before)) is not None and w.claimant == claimant]
            outcomes = []
            unreachable: str | None = None
            for t, claim in won:
                a = assessed[t.unique_id]
                error = None
                if unreachable is not None:
                    error = f"not attempted: the webhook was unreachable ({unreachable})"
                else:
                    try:
                        post(webhook_url, payload(t.event, a, now), timeout)
                    except Unreachable as exc:
                        unreachable = str(exc)
                        error = f"webhook unreachable: {exc}"
                    except Exception as exc:
                        error = f"webhook failed: {exc}"
                if error is not None:
                    warnings.append(f"alert for {a.name} ({t.event}) not sent: {error}; it is retried on the next tick")
                results.append(AlertResult(t.unique_id, t.event, error is None, error))
                outcomes.append((t.unique_id, t.event, claim.claimed_at, claimant, error is None, error))
            if outcomes:
                store.append(outcomes)
    except FreshrunError as exc:
        warnings.append(f"alerts: could not use {ALERTS} in the warehouse: {exc}")
    except Exception as exc:
        warnings.append(f"alerts: could not use {ALERTS} in the warehouse: {type(exc).__name__}: {exc}")
    return results, warnings


def notify_transitions(session: Any, webhook_url: str, now: datetime, state: Any = None,
                       timeout: float = DEFAULT_TIMEOUT_SECONDS) -> list[str]:
    """For `freshrun run --webhook URL`: after the build, POST the transitions
    (violated / recovered) of the models in scope, once each.  `state`: the
    WarehouseState read after the build (read again when not given).  Returns
    warnings (for stderr); never raises for webhook or alert-table problems."""
    try:
        if state is None:
            state = session.read_state()
        assessed = session.assess(state, now)
    except FreshrunError as exc:
        return [f"alerts: could not read freshness: {exc}"]
    _, warnings = deliver(session.project, assessed, session.scope, webhook_url, now, timeout)
    return warnings

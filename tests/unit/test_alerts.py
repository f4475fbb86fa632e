"""Alert transitions and the claim protocol's decisions, as pure functions."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from freshrun.alerts import (
    RECOVERED,
    VIOLATED,
    AlertRow,
    Transition,
    Unreachable,
    check_webhook_options,
    overdue_by_model,
    payload,
    post_json,
    transitions,
    winner,
)
from freshrun.errors import ConfigError
from freshrun.model import Assessment

T0 = datetime(2026, 1, 15, 9, 0)
A, B = "model.p.a", "model.p.b"


def t(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def claim(uid, event, at, who) -> AlertRow:
    return AlertRow(uid, event, at, who, sent=False, error=None, recorded_at=at)


def sent(uid, event, claimed, who, at) -> AlertRow:
    return AlertRow(uid, event, claimed, who, sent=True, error=None, recorded_at=at)


def failed(uid, event, claimed, who, at, error="HTTP 500") -> AlertRow:
    return AlertRow(uid, event, claimed, who, sent=False, error=error, recorded_at=at)


def assessment(uid=A, overdue=True, lag=110.0, blocked_by=None, cron=None, resource_type="model") -> Assessment:
    return Assessment(unique_id=uid, name=uid.split(".")[-1], materialized="table", last_success_at=T0,
                      data_time=T0, lag_minutes=lag, maximum_lag_minutes=90.0, cron_schedule=cron,
                      is_overdue=overdue, blocked_by=blocked_by, next_deadline=None, consecutive_failures=0,
                      status="overdue" if overdue else "fresh", resource_type=resource_type)


# ------------------------------------------------------------------ transitions


def test_first_violation_is_a_transition_and_fresh_models_are_not():
    assert transitions({A: True, B: False}, []) == [Transition(A, VIOLATED)]


def test_still_violated_after_a_sent_violation_is_not_a_transition():
    rows = [claim(A, VIOLATED, t(0), "x"), sent(A, VIOLATED, t(0), "x", t(1))]
    assert transitions({A: True}, rows) == []


def test_recovery_after_a_sent_violation():
    rows = [sent(A, VIOLATED, t(0), "x", t(1))]
    assert transitions({A: False}, rows) == [Transition(A, RECOVERED)]


def test_a_model_never_announced_as_violated_never_recovers():
    # a violation that was claimed but never sent (the webhook was down) announces nothing
    rows = [claim(A, VIOLATED, t(0), "x"), failed(A, VIOLATED, t(0), "x", t(1))]
    assert transitions({A: False}, rows) == []
    assert transitions({A: True}, rows) == [Transition(A, VIOLATED)]  # retried


def test_violated_again_after_a_sent_recovery():
    rows = [sent(A, VIOLATED, t(0), "x", t(1)), sent(A, RECOVERED, t(10), "y", t(11))]
    assert transitions({A: True}, rows) == [Transition(A, VIOLATED)]
    assert transitions({A: False}, rows) == []


def test_failed_recovery_is_retried_unless_violated_again():
    rows = [sent(A, VIOLATED, t(0), "x", t(1)), failed(A, RECOVERED, t(10), "y", t(11))]
    assert transitions({A: False}, rows) == [Transition(A, RECOVERED)]
    assert transitions({A: True}, rows) == []  # back to what was last announced: nothing to say


def test_latest_sent_event_wins_whatever_the_row_order():
    rows = [sent(A, RECOVERED, t(10), "y", t(11)), sent(A, VIOLATED, t(0), "x", t(1))]
    assert transitions({A: False}, rows) == []


def test_overdue_by_model_scopes_and_skips_sources_and_seeds():
    assessed = {A: assessment(A), B: assessment(B, overdue=False),
                "seed.p.s": assessment("seed.p.s", overdue=False, resource_type="seed")}
    assert overdue_by_model(assessed, None) == {A: True, B: False}
    assert overdue_by_model(assessed, {B}) == {B: False}


# ------------------------------------------------------------------ claims


def test_earliest_claim_wins_and_ties_break_on_claimant():
    rows = [claim(A, VIOLATED, t(0.02), "b"), claim(A, VIOLATED, t(0.01), "c"), claim(A, VIOLATED, t(0.01), "a2")]
    assert winner(rows, Transition(A, VIOLATED)).claimant == "a2"


def test_claims_for_another_event_or_model_do_not_compete():
    rows = [claim(A, VIOLATED, t(1), "me"), claim(A, RECOVERED, t(0), "old"), claim(B, VIOLATED, t(0), "other")]
    assert winner(rows, Transition(A, VIOLATED)).claimant == "me"


def test_claims_of_a_failed_round_are_not_reused():
    # x won at 0 and failed at 1; this tick y and z claim: the earlier of them wins, not x
    rows = [claim(A, VIOLATED, t(0), "x"), failed(A, VIOLATED, t(0), "x", t(1)),
            claim(A, VIOLATED, t(15.002), "z"), claim(A, VIOLATED, t(15.001), "y")]
    assert winner(rows, Transition(A, VIOLATED)).claimant == "y"


def test_a_claim_made_before_the_round_ended_loses():
    # y claimed while x's attempt was still running, and read back after x's failure: nobody
    # sends this tick (the next tick retries) -- never two senders
    rows = [claim(A, VIOLATED, t(0), "x"), claim(A, VIOLATED, t(0.5), "y"), failed(A, VIOLATED, t(0), "x", t(1))]
    assert winner(rows, Transition(A, VIOLATED)) is None


def test_no_winner_once_the_transition_was_sent_meanwhile():
    # y read the history before x sent, then claimed after x's outcome: it must not send again
    rows = [claim(A, VIOLATED, t(0), "x"), sent(A, VIOLATED, t(0), "x", t(0.1)), claim(A, VIOLATED, t(0.2), "y")]
    assert winner(rows, Transition(A, VIOLATED)) is None


def test_recovery_claims_count_only_after_the_sent_violation():
    rows = [sent(A, VIOLATED, t(0), "x", t(1)), claim(A, RECOVERED, t(30), "y"), claim(A, RECOVERED, t(30.1), "x")]
    assert winner(rows, Transition(A, RECOVERED)).claimant == "y"
    assert winner(rows, Transition(A, VIOLATED)) is None  # already announced


def test_abandoned_claims_are_ignored_after_the_cutoff():
    rows = [claim(A, VIOLATED, t(0), "crashed"), claim(A, VIOLATED, t(30), "me")]
    assert winner(rows, Transition(A, VIOLATED)).claimant == "crashed"
    assert winner(rows, Transition(A, VIOLATED), not_before=t(20)).claimant == "me"


# ------------------------------------------------------------------ payload and HTTP


def test_payload_is_slack_compatible_with_structured_fields():
    body = payload(VIOLATED, assessment(blocked_by="source.p.raw.orders"), T0)
    assert body["event"] == "violated" and body["unique_id"] == A and body["name"] == "a"
    assert body["lag_minutes"] == 110.0 and body["maximum_lag_minutes"] == 90.0
    assert body["blocked_by"] == "source.p.raw.orders" and body["now"] == "2026-01-15T09:00:00Z"
    assert "a is overdue" in body["text"] and "source.p.raw.orders" in body["text"]
    back = payload(RECOVERED, assessment(overdue=False, lag=3.04), T0)
    assert back["event"] == "recovered" and back["lag_minutes"] == 3.0 and "recovered" in back["text"]
    json.dumps(body)


@pytest.mark.parametrize("url, timeout", [("ftp://x/y", 5.0), ("hooks.slack.com/x", 5.0), ("http://x", 0.0)])
def test_bad_webhook_options_are_config_errors(url, timeout):
    with pytest.raises(ConfigError):
        check_webhook_options(url, timeout)


@pytest.fixture
def server():
    received: list = []
    mode = {"status": 200, "delay": 0.0}
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            stop.wait(mode["delay"])
            received.append(json.loads(body))
            self.send_response(mode["status"])
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook", received, mode
    stop.set()
    httpd.shutdown()
    httpd.server_close()


def test_post_json_sends_the_body(server):
    url, received, _ = server
    post_json(url, {"text": "hi", "event": "violated"}, 5.0)
    assert received == [{"text": "hi", "event": "violated"}]


def test_post_json_http_error_and_timeout(server):
    url, _, mode = server
    mode["status"] = 500
    with pytest.raises(RuntimeError, match="HTTP 500"):
        post_json(url, {"text": "x"}, 5.0)
    mode["status"], mode["delay"] = 200, 5.0
    with pytest.raises(Unreachable, match="timed out"):
        post_json(url, {"text": "x"}, 0.3)


def test_post_json_to_a_closed_port_is_unreachable():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(Unreachable):
        post_json(f"http://127.0.0.1:{port}/hook", {"text": "x"}, 2.0)

"""`freshrun check` and its webhook alerts end to end: real dbt, DuckDB and
PostgreSQL, and a local HTTP server recording what is POSTed."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from warehouse import BIN, Warehouse

ORDER_FACTS = "model.freshrun_integration_tests.order_facts"
ORDERS = "source.freshrun_integration_tests.shop.orders"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Webhook:
    """An HTTP server on 127.0.0.1 recording POSTed JSON bodies; starts 'down'."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/T000/secret"
        self.received: list[dict] = []
        self._httpd = None

    def start(self) -> Webhook:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.stop()


def overdue_order_facts(warehouse: Warehouse) -> None:
    """order_facts (90-minute SLA) overdue, blocked by the orders source (data 110 minutes old)."""
    warehouse.dbt("run-operation", "create_raw_tables")
    warehouse.insert_orders([(1, 1, 10.0, utcnow() - timedelta(minutes=110))])
    warehouse.dbt("source", "freshness")
    warehouse.dbt("build", "--exclude", "failing_model", "after_failing")


def test_check_alerts_once_per_transition_and_retries_when_the_webhook_is_down(warehouse: Warehouse, webhook: Webhook):
    overdue_order_facts(warehouse)

    # the webhook is down: a warning, the exit code still says "violated", nothing recorded as sent
    down = warehouse.freshrun("check", "--json", "--webhook", webhook.url, "--webhook-timeout", "2")
    assert down.returncode == 3, down.output
    assert "warning" in down.stderr and "order_facts" in down.stderr and "secret" not in down.stderr
    payload = down.json()
    assert [(v["name"], v["blocked_by"]) for v in payload["violations"]] == [("order_facts", ORDERS)]
    assert payload["violations"][0]["maximum_lag_minutes"] == 90 and payload["violations"][0]["lag_minutes"] > 90
    [alert] = payload["alerts"]
    assert alert["unique_id"] == ORDER_FACTS and alert["event"] == "violated"
    assert alert["sent"] is False and alert["error"]

    # up again: the violation is sent on the next check, once
    webhook.start()
    up = warehouse.freshrun("check", "--json", "--webhook", webhook.url)
    assert up.returncode == 3, up.output
    assert [(a["event"], a["sent"], a["error"]) for a in up.json()["alerts"]] == [("violated", True, None)]
    [body] = webhook.received
    assert body["event"] == "violated" and body["unique_id"] == ORDER_FACTS and body["name"] == "order_facts"
    assert body["blocked_by"] == ORDERS and body["maximum_lag_minutes"] == 90 and body["lag_minutes"] > 90
    assert "order_facts" in body["text"] and body["now"].endswith("Z")

    # still overdue: nothing more
    again = warehouse.freshrun("check", "--webhook", webhook.url)
    assert again.returncode == 3 and "order_facts" in again.stdout
    # out of scope it is neither a violation nor a "recovery"
    scoped = warehouse.freshrun("check", "--json", "--webhook", webhook.url, "--exclude", "order_facts")
    assert scoped.returncode == 0, scoped.output
    assert scoped.json()["violations"] == [] and scoped.json()["alerts"] == []
    assert len(webhook.received) == 1

    # new rows land, a tick rebuilds it: recovered, announced once
    warehouse.insert_orders([(2, 2, 5.0, utcnow() - timedelta(minutes=1))])
    assert warehouse.freshrun("run").returncode == 0
    fine = warehouse.freshrun("check", "--json", "--webhook", webhook.url)
    assert fine.returncode == 0, fine.output
    assert fine.json()["violations"] == []
    assert [(b["event"], b["unique_id"]) for b in webhook.received] == [("violated", ORDER_FACTS),
                                                                         ("recovered", ORDER_FACTS)]
    assert webhook.received[1]["lag_minutes"] < 90 and webhook.received[1]["blocked_by"] is None

    rows = warehouse.query("select event, sent, error from {schema}.freshrun_alerts order by recorded_at, sent")
    assert [(r["event"], r["sent"]) for r in rows if r["sent"]] == [("violated", True), ("recovered", True)]
    assert sum(1 for r in rows if r["error"]) == 1  # the failed attempt, kept (append-only)


def _popen(warehouse: Warehouse, *args: str) -> subprocess.Popen:
    cmd = [str(BIN / "freshrun"), *args, "--project-dir", str(warehouse.project), "--profiles-dir",
           str(warehouse.project), "--target", warehouse.kind]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=warehouse._env(), cwd=warehouse.workdir)


def test_two_checks_at_the_same_time_alert_once(warehouse: Warehouse, webhook: Webhook):
    overdue_order_facts(warehouse)
    webhook.start()
    warehouse.close()
    procs = [_popen(warehouse, "check", "--json", "--webhook", webhook.url) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    codes = sorted(p.returncode for p in procs)
    if warehouse.kind == "duckdb":
        # one writer per DuckDB file: a check that finds it locked exits 4 (never a traceback)
        assert codes in ([3, 3], [3, 4]), outputs
    else:
        assert codes == [3, 3], outputs
    assert all("Traceback" not in out + err for out, err in outputs)
    assert [b["event"] for b in webhook.received] == ["violated"], outputs
    sent = [a for (out, _), p in zip(outputs, procs) if p.returncode == 3 for a in json.loads(out)["alerts"]]
    assert [(a["event"], a["sent"]) for a in sent] == [("violated", True)]

"""POSTing an alert to a webhook: JSON over http(s), failures as exceptions
whose messages never contain the URL (webhook URLs carry secrets)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any


class Unreachable(Exception):
    """The webhook could not be reached at all (refused, timed out, DNS...)."""


def post_json(url: str, body: Mapping[str, Any], timeout: float) -> None:
    """POST `body` as JSON; raise on any failure (HTTP status >= 300 included)."""
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "freshrun-alerts"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http/https checked)
            response.read(65536)
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        raise Unreachable("timed out" if isinstance(reason, (socket.timeout, TimeoutError)) else str(reason)) from None
    except TimeoutError:
        raise Unreachable(f"timed out after {timeout:g} s") from None
    except OSError as exc:
        raise Unreachable(str(exc) or type(exc).__name__) from None

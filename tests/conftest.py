"""Shared fixtures: a real PostgreSQL server for the session, and a `warehouse`
fixture parametrised over DuckDB and PostgreSQL that gives each test its own
empty database (DuckDB file) or schema (PostgreSQL) and runs real dbt on the
`integration_tests/` project against it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IT_PROJECT = ROOT / "integration_tests"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from warehouse import Warehouse  # noqa: E402


@pytest.fixture(scope="session")
def postgres_server():
    from pgserver import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def it_project(tmp_path_factory) -> Path:
    """integration_tests/ with its `local: ../` package installed (dbt deps once)."""
    import fcntl

    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    # pytest-xdist workers share the directory: one `dbt deps` at a time
    with open(IT_PROJECT / ".deps.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run([str(BIN / "dbt"), "deps", "--profiles-dir", str(IT_PROJECT), "--project-dir", str(IT_PROJECT)],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return IT_PROJECT


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request, tmp_path, it_project) -> Warehouse:
    kind = request.param
    if kind == "postgres":
        server = request.getfixturevalue("postgres_server")
        schema = "t_" + uuid.uuid4().hex[:10]
        wh = Warehouse.postgres(server, schema, it_project, tmp_path)
    else:
        wh = Warehouse.duckdb(tmp_path / "warehouse.duckdb", it_project, tmp_path)
    yield wh
    wh.close()

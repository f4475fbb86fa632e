"""Test helper: one warehouse (a DuckDB file or a PostgreSQL schema) plus the
means to run real dbt and the freshrun CLI against it and read it with SQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


@dataclass
class Completed:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class Warehouse:
    kind: str  # "duckdb" | "postgres"
    project: Path
    workdir: Path
    env: dict[str, str]
    schema: str
    duckdb_path: Path | None = None
    server: Any = None
    _conn: Any = field(default=None, repr=False)

    @classmethod
    def duckdb(cls, path: Path, project: Path, workdir: Path) -> Warehouse:
        env = {"FRESHRUN_DUCKDB_PATH": str(path), "FRESHRUN_SCHEMA": "main"}
        return cls("duckdb", project, workdir, env, "main", duckdb_path=path)

    @classmethod
    def postgres(cls, server, schema: str, project: Path, workdir: Path) -> Warehouse:
        env = {
            "FRESHRUN_PG_HOST": "127.0.0.1",
            "FRESHRUN_PG_PORT": str(server.port),
            "FRESHRUN_PG_USER": server.user,
            "FRESHRUN_PG_DBNAME": server.dbname,
            "FRESHRUN_SCHEMA": schema,
        }
        return cls("postgres", project, workdir, env, schema, server=server)

    # -- running things -------------------------------------------------
    def _env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        env["DBT_TARGET_PATH"] = str(self.workdir / "target")
        env["DBT_LOG_PATH"] = str(self.workdir / "logs")
        env.pop("FRESHRUN_CONTEXT", None)
        env.update(extra or {})
        return env

    def dbt(
        self, *args: str, vars: dict | None = None, env: dict[str, str] | None = None, check: bool = True
    ) -> Completed:
        """Run real dbt (a separate process, as a user would) on the project."""
        cmd = [
            str(BIN / "dbt"),
            *args,
            "--project-dir",
            str(self.project),
            "--profiles-dir",
            str(self.project),
            "--target",
            self.kind,
        ]
        if vars:
            cmd += ["--vars", json.dumps(vars)]
        self.close()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=self._env(env), cwd=self.workdir)
        done = Completed(proc.returncode, proc.stdout, proc.stderr)
        if check and proc.returncode != 0:
            raise AssertionError(f"dbt {' '.join(args)} failed ({proc.returncode}):\n{done.output[-4000:]}")
        return done

    def freshrun(self, *args: str, env: dict[str, str] | None = None) -> Completed:
        """Run the freshrun CLI (a separate process) against this warehouse."""
        cmd = [str(BIN / "freshrun"), *args, "--project-dir", str(self.project), "--target", self.kind]
        if "--profiles-dir" not in args:
            cmd += ["--profiles-dir", str(self.project)]
        self.close()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=self._env(env), cwd=self.workdir)
        return Completed(proc.returncode, proc.stdout, proc.stderr)

    # -- SQL --------------------------------------------------------------
    def _connection(self):
        if self._conn is None:
            if self.kind == "duckdb":
                import duckdb

                self._conn = duckdb.connect(str(self.duckdb_path))
            else:
                self._conn = self.server.connect()
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def query(self, sql: str) -> list[dict[str, Any]]:
        conn = self._connection()
        sql = sql.replace("{schema}", self.schema).replace("{raw}", f"{self.schema}_raw")
        if self.kind == "duckdb":
            rel = conn.execute(sql)
            if rel.description is None:
                return []
            cols = [d[0] for d in rel.description]
            return [dict(zip(cols, row)) for row in rel.fetchall()]
        with conn.cursor() as cur:
            cur.execute(sql)
            if cur.description is None:
                return []
            cols = [d[0] for d in cur.description]
            return [dict(zip(cols, row)) for row in cur.fetchall()]

    def execute(self, sql: str) -> None:
        self.query(sql)
        self.close()

    def insert_orders(self, rows: list[tuple[int, int, float, datetime]]) -> None:
        values = ", ".join(f"({i}, {c}, {a}, cast('{t:%Y-%m-%d %H:%M:%S}' as timestamp))" for i, c, a, t in rows)
        self.execute(f"insert into {self.schema}_raw.orders (id, customer_id, amount, loaded_at) values {values}")

    def events(self, where: str = "1=1") -> list[dict[str, Any]]:
        return self.query(f"select * from {self.schema}.freshrun_events where {where} order by recorded_at, unique_id")

    def latest(self, unique_id: str, status: str = "success") -> dict[str, Any] | None:
        rows = self.query(
            f"select * from {self.schema}.freshrun_events where unique_id = '{unique_id}' and status = '{status}' "
            f"order by recorded_at desc, completed_at desc"
        )
        return rows[0] if rows else None

    def freshness(self) -> dict[str, dict[str, Any]]:
        return {r["name"]: r for r in self.query(f"select * from {self.schema}.freshrun_model_freshness")}


def copy_project(src: Path, dest: Path, package_root: Path) -> Path:
    """A private copy of a dbt project whose `local:` package points at this repo."""
    import shutil

    shutil.copytree(
        src, dest, ignore=shutil.ignore_patterns("target", "dbt_packages", "logs", "*.duckdb", "benchmarks")
    )
    (dest / "packages.yml").write_text(f"packages:\n  - local: {package_root}\n")
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    subprocess.run(
        [str(BIN / "dbt"), "deps", "--project-dir", str(dest), "--profiles-dir", str(dest)],
        check=True,
        env=env,
        capture_output=True,
    )
    return dest

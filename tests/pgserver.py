"""A private PostgreSQL server for the test session: initdb into a temp dir,
listen on loopback only, stop at the end.  PostgreSQL refuses to run as root,
so as root the server runs as the `postgres` system user (created by Debian's
package) or `nobody`."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path:
        return path
    raise RuntimeError(f"PostgreSQL's {name} not found: run `make postgres` (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="freshrun-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = _free_port()
        self.user = "freshrun"
        self.dbname = "freshrun"
        self._run_as: list[str] = []
        if os.geteuid() == 0:
            account = "postgres"
            try:
                pwd.getpwnam(account)
            except KeyError:
                account = "nobody"
            uid = pwd.getpwnam(account).pw_uid
            gid = pwd.getpwnam(account).pw_gid
            os.chown(self.dir, uid, gid)
            os.chmod(self.dir, 0o755)
            self._run_as = ["runuser", "-u", account, "--"]

    def _run(self, *cmd: str) -> None:
        subprocess.run(
            [*self._run_as, *cmd], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.dir
        )

    def start(self) -> PostgresServer:
        self._run(_bin("initdb"), "-D", self.data, "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync")
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off "
                "-c max_connections=200")
        self._run(_bin("pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "log"), "-o", opts, "-w", "start")
        deadline = time.time() + 30
        while True:
            try:
                self.execute("select 1", dbname="postgres")
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        self.execute(f"create database {self.dbname}", dbname="postgres")
        return self

    def connect(self, dbname: str | None = None):
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=self.user, dbname=dbname or self.dbname)
        conn.autocommit = True
        return conn

    def execute(self, sql: str, dbname: str | None = None) -> None:
        conn = self.connect(dbname)
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def stop(self) -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

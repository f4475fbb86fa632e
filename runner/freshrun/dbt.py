"""Everything freshrun asks of dbt: parse once, then reuse the manifest for
`ls`, `source freshness` and `build` in the same process (dbtRunner), and run
SQL through dbt's own adapter for the target (so any dbt adapter works)."""

from __future__ import annotations

import contextlib
import json
import os
import re
from argparse import Namespace
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from freshrun.errors import ConfigError, FreshrunError, LockedError
from freshrun.options import utc_now
from freshrun.signals import received as interrupted_by_signal
from freshrun.signals import wait_received

LOCK_PATTERNS = ("could not set lock on file", "conflicting lock is held")  # DuckDB: another process has the file


def classify_error(message: str, what: str) -> FreshrunError:
    """A dbt or database error message as the FreshrunError (and exit code) it stands for."""
    low = message.lower()
    if any(p in low for p in LOCK_PATTERNS):
        holder = re.search(r"\(PID (\d+)\)", message)
        who = f" (held by process {holder.group(1)})" if holder else ""
        return LockedError(f"the DuckDB database is in use by another process{who}: another freshrun tick or dbt "
                           f"command is writing to it. Try again when it has finished.")
    if "could not find profile named" in low or "profile" in low and "not found" in low:
        return ConfigError(f"{what}: {message.strip()}")
    return ConfigError(f"{what}: {message.strip()}")


@dataclass
class BuildOutcome:
    """What one `dbt build|run` invocation did, as the runner saw it."""

    command: str
    context: dict[str, Any]
    started_at: Any
    invocation_id: str | None = None
    finished: list[dict[str, Any]] = field(default_factory=list)  # one per node, in the order they finished
    interrupted: bool = False  # Ctrl-C / SIGTERM: dbt stopped before its end
    completed: bool = False

    @property
    def statuses(self) -> list[tuple[str, str]]:
        """[(unique_id, status)] of the models, seeds, snapshots and tests dbt finished."""
        return [(r["unique_id"], r["status"]) for r in self.finished]


def _finished_result(data: Any, after_signal: bool) -> dict[str, Any]:
    """A node result from dbt's NodeFinished event, in the shape the package's record macros read.
    A node that failed once a stop was asked for was cancelled by it: status `interrupted`
    (not a failure: no retry back-off; it is built again by the next tick)."""
    from google.protobuf.json_format import MessageToDict

    rr = data.run_result
    status = rr.status
    if after_signal and status in ("error", "fail"):
        status = "interrupted"
    timing = [{"name": t.name,
               "started_at": t.started_at.ToDatetime() if t.HasField("started_at") else None,
               "completed_at": t.completed_at.ToDatetime() if t.HasField("completed_at") else None}
              for t in rr.timing_info]
    return {"unique_id": data.node_info.unique_id, "resource_type": data.node_info.resource_type,
            "status": status, "message": rr.message or None, "execution_time": rr.execution_time,
            "timing": timing, "adapter_response": MessageToDict(rr.adapter_response) if rr.adapter_response else {}}


@contextlib.contextmanager
def _dbt_quiet() -> Iterator[None]:
    """Keep dbt's info lines (left wired to stdout by the last invocation) out of freshrun's output."""
    from dbt_common.events.event_manager_client import get_event_manager

    manager = get_event_manager()
    saved = list(manager.loggers)
    manager.loggers.clear()
    try:
        yield
    finally:
        manager.loggers[:] = saved


SELECT_BY_NAME_UP_TO = 40


@contextlib.contextmanager
def _selection(selectors: dict[str, str]) -> Iterator[list[str]]:
    """dbt arguments that select exactly these nodes ({unique_id: selector}).

    dbt matches every `--select` word against every node, so the cost grows with
    words times nodes.  Past a few dozen nodes, freshrun states the set once
    instead: a run_results.json listing
    them as `success`, written with dbt's own artifact classes into a temporary
    directory, selected with `--select result:success --state DIR` (dbt's
    documented result selector, one pass over the graph)."""
    user_state = any(os.environ.get(v) for v in ("DBT_STATE", "DBT_DEFER", "DBT_DEFER_STATE", "DBT_FAVOR_STATE"))
    if len(selectors) <= SELECT_BY_NAME_UP_TO or user_state:  # never override a --state the user deferred to
        yield ["--select", *selectors.values()]
        return
    import shutil
    import tempfile

    from dbt.artifacts.schemas.results import RunStatus
    from dbt.artifacts.schemas.run import RunResultOutput, RunResultsArtifact, RunResultsMetadata

    state_dir = tempfile.mkdtemp(prefix="freshrun-selection-")
    try:
        results = [RunResultOutput(status=RunStatus.Success, timing=[], thread_id="freshrun", execution_time=0.0,
                                   adapter_response={}, message="selected by freshrun", failures=None,
                                   unique_id=uid, compiled=None, compiled_code=None, relation_name=None)
                   for uid in sorted(selectors)]
        RunResultsArtifact(metadata=RunResultsMetadata(generated_at=utc_now()), results=results, elapsed_time=0.0,
                           args={}).write(os.path.join(state_dir, "run_results.json"))
        yield ["--select", "result:success", "--state", state_dir]
    finally:
        shutil.rmtree(state_dir, ignore_errors=True)


@contextlib.contextmanager
def _keep_cancelling(every_seconds: float = 0.5) -> Iterator[None]:
    """On Ctrl-C / SIGTERM dbt cancels the queries running at that instant, then waits for
    its threads.  A node that was still compiling starts its query just after and would
    run to the end (on DuckDB, forever for a long query): keep cancelling open queries
    until dbt has returned."""
    import threading

    done = threading.Event()

    def watch() -> None:
        while not wait_received(every_seconds):
            if done.is_set():
                return
        if done.wait(every_seconds):
            return
        from dbt.adapters.factory import FACTORY

        adapters = list(FACTORY.adapters.values())
        with contextlib.ExitStack() as stack:
            connected: set[int] = set()
            while True:
                for adapter in adapters:
                    try:
                        adapter.cancel_open_connections()
                    except Exception:
                        # some adapters cancel through a query on the calling thread's own
                        # connection (PostgreSQL: pg_terminate_backend): take one, as dbt's
                        # own cancel does, and try again (DuckDB never needs it)
                        if id(adapter) in connected:
                            continue
                        connected.add(id(adapter))
                        with contextlib.suppress(Exception):
                            stack.enter_context(adapter.connection_named("freshrun-cancel"))
                            adapter.cancel_open_connections()
                if done.wait(every_seconds):
                    return

    watcher = threading.Thread(target=watch, name="freshrun-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join(5)


class _ProgressStream:
    """Where dbt's progress lines go during a build.  Once a stop was asked for (Ctrl-C,
    SIGTERM) dbt reports the KeyboardInterrupt as an unexpected error with a Python stack
    trace; freshrun says "interrupted" itself, so those two messages are dropped."""

    _DROP = ("Traceback (most recent call last)", "Encountered an error:")

    def __init__(self, target: Any) -> None:
        self._target = target

    def write(self, text: str) -> int:
        if interrupted_by_signal() and any(marker in text for marker in self._DROP):
            return len(text)
        return self._target.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


@dataclass
class DbtProject:
    project_dir: Path
    profiles_dir: Path | None = None
    target: str | None = None
    vars: dict[str, Any] = field(default_factory=dict)
    manifest: Any = None
    _adapter: Any = None
    _config: Any = None

    # -- dbt command lines --------------------------------------------------
    def _common(self) -> list[str]:
        args = ["--project-dir", str(self.project_dir)]
        if self.profiles_dir:
            args += ["--profiles-dir", str(self.profiles_dir)]
        if self.target:
            args += ["--target", self.target]
        if self.vars:
            args += ["--vars", json.dumps(self.vars)]
        return args

    def _invoke(self, args: list[str], callbacks: Sequence[Any] = (), env: dict[str, str] | None = None) -> Any:
        from dbt.cli.main import dbtRunner

        self.release()
        saved = {k: os.environ.get(k) for k in (env or {})}
        os.environ.update(env or {})
        try:
            runner = dbtRunner(manifest=self.manifest, callbacks=list(callbacks))
            return runner.invoke(args)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def parse(self) -> Any:
        """Parse the project (partial parsing as usual) and keep the manifest."""
        if not (self.project_dir / "dbt_project.yml").exists():
            raise ConfigError(f"no dbt_project.yml in {self.project_dir} (use --project-dir)")
        errors: list[str] = []

        def on_event(msg: Any) -> None:
            if msg.info.level == "error" and msg.info.msg:
                errors.append(str(msg.info.msg))

        # --no-write-json: freshrun keeps the manifest in memory; writing target/manifest.json
        # (tens of MB on a large project) would only slow every tick down.
        res = self._invoke(["parse", "--quiet", "--no-write-json", *self._common()], callbacks=[on_event])
        if not res.success or res.result is None:
            detail = str(res.exception) if res.exception else "\n".join(errors) or "dbt parse failed"
            raise classify_error(detail, "dbt could not parse the project")
        self.manifest = res.result
        return self.manifest

    def select(self, select: Sequence[str], exclude: Sequence[str]) -> set[str]:
        """unique_ids of models/seeds/snapshots matching dbt selector syntax.
        A --select criterion that matches nothing is an error."""
        unmatched: list[str] = []

        def on_event(msg: Any) -> None:
            if msg.info.name == "NoNodesForSelectionCriteria":
                unmatched.append(getattr(msg.data, "spec_raw", "") or str(msg.info.msg))

        args = ["ls", "--quiet", "--output", "json", "--output-keys", "unique_id",
                "--resource-type", "model", "--resource-type", "seed", "--resource-type", "snapshot", *self._common()]
        if select:
            args += ["--select", *select]
        if exclude:
            args += ["--exclude", *exclude]
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            res = self._invoke(args, callbacks=[on_event])
        if not res.success:
            raise ConfigError(f"invalid --select/--exclude: {res.exception}")
        if unmatched and select:
            bad = [u for u in unmatched if any(u == s or u in s for s in select)] or unmatched
            raise ConfigError("--select matches no model, seed or snapshot: " + ", ".join(sorted(set(bad))))
        return {json.loads(line)["unique_id"] for line in (res.result or [])}

    def source_freshness(self, sources: Sequence[str], context: dict[str, Any]) -> bool:
        args = ["source", "freshness", "--quiet", *self._common(), "--select", *[f"source:{s}" for s in sources]]
        import sys

        with contextlib.redirect_stdout(sys.stderr):
            res = self._invoke(args, env={"FRESHRUN_CONTEXT": json.dumps(context)})
        return res.exception is None

    def build(self, selectors: dict[str, str], command: str, context: dict[str, Any],
              to_stderr: bool = False) -> BuildOutcome:
        """Run `dbt build|run --select <selectors>` as one invocation.
        dbt's progress lines go to stdout, or to stderr when stdout carries JSON.
        Node results are collected as dbt reports each one finished, so they are
        known even when dbt is interrupted before its on-run-end hook."""
        import sys

        outcome = BuildOutcome(command=command, context=context, started_at=utc_now())

        def on_event(msg: Any) -> None:
            if outcome.invocation_id is None and getattr(msg.info, "invocation_id", None):
                outcome.invocation_id = msg.info.invocation_id
            if msg.info.name == "NodeFinished":
                outcome.finished.append(_finished_result(msg.data, interrupted_by_signal()))

        progress = _ProgressStream(sys.stderr if to_stderr else sys.stdout)
        with _selection(selectors) as selection, contextlib.redirect_stdout(progress), _keep_cancelling():
            res = self._invoke([command, *self._common(), *selection], callbacks=[on_event],
                               env={"FRESHRUN_CONTEXT": json.dumps(context)})
        if isinstance(res.exception, KeyboardInterrupt) or (res.result is None and interrupted_by_signal()):
            # (a signal that lands while dbt's main thread is inside an adapter call can come
            # back as a connection error instead: after a stop was asked for, a failed
            # invocation is an interrupted one)
            outcome.interrupted = True
            return outcome
        if res.result is None:
            raise classify_error(str(res.exception), f"dbt {command} failed")
        outcome.completed = True
        return outcome

    # -- SQL through dbt's adapter ----------------------------------------
    def adapter(self) -> Any:
        if self._adapter is None:
            from dbt.adapters.factory import get_adapter, register_adapter
            from dbt.config.runtime import RuntimeConfig
            from dbt.context.providers import generate_runtime_macro_context
            from dbt.flags import set_from_args
            from dbt.mp_context import get_mp_context

            args = Namespace(project_dir=str(self.project_dir),
                             profiles_dir=str(self.profiles_dir) if self.profiles_dir else None,
                             target=self.target, profile=None, vars=self.vars or {}, threads=None)
            try:
                set_from_args(args, None)
                self._config = RuntimeConfig.from_args(args)
                with _dbt_quiet():  # no "Registered adapter" line after dbt's own output
                    register_adapter(self._config, get_mp_context())
            except Exception as exc:  # dbt raises its own exception types for profile problems
                raise classify_error(str(exc), "could not load the dbt profile") from exc
            adapter = get_adapter(self._config)
            if self.manifest is not None:
                adapter.set_macro_resolver(self.manifest)
                adapter.set_macro_context_generator(generate_runtime_macro_context)
            self._adapter = adapter
        return self._adapter

    @property
    def config(self) -> Any:
        self.adapter()
        return self._config

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        adapter = self.adapter()
        try:
            with adapter.connection_named("freshrun"):
                yield adapter
        except FreshrunError:
            raise
        except Exception as exc:
            raise classify_error(str(exc), "could not query the warehouse") from exc

    def query(self, sql: str) -> list[dict[str, Any]]:
        with self.connection() as adapter:
            _, table = adapter.execute(sql, fetch=True)
            columns = list(table.column_names)
            return [dict(zip(columns, row, strict=True)) for row in table.rows]

    def release(self) -> None:
        """Close our connections (DuckDB allows one writer per file)."""
        if self._adapter is not None:
            with contextlib.suppress(Exception):
                self._adapter.cleanup_connections()
            self._adapter = None

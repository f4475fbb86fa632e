"""A large stale set is handed to dbt as one `result:success --state DIR` selection
instead of one --select word per node: it must select exactly the same nodes."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from freshrun import dbt as freshrun_dbt
from freshrun.dbt import DbtProject
from freshrun.manifest import load_graph


def ls(project: DbtProject, selection: list[str]) -> set[str]:
    from dbt.cli.main import dbtRunner

    with contextlib.redirect_stdout(io.StringIO()):
        res = dbtRunner(manifest=project.manifest).invoke(
            ["ls", "--quiet", "--output", "json", "--output-keys", "unique_id", *project._common(), *selection])
    assert res.success, res.exception
    return {json.loads(line)["unique_id"] for line in res.result}


def test_selection_by_state_selects_exactly_the_named_nodes(it_project: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("FRESHRUN_DUCKDB_PATH", str(tmp_path / "unused.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    project = DbtProject(it_project, it_project, "duckdb")
    graph = load_graph(project.parse())
    chosen = {uid: sel for uid, sel in sorted(graph.selectors.items()) if uid not in graph.package_nodes}
    chosen = dict(list(chosen.items())[::2])  # every other node: not a closed sub-graph
    with freshrun_dbt._selection(chosen) as by_name:
        assert by_name[0] == "--select" and "result:success" not in by_name
        expected = ls(project, by_name)
    monkeypatch.setattr(freshrun_dbt, "SELECT_BY_NAME_UP_TO", 0)
    with freshrun_dbt._selection(chosen) as by_state:
        assert by_state[:2] == ["--select", "result:success"]
        assert ls(project, by_state) == expected
    assert expected >= set(chosen) and len(expected) > 3  # (plus the tests dbt attaches to them)


def test_a_state_the_user_defers_to_is_never_overridden(monkeypatch):
    monkeypatch.setattr(freshrun_dbt, "SELECT_BY_NAME_UP_TO", 0)
    monkeypatch.setenv("DBT_STATE", "prod-artifacts")
    with freshrun_dbt._selection({"model.p.a": "p.a", "model.p.b": "p.b"}) as args:
        assert args == ["--select", "p.a", "p.b"]

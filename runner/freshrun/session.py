"""One freshrun session: the project parsed once, its graph (and the planner's
analysis of it) built once, its scope, and the warehouse state read with SQL.
Shared by every command."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from freshrun.dbt import DbtProject
from freshrun.errors import ConfigError
from freshrun.manifest import Graph, load_graph
from freshrun.model import Assessment, Node, Plan
from freshrun.options import parse_minutes
from freshrun.state import WarehouseState, read_state

if TYPE_CHECKING:
    from freshrun.planner import ProjectGraph

DEFAULT_INTERVAL_MINUTES = 15.0


@dataclass
class CommonOptions:
    project_dir: Path
    profiles_dir: Path | None
    target: str | None
    select: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    vars: str | None = None
    json: bool = False
    interval: str | None = None


def _profiles_dir(project_dir: Path, given: Path | None) -> Path:
    if given:
        return given
    if os.environ.get("DBT_PROFILES_DIR"):
        return Path(os.environ["DBT_PROFILES_DIR"])
    for candidate in (Path.cwd(), project_dir):
        if (candidate / "profiles.yml").exists():
            return candidate
    return Path.home() / ".dbt"


def _parse_vars(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"--vars: not YAML or JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"--vars: expected a mapping like '{{key: value}}', got {text!r}")
    return value


@dataclass
class Session:
    options: CommonOptions
    project: DbtProject
    graph: Graph
    scope: set[str] | None

    @classmethod
    def open(cls, options: CommonOptions) -> Session:
        project_dir = options.project_dir.resolve()
        profiles_dir = _profiles_dir(project_dir, options.profiles_dir)
        if not (profiles_dir / "profiles.yml").exists():
            raise ConfigError(f"no profiles.yml in {profiles_dir} (use --profiles-dir or DBT_PROFILES_DIR)")
        project = DbtProject(project_dir, profiles_dir, options.target, _parse_vars(options.vars))
        manifest = project.parse()
        graph = load_graph(manifest)
        if graph.errors:
            lines = "\n".join(f"  - {e}" for e in graph.errors)
            raise ConfigError(f"invalid freshness policies ({len(graph.errors)}):\n{lines}")
        scope = None
        if options.select or options.exclude:
            scope = project.select(options.select, options.exclude) - graph.package_nodes
        return cls(options, project, graph, scope)

    @cached_property
    def user_nodes(self) -> dict[str, Node]:
        """The user's DAG: freshrun's own models are never scheduled as the user's."""
        return {uid: n for uid, n in self.graph.nodes.items() if uid not in self.graph.package_nodes}

    @cached_property
    def plan_graph(self) -> ProjectGraph:
        """The user's DAG as the planner analyses it, once per session for every plan and assessment."""
        from freshrun import planner

        return planner.ProjectGraph(self.user_nodes)

    def in_scope(self, uid: str) -> bool:
        """May freshrun build (and report) this node under --select/--exclude?"""
        return self.scope is None or uid in self.scope

    def plan(self, state: WarehouseState, now: datetime, force: frozenset[str] = frozenset()) -> Plan:
        """What a tick would build as of `now`, in scope, with `force` built whatever their freshness."""
        from freshrun import planner

        return planner.plan(self.plan_graph, state.nodes, now, self.interval_minutes(state), scope=self.scope,
                            force=force)

    def assess(self, state: WarehouseState, now: datetime) -> dict[str, Assessment]:
        """Freshness of every user node as of `now` (status, check, alerts)."""
        from freshrun import planner

        return planner.assess(self.plan_graph, state.nodes, now)

    def read_state(self) -> WarehouseState:
        return read_state(self.project, self.graph.nodes.values(), self.project.manifest)

    def interval_minutes(self, state: WarehouseState | None) -> float:
        if self.options.interval:
            return parse_minutes(self.options.interval)
        return state.inferred_interval_minutes(DEFAULT_INTERVAL_MINUTES) if state else DEFAULT_INTERVAL_MINUTES

    def find(self, name: str) -> str:
        """A model named by unique_id or name -> unique_id, or exit 2."""
        nodes = self.user_nodes
        if name in nodes:
            return name
        matches = [uid for uid, n in nodes.items() if n.name == name]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ConfigError(f"{name!r} is ambiguous: " + ", ".join(sorted(matches)))
        raise ConfigError(f"no model, seed or snapshot named {name!r} in {self.options.project_dir}")

    def close(self) -> None:
        self.project.release()

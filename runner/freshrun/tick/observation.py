"""Which sources every tick observes, and observing them.

Every observed source upstream of an in-scope model with a policy (a lag, a
cron deadline or `build_after`) is observed at every tick, before planning:
a source that was "blocked" a tick ago may have moved since, and only an
observation can say so.  Previews (plan, status, check, --dry-run) observe
the same sources the same way and keep the observations in memory (they never
write to the warehouse), so a preview shows what a tick would do at that
moment.  Observations go through dbt's adapter (freshrun.observe)."""

from __future__ import annotations

from freshrun.observe import observe_sources
from freshrun.options import utc_now
from freshrun.planner import sources_to_observe  # noqa: F401 -- the rule lives with the planner
from freshrun.state import WarehouseState


def observe(session, state: WarehouseState, record: bool = True) -> list[str]:
    """Observe the sources every tick observes and fold the observations into `state`
    (`record`: also append them to freshrun_source_observations).  Returns the sources asked."""
    sources = session.sources_to_observe
    if not sources:
        return []
    for observation in observe_sources(session.project, sources, utc_now(), record=record):
        state.add_observation(observation.unique_id, observation.snapshotted_at, observation.max_loaded_at)
    return sources

"""The rows of ``freshrun_alerts`` and the SQL that reads them, through dbt's
adapter; rows are appended with the runner's one row writer (freshrun.rows)
and stamped with the warehouse's clock, so every process claims on one clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from freshrun.contract import ALERTS, WRITTEN_COLUMNS, naive_utc
from freshrun.rows import AuditTables

_COLUMNS = ", ".join(name for name, _ in WRITTEN_COLUMNS[ALERTS])


@dataclass(frozen=True)
class AlertRow:
    """One row of ``freshrun_alerts``."""

    unique_id: str
    event: str
    claimed_at: datetime
    claimant: str
    sent: bool = False
    error: str | None = None
    recorded_at: datetime | None = None

    @property
    def is_claim(self) -> bool:
        return not self.sent and self.error is None

    @property
    def is_outcome(self) -> bool:
        return not self.is_claim


class AlertStore:
    """``freshrun_alerts`` through one open adapter connection."""

    def __init__(self, tables: AuditTables) -> None:
        self.tables = tables
        self.relation = tables.relation(ALERTS)

    def _read(self, sql: str) -> list[dict[str, Any]]:
        """A query in a transaction of its own (so that the next write's
        transaction -- and its clock -- starts fresh)."""
        adapter = self.tables.adapter
        _, table = adapter.execute(sql, auto_begin=True, fetch=True)
        adapter.commit_if_has_connection()
        columns = [c.lower() for c in table.column_names]
        return [dict(zip(columns, row, strict=True)) for row in table.rows]

    def exists(self) -> bool:
        return self.tables.existing(ALERTS) is not None

    def ensure(self) -> None:
        """Create the table if missing (tolerating another process creating it concurrently)."""
        self.tables.ensure(ALERTS)

    def clock(self) -> datetime:
        """The warehouse's clock, read."""
        now = naive_utc(self._read(f"select {self.tables.clock().sql} as now")[0]["now"])
        if now is None:
            raise TypeError("the warehouse's clock read as null")
        return now

    def _rows(self, sql: str) -> list[AlertRow]:
        return [AlertRow(r["unique_id"], r["event"], naive_utc(r["claimed_at"]), r["claimant"], bool(r["sent"]),
                         r["error"], naive_utc(r["recorded_at"])) for r in self._read(sql)]

    def outcomes(self) -> list[AlertRow]:
        """Per model: its latest sent row and its latest failed row."""
        return self._rows(f"""
            select {_COLUMNS} from (
                select {_COLUMNS},
                       row_number() over (partition by unique_id, sent
                                          order by recorded_at desc, claimed_at desc, claimant desc) as rn
                from {self.relation}
                where sent = true or error is not null
            ) latest
            where rn = 1""")

    def recent(self, since: datetime) -> list[AlertRow]:
        """Every claim and outcome of claims made since `since`."""
        since_sql = self.tables.literal(since, "t")
        return self._rows(f"select {_COLUMNS} from {self.relation} where claimed_at >= {since_sql}")

    def append(self, rows: Sequence[tuple[str, str, datetime | None, str, bool, str | None]]) -> None:
        """Append (unique_id, event, claimed_at, claimant, sent, error) rows; claimed_at None
        means now (the warehouse's clock); recorded_at is always now."""
        now = self.tables.clock()
        self.tables.append(ALERTS, [
            {"unique_id": unique_id, "event": event, "claimed_at": now if claimed_at is None else claimed_at,
             "claimant": claimant, "sent": sent, "error": error, "recorded_at": now}
            for unique_id, event, claimed_at, claimant, sent, error in rows])

"""The one row writer for the audit tables the runner writes outside dbt (locks,
alerts, tick rows, source observations).

Rows go through the package's own macros -- `freshrun.values_sql` renders and
escapes every value for the warehouse, `freshrun.insert_rows` batches the
INSERTs, each in a transaction of its own -- so SQL escaping lives in one place,
the same for the hook and the runner.  A value the warehouse must compute as
the row is written (its clock) is passed as a `Computed` expression."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from freshrun.contract import WRITTEN_COLUMNS, audit_schema


@dataclass(frozen=True)
class Computed:
    """A SQL expression the warehouse evaluates in the INSERT itself (e.g. its clock)."""

    sql: str


class AuditTables:
    """freshrun's audit tables through one open adapter connection."""

    def __init__(self, adapter: Any, project: Any) -> None:
        self.adapter = adapter
        self.database, self.schema = audit_schema(project)
        self._clock: Computed | None = None

    def relation(self, table: str) -> Any:
        """The table's relation, whether or not it exists yet."""
        return self.adapter.Relation.create(database=self.database, schema=self.schema, identifier=table)

    def existing(self, table: str) -> Any | None:
        """The table's relation as the warehouse lists it, or None when it does not exist."""
        return self.adapter.get_relation(self.database, self.schema, table)

    def ensure(self, table: str) -> None:
        """Create the audit tables (`freshrun.ensure_tables`) when `table` is missing,
        tolerating another process creating them at the same moment."""
        if self.existing(table) is not None:
            return
        try:
            self._macro("ensure_tables")
        except Exception:
            # PostgreSQL: two concurrent `create table if not exists` can collide on its catalog
            self.adapter.connections.rollback_if_open()
            if self.existing(table) is None:
                raise

    def clock(self) -> Computed:
        """The warehouse's clock as a naive UTC timestamp (`freshrun.utc_now`)."""
        if self._clock is None:
            self._clock = Computed(str(self._macro("utc_now")).strip())
        return self._clock

    def literal(self, value: Any, kind: str = "s") -> str:
        """One value as a SQL literal, escaped as `freshrun.values_sql` escapes it."""
        return self._render([[value]], [kind])[0][1:-1]

    def append(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """Append rows (column -> value; a missing column is NULL) to one of the tables in
        `contract.WRITTEN_COLUMNS`, through `freshrun.insert_rows`."""
        if not rows:
            return
        columns = WRITTEN_COLUMNS[table]
        values = [[row.get(name) for name, _ in columns] for row in rows]
        kinds = [kind for _, kind in columns]
        if any(isinstance(value, Computed) for row in values for value in row):
            tuples = self._render_with_computed(values, kinds)
        else:
            tuples = self._render(values, kinds)
        self._macro("insert_rows", relation=self.relation(table), columns=[name for name, _ in columns],
                    rows=tuples)

    def write(self, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
        """`ensure` the table, then `append` the rows (nothing at all when there are none)."""
        if rows:
            self.ensure(table)
            self.append(table, rows)

    # -- rendering ------------------------------------------------------------
    def _render(self, rows: list[list[Any]], kinds: list[str]) -> list[str]:
        return list(self._macro("values_sql", rows=rows, types=kinds))

    def _render_with_computed(self, rows: list[list[Any]], kinds: list[str]) -> list[str]:
        """Render the plain values one kind at a time (one `values_sql` call each) and put
        the computed expressions in between as they are."""
        rendered: list[list[str]] = [[value.sql if isinstance(value, Computed) else "" for value in row]
                                     for row in rows]
        for kind in dict.fromkeys(kinds):
            cells = [(r, c) for r, row in enumerate(rows) for c, value in enumerate(row)
                     if kinds[c] == kind and not isinstance(value, Computed)]
            if not cells:
                continue
            literals = self._render([[rows[r][c]] for r, c in cells], [kind])
            for (r, c), literal in zip(cells, literals, strict=True):
                rendered[r][c] = literal[1:-1]
        return ["(" + ", ".join(row) + ")" for row in rendered]

    def _macro(self, name: str, **kwargs: Any) -> Any:
        return self.adapter.execute_macro(name, project="freshrun", kwargs=kwargs or None)

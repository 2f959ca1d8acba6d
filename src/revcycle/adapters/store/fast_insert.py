"""Multi-row ``INSERT ... VALUES (...), (...) [ON CONFLICT (key) DO NOTHING] [RETURNING ...]`` sent
straight to the driver.

The edge appends every received message through one such statement per group commit, and remittance
posting writes the claim payments, postings and timeline rows of one 835 through a few. Through
SQLAlchemy's Core ``insert()`` (its "insertmanyvalues" path) the Python side of that statement costs
about 40 us per row, more than SQLite's own work (about 27 us per 1.3 KB row with the inbound log's
indexes, measured the same day). Here the SQL text is written once per dialect and batch size, each
value goes through the column type's own bind processor for that dialect (the conversion SQLAlchemy
would apply: e.g. datetimes to SQLite's text form), and the rows go to the DBAPI cursor in one call
per chunk of rows (a statement holds at most ``MAX_PARAMETERS`` values: SQLite's limit is 32,766 since
3.32, PostgreSQL's 65,535), inside the caller's SQLAlchemy transaction (its BEGIN, write lock and COMMIT
are untouched). Columns left out take their server defaults.

Both back ends accept these statements: SQLite 3.35+ (upsert and RETURNING) and PostgreSQL. The rows
RETURNING gives back are not promised in VALUES order: callers return a key column to pair them up.
Driver errors are raised as SQLAlchemy's ``DBAPIError`` subclasses (parameters hidden: they carry PHI),
as ``Connection.execute`` would raise them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

Processor = Callable[[Any], Any] | None

MAX_PARAMETERS = 30_000
_CACHED_SIZES = 256  # statement texts kept per dialect (one per batch size)


class PreparedRowsInsert:
    """For one table and its written columns (with an optional conflict column and returned columns);
    ``run`` takes rows keyed by column name."""

    def __init__(
        self,
        table: Table,
        columns: Sequence[str],
        *,
        conflict: str | None = None,
        returning: Sequence[str] = (),
    ) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.conflict = conflict
        self.returning = tuple(returning)
        self.chunk = max(1, MAX_PARAMETERS // len(self.columns))
        # Per dialect instance: the encrypted columns' bind processors use that engine's key ring.
        self._dialects: WeakKeyDictionary[Dialect, tuple[str, str, str, list[Processor]]] = (
            WeakKeyDictionary()
        )
        self._sql: dict[tuple[str, int], str] = {}

    def _for(self, dialect: Dialect) -> tuple[str, str, str, list[Processor]]:
        prepared = self._dialects.get(dialect)
        if prepared is None:
            if dialect.paramstyle not in ("qmark", "format", "pyformat"):
                raise NotImplementedError(f"paramstyle {dialect.paramstyle}")
            quote = dialect.identifier_preparer.quote
            mark = "?" if dialect.paramstyle == "qmark" else "%s"
            head = (
                f"INSERT INTO {quote(self.table.name)} ({', '.join(quote(c) for c in self.columns)}) VALUES "
            )
            row = "(" + ", ".join([mark] * len(self.columns)) + ")"
            tail = f" ON CONFLICT ({quote(self.conflict)}) DO NOTHING" if self.conflict else ""
            if self.returning:
                tail += f" RETURNING {', '.join(quote(c) for c in self.returning)}"
            processors: list[Processor] = [
                self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self.columns
            ]
            prepared = (head, row, tail, processors)
            self._dialects[dialect] = prepared
        return prepared

    def _statement(self, dialect: Dialect, size: int) -> str:
        sql = self._sql.get((dialect.name, size))
        if sql is None:
            head, row_sql, tail, _ = self._for(dialect)
            sql = head + ", ".join([row_sql] * size) + tail
            if len(self._sql) >= _CACHED_SIZES:
                self._sql.clear()
            self._sql[(dialect.name, size)] = sql
        return sql

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Insert ``rows`` (each must hold every column); the returned columns of the rows inserted."""
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), self.chunk):
            found += self._run(conn, rows[start : start + self.chunk])
        return found

    def _run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        dialect = conn.dialect
        processors = self._for(dialect)[3]
        sql = self._statement(dialect, len(rows))
        params: list[Any] = []
        columns = self.columns
        for row in rows:
            for name, process in zip(columns, processors, strict=True):
                value = row[name]
                params.append(process(value) if process is not None and value is not None else value)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, params)
            return [tuple(found) for found in cursor.fetchall()] if self.returning else []
        except dialect.loaded_dbapi.Error as error:
            raise DBAPIError.instance(
                sql, None, error, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
            ) from error
        finally:
            cursor.close()


class PreparedUpsertInsert(PreparedRowsInsert):
    """``INSERT ... ON CONFLICT (conflict) DO NOTHING RETURNING returning``: the rows not already held."""

    def __init__(self, table: Table, columns: Sequence[str], conflict: str, returning: Sequence[str]) -> None:
        super().__init__(table, columns, conflict=conflict, returning=returning)

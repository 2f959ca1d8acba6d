"""Core statements compiled once per dialect and run on the driver's cursor: the worker's hot path.

A worker applies about eight small statements per message. ``Connection.execute`` spends about 28 us of
Python on each (cache-key lookup, execution context, parameter and result machinery, event dispatch)
where the driver's own call takes 2 to 15 us; that overhead was a fifth of the worker's time per
message. :class:`Prepared` keeps what SQLAlchemy would do and drops the rest: the statement is compiled
by SQLAlchemy once per dialect (and per set of inserted columns), parameters go through
``construct_params`` (which also fills the literal values of the statement) and each bound type's
bind processor for that dialect, result columns through their types' result processors (JSON text
to objects on SQLite, for instance); the cursor belongs to the caller's connection, inside its
SQLAlchemy transaction. ``Prepared.many`` runs one statement for many parameter sets in one
``executemany`` (the posting of an 835 updates its claims so).

An IN list is a statement per list length (SQLAlchemy expands it at each execution, which
:class:`Prepared` does not do): :class:`PreparedIn` keeps one :class:`Prepared` per length rounded up to
a power of two, the list padded with its last value (an IN test finds the same rows), so a posting
path that reads the claims, payment keys or totals of a whole 835 in one statement stays prepared.

Statements that need Python-side column defaults or ``onupdate`` values at execution (SQLAlchemy
prefetches those) are run through ``Connection.execute`` unchanged, as is any dialect with a
parameter style other than qmark / format / pyformat. Driver errors surface as SQLAlchemy's
``DBAPIError`` subclasses with parameters hidden (they may hold PHI), as ``Connection.execute`` raises
them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import BindParameter, Connection, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    compiled: SQLCompiler
    positional: tuple[str, ...] | None  # bind names in order (qmark / format), None for pyformat
    binds: tuple[tuple[str, Processor], ...]
    results: tuple[Processor, ...]


@dataclass(frozen=True, slots=True)
class _Ran:
    cursor: Any  # the DBAPI cursor, still open
    result: Any  # or SQLAlchemy's result, when the statement was run through Connection.execute


def _bind(prepared: _Compiled, params: Mapping[str, Any]) -> Any:
    """The driver's parameters: SQLAlchemy's values for the binds (and the statement's literals), each
    through its type's bind processor for the dialect."""
    values = prepared.compiled.construct_params(dict(params))
    if prepared.positional is not None:
        return [
            process(value) if process is not None and (value := values[name]) is not None else values[name]
            for name, process in prepared.binds
        ]
    return {
        name: process(value) if process is not None and (value := values[name]) is not None else values[name]
        for name, process in prepared.binds
    }


class Prepared:
    """One statement; ``rows``/``scalar``/``rowcount`` run it with a parameter mapping, ``many`` with
    several."""

    def __init__(self, statement: ClauseElement, *, result_types: Sequence[Any] = ()) -> None:
        self.statement = statement
        self.result_types = tuple(result_types)
        # Per dialect instance, not per dialect name: a type's processors may be bound to the engine's
        # own dialect (the PHI columns' key ring hangs on it), and two engines may hold different keys.
        self._compiled: WeakKeyDictionary[Dialect, dict[tuple[str, ...] | None, _Compiled | None]] = (
            WeakKeyDictionary()
        )

    def _compile(self, dialect: Dialect, keys: tuple[str, ...] | None) -> _Compiled | None:
        per_dialect = self._compiled.setdefault(dialect, {})
        if keys in per_dialect:
            return per_dialect[keys]
        prepared: _Compiled | None = None
        compiled = self.statement.compile(dialect=dialect, column_keys=list(keys) if keys else None)
        assert isinstance(compiled, SQLCompiler)
        usable = (
            dialect.paramstyle in ("qmark", "format", "pyformat")
            and not compiled.insert_prefetch
            and not compiled.update_prefetch
            and not compiled.literal_execute_params
            and not compiled.post_compile_params
        )
        if usable:
            positional = tuple(compiled.positiontup or ()) if compiled.positional else None
            processors = {
                name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                for bind, name in compiled.bind_names.items()
            }
            names = positional if positional is not None else tuple(processors)
            binds = tuple((name, processors[name]) for name in names)
            results = tuple(
                t.dialect_impl(dialect).result_processor(dialect, None) for t in self.result_types
            )
            prepared = _Compiled(compiled.string, compiled, positional, binds, results)
        per_dialect[keys] = prepared
        return prepared

    def _run(self, conn: Connection, params: Mapping[str, Any], keys: tuple[str, ...] | None) -> _Ran:
        """The open DBAPI cursor after execution, or a SQLAlchemy result (fallback)."""
        dialect = conn.dialect
        prepared = self._compile(dialect, keys)
        if prepared is None:
            return _Ran(None, conn.execute(self.statement, dict(params)))  # type: ignore[call-overload]
        bound = _bind(prepared, params)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(prepared.sql, bound)
        except dialect.loaded_dbapi.Error as error:
            cursor.close()
            raise DBAPIError.instance(
                prepared.sql, None, error, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
            ) from error
        return _Ran(cursor, None)

    def many(
        self, conn: Connection, params: Sequence[Mapping[str, Any]], *, insert_keys: bool = False
    ) -> None:
        """Run the statement once per parameter mapping, in one ``executemany`` (an UPDATE of many rows;
        ``insert_keys``: every mapping has the same keys, the first one's). Nothing is returned."""
        if not params:
            return
        dialect = conn.dialect
        keys = tuple(params[0]) if insert_keys else None
        prepared = self._compile(dialect, keys)
        if prepared is None:
            conn.execute(self.statement, [dict(p) for p in params])  # type: ignore[call-overload]
            return
        bound = [_bind(prepared, p) for p in params]
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(prepared.sql, bound)
        except dialect.loaded_dbapi.Error as error:
            raise DBAPIError.instance(
                prepared.sql, None, error, dialect.loaded_dbapi.Error, hide_parameters=True, dialect=dialect
            ) from error
        finally:
            cursor.close()

    def _convert(self, conn: Connection, keys: tuple[str, ...] | None, row: Sequence[Any]) -> tuple[Any, ...]:
        prepared = self._compiled[conn.dialect][keys]
        assert prepared is not None
        return tuple(
            process(value) if process is not None else value
            for process, value in zip(prepared.results, row, strict=False)
        )

    def rows(
        self, conn: Connection, params: Mapping[str, Any], *, insert_keys: bool = False
    ) -> list[tuple[Any, ...]]:
        """All result rows (``insert_keys``: compile for exactly the columns in ``params``, for INSERT)."""
        keys = tuple(params) if insert_keys else None
        ran = self._run(conn, params, keys)
        if ran.cursor is None:
            return [tuple(row) for row in ran.result]
        try:
            return [self._convert(conn, keys, row) for row in ran.cursor.fetchall()]
        finally:
            ran.cursor.close()

    def scalar(self, conn: Connection, params: Mapping[str, Any], *, insert_keys: bool = False) -> Any:
        """The first column of the first row, or None."""
        found = self.rows(conn, params, insert_keys=insert_keys)
        return found[0][0] if found else None

    def rowcount(self, conn: Connection, params: Mapping[str, Any], *, insert_keys: bool = False) -> int:
        """Rows matched by an UPDATE / DELETE (or inserted by an INSERT)."""
        keys = tuple(params) if insert_keys else None
        ran = self._run(conn, params, keys)
        if ran.cursor is None:
            return int(ran.result.rowcount)
        try:
            return int(ran.cursor.rowcount)
        finally:
            ran.cursor.close()


IN_LIMIT = 512  # values per IN list; a longer list runs in chunks


def in_binds(size: int, type_: Any) -> list[BindParameter[Any]]:
    """The binds of an IN list of ``size`` values (``in_0`` ...), for a :class:`PreparedIn` builder."""
    return [bindparam(f"in_{i}", type_=type_) for i in range(size)]


class PreparedIn:
    """A statement over one IN list, a :class:`Prepared` per list length rounded up to a power of two
    (at most ten of them): a list is padded by repeating its last value, which changes nothing an IN
    test finds. ``build(size)`` returns the statement for ``size`` values (``in_binds``). Repeated
    values are sent once; lists longer than ``IN_LIMIT`` run in chunks, their rows concatenated."""

    def __init__(self, build: Callable[[int], ClauseElement], *, result_types: Sequence[Any] = ()) -> None:
        self.build = build
        self.result_types = tuple(result_types)
        self._sizes: dict[int, Prepared] = {}

    def _chunks(
        self, values: Sequence[Any], params: Mapping[str, Any] | None
    ) -> Iterator[tuple[Prepared, dict[str, Any]]]:
        distinct = list(dict.fromkeys(values))
        for start in range(0, len(distinct), IN_LIMIT):
            chunk = distinct[start : start + IN_LIMIT]
            size = 1 << (len(chunk) - 1).bit_length()
            prepared = self._sizes.get(size)
            if prepared is None:
                prepared = self._sizes[size] = Prepared(self.build(size), result_types=self.result_types)
            padded = chunk + [chunk[-1]] * (size - len(chunk))
            yield prepared, {**(params or {}), **{f"in_{i}": v for i, v in enumerate(padded)}}

    def rows(
        self, conn: Connection, values: Sequence[Any], params: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """The rows of a SELECT over ``values`` (and the other ``params``)."""
        found: list[tuple[Any, ...]] = []
        for prepared, bound in self._chunks(values, params):
            found += prepared.rows(conn, bound)
        return found

    def rowcount(
        self, conn: Connection, values: Sequence[Any], params: Mapping[str, Any] | None = None
    ) -> int:
        """The rows an UPDATE / DELETE over ``values`` matched."""
        return sum(prepared.rowcount(conn, bound) for prepared, bound in self._chunks(values, params))

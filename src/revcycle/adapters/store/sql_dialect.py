"""The few expressions SQLite and PostgreSQL spell differently (minute buckets, day differences)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, literal_column
from sqlalchemy.sql.elements import ColumnElement


def minute_bucket(engine: Engine, column: Any) -> ColumnElement[Any]:
    """``YYYY-MM-DD HH:MM`` (UTC) of a timestamp column."""
    if engine.dialect.name == "sqlite":
        return func.substr(column, 1, 16)
    return func.to_char(func.timezone("UTC", column), literal_column("'YYYY-MM-DD HH24:MI'"))


def day_bucket(engine: Engine, column: Any) -> ColumnElement[Any]:
    """``YYYY-MM-DD`` of a date column."""
    if engine.dialect.name == "sqlite":
        return func.substr(column, 1, 10)
    return func.to_char(column, literal_column("'YYYY-MM-DD'"))


def days_between(engine: Engine, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Whole days from ``earlier`` to ``later`` (two date columns)."""
    if engine.dialect.name == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    return later - earlier  # type: ignore[no-any-return]


def seconds_between(engine: Engine, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Seconds from ``earlier`` to ``later`` (two timestamp columns)."""
    if engine.dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)

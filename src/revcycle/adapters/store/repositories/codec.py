"""Canonical objects to and from the JSON ``data`` columns (msgspec: Decimal as text, dates ISO)."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

T = TypeVar("T")


def dump(obj: Any) -> Any:
    return msgspec.to_builtins(obj)


def load(data: Any, cls: type[T]) -> T:
    return msgspec.convert(data, cls, strict=False)

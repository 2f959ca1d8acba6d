"""The message bus: routes each canonical command to its handler inside the caller's unit of work."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from revcycle.domain.commands import Command
from revcycle.service_layer.errors import PermanentError
from revcycle.service_layer.ports import MessageContext, UnitOfWork

Handler = Callable[[Any, UnitOfWork, MessageContext], None]


class MessageBus:
    def __init__(self, handlers: Mapping[type[Command], Handler]) -> None:
        self.handlers = dict(handlers)

    def handle(self, command: Command, uow: UnitOfWork, ctx: MessageContext) -> None:
        handler = self.handlers.get(type(command))
        if handler is None:
            raise PermanentError(f"no handler for {type(command).__name__}", code="no_handler")
        handler(command, uow, ctx)

"""The alert channels: one line per channel type. ``build_channels`` turns configuration into channels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from revcycle.adapters.alert_channels.base import Channel
from revcycle.adapters.alert_channels.email import EmailChannel
from revcycle.adapters.alert_channels.in_app import InAppChannel
from revcycle.adapters.alert_channels.slack import SlackChannel
from revcycle.adapters.alert_channels.teams import TeamsChannel
from revcycle.adapters.alert_channels.webhook import WebhookChannel
from revcycle.service_layer.alerts import rules as cfg

Builder = Callable[[str, Any], Channel]

CHANNEL_TYPES: dict[str, Builder] = {
    "webhook": lambda name, c: WebhookChannel(
        name, c.url, c.signing_key(), c.timeout_seconds, c.max_attempts, c.backoff_seconds
    ),
    "slack": lambda name, c: SlackChannel(name, c.url, c.timeout_seconds, c.max_attempts, c.backoff_seconds),
    "teams": lambda name, c: TeamsChannel(name, c.url, c.timeout_seconds, c.max_attempts, c.backoff_seconds),
    "email": lambda name, c: EmailChannel(
        name,
        c.smtp_host,
        c.smtp_port,
        c.sender,
        c.to,
        c.starttls,
        c.username,
        c.password_env,
        c.timeout_seconds,
        c.max_attempts,
        c.backoff_seconds,
    ),
}


def build_channels(config: cfg.AlertConfig) -> dict[str, Channel]:
    channels: dict[str, Channel] = {cfg.IN_APP: InAppChannel()}
    for name, channel in config.channels.items():
        channels[name] = CHANNEL_TYPES[channel.type](name, channel)
    return channels

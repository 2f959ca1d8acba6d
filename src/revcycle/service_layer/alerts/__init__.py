"""Alerting: rules from a configuration file, conditions evaluated against the store, one alert per
open condition, and notifications through channels (in-app, webhook, e-mail, Slack, Teams)."""

"""E-mail over SMTP (RFC 5321) with the standard library: a plain-text message per notification."""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from revcycle.adapters.alert_channels.base import DeliveryError, Notification


def message(notification: Notification, sender: str, to: tuple[str, ...]) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = notification.title
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["X-Revcycle-Alert"] = str(notification.alert_id)
    lines = [
        notification.summary,
        "",
        f"event:     {notification.event}",
        f"severity:  {notification.severity}",
        f"status:    {notification.status}",
        f"rule:      {notification.rule}",
        f"opened at: {notification.opened_at.isoformat()}",
    ]
    if notification.assigned_to:
        lines.append(f"assigned:  {notification.assigned_to}")
    if notification.link:
        lines += ["", notification.link]
    mail.set_content("\n".join(lines) + "\n")
    return mail


@dataclass
class EmailChannel:
    name: str
    host: str
    port: int
    sender: str
    to: tuple[str, ...]
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout: float = 10.0
    max_attempts: int = 5
    backoff_seconds: float = 5.0

    def send(self, notification: Notification) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, os.environ.get(self.password_env or "", ""))
                smtp.send_message(message(notification, self.sender, self.to))
        except smtplib.SMTPResponseException as error:
            raise DeliveryError(f"SMTP {error.smtp_code}", retry=error.smtp_code < 500) from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"SMTP failed: {type(error).__name__}") from None

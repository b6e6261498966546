"""What the customer is told and how it leaves: the texts (crm_tui/data/notifications.json) and email over SMTP.

The dispatcher sends outbox events with these; an erasure sends its confirmation with them at once,
because once the person is erased there is no address left to send it to later.
"""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from functools import cache
from importlib import resources
from typing import Any

from crm_tui.config import Settings


@cache
def templates() -> dict[str, Any]:
    return json.loads(resources.files("crm_tui.data").joinpath("notifications.json").read_text(encoding="utf-8"))


def render(event_type: str, language: str, values: dict[str, str]) -> tuple[str, str]:
    """Subject and body of `event_type` in `language` (else English), with `values` filled in."""
    texts = templates().get(event_type) or templates()["_default"]
    text = texts.get(language) or texts["en"]
    return text["subject"].format(**values), text["body"].format(**values)


def send_email(settings: Settings, to: str, subject: str, body: str) -> None:
    """One message over SMTP (`CRM_SMTP_HOST`, `CRM_SMTP_PORT`, from `CRM_MAIL_FROM`); raises OSError/SMTPException."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.external_timeout) as smtp:
        smtp.send_message(message)

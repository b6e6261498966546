"""Capturing an interaction: every contact with a customer leaves one row (who, where, how, what).

The one way the services write `Interaction` rows, so the operator, their shop and the channel are
always filled the same way: at the counter an operator acts ("shop"), with no operator a script
does ("script"), unless the caller names the channel.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from crm_tui.services.shared.views import Actor
from crm_tui.storage.models.customers import Interaction

SUMMARY_LIMIT = 500
"""The column's width: a longer summary is cut, never refused (it is a record, not input)."""


def capture(
    session: Session,
    customer_pk: int,
    *,
    kind: str,
    summary: str,
    actor: Actor | None,
    now: datetime,
    channel: str | None = None,
    key_kind: str | None = None,
) -> Interaction:
    """Add one interaction to the caller's transaction and return it."""
    interaction = Interaction(
        customer_id=customer_pk,
        operator_id=actor.id if actor else None,
        channel=channel or ("shop" if actor else "script"),
        kind=kind,
        key_kind=key_kind,
        summary=summary[:SUMMARY_LIMIT],
        shop=(actor.shop or None) if actor else None,
        created_at=now,
    )
    session.add(interaction)
    return interaction

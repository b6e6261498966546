"""De-duplication: candidate pairs, trained matching models, merges (with what undoes them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm_tui.storage.models.base import created, fk, when
from crm_tui.storage.models.customers import Customer
from crm_tui.storage.models.operators import Operator


class DuplicateCandidate(SQLModel, table=True):
    """A pair of customers that may be one person, with the score and the reasons."""

    __tablename__ = "duplicate_candidates"
    __table_args__ = (UniqueConstraint("customer_a_id", "customer_b_id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_a_id: int = fk(Customer, index=False)
    customer_b_id: int = fk(Customer)
    score: float
    reasons: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="open", max_length=16, index=True)
    found_at: datetime = created()


class MatchModelRecord(SQLModel, table=True):
    """A trained duplicate-matching model (`services.customers.linkage`): the newest one is in force."""

    __tablename__ = "match_models"

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(max_length=40, unique=True)
    trained_at: datetime = created()
    trained_by: int | None = fk(Operator, nullable=True, index=False)
    records: int = 0
    parameters: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class MergeRecord(SQLModel, table=True):
    """A merge of one customer into another, with the full before-image so it can be undone."""

    __tablename__ = "merge_records"

    id: int | None = Field(default=None, primary_key=True)
    survivor_id: int = fk(Customer)
    merged_id: int = fk(Customer)
    before_image: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    merged_by: int | None = fk(Operator, nullable=True, index=False)
    merged_at: datetime = created()
    unmerged_at: datetime | None = when()

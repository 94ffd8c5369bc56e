"""The field tables: staff links (stored hashed), check-ins and tips."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


class StaffLinkRecord(Base):
    """A capability for one staff member on one plan's evening (every version of it)."""

    __tablename__ = "staff_links"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    lineage_id: Mapped[str] = mapped_column(String(32), index=True)
    staff_id: Mapped[str] = mapped_column(String(64))
    area: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CheckinRecord(Base):
    """A staff member was at a stop at ``at`` (the phone's time; ``client_id`` made there)."""

    __tablename__ = "field_checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(64))
    lineage_id: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[str] = mapped_column(String(64))
    area: Mapped[str] = mapped_column(String(64))
    stop_id: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)

    __table_args__ = (
        # The same id twice (a phone sending its queue again) is one record.
        Index("uq_field_checkins_client", "lineage_id", "staff_id", "client_id", unique=True),
        Index("ix_field_checkins_area_at", "area", "at"),
    )


class TipRecord(Base):
    """Something a staff member noticed: a category, free text, where and when."""

    __tablename__ = "field_tips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(64))
    lineage_id: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[str] = mapped_column(String(64))
    area: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(1000))
    for_police: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)

    __table_args__ = (
        Index("uq_field_tips_client", "lineage_id", "staff_id", "client_id", unique=True),
        Index("ix_field_tips_area_at", "area", "at"),
    )

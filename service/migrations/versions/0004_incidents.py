"""Burglary records and local areas: the ``incidents`` and ``local_areas`` tables.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start_at", TZ, nullable=True),
        sa.Column("end_at", TZ, nullable=True),
        sa.Column("kind", sa.String(40), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("area", "id", name="incidents_pkey"),
    )
    op.create_index("ix_incidents_day", "incidents", ["day"])
    op.create_table(
        "local_areas",
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("area", "name", name="local_areas_pkey"),
    )


def downgrade() -> None:
    op.drop_table("local_areas")
    op.drop_index("ix_incidents_day", table_name="incidents")
    op.drop_table("incidents")

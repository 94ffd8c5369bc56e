"""The eyes' own page: staff links, check-ins and tips.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_links",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("lineage_id", sa.String(32), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="staff_links_pkey"),
        sa.UniqueConstraint("token_digest", name="staff_links_token_digest_key"),
    )
    op.create_index("ix_staff_links_lineage_id", "staff_links", ["lineage_id"])
    for table, extra in (
        ("field_checkins", [sa.Column("stop_id", sa.String(80), nullable=False)]),
        (
            "field_tips",
            [
                sa.Column("category", sa.String(32), nullable=False),
                sa.Column("text", sa.String(1000), nullable=False),
                sa.Column("for_police", sa.Boolean(), nullable=False),
            ],
        ),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("client_id", sa.String(64), nullable=False),
            sa.Column("lineage_id", sa.String(32), nullable=False),
            sa.Column("staff_id", sa.String(64), nullable=False),
            sa.Column("area", sa.String(64), nullable=False),
            *extra,
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("lat", sa.Float(), nullable=True),
            sa.Column("lon", sa.Float(), nullable=True),
            sa.PrimaryKeyConstraint("id", name=f"{table}_pkey"),
        )
        op.create_index(
            f"uq_{table}_client", table, ["lineage_id", "staff_id", "client_id"], unique=True
        )
        op.create_index(f"ix_{table}_area_at", table, ["area", "at"])
        op.create_index(f"ix_{table}_received_at", table, ["received_at"])


def downgrade() -> None:
    op.drop_table("field_tips")
    op.drop_table("field_checkins")
    op.drop_table("staff_links")

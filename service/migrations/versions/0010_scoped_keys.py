"""Keys scoped to areas; alerts and their recipients know their areas; the same SMS text to
the same phone within minutes is sent once.

``api_keys.areas`` (NULL: every area, so every existing key keeps working as before),
``alert_areas`` (the areas an alert concerns; alerts from before have none and are read
only by keys of every area), and per outbox row the plan's ``area``, the ``text_hash`` of
the SMS and ``via_id``, the row whose message already carried the same text.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("areas", sa.JSON(), nullable=True))
    op.create_table(
        "alert_areas",
        sa.Column("alert_id", sa.String(32), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", "area", name="alert_areas_pkey"),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name="alert_areas_alert_id_fkey"),
    )
    op.create_index("ix_alert_areas_area", "alert_areas", ["area"])
    with op.batch_alter_table("alert_outbox") as batch:
        batch.add_column(sa.Column("area", sa.String(64), nullable=True))
        batch.add_column(sa.Column("text_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("via_id", sa.String(32), nullable=True))
        batch.create_index("ix_alert_outbox_text_hash", ["text_hash"])


def downgrade() -> None:
    with op.batch_alter_table("alert_outbox") as batch:
        batch.drop_index("ix_alert_outbox_text_hash")
        batch.drop_column("via_id")
        batch.drop_column("text_hash")
        batch.drop_column("area")
    op.drop_index("ix_alert_areas_area", table_name="alert_areas")
    op.drop_table("alert_areas")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("areas")

"""Plan jobs carry a heartbeat and when they were last handed to the broker.

``heartbeat_at``: the process running a job writes it every few seconds; a running job whose
heartbeat stopped (its worker is gone) is queued again by the sweeper. ``published_at``:
when the job was last published; a queued job the broker lost (Redis restarted empty) is
published again. Both NULL for jobs from before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_jobs") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_jobs") as batch:
        batch.drop_column("published_at")
        batch.drop_column("heartbeat_at")

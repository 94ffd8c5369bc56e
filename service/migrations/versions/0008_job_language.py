"""Each plan job keeps the language of the request that queued it.

A job's warnings and errors are written by a worker, after the request has gone: they
speak the language the caller asked for (``Accept-Language``). Jobs from before keep NULL
(the deployment's language).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_jobs") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_jobs") as batch:
        batch.drop_column("language")

"""The schema as it stood when migrations began: plans, alerts and their outbox, the
console provider's messages, API keys and the audit log.

A database made before migrations existed (by ``create_all`` plus start-up ``ALTER``s) has
these tables already: it is completed (columns the oldest versions lacked) and adopted,
with every row kept.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# service.db.NAMING_CONVENTION as of this revision.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _create() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("geojson", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="plans_pkey"),
    )
    op.create_index("ix_plans_created_at", "plans", ["created_at"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("owner", sa.String(32), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("area_name", sa.String(60), nullable=False),
        sa.Column("area", sa.JSON(), nullable=False),
        sa.Column("valid_from", TZ, nullable=False),
        sa.Column("valid_until", TZ, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("targeting", sa.String(16), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="alerts_pkey"),
        sa.UniqueConstraint("owner", "idempotency_key", name="alerts_owner_idempotency_key_key"),
    )
    op.create_index("ix_alerts_created_at", "alerts", ["created_at"])
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("alert_id", sa.String(32), nullable=False),
        sa.Column("recipient_key", sa.String(100), nullable=False),
        sa.Column("staff_id", sa.String(64), nullable=False),
        sa.Column("plan_id", sa.String(32), nullable=True),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("phone_masked", sa.String(24), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("in_doubt", sa.Boolean(), nullable=False),
        sa.Column("in_doubt_since", TZ, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("lease_until", TZ, nullable=True),
        sa.Column("provider", sa.String(16), nullable=True),
        sa.Column("provider_message_id", sa.String(64), nullable=True),
        sa.Column("provider_status", sa.String(32), nullable=True),
        sa.Column("receipt_final", sa.Boolean(), nullable=False),
        sa.Column("failure_reason", sa.String(300), nullable=True),
        sa.Column("queued_at", TZ, nullable=False),
        sa.Column("first_attempt_at", TZ, nullable=True),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("delivered_at", TZ, nullable=True),
        sa.Column("failed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="alert_outbox_pkey"),
        sa.UniqueConstraint(
            "alert_id", "recipient_key", name="alert_outbox_alert_id_recipient_key_key"
        ),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name="alert_outbox_alert_id_fkey"),
    )
    for column in ("alert_id", "next_attempt_at", "provider_message_id", "status"):
        op.create_index(f"ix_alert_outbox_{column}", "alert_outbox", [column])
    op.create_table(
        "console_messages",
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("reference", name="console_messages_pkey"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="api_keys_pkey"),
        sa.UniqueConstraint("key_hash", name="api_keys_key_hash_key"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("key_id", sa.String(16), nullable=True),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="audit_log_pkey"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])


def _complete_unversioned(inspector: sa.Inspector) -> None:
    """What the start-up ``ALTER``s of the versions before migrations added: the outbox's
    ``in_doubt_since`` and a ``recipient_key`` wide enough for a date and a 64-character
    staff id. On SQLite the tables with unnamed constraints are rebuilt with the names the
    models give them (PostgreSQL named them so already), so later revisions can name them."""
    columns = {c["name"]: c for c in inspector.get_columns("alert_outbox")}
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "alert_outbox",
        recreate="always" if sqlite else "auto",
        naming_convention=NAMING_CONVENTION,
    ) as batch:
        if "in_doubt_since" not in columns:
            batch.add_column(sa.Column("in_doubt_since", TZ, nullable=True))
        if (getattr(columns["recipient_key"]["type"], "length", None) or 0) < 100:
            batch.alter_column("recipient_key", type_=sa.String(100), existing_type=sa.String(64))
    if sqlite:
        for table in ("alerts", "api_keys"):
            with op.batch_alter_table(
                table, recreate="always", naming_convention=NAMING_CONVENTION
            ):
                pass


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("plans"):
        _create()
        return
    if inspector.has_table("alert_outbox"):
        _complete_unversioned(inspector)
    else:
        msg = (
            "this database has a plans table from a version older than the alerts feature; "
            "export the plans and start from an empty database"
        )
        raise RuntimeError(msg)


def downgrade() -> None:
    for table in ("audit_log", "api_keys", "console_messages", "alert_outbox", "alerts", "plans"):
        op.drop_table(table)

"""Police alerts: targeting staff on shift, the SMS outbox, senders, receipts, keys and audit."""

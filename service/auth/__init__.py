"""Who may do what: API keys (stored as digests), roles, the audit log, ``require``."""

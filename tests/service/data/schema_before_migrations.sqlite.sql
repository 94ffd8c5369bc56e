-- The schema as create_all made it before migrations existed (commit 179dd26), sqlite.
CREATE TABLE alerts (
	id VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	owner VARCHAR(32) NOT NULL, 
	idempotency_key VARCHAR(200), 
	body_hash VARCHAR(64) NOT NULL, 
	message TEXT, 
	area_name VARCHAR(60) NOT NULL, 
	area JSON NOT NULL, 
	valid_from DATETIME NOT NULL, 
	valid_until DATETIME NOT NULL, 
	severity VARCHAR(16) NOT NULL, 
	targeting VARCHAR(16) NOT NULL, 
	segments INTEGER NOT NULL, 
	recipient_count INTEGER NOT NULL, 
	note VARCHAR(200), 
	PRIMARY KEY (id), 
	UNIQUE (owner, idempotency_key)
);

CREATE INDEX ix_alerts_created_at ON alerts (created_at);

CREATE TABLE api_keys (
	id VARCHAR(16) NOT NULL, 
	key_hash VARCHAR(64) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	label VARCHAR(100) NOT NULL, 
	created_at DATETIME NOT NULL, 
	revoked BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (key_hash)
);

CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	key_id VARCHAR(16), 
	role VARCHAR(16), 
	action VARCHAR(40) NOT NULL, 
	target VARCHAR(200), 
	outcome VARCHAR(40) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_audit_log_at ON audit_log (at);

CREATE TABLE console_messages (
	reference VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	phone VARCHAR(20), 
	text TEXT, 
	PRIMARY KEY (reference)
);

CREATE TABLE plans (
	id VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	area VARCHAR(64) NOT NULL, 
	request JSON NOT NULL, 
	"plan" JSON NOT NULL, 
	geojson JSON, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_plans_created_at ON plans (created_at);

CREATE TABLE alert_outbox (
	id VARCHAR(32) NOT NULL, 
	alert_id VARCHAR(32) NOT NULL, 
	recipient_key VARCHAR(100) NOT NULL, 
	staff_id VARCHAR(64) NOT NULL, 
	plan_id VARCHAR(32), 
	reason VARCHAR(200) NOT NULL, 
	phone VARCHAR(20), 
	phone_masked VARCHAR(24) NOT NULL, 
	status VARCHAR(12) NOT NULL, 
	in_doubt BOOLEAN NOT NULL, 
	in_doubt_since DATETIME, 
	version INTEGER NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	lease_until DATETIME, 
	provider VARCHAR(16), 
	provider_message_id VARCHAR(64), 
	provider_status VARCHAR(32), 
	receipt_final BOOLEAN NOT NULL, 
	failure_reason VARCHAR(300), 
	queued_at DATETIME NOT NULL, 
	first_attempt_at DATETIME, 
	sent_at DATETIME, 
	delivered_at DATETIME, 
	failed_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (alert_id, recipient_key), 
	FOREIGN KEY(alert_id) REFERENCES alerts (id)
);

CREATE INDEX ix_alert_outbox_alert_id ON alert_outbox (alert_id);

CREATE INDEX ix_alert_outbox_next_attempt_at ON alert_outbox (next_attempt_at);

CREATE INDEX ix_alert_outbox_provider_message_id ON alert_outbox (provider_message_id);

CREATE INDEX ix_alert_outbox_status ON alert_outbox (status);

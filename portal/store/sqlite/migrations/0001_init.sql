-- Latchkey portal schema v1 (SQLite). Times are INTEGER Unix microseconds (UTC).
-- Booleans are INTEGER 0/1. See portal/store/SCHEMA.md.

CREATE TABLE tenants (
    id            INTEGER PRIMARY KEY,
    parent_id     INTEGER REFERENCES tenants(id),
    name          TEXT    NOT NULL,
    require_2fa   INTEGER NOT NULL DEFAULT 0,
    allow_email_codes INTEGER NOT NULL DEFAULT 0,
    sso_enforced  INTEGER NOT NULL DEFAULT 0,
    ip_allow_list TEXT    NOT NULL DEFAULT '[]',
    created_at    INTEGER NOT NULL,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX tenants_parent ON tenants(parent_id);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
    email          TEXT    NOT NULL,
    email_norm     TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('owner','admin','technician','read_only')),
    password_hash  TEXT    NOT NULL DEFAULT '',
    email_verified_at INTEGER,
    skip_ip_verification INTEGER NOT NULL DEFAULT 0,
    locked         INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX users_tenant ON users(tenant_id);

CREATE TABLE totp_factors (
    id                INTEGER PRIMARY KEY,
    user_id           INTEGER NOT NULL REFERENCES users(id),
    secret_key_id     TEXT    NOT NULL,
    secret_ciphertext BLOB    NOT NULL,
    created_at        INTEGER NOT NULL,
    enrolled_at       INTEGER,
    disabled_at       INTEGER,
    last_step         INTEGER NOT NULL DEFAULT 0,
    last_used_at      INTEGER
);
CREATE INDEX totp_factors_user ON totp_factors(user_id);
CREATE UNIQUE INDEX totp_factors_one_active ON totp_factors(user_id)
    WHERE enrolled_at IS NOT NULL AND disabled_at IS NULL;

CREATE TABLE backup_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    code_hash  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX backup_codes_user ON backup_codes(user_id);

CREATE TABLE recovery_codes (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id),
    code_hash  TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE email_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    purpose     TEXT    NOT NULL CHECK (purpose IN ('verify_email','signin_code','verify_address')),
    token_hash  BLOB    NOT NULL CHECK (length(token_hash) = 32),
    source_addr TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER,
    UNIQUE (purpose, token_hash)
);
CREATE INDEX email_tokens_user ON email_tokens(user_id, purpose);

CREATE TABLE recovery_requests (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER REFERENCES users(id),
    tenant_id    INTEGER REFERENCES tenants(id),
    email        TEXT    NOT NULL,
    message      TEXT    NOT NULL,
    phrase       TEXT    NOT NULL,
    requester_token_hash BLOB NOT NULL UNIQUE CHECK (length(requester_token_hash) = 32),
    status       TEXT    NOT NULL CHECK (status IN ('pending','approved','denied','forwarded','link_issued','completed','expired')),
    source_addr  TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    decided_at   INTEGER,
    decided_by   INTEGER REFERENCES users(id),
    updated_at   INTEGER NOT NULL,
    CHECK (user_id IS NULL OR decided_by IS NULL OR decided_by <> user_id)
);
CREATE INDEX recovery_requests_tenant ON recovery_requests(tenant_id, status);
CREATE INDEX recovery_requests_user ON recovery_requests(user_id, status);

CREATE TABLE recovery_links (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    request_id  INTEGER REFERENCES recovery_requests(id),
    purpose     TEXT    NOT NULL CHECK (purpose IN ('reenrol_2fa')),
    token_hash  BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    issued_by   INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX recovery_links_user ON recovery_links(user_id, purpose);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    token_hash  BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    scope       TEXT    NOT NULL CHECK (scope IN ('full','enrol')),
    source_addr TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE known_addresses (
    user_id       INTEGER NOT NULL REFERENCES users(id),
    addr          TEXT    NOT NULL,
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, addr)
);

CREATE TABLE rate_limits (
    key          TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    window_end   INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- Append-only: no foreign keys (entries outlive what they describe) and
-- triggers refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    actor_id       INTEGER,
    action         TEXT    NOT NULL,
    target_user_id INTEGER,
    tenant_id      INTEGER,
    source_addr    TEXT    NOT NULL DEFAULT '',
    details        TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_tenant ON audit_log(tenant_id, id);
CREATE INDEX audit_log_target ON audit_log(target_user_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Latchkey portal schema v1 (PostgreSQL). See portal/store/SCHEMA.md.

CREATE TABLE tenants (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    parent_id     BIGINT REFERENCES tenants(id),
    name          TEXT    NOT NULL,
    require_2fa   BOOLEAN NOT NULL DEFAULT FALSE,
    allow_email_codes BOOLEAN NOT NULL DEFAULT FALSE,
    sso_enforced  BOOLEAN NOT NULL DEFAULT FALSE,
    ip_allow_list TEXT    NOT NULL DEFAULT '[]',
    created_at    TIMESTAMPTZ NOT NULL,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX tenants_parent ON tenants(parent_id);

CREATE TABLE users (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id      BIGINT  NOT NULL REFERENCES tenants(id),
    email          TEXT    NOT NULL,
    email_norm     TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL CHECK (role IN ('owner','admin','technician','read_only')),
    password_hash  TEXT    NOT NULL DEFAULT '',
    email_verified_at TIMESTAMPTZ,
    skip_ip_verification BOOLEAN NOT NULL DEFAULT FALSE,
    locked         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_tenant ON users(tenant_id);

CREATE TABLE totp_factors (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id           BIGINT  NOT NULL REFERENCES users(id),
    secret_key_id     TEXT    NOT NULL,
    secret_ciphertext BYTEA   NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    enrolled_at       TIMESTAMPTZ,
    disabled_at       TIMESTAMPTZ,
    last_step         BIGINT  NOT NULL DEFAULT 0,
    last_used_at      TIMESTAMPTZ
);
CREATE INDEX totp_factors_user ON totp_factors(user_id);
CREATE UNIQUE INDEX totp_factors_one_active ON totp_factors(user_id)
    WHERE enrolled_at IS NOT NULL AND disabled_at IS NULL;

CREATE TABLE backup_codes (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    code_hash  TEXT   NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX backup_codes_user ON backup_codes(user_id);

CREATE TABLE recovery_codes (
    user_id    BIGINT PRIMARY KEY REFERENCES users(id),
    code_hash  TEXT   NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE email_tokens (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    purpose     TEXT   NOT NULL CHECK (purpose IN ('verify_email','signin_code','verify_address')),
    token_hash  BYTEA  NOT NULL CHECK (length(token_hash) = 32),
    source_addr TEXT   NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    UNIQUE (purpose, token_hash)
);
CREATE INDEX email_tokens_user ON email_tokens(user_id, purpose);

CREATE TABLE recovery_requests (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT REFERENCES users(id),
    tenant_id    BIGINT REFERENCES tenants(id),
    email        TEXT   NOT NULL,
    message      TEXT   NOT NULL,
    phrase       TEXT   NOT NULL,
    requester_token_hash BYTEA NOT NULL UNIQUE CHECK (length(requester_token_hash) = 32),
    status       TEXT   NOT NULL CHECK (status IN ('pending','approved','denied','forwarded','link_issued','completed','expired')),
    source_addr  TEXT   NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    decided_at   TIMESTAMPTZ,
    decided_by   BIGINT REFERENCES users(id),
    updated_at   TIMESTAMPTZ NOT NULL,
    CHECK (user_id IS NULL OR decided_by IS NULL OR decided_by <> user_id)
);
CREATE INDEX recovery_requests_tenant ON recovery_requests(tenant_id, status);
CREATE INDEX recovery_requests_user ON recovery_requests(user_id, status);

CREATE TABLE recovery_links (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    request_id  BIGINT REFERENCES recovery_requests(id),
    purpose     TEXT   NOT NULL CHECK (purpose IN ('reenrol_2fa')),
    token_hash  BYTEA  NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    issued_by   BIGINT REFERENCES users(id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX recovery_links_user ON recovery_links(user_id, purpose);

CREATE TABLE sessions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id),
    token_hash  BYTEA  NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    scope       TEXT   NOT NULL CHECK (scope IN ('full','enrol')),
    source_addr TEXT   NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE known_addresses (
    user_id       BIGINT NOT NULL REFERENCES users(id),
    addr          TEXT   NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, addr)
);

CREATE TABLE rate_limits (
    key          TEXT   NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    window_end   TIMESTAMPTZ NOT NULL,
    count        BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- Append-only: no foreign keys (entries outlive what they describe) and a
-- trigger refuses UPDATE, DELETE and TRUNCATE.
CREATE TABLE audit_log (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             TIMESTAMPTZ NOT NULL,
    actor_id       BIGINT,
    action         TEXT   NOT NULL,
    target_user_id BIGINT,
    tenant_id      BIGINT,
    source_addr    TEXT   NOT NULL DEFAULT '',
    details        JSONB  NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_tenant ON audit_log(tenant_id, id);
CREATE INDEX audit_log_target ON audit_log(target_user_id, id);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

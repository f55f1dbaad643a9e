-- Latchkey portal schema v4 (SQLite): account and session hardening. See
-- portal/store/SCHEMA.md.
--
-- password_set_by_admin: the password is one an admin chose (POST
-- /v1/admin/users) and the user has not changed it since. Before this
-- version a user could not change their own password, so every user an
-- admin created (audited as user.created with an actor) still has the
-- admin's password.
ALTER TABLE users ADD COLUMN password_set_by_admin INTEGER NOT NULL DEFAULT 0;
UPDATE users SET password_set_by_admin = 1
    WHERE password_hash <> ''
      AND id IN (SELECT target_user_id FROM audit_log
                 WHERE action = 'user.created' AND actor_id IS NOT NULL AND target_user_id IS NOT NULL);

-- email_skeleton: the address folded so that look-alikes (another
-- script's letters, compatibility forms, accents) meet; unique, so no
-- account can be created whose address looks like another's. It is
-- computed in Go (store.EmailSkeleton): Migrate fills it, and recomputes
-- email_norm, for rows where it is NULL. NULLs never conflict.
ALTER TABLE users ADD COLUMN email_skeleton TEXT;
CREATE UNIQUE INDEX users_email_skeleton ON users(email_skeleton);

-- last_used_at: when the session was last used (written at most once a
-- minute), for the idle timeout. Existing sessions count as unused since
-- they began.
ALTER TABLE sessions ADD COLUMN last_used_at INTEGER;
UPDATE sessions SET last_used_at = created_at;

-- Latchkey portal schema v3 (SQLite): when an unused recovery link was
-- found past its expiry. See portal/store/SCHEMA.md.
--
-- Every expired link gets one "link.expired" audit entry. The sweep that
-- writes them marks each link in the same UPDATE ... RETURNING, so several
-- portal nodes sweeping at once audit each link exactly once.

ALTER TABLE recovery_links ADD COLUMN lapsed_at INTEGER;

-- Latchkey portal schema v5 (SQLite): what a recovery request proved when
-- it was filed, and who forwarded it. See portal/store/SCHEMA.md.
--
-- A recovery link replaces the second factor only. The requesting app may
-- receive the link of an approved request only when whoever filed it proved
-- the account's password (password_proven); every other link goes by e-mail
-- to the stored address. forwarded_by keeps the forwarder once a platform
-- admin has decided the request, so nobody forwards and then approves.

ALTER TABLE recovery_requests ADD COLUMN password_proven INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recovery_requests ADD COLUMN forwarded_by INTEGER REFERENCES users(id);

-- Latchkey portal schema v2 (PostgreSQL): the link an approved recovery
-- request hands to the requesting app. See portal/store/SCHEMA.md.
--
-- The store keeps only the SHA-256 of a link token, so the token the app
-- must receive is kept sealed (AEAD, by the caller, bound to the request)
-- until the app's next poll takes it; taking it clears it.

ALTER TABLE recovery_requests
    ADD COLUMN delivery_key_id TEXT,
    ADD COLUMN delivery_ciphertext BYTEA,
    ADD COLUMN delivered_at TIMESTAMPTZ,
    ADD CONSTRAINT recovery_requests_delivery CHECK (
        (delivery_ciphertext IS NULL) = (delivery_key_id IS NULL)
        AND (delivery_ciphertext IS NULL OR length(delivery_ciphertext) BETWEEN 1 AND 8192));

-- The platform support queue reads forwarded requests of every tenant.
CREATE INDEX recovery_requests_status ON recovery_requests(status);

package portal

// adminRoutes: the team directory, 2FA resets, IP settings, tenants and users, and the audit log.
func (h *Handler) adminRoutes() []endpoint { return nil }

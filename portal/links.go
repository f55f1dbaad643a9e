package portal

// recoveryRoutes: the recovery queue, decisions, one-time links and the
// requester's poll.
func (h *Handler) recoveryRoutes() []endpoint { return nil }

package portal

// signInRoutes: sign-in, second factors, e-mail verification and enrolment.
func (h *Handler) signInRoutes() []endpoint { return nil }

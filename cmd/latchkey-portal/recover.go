package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/latchkey/latchkey/portal"
	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
)

// adminRecover is the break-glass for owners: on the portal's own host,
// whoever runs the portal issues a one-time recovery link for an owner and
// hands it over by a channel of their own (in person, by phone). Only an
// owner recovers an owner in the portal, so the install's only owner who
// lost their authenticator has nobody to ask; the host's operator, who
// can read the database anyway, is the one left.
//
// It is the same link as any other: single use, expiring, stored as a
// hash, and it replaces the second factor only: redeeming it asks for the
// owner's password. Issuing it revokes the owner's older links and is
// audited (actor "cli", the host), so the owner and their co-owners see it.
func adminRecover(ctx context.Context, args []string, e env) error {
	var c config
	var email string
	ttl := time.Hour
	f := newFlags("admin recover", e)
	c.storeFlags(f)
	f.str(&c.baseURL, "base-url", "", "the portal's public URL, from which the link is built (required)")
	f.fs.StringVar(&email, "email", "", "the owner's e-mail address (required)")
	f.fs.DurationVar(&ttl, "ttl", time.Hour, "how long the link works (at most "+portal.MaxLinkTTL.String()+")")
	if err := f.parse(args); err != nil {
		return usageErr(err)
	}
	if err := c.validateCommon(); err != nil {
		return usageErr(err)
	}
	email = strings.TrimSpace(email)
	switch {
	case email == "":
		return usageErr(errors.New("--email is required"))
	case c.baseURL == "":
		return usageErr(errors.New("--base-url is required: the link is built from it"))
	case ttl <= 0 || ttl > portal.MaxLinkTTL:
		return usageErr(fmt.Errorf("--ttl must be between 1s and %s", portal.MaxLinkTTL))
	}
	base, err := parseBaseURL(c.baseURL)
	if err != nil {
		return usageErr(err)
	}

	spec, _ := parseDB(c.db)
	st, _, err := openStore(ctx, spec)
	if err != nil {
		return err
	}
	defer st.Close()

	u, err := st.GetUserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user has the address %s", email)
	}
	if err != nil {
		return fmt.Errorf("looking the owner up: %w", err)
	}
	switch {
	case u.Role != store.RoleOwner:
		return fmt.Errorf("refusing: user %d is %s, not an owner; their tenant's admins recover them in the portal", u.ID, u.Role)
	case u.Locked:
		return fmt.Errorf("refusing: user %d is locked", u.ID)
	}

	tok := auth.NewToken()
	l, err := st.IssueRecoveryLink(ctx, store.NewRecoveryLink{
		UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: store.TokenHash(tok.Hash()), ExpiresAt: time.Now().Add(ttl),
	})
	if err != nil {
		return fmt.Errorf("issuing the link: %w", err)
	}
	details, _ := json.Marshal(map[string]any{"via": "latchkey-portal admin recover", "link_id": l.ID, "expires_at": l.ExpiresAt.UTC()})
	if _, err := st.AppendAudit(ctx, store.AuditEntry{Action: "link.issued", TargetUserID: u.ID, TenantID: u.TenantID, SourceAddr: "cli", Details: details}); err != nil {
		// A link nobody can account for must not work.
		if _, rerr := st.RevokeRecoveryLinks(ctx, u.ID); rerr != nil {
			return fmt.Errorf("the link's audit entry failed (%v) and so did withdrawing it: %w", err, rerr)
		}
		return fmt.Errorf("the link's audit entry failed, so it was withdrawn: %w", err)
	}
	link := base.JoinPath(strings.TrimPrefix(portal.PathRecoverLink, "/"))
	link.RawQuery = url.Values{"token": {tok.Encode()}}.Encode()
	fmt.Fprintf(e.stderr, "A one-time recovery link for owner %d <%s>, valid until %s.\n"+
		"Give it to them yourself (not by e-mail to an address an attacker may read). It removes their\n"+
		"authenticator and asks for their password; older links of theirs no longer work.\n",
		u.ID, u.Email, l.ExpiresAt.UTC().Format(time.RFC3339))
	fmt.Fprintln(e.stdout, link.String())
	return nil
}

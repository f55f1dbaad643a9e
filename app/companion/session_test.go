package companion

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/companion/companiontest"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/vault"
)

// addAccount puts u's authenticator with secret (or a stand-in when it
// has none) into w's vault as id, linked to the portal.
func (w *world) addAccount(id string, u store.User, secret string) {
	w.t.Helper()
	if secret == "" {
		secret = "JBSWY3DPEHPK3PXP"
	}
	a, err := otpauth.Parse(w.p.URI(w.t, u, secret))
	if err != nil {
		w.t.Fatal(err)
	}
	a.ID = id
	if err := w.v.Update(func(d *vault.Document) error { d.Accounts = append(d.Accounts, a); return nil }); err != nil {
		w.t.Fatal(err)
	}
}

func TestSignInStates(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		spec     companiontest.UserSpec
		enrolled bool
		password string
		errIs    error
		err      string
	}{
		{"second factor", companiontest.UserSpec{Role: store.RoleAdmin}, true, ownerPassword, nil, ""},
		{"wrong password", companiontest.UserSpec{Role: store.RoleAdmin}, true, "wrong password 123", ErrWrongPassword, ""},
		{"new network: confirm by e-mail", companiontest.UserSpec{Role: store.RoleAdmin, NewNetwork: true}, true, ownerPassword, ErrVerifyAddress, ""},
		{"no authenticator yet: enrol first", companiontest.UserSpec{Role: store.RoleAdmin}, false, ownerPassword, ErrEnrolFirst, ""},
		{"address never confirmed", companiontest.UserSpec{Role: store.RoleAdmin, Unconfirmed: true, NewNetwork: true}, false, ownerPassword, ErrVerifyEmail, ""},
		{"empty password", companiontest.UserSpec{Role: store.RoleAdmin}, true, "", nil, "the password is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			spec := tt.spec
			spec.Tenant, spec.Email, spec.Password = w.owner.TenantID, "adam@acme.example", ownerPassword
			u := w.p.NewUser(t, spec)
			secret := ""
			if tt.enrolled {
				secret = w.p.Enrol(t, u)
			}
			w.addAccount("adam", u, secret)
			got, err := w.c.SignIn(ctx, "adam", tt.password)
			switch {
			case tt.errIs == nil && tt.err == "":
				if err != nil || got.Session.Portal != w.p.URL || got.Who.User.Role != api.AdminRoleAdmin || got.WhoErr != nil {
					t.Fatalf("sign-in: %+v %v", got, err)
				}
				if s, err := w.c.SessionFor(""); err != nil || s.AccountID != "adam" || !s.ExpiresAt.After(w.clk.Now()) {
					t.Fatalf("kept session: %v %v", s, err)
				}
			case tt.errIs != nil && !errors.Is(err, tt.errIs), tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want %v %q", err, tt.errIs, tt.err)
			default:
				if len(w.c.Sessions()) != 0 {
					t.Error("a refused sign-in kept a session")
				}
			}
			if err != nil && strings.Contains(err.Error(), ownerPassword) {
				t.Error("the error shows the password")
			}
		})
	}
}

func TestSignInTriesTheNextCodeOnce(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.addAccount("olga", w.owner, w.p.Enrol(t, w.owner))
	// The first spends this period's code, the second the next one's: a
	// third in the same period has none left.
	for i, want := range []error{nil, nil, ErrCodeNotAccepted} {
		_, err := w.c.SignIn(ctx, "olga", ownerPassword)
		if !errors.Is(err, want) {
			t.Fatalf("sign-in %d: %v, want %v", i+1, err, want)
		}
	}
}

func TestSessionsKeptPerPortal(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.addAccount("olga", w.owner, w.p.Enrol(t, w.owner))
	first, err := w.c.SignIn(ctx, "olga", ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%v %+v %#v", first.Session, first.Session, first.Session); strings.Contains(s, first.Session.token) {
		t.Errorf("a session prints its token: %s", s)
	}
	stored := reopen(t, w.v, w.vopts).Document()
	if a, _ := stored.Account("olga"); a.Portal.SessionToken != first.Session.token {
		t.Fatal("the session is not in the vault")
	}
	// Another account of the same portal signing in replaces the session,
	// which the portal then refuses.
	w.clk.Add(time.Minute)
	if _, err := w.c.SignIn(ctx, "a1", userPassword); err != nil {
		t.Fatal(err)
	}
	if all := w.c.Sessions(); len(all) != 1 || all[0].AccountID != "a1" {
		t.Fatalf("sessions: %v", all)
	}
	if _, err := w.admin.Session(ctx, first.Session.token); err == nil {
		t.Error("the replaced session still works")
	}
	if _, err := w.c.SessionFor("https://other.example"); !errors.Is(err, ErrNotSignedIn) {
		t.Errorf("another portal: %v", err)
	}
	if _, err := w.c.SessionFor(w.p.URL + "/"); err != nil {
		t.Errorf("the portal's URL with a slash: %v", err)
	}
	kept := w.c.Sessions()[0]
	gone, err := w.c.SignOut(ctx, "")
	if err != nil || len(gone) != 1 {
		t.Fatalf("sign out: %v %v", gone, err)
	}
	if _, err := w.admin.Session(ctx, kept.token); err == nil {
		t.Error("the portal still takes a signed-out session")
	}
	if _, err := w.c.SessionFor(""); !errors.Is(err, ErrNotSignedIn) {
		t.Errorf("after sign-out: %v", err)
	}
	if gone, err := w.c.SignOut(ctx, ""); err != nil || gone != nil {
		t.Errorf("signing out twice: %v %v", gone, err)
	}
}

func TestAdminSessionEnds(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.addAccount("olga", w.owner, w.p.Enrol(t, w.owner))
	if _, err := w.c.SignIn(ctx, "olga", ownerPassword); err != nil {
		t.Fatal(err)
	}
	a, err := w.c.Admin("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.p.Store.RevokeUserSessions(ctx, w.owner.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Users(ctx, api.AdminUserQuery{}); !errors.Is(err, ErrSessionEnded) {
		t.Fatalf("a revoked session: %v", err)
	}
	if len(w.c.Sessions()) != 0 {
		t.Error("an ended session is still kept")
	}
	// Expiry by the clock alone.
	if _, err := w.c.SignIn(ctx, "olga", ownerPassword); err != nil {
		t.Fatal(err)
	}
	w.clk.Add(13 * time.Hour)
	if _, err := w.c.Admin(""); !errors.Is(err, ErrNotSignedIn) {
		t.Errorf("an expired session: %v", err)
	}
}

func TestAdminCalls(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	w.addAccount("olga", w.owner, w.p.Enrol(t, w.owner))
	if _, err := w.c.SignIn(ctx, "olga", ownerPassword); err != nil {
		t.Fatal(err)
	}
	a, err := w.c.Admin(w.p.URL)
	if err != nil {
		t.Fatal(err)
	}
	phrase := w.request()
	reqID := w.pendingID()
	tests := []struct {
		name   string
		call   func() (any, error)
		status int    // of the refusal, 0 when it succeeds
		reason string // in the refusal
		check  func(any) string
	}{
		{"directory", func() (any, error) { return a.Users(ctx, api.AdminUserQuery{Query: "ann@"}) }, 0, "", func(v any) string {
			l := v.(api.AdminUserList)
			if len(l.Users) != 1 || l.Users[0].ID != w.user.ID || !l.Users[0].RecoveryPending {
				return fmt.Sprintf("users %+v", l.Users)
			}
			return ""
		}},
		{"find by address", func() (any, error) { return a.FindUser(ctx, "ANN@acme.example", 0) }, 0, "", func(v any) string {
			if v.(int64) != w.user.ID {
				return fmt.Sprint("found ", v)
			}
			return ""
		}},
		{"queue", func() (any, error) { return a.Requests(ctx, api.RecoveryPending) }, 0, "", func(v any) string {
			q := v.([]api.RecoveryQueueItem)
			if len(q) != 1 || q[0].Phrase != phrase || !q[0].Matched {
				return fmt.Sprint("queue ", q)
			}
			return ""
		}},
		{"approve with a wrong phrase", func() (any, error) { return a.Approve(ctx, reqID, "not the phrase") }, 422, "does not match", nil},
		{"reset own 2FA", func() (any, error) { return a.Reset2FA(ctx, w.owner.ID) }, 403, "for their own account", nil},
		{"approve", func() (any, error) { return a.Approve(ctx, reqID, strings.ToUpper(phrase)) }, 0, "", func(v any) string {
			d := v.(api.RecoveryDecision)
			if d.Link == nil || d.Link.Emailed || !d.Link.ForApp || d.Request.Status != api.RecoveryLinkIssued {
				return fmt.Sprintf("decision %+v", d)
			}
			return ""
		}},
		{"deny a decided request", func() (any, error) { return a.Deny(ctx, reqID, "") }, 409, "", nil},
		{"issue a link", func() (any, error) { return a.IssueLink(ctx, w.user.ID) }, 0, "", nil},
		{"ip verification off", func() (any, error) { return a.SetIPVerification(ctx, w.user.ID, false) }, 0, "", func(v any) string {
			if !v.(api.AdminUser).SkipIPVerification {
				return "not skipped"
			}
			return ""
		}},
		{"lock", func() (any, error) { return a.SetLocked(ctx, w.user.ID, true) }, 0, "", func(v any) string {
			if !v.(api.AdminUser).Locked {
				return "not locked"
			}
			return ""
		}},
		{"reset", func() (any, error) { return a.Reset2FA(ctx, w.user.ID) }, 0, "", func(v any) string {
			if v.(api.AdminUser).Enrolled {
				return "still enrolled"
			}
			return ""
		}},
		{"tenants", func() (any, error) { return a.Tenants(ctx) }, 0, "", func(v any) string {
			if ts := v.([]api.AdminTenant); len(ts) != 1 || ts[0].Name != "Acme" || ts[0].Relation != api.AdminRelationOwn {
				return fmt.Sprint("tenants ", ts)
			}
			return ""
		}},
		{"audit", func() (any, error) {
			return a.Audit(ctx, api.AdminAuditQuery{UserID: w.user.ID, Action: "recovery.approved", Limit: 5})
		}, 0, "", func(v any) string {
			if p := v.(api.AdminAuditPage); len(p.Entries) != 1 || p.Entries[0].ActorID != w.owner.ID {
				return fmt.Sprint("audit ", p.Entries)
			}
			return ""
		}},
		{"unknown user", func() (any, error) { return a.FindUser(ctx, "nobody@acme.example", 0) }, -1, "no user with that e-mail address", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call()
			var apiErr *api.APIError
			switch {
			case tt.status == 0:
				if err != nil {
					t.Fatal(err)
				}
				if tt.check != nil {
					if msg := tt.check(got); msg != "" {
						t.Error(msg)
					}
				}
			case tt.status < 0:
				if err == nil || !strings.Contains(err.Error(), tt.reason) {
					t.Fatalf("error %v, want %q", err, tt.reason)
				}
			case !errors.As(err, &apiErr) || apiErr.Status != tt.status || !strings.Contains(apiErr.Message, tt.reason):
				t.Fatalf("error %v, want %d %q", err, tt.status, tt.reason)
			}
		})
	}
	if n := w.p.Hits(http.MethodPost, api.PathSignIn); n != 1 {
		t.Errorf("%d sign-ins for one session", n)
	}
}

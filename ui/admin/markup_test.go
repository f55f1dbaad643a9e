package admin

import (
	"context"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/latchkey/latchkey/app/companion"
	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/ui/schedule/scheduletest"
	"github.com/latchkey/latchkey/ui/uitest"
)

// The masters in testdata/ are the console's team and recovery requests
// tabs, over a fixed portal. After a deliberate change, copy
// testdata/failed/*.xml over them and look at the diff.

// fakeAdmin is a fixed portal for the console's masters.
type fakeAdmin struct{}

var consoleEpoch = time.Date(2026, 11, 20, 14, 30, 0, 0, time.UTC)

func (fakeAdmin) Info() api.SessionInfo {
	return api.SessionInfo{User: api.SessionUser{ID: 1, Email: "ada@acme.example", Name: "Ada Admin", Role: "admin"},
		Tenant: api.SessionTenant{ID: 1, Name: "Acme MSP"}, Scope: "full"}
}

func allowAll(actions ...string) []api.AdminAction {
	out := make([]api.AdminAction, len(actions))
	for i, a := range actions {
		out[i] = api.AdminAction{Action: a, Allowed: true}
	}
	return out
}

func (fakeAdmin) Tenants(context.Context) ([]api.AdminTenant, error) {
	all := allowAll(api.AdminActionViewDirectory, api.AdminActionViewAudit)
	return []api.AdminTenant{
		{ID: 1, Name: "Acme MSP", Relation: api.AdminRelationOwn, Actions: all},
		{ID: 2, ParentID: 1, Name: "Contoso", Relation: api.AdminRelationChild, Actions: all},
	}, nil
}

func (fakeAdmin) Users(_ context.Context, q api.AdminUserQuery) (api.AdminUserList, error) {
	userActions := allowAll(api.AdminActionIssueLink, api.AdminActionReset2FA, api.AdminActionSetIPSkip, api.AdminActionLock)
	own := []api.AdminAction{
		{Action: api.AdminActionIssueLink, Reason: "nobody may issue a recovery link for their own account; ask another admin"},
		{Action: api.AdminActionReset2FA, Reason: "nobody may reset 2FA for their own account; ask another admin"},
		{Action: api.AdminActionSetIPSkip, Allowed: true},
		{Action: api.AdminActionLock, Reason: "nobody may lock their own account; ask another admin"},
	}
	return api.AdminUserList{TenantID: 1, Total: 3, Users: []api.AdminUser{
		{ID: 1, TenantID: 1, Email: "ada@acme.example", Name: "Ada Admin", Role: "admin", Enrolled: true, EmailVerified: true, CreatedAt: consoleEpoch, Actions: own},
		{ID: 2, TenantID: 1, Email: "bob@acme.example", Name: "Bob Tech", Role: "technician", Enrolled: true, RecoveryPending: true, EmailVerified: true, CreatedAt: consoleEpoch, Actions: userActions},
		{ID: 3, TenantID: 1, Email: "carol@acme.example", Name: "Carol Reader", Role: "read_only", EmailVerified: true, SkipIPVerification: true, CreatedAt: consoleEpoch, Actions: userActions},
	}}, nil
}

func (fakeAdmin) Requests(context.Context, string) ([]api.RecoveryQueueItem, error) {
	return []api.RecoveryQueueItem{{
		ID: 7, Status: api.RecoveryPending, Email: "bob@acme.example", Message: "Lost my phone on the train; call my desk.",
		Phrase: "maple river orbit candle", SourceAddr: "198.51.100.7", CreatedAt: consoleEpoch, UpdatedAt: consoleEpoch,
		ExpiresAt: consoleEpoch.Add(24 * time.Hour), Matched: true, TenantID: 1, TenantName: "Acme MSP",
		User:    &api.RecoveryQueueUser{ID: 2, Name: "Bob Tech", Email: "bob@acme.example", Role: "technician"},
		Actions: []string{api.RecoveryActionApprove, api.RecoveryActionDeny},
	}}, nil
}

func (fakeAdmin) Approve(context.Context, int64, string) (api.RecoveryDecision, error) {
	return api.RecoveryDecision{}, nil
}

func (fakeAdmin) Deny(context.Context, int64, string) (api.RecoveryDecision, error) {
	return api.RecoveryDecision{}, nil
}

func (fakeAdmin) Forward(context.Context, int64) (api.RecoveryDecision, error) {
	return api.RecoveryDecision{}, nil
}

func (fakeAdmin) IssueLink(context.Context, int64) (api.IssuedLink, error) {
	return api.IssuedLink{}, nil
}

func (fakeAdmin) Reset2FA(context.Context, int64) (api.AdminUser, error) {
	return api.AdminUser{}, nil
}

func (fakeAdmin) SetIPVerification(context.Context, int64, bool) (api.AdminUser, error) {
	return api.AdminUser{}, nil
}

func (fakeAdmin) SetLocked(context.Context, int64, bool) (api.AdminUser, error) {
	return api.AdminUser{}, nil
}

func (fakeAdmin) Audit(context.Context, api.AdminAuditQuery) (api.AdminAuditPage, error) {
	return api.AdminAuditPage{Entries: []api.AdminAuditEntry{
		{ID: 12, At: consoleEpoch.Add(5 * time.Minute), ActorID: 1, Action: "recovery.approved", TargetUserID: 2, TenantID: 1, SourceAddr: "192.0.2.10", Details: []byte(`{"request_id":7}`)},
		{ID: 11, At: consoleEpoch, ActorID: 0, Action: "recovery.requested", TargetUserID: 2, TenantID: 1, SourceAddr: "198.51.100.7", Details: []byte(`{"request_id":7}`)},
	}}, nil
}

func (fakeAdmin) SignOut(context.Context) error { return nil }

// fixedConsole is a console signed in to s, which never calls a portal.
func fixedConsole(t *testing.T, s session) *Console {
	uitest.InUTC(t)
	c := New(newApp(t), noCompanion{}, scheduletest.New(epoch), Account{
		ID: "ada", Label: "Acme portal: ada@acme.example", Portal: "https://portal.acme.example", Email: "ada@acme.example",
	})
	t.Cleanup(c.Close)
	c.win.Resize(fyne.NewSize(980, 600))
	c.signedIn(s)
	return c
}

// noCompanion keeps no session and signs nobody in.
type noCompanion struct{}

func (noCompanion) SessionFor(string) (companion.Session, error) {
	return companion.Session{}, companion.ErrNotSignedIn
}

func (noCompanion) SignIn(context.Context, string, string) (companion.SignedIn, error) {
	return companion.SignedIn{}, companion.ErrWrongPassword
}

func (noCompanion) Admin(string) (*companion.Admin, error) { return nil, companion.ErrNotSignedIn }

func (noCompanion) SignOut(context.Context, string) ([]companion.Session, error) { return nil, nil }

func TestTeamMarkup(t *testing.T) {
	c := fixedConsole(t, fakeAdmin{})
	c.team.list.Select(0) // Ada: her own row, actions greyed with the reasons
	test.AssertRendersToMarkup(t, "team.xml", c.win.Canvas())
}

func TestRequestsMarkup(t *testing.T) {
	c := fixedConsole(t, fakeAdmin{})
	c.tabs.SelectIndex(1)
	c.queue.list.Select(0)
	test.AssertRendersToMarkup(t, "requests.xml", c.win.Canvas())
}

// pagedAdmin has an audit log of two pages.
type pagedAdmin struct {
	fakeAdmin
	asked []int64 // the Before of each page asked for
}

func (p *pagedAdmin) Audit(_ context.Context, q api.AdminAuditQuery) (api.AdminAuditPage, error) {
	p.asked = append(p.asked, q.Before)
	if q.Before == 0 {
		return api.AdminAuditPage{NextBefore: 11, Entries: []api.AdminAuditEntry{
			{ID: 12, At: consoleEpoch.Add(time.Minute), ActorID: 1, Action: "user.locked", TargetUserID: 2},
			{ID: 11, At: consoleEpoch, ActorID: 1, Action: "user.unlocked", TargetUserID: 3},
		}}, nil
	}
	return api.AdminAuditPage{Entries: []api.AdminAuditEntry{{ID: 10, At: consoleEpoch.Add(-time.Hour), Action: "recovery.requested"}}}, nil
}

func TestAuditPaging(t *testing.T) {
	fake := &pagedAdmin{}
	c := fixedConsole(t, fake)
	if len(fake.asked) != 0 {
		t.Error("the audit log is read before its tab is opened")
	}
	c.tabs.SelectIndex(2)
	au := c.audit
	if len(au.entries) != 2 || au.entries[0].ID != 12 || !au.newer.Disabled() || au.older.Disabled() {
		t.Fatalf("first page: %d entries, newer enabled %v, older enabled %v", len(au.entries), !au.newer.Disabled(), !au.older.Disabled())
	}
	if !uitest.ShowsText(t, "user.locked   by Ada Admin → Bob Tech", c.win.Content()) {
		t.Errorf("an entry does not name who did what to whom: %q", uitest.Texts(t, c.win.Content()))
	}
	test.Tap(au.older)
	if len(au.entries) != 1 || au.entries[0].ID != 10 || !au.older.Disabled() || au.newer.Disabled() || !uitest.ShowsText(t, "Page 2", c.win.Content()) {
		t.Fatalf("second page: %+v", au.entries)
	}
	test.Tap(au.newer)
	if len(au.entries) != 2 || !slices.Equal(fake.asked, []int64{0, 11, 0}) {
		t.Fatalf("back to the first page: %d entries, pages asked %v", len(au.entries), fake.asked)
	}
}

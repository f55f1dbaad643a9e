package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/latchkey/latchkey/portal/api"
	"github.com/latchkey/latchkey/ui/uitest"
	"github.com/latchkey/latchkey/vault"
)

// The master portal_recovery.xml is the recovery dialog; see
// markup_test.go for updating it. The admin console's are in ui/admin.

func TestRecoveryDialogMarkup(t *testing.T) {
	uitest.InUTC(t)
	// Checked a moment ago: the dialog asks the portal only in 10 s, so
	// the master needs no portal.
	a := linkedAccount("ann", "ann@acme.example", annSecret, "https://portal.acme.example")
	a.Portal.Recovery = &vault.RecoveryRequest{
		State: vault.RecoverySent, Phrase: "maple river orbit candle", PollToken: "lkp_TESTPOLLTOKEN0123456789",
		RequestedAt: recoverEpoch, SentAt: recoverEpoch, ExpiresAt: recoverEpoch.Add(24 * time.Hour),
		PortalStatus: api.RecoveryPending, CheckedAt: recoverEpoch, LinkTo: api.LinkToApp,
	}
	e := newEnv(t, recoverEpoch).withAccounts(a)
	w := e.open()
	w.win.Resize(fyne.NewSize(600, 560))
	w.list.showRecovery(w.list.shown[0])
	test.AssertRendersToMarkup(t, "portal_recovery.xml", w.win.Canvas())
}

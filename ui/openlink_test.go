package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/latchkey/latchkey/vault"
)

func TestOpenLinkAsksFirst(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts()
	w := e.open()
	w.OpenLink(annURI)
	if len(e.vaultAccounts()) != 0 {
		t.Fatal("a clicked link added an account without asking")
	}
	if !hasText(t, w, "Add Acme: ann") {
		t.Fatal("the confirmation does not say what will be added")
	}
	test.Tap(button(t, w, "Add"))
	if got := e.vaultAccounts(); len(got) != 1 || got[0].Issuer != "Acme" {
		t.Fatalf("after Add: %+v", got)
	}
}

func TestOpenLinkCancelAddsNothing(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts()
	w := e.open()
	w.OpenLink(annURI)
	test.Tap(button(t, w, "Cancel"))
	if len(e.vaultAccounts()) != 0 {
		t.Fatal("Cancel added the account")
	}
}

func TestOpenLinkNeverReplacesByDefault(t *testing.T) {
	old := acct("old", "Acme", "ann", "KRSXG5CTMVRXEZLU")
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts(old)
	w := e.open()
	w.OpenLink(annURI) // same issuer and name, another secret
	test.Tap(button(t, w, "Add"))
	if got := e.vaultAccounts(); len(got) != 1 || got[0].Secret != "KRSXG5CTMVRXEZLU" {
		t.Fatalf("a link replaced an account without the user choosing so: %+v", got)
	}
	if got := w.list.toast.label.Text; got != "Kept Acme: ann as it was." {
		t.Errorf("toast %q", got)
	}
}

func TestOpenLinkWaitsForUnlock(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts()
	e.cfg.Keyring = vault.NoKeyring{}
	w := e.open()
	w.OpenLink(annURI)
	if w.vault != nil || len(overlays(w)) != 0 {
		t.Fatal("the link was handled before unlocking")
	}
	test.Type(passwordEntries(t, w)[0], testPass)
	test.Tap(button(t, w, "Unlock"))
	if !hasText(t, w, "Add Acme: ann") {
		t.Fatal("the pending link was not shown after unlocking")
	}
}

func TestOpenLinkRefusesOtherSchemes(t *testing.T) {
	e := newEnv(t, time.Unix(1e9, 0)).withAccounts()
	w := e.open()
	w.OpenLink("https://evil.example/otpauth://totp/x?secret=JBSWY3DP")
	if !hasText(t, w, "otpauth:// and otpauth-migration:// links only") || len(e.vaultAccounts()) != 0 {
		t.Fatal("a non-otpauth link was not refused")
	}
}

// Package lockedout owns the content of the locked-out guide: the five
// steps portals' own help pages give (check the clock, check that the
// authenticator is the one enrolled, use a backup code, use the recovery
// code, ask an admin), filled in for one account from the vault and the
// latest clock check. It is data only: the UI's guided page and `latchkey
// help locked-out` render it. Everything but the clock check works offline;
// the caller runs that check (app/clock) and passes its result, or nil.
package lockedout

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/latchkey/latchkey/app/backupcodes"
	"github.com/latchkey/latchkey/app/clock"
	"github.com/latchkey/latchkey/vault"
)

// Kind names a step.
type Kind string

// The steps, in the order the guide gives them.
const (
	StepClock    Kind = "clock"
	StepEnrolled Kind = "enrolled"
	StepBackup   Kind = "backup_code"
	StepRecovery Kind = "recovery_code"
	StepAdmin    Kind = "admin"
)

// State says what a step means for this account.
type State string

// The states of a step.
const (
	// Fine: nothing wrong found here; move on.
	Fine State = "fine"
	// Attention: this is likely the problem, or the way out; act on it.
	Attention State = "attention"
	// Unknown: not checked (the clock check was not run or found no source).
	Unknown State = "unknown"
	// Unavailable: this way out does not exist for the account.
	Unavailable State = "unavailable"
)

// Step is one step of the guide.
type Step struct {
	Number int
	Kind   Kind
	Title  string
	State  State
	// Lines explain the step in plain words, one sentence each.
	Lines []string
}

// Entry identifies another vault entry for the same account.
type Entry struct {
	ID      string
	Created time.Time
}

// Guide is the guide for one account.
type Guide struct {
	AccountID string
	// Label is "Issuer: Name".
	Label string
	Steps []Step
	// Older are entries for the same issuer and name added before this
	// one: leftovers of an earlier setup whose codes no longer work.
	Older []Entry
	// Newer are entries for the same account added after this one: the
	// portal probably only accepts the newest.
	Newer      []Entry
	BackupLeft int
	// AdminMessage is the text to copy into a message to an admin.
	AdminMessage string
}

// Input is what the guide is built from.
type Input struct {
	Account vault.Account
	// All is every account in the vault, to find other entries for the
	// same account.
	All []vault.Account
	// Clock is the latest check, or nil when none ran (offline use).
	Clock *clock.Result
	// Now is when the user is locked out, for the admin message.
	Now time.Time
}

// Build fills in the guide for one account.
func Build(in Input) Guide {
	a := in.Account
	g := Guide{AccountID: a.ID, Label: a.Label(), BackupLeft: a.BackupCodesLeft()}
	g.Older, g.Newer = sameAccount(a, in.All)
	g.AdminMessage = adminMessage(a, in.Clock, in.Now)
	g.Steps = []Step{
		clockStep(in.Clock),
		enrolledStep(a, g.Older, g.Newer),
		backupStep(a),
		recoveryStep(a),
		adminStep(a),
	}
	for i := range g.Steps {
		g.Steps[i].Number = i + 1
	}
	return g
}

func sameAccount(a vault.Account, all []vault.Account) (older, newer []Entry) {
	for _, o := range all {
		if o.ID == a.ID || o.LabelKey() != a.LabelKey() {
			continue
		}
		e := Entry{ID: o.ID, Created: o.Created}
		if o.Created.After(a.Created) {
			newer = append(newer, e)
		} else {
			older = append(older, e)
		}
	}
	byDate := func(x, y Entry) int { return x.Created.Compare(y.Created) }
	slices.SortFunc(older, byDate)
	slices.SortFunc(newer, byDate)
	return older, newer
}

func clockStep(r *clock.Result) Step {
	s := Step{Kind: StepClock, Title: "Check the computer's clock"}
	switch {
	case r == nil:
		s.State = Unknown
		s.Lines = []string{"Not checked. Codes fail when the clock is more than about 30 s off: run 'latchkey clock' when online."}
	case r.Status == clock.StatusUnverified:
		s.State = Unknown
		s.Lines = []string{r.Message, "Compare the clock with a phone or another trusted clock by hand."}
	case r.Status == clock.StatusOK || r.Status == clock.StatusInfo:
		s.State = Fine
		s.Lines = []string{r.Message, "The clock is not why codes are refused."}
	default:
		s.State = Attention
		s.Lines = append([]string{r.Message}, r.Steps...)
		if r.Hint != "" {
			s.Lines = append(s.Lines, r.Hint)
		}
	}
	return s
}

func enrolledStep(a vault.Account, older, newer []Entry) Step {
	s := Step{Kind: StepEnrolled, Title: "Is this authenticator entry the one enrolled?", State: Fine}
	if !a.Created.IsZero() {
		s.Lines = append(s.Lines, "This entry was added on "+day(a.Created)+". If the portal's 2FA was set up again after that, its codes no longer work.")
	}
	if len(newer) > 0 {
		s.State = Attention
		s.Lines = append(s.Lines, fmt.Sprintf("A newer entry for the same account was added on %s: use that one.", day(newer[len(newer)-1].Created)))
	}
	for _, o := range older {
		s.State = Attention
		s.Lines = append(s.Lines, fmt.Sprintf("An older entry for the same account, added on %s, is left from an earlier setup: remove it, its codes no longer work.", day(o.Created)))
	}
	if len(s.Lines) == 0 {
		s.Lines = []string{"If the portal's 2FA was set up again on another device, this entry's codes no longer work."}
	}
	return s
}

func backupStep(a vault.Account) Step {
	s := Step{Kind: StepBackup, Title: "Sign in with a backup code"}
	sum := backupcodes.Summarize(a)
	switch {
	case sum.Left > 0:
		s.State = Attention
		s.Lines = []string{fmt.Sprintf("%s left. Copy one, mark it used, and sign in with it.", plural(sum.Left, "backup code")),
			"Then generate new codes at the portal if few are left."}
	case sum.Used > 0:
		s.State = Unavailable
		s.Lines = []string{"All backup codes are used."}
	default:
		s.State = Unavailable
		s.Lines = []string{"No backup codes are stored for this account."}
	}
	return s
}

func recoveryStep(a vault.Account) Step {
	s := Step{Kind: StepRecovery, Title: "Use the recovery code"}
	switch {
	case a.RecoveryCode == "":
		s.State = Unavailable
		s.Lines = []string{"No recovery code is stored for this account."}
	case a.RecoveryFromPreviousSetup:
		s.State = Attention
		s.Lines = []string{"A recovery code is stored, from a previous setup: it may no longer work, but try it."}
	default:
		s.State = Attention
		s.Lines = []string{"A recovery code is stored: the portal's sign-in page has a link such as \"Use a recovery code\"."}
	}
	return s
}

func adminStep(a vault.Account) Step {
	s := Step{Kind: StepAdmin, Title: "Ask an admin for a recovery link", State: Attention}
	who := "your IT admin or the provider's support"
	if a.Portal != nil && a.Portal.URL != "" {
		who = "the admin of " + a.Portal.URL
	}
	s.Lines = []string{
		"Send " + who + " the message below, by a channel they know is yours (not from a new address).",
		"They can send a one-time link to set up two-factor sign-in again; open it soon, it expires.",
	}
	return s
}

func adminMessage(a vault.Account, r *clock.Result, now time.Time) string {
	var b strings.Builder
	b.WriteString("Hello,\n\nI am locked out of the two-factor sign-in of this account:\n")
	fmt.Fprintf(&b, "  Service: %s\n  Account: %s\n", orNone(a.Issuer), orNone(a.Name))
	if a.Portal != nil && a.Portal.URL != "" {
		fmt.Fprintf(&b, "  Portal:  %s\n", a.Portal.URL)
		if a.Portal.Tenant != "" {
			fmt.Fprintf(&b, "  Tenant:  %s\n", a.Portal.Tenant)
		}
	}
	fmt.Fprintf(&b, "\nMy authenticator's codes were refused at %s (%s UTC).\n",
		now.Format("2 Jan 2006 15:04 MST"), now.UTC().Format("2006-01-02 15:04"))
	if r != nil && r.Verified {
		fmt.Fprintf(&b, "My computer's clock was %s against %s at the time.\n", clock.Describe(r.Offset), r.Source)
	}
	b.WriteString(codesLine(a))
	b.WriteString("Please send me a one-time recovery link so that I can set up two-factor sign-in again.\n\nThank you.\n")
	return b.String()
}

func codesLine(a vault.Account) string {
	switch left := a.BackupCodesLeft(); {
	case left > 0:
		return fmt.Sprintf("I still have %s, but they do not let me in.\n", plural(left, "backup code"))
	case len(a.BackupCodes) > 0:
		return "I have used all my backup codes.\n"
	}
	return "I have no backup codes for it.\n"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func day(t time.Time) string { return t.Format("2 January 2006") }

// Generic is the guide without an account, for `latchkey help locked-out`.
func Generic() []Step {
	steps := []Step{
		{Kind: StepClock, Title: "Check the computer's clock", Lines: []string{"Codes fail when the clock is more than about 30 s off. Run 'latchkey clock'."}},
		{Kind: StepEnrolled, Title: "Is this authenticator entry the one enrolled?", Lines: []string{"If 2FA was set up again, only the newest entry works; remove older ones ('latchkey list')."}},
		{Kind: StepBackup, Title: "Sign in with a backup code", Lines: []string{"'latchkey backup-codes QUERY list' shows them; 'use CODE' marks one used and prints it."}},
		{Kind: StepRecovery, Title: "Use the recovery code", Lines: []string{"'latchkey backup-codes QUERY list' shows it, when one is stored."}},
		{Kind: StepAdmin, Title: "Ask an admin for a recovery link", Lines: []string{"'latchkey help locked-out QUERY' writes the message to send, with the account and the time."}},
	}
	for i := range steps {
		steps[i].Number, steps[i].State = i+1, Unknown
	}
	return steps
}

package app

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/latchkey/latchkey/vault"
)

func TestOutcome(t *testing.T) {
	ann := acct("Huntress", "ann@msp.example", "AAAAAAAA")
	bob := acct("Acme", "bob", "BBBBBBBB")
	existing := []vault.Account{ann, bob}
	many := func(n int) []vault.Account {
		var out []vault.Account
		for i := range n {
			out = append(out, acct(fmt.Sprintf("Tenant %02d", i+1), "tech", fmt.Sprintf("CCCCCC%02d", i)))
		}
		return out
	}
	tests := []struct {
		name    string
		found   []vault.Account
		replace bool
		dryRun  bool
		want    []string
		unnamed int
	}{
		{name: "one added", found: []vault.Account{acct("Huntress", "carl@msp.example", "DDDDDDDD")},
			want: []string{"Added Huntress: carl@msp.example."}},
		{name: "two added", found: many(2),
			want: []string{"Added 2 accounts: Tenant 01: tech and Tenant 02: tech."}},
		{name: "three named", found: many(3),
			want: []string{"Added 3 accounts: Tenant 01: tech, Tenant 02: tech and Tenant 03: tech."}},
		{name: "twelve counted", found: many(12), unnamed: 9,
			want: []string{"Added 12 accounts: Tenant 01: tech, Tenant 02: tech, Tenant 03: tech and 9 more."}},
		{name: "dry run", found: many(1), dryRun: true,
			want: []string{"Would add Tenant 01: tech."}},
		{name: "already there", found: []vault.Account{ann},
			want: []string{"Skipped Huntress: ann@msp.example, already in the vault."}},
		{name: "already there by another name", found: []vault.Account{acct("", "bob", "BBBBBBBB")},
			want: []string{"Skipped bob, already in the vault as Acme: bob."}},
		{name: "found twice", found: []vault.Account{acct("", "", "EEEEEEEE"), acct("", "", "EEEEEEEE")},
			want: []string{"Added an account without a name.", "Skipped an account without a name, found twice."}},
		{name: "replaced and added", found: append([]vault.Account{acct("Acme", "bob", "FFFFFFFF")}, many(1)...), replace: true,
			want: []string{"Added Tenant 01: tech.", "Replaced Acme: bob."}},
		{name: "waiting for a decision", found: []vault.Account{acct("Acme", "bob", "FFFFFFFF")},
			want: []string{"No account was added."}},
		{name: "waiting, dry run", found: []vault.Account{acct("Acme", "bob", "FFFFFFFF")}, dryRun: true,
			want: []string{"No account would be added."}},
		{name: "nothing found", want: []string{"No account was found."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := PlanAdd(existing, entries(tt.found...), tt.replace).Outcome(tt.dryRun)
			if !reflect.DeepEqual(o.Sentences, tt.want) || o.Unnamed != tt.unnamed {
				t.Errorf("Outcome = %q, %d unnamed; want %q, %d", o.Sentences, o.Unnamed, tt.want, tt.unnamed)
			}
		})
	}
}

// A reconfigured account the user chose to keep, and several skipped, are
// told apart from the ones already in the vault.
func TestOutcomeAfterDecisions(t *testing.T) {
	old := acct("Acme", "bob", "BBBBBBBB")
	existing := []vault.Account{old, acct("A", "1", "AAAAAAA1"), acct("A", "2", "AAAAAAA2")}
	plan := PlanAdd(existing, entries(acct("Acme", "bob", "FFFFFFFF"), acct("A", "1", "AAAAAAA1"), acct("A", "2", "AAAAAAA2")), false)
	plan.Items[0].Action = ActionSkip // as the CLI and the dialog record "keep the old one"
	want := []string{"Skipped 2 accounts already in the vault: A: 1 and A: 2.", "Kept Acme: bob as it was."}
	if got := plan.Outcome(false).Sentences; !reflect.DeepEqual(got, want) {
		t.Errorf("Outcome = %q, want %q", got, want)
	}
	if got := plan.Outcome(true).Sentences; got[1] != "Would keep Acme: bob as it was." {
		t.Errorf("dry run: %q", got)
	}
}

package app

import (
	"fmt"
	"strings"
)

// Outcome is what applying a plan did, or would do, in words for people.
// The CLI prints it and the Add dialog shows it as it is.
type Outcome struct {
	// Sentences name the accounts added, replaced, skipped and kept, one
	// sentence for each kind: "Added Huntress: ann@msp.example.", "Added 12
	// accounts: A, B, C and 9 more.", "Skipped Acme: bob, already in the
	// vault.". Accounts still awaiting a decision (ActionAsk) are left to
	// whoever asks about them.
	Sentences []string
	// Unnamed counts the accounts the sentences count without naming them
	// (the 9 of "and 9 more"): where there is room, list them all.
	Unnamed int
}

// outcomeNames is how many accounts a sentence names before it counts the
// rest.
const outcomeNames = 3

// Outcome says what Apply does with the plan or, with dryRun, what it
// would do.
func (p *Plan) Outcome(dryRun bool) Outcome {
	var added, replaced, inVault, twice, kept []Item
	for _, it := range p.Items {
		switch {
		case it.Action == ActionAdd:
			added = append(added, it)
		case it.Action == ActionReplace:
			replaced = append(replaced, it)
		case it.Action != ActionSkip:
		case it.Existing == nil:
			twice = append(twice, it)
		case it.Existing.Secret == it.Account.Secret:
			inVault = append(inVault, it)
		default: // set up again, and the user chose to keep the old one
			kept = append(kept, it)
		}
	}
	var o Outcome
	say := func(done, would string, items []Item, one, many string) {
		if len(items) == 0 {
			return
		}
		verb := done
		if dryRun {
			verb = would
		}
		o.Sentences = append(o.Sentences, verb+" "+o.phrase(items, one, many)+".")
	}
	say("Added", "Would add", added, "", "")
	say("Replaced", "Would replace", replaced, "", "")
	as := ""
	if len(inVault) == 1 && inVault[0].Existing.Label() != inVault[0].Account.Label() {
		as = " as " + shownName(*inVault[0].Existing)
	}
	say("Skipped", "Would skip", inVault, ", already in the vault"+as, " already in the vault")
	say("Skipped", "Would skip", twice, ", found twice", " found twice")
	say("Kept", "Would keep", kept, " as it was", " as they were")
	switch {
	case len(o.Sentences) > 0:
	case len(p.Items) == 0:
		o.Sentences = []string{"No account was found."}
	case dryRun:
		o.Sentences = []string{"No account would be added."}
	default:
		o.Sentences = []string{"No account was added."}
	}
	return o
}

// phrase names the items' accounts: one as "A" then one, several as "3
// accounts", many, ": A, B and C" (or "A, B, C and 9 more", counting the
// ones left out).
func (o *Outcome) phrase(items []Item, one, many string) string {
	if len(items) == 1 {
		return shownName(items[0].Account) + one
	}
	var names []string
	for _, it := range items[:min(len(items), outcomeNames)] {
		names = append(names, shownName(it.Account))
	}
	list := strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	if more := len(items) - len(names); more > 0 {
		o.Unnamed += more
		list = strings.Join(names, ", ") + fmt.Sprintf(" and %d more", more)
	}
	return fmt.Sprintf("%d accounts%s: %s", len(items), many, list)
}

package app

import (
	"strconv"

	"github.com/latchkey/latchkey/app/importer"
	"github.com/latchkey/latchkey/vault"
)

// Action is what adding one found account does to the vault.
type Action string

// The actions of a Plan.
const (
	// ActionAdd adds a new account.
	ActionAdd Action = "add"
	// ActionSkip leaves the vault alone: the same secret is already there
	// (or earlier in the same import).
	ActionSkip Action = "skip"
	// ActionReplace replaces an account with the same issuer and name and a
	// different secret: the portal's 2FA was reconfigured.
	ActionReplace Action = "replace"
	// ActionAsk marks such a reconfiguration awaiting the user's decision;
	// Apply leaves it out.
	ActionAsk Action = "ask"
)

// Item is one found account and what adding it does.
type Item struct {
	Source  string
	Account vault.Account
	Action  Action
	// Existing is the vault's account it duplicates or replaces.
	Existing *vault.Account
	Reason   string
	// Warnings are the entry's (importer.Entry.Warnings): what was taken
	// out of its texts to make them safe to show.
	Warnings []string
}

// Plan is the effect of adding found accounts to a vault, computed before
// anything is written so it can be shown (--dry-run) or confirmed.
type Plan struct {
	Items []Item
}

// PlanAdd decides for each found account: add, skip (its secret is already
// in the vault or earlier in the list: never add a secret twice), or, for the
// same issuer and account name with a different secret, replace (when
// replace is set) or ask.
func PlanAdd(existing []vault.Account, found []importer.Entry, replace bool) *Plan {
	bySecret := map[string]*vault.Account{}
	byLabel := map[string]*vault.Account{}
	for i := range existing {
		a := &existing[i]
		bySecret[a.Secret] = a
		byLabel[a.LabelKey()] = a
	}
	plan := &Plan{}
	planned := map[string]string{} // secret → source, within this list
	for _, e := range found {
		it := Item{Source: e.Source, Account: e.Account, Warnings: e.Warnings}
		switch old, inVault := bySecret[e.Account.Secret]; {
		case inVault:
			it.Action, it.Existing = ActionSkip, old
			it.Reason = "already in the vault as " + strconv.Quote(old.Label())
		case planned[e.Account.Secret] != "":
			it.Action = ActionSkip
			it.Reason = "the same account appears earlier, at " + planned[e.Account.Secret]
		default:
			if old, ok := byLabel[e.Account.LabelKey()]; ok {
				it.Existing = old
				it.Action = ActionAsk
				it.Reason = "the vault has " + strconv.Quote(old.Label()) + " with a different secret: its 2FA was set up again"
				if replace {
					it.Action = ActionReplace
				}
			} else {
				it.Action = ActionAdd
			}
			planned[e.Account.Secret] = e.Source
		}
		plan.Items = append(plan.Items, it)
	}
	return plan
}

// Counts tallies the plan's actions.
func (p *Plan) Counts() map[Action]int {
	n := map[Action]int{}
	for _, it := range p.Items {
		n[it.Action]++
	}
	return n
}

// Apply carries out the plan's adds and replaces on d; items still marked
// ActionAsk or ActionSkip are left out.
func (p *Plan) Apply(d *vault.Document) {
	for _, it := range p.Items {
		switch it.Action {
		case ActionAdd:
			a := it.Account
			a.ID = ""
			d.Accounts = append(d.Accounts, a)
		case ActionReplace:
			if old, ok := d.Account(it.Existing.ID); ok {
				*old = replacement(*old, it.Account)
			} else { // deleted meanwhile: nothing to carry over
				d.Accounts = append(d.Accounts, it.Account)
			}
		}
	}
}

// replacement is the new connection of a reconfigured account. It keeps what
// the user added to the old one (group, note, favourite, icon, portal
// binding) and its backup and recovery codes, marked as from the previous
// setup so the user can confirm or discard them.
func replacement(old, fresh vault.Account) vault.Account {
	a := fresh
	a.ID, a.Created = old.ID, old.Created
	a.Group, a.Note, a.Favourite = old.Group, old.Note, old.Favourite
	if old.Portal != nil { // a fresh enrolment link's portal binds only an unbound account
		a.Portal = old.Portal
	}
	if a.Icon == "" {
		a.Icon = old.Icon
	}
	a.BackupCodes = append([]vault.BackupCode(nil), fresh.BackupCodes...)
	for _, c := range old.BackupCodes {
		c.FromPreviousSetup = true
		a.BackupCodes = append(a.BackupCodes, c)
	}
	if a.RecoveryCode == "" && old.RecoveryCode != "" {
		a.RecoveryCode, a.RecoveryFromPreviousSetup = old.RecoveryCode, true
	}
	return a
}

// shownName is a's label, or words for an account without either part.
func shownName(a vault.Account) string {
	if n := a.Label(); n != "" {
		return n
	}
	return "an account without a name"
}

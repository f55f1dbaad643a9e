package cli

import (
	"fmt"
	"io"

	"github.com/latchkey/latchkey/app"
	"github.com/latchkey/latchkey/app/importer"
	"github.com/latchkey/latchkey/vault"
)

// importReport is what add and import print; with --json it is the object
// {dry_run, items, skipped, batches}.
type importReport struct {
	DryRun  bool          `json:"dry_run"`
	Items   []reportItem  `json:"items"`
	Skipped []reportSkip  `json:"skipped"`
	Batches []reportBatch `json:"batches"`
}

type reportItem struct {
	Source     string     `json:"source"`
	Issuer     string     `json:"issuer"`
	Name       string     `json:"name"`
	Type       string     `json:"type"`
	Action     app.Action `json:"action"`
	Reason     string     `json:"reason,omitempty"`
	ExistingID string     `json:"existing_id,omitempty"`
	// Warnings say what was taken out of the account's texts (control and
	// bidirectional characters) to make them safe to show.
	Warnings []string `json:"warnings,omitempty"`
}

type reportSkip struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

type reportBatch struct {
	ID       int   `json:"id"`
	Size     int   `json:"size"`
	Scanned  []int `json:"scanned"`
	Complete bool  `json:"complete"`
}

func (rep *importReport) fill(plan *app.Plan, skipped []importer.Skipped, batches []importer.BatchStatus) {
	for _, it := range plan.Items {
		ri := reportItem{Source: it.Source, Issuer: it.Account.Issuer, Name: it.Account.Name,
			Type: string(it.Account.Type), Action: it.Action, Reason: it.Reason, Warnings: it.Warnings}
		if it.Existing != nil {
			ri.ExistingID = it.Existing.ID
		}
		rep.Items = append(rep.Items, ri)
	}
	for _, s := range skipped {
		rep.Skipped = append(rep.Skipped, reportSkip(s))
	}
	for _, b := range batches {
		scanned := make([]int, len(b.Seen))
		for i, n := range b.Seen {
			scanned[i] = n + 1
		}
		rep.Batches = append(rep.Batches, reportBatch{ID: b.ID, Size: b.Size, Scanned: scanned, Complete: b.Complete()})
	}
}

// problems lists, one line each, what was found but not imported for a
// reason other than already being in the vault.
func (rep *importReport) problems() []string {
	var out []string
	for _, it := range rep.Items {
		if it.Action == app.ActionAsk {
			out = append(out, fmt.Sprintf("%s (%s): %s; run again with --replace to replace it", display(it.Issuer, it.Name), it.Source, it.Reason))
		}
	}
	for _, s := range rep.Skipped {
		out = append(out, fmt.Sprintf("%s: %s", s.Source, s.Reason))
	}
	for _, b := range rep.Batches {
		if !b.Complete {
			out = append(out, fmt.Sprintf("Google Authenticator export %d: only %d of its %d QR codes were given; import the missing ones too", b.ID, len(b.Scanned), b.Size))
		}
	}
	if len(rep.Items) == 0 && len(out) == 0 {
		out = append(out, "nothing to import was found")
	}
	return out
}

// err is the one-sentence error of an import that left something out.
func (rep *importReport) err() error {
	p := rep.problems()
	switch len(p) {
	case 0:
		return nil
	case 1:
		return &reportedError{"not imported: " + p[0]}
	}
	return &reportedError{fmt.Sprintf("%d entries were not imported (listed above); the first: %s", len(p), p[0])}
}

// print writes the report for people: app's sentences for what was (or
// would be) added, replaced and skipped; when they count accounts without
// naming them, every account and why it was skipped; then what was taken
// out of the accounts' texts, and what could not be imported.
func (rep *importReport) print(w io.Writer, outcome app.Outcome) {
	for _, s := range outcome.Sentences {
		fmt.Fprintln(w, s)
	}
	if outcome.Unnamed > 0 {
		for _, it := range rep.Items {
			if it.Action == app.ActionAdd || it.Action == app.ActionReplace {
				fmt.Fprintf(w, "  %-8s %s\n", it.Action, display(it.Issuer, it.Name))
			}
		}
		for _, it := range rep.Items {
			if it.Action == app.ActionSkip {
				fmt.Fprintf(w, "  skipped  %s: %s\n", display(it.Issuer, it.Name), it.Reason)
			}
		}
	}
	for _, it := range rep.Items {
		if it.Action != app.ActionAdd && it.Action != app.ActionReplace {
			continue
		}
		for _, warning := range it.Warnings {
			fmt.Fprintf(w, "  warning  %s (%s): %s\n", display(it.Issuer, it.Name), it.Source, warning)
		}
	}
	if p := rep.problems(); len(p) > 0 && len(rep.Items)+len(rep.Skipped) > 0 {
		fmt.Fprintln(w, "Not imported:")
		for _, line := range p {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
}

// display is an account's label (see vault.Account.Label) from its issuer
// and name.
func display(issuer, name string) string { return vault.Account{Issuer: issuer, Name: name}.Label() }

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

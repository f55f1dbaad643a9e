package importer

import (
	"fmt"
	"slices"

	"github.com/latchkey/latchkey/app/otpauth"
)

// batchState tracks one Google Authenticator export spread over several QR
// codes.
type batchState struct {
	size int
	seen []bool
}

// BatchStatus tells how much of a migration batch was read.
type BatchStatus struct {
	ID   int
	Size int
	// Seen lists the batch indexes read (0-based).
	Seen []int
}

// Complete reports whether every part of the batch was read.
func (b BatchStatus) Complete() bool { return len(b.Seen) == b.Size }

// String is "2 of 3 scanned".
func (b BatchStatus) String() string {
	return fmt.Sprintf("%d of %d scanned", len(b.Seen), b.Size)
}

func (im *Importer) addMigration(res *Result, source, link string) {
	batch, err := otpauth.DecodeMigration(link)
	if err != nil {
		res.skipAccount(source, err.Error())
		return
	}
	if batch.BatchSize > 1 {
		source = fmt.Sprintf("%s (export part %d of %d)", source, batch.BatchIndex+1, batch.BatchSize)
		im.markBatch(batch)
	}
	for i, a := range batch.Accounts {
		res.entry(source, a, batch.Cleaned[i])
	}
	for _, s := range batch.Skipped {
		label := otpauth.Label(s.Issuer, s.Name)
		if label == "" {
			label = fmt.Sprintf("entry %d", s.Index+1)
		}
		res.skipAccount(source+": "+shorten(label), s.Reason)
	}
}

func (im *Importer) markBatch(b otpauth.Batch) {
	st, ok := im.batches[b.BatchID]
	if !ok || st.size != b.BatchSize {
		st = &batchState{size: b.BatchSize, seen: make([]bool, b.BatchSize)}
		im.batches[b.BatchID] = st
	}
	if b.BatchIndex >= 0 && b.BatchIndex < st.size {
		st.seen[b.BatchIndex] = true
	}
}

// Batches reports the migration batches met so far, by id.
func (im *Importer) Batches() []BatchStatus {
	var out []BatchStatus
	for id, st := range im.batches {
		bs := BatchStatus{ID: id, Size: st.size}
		for i, ok := range st.seen {
			if ok {
				bs.Seen = append(bs.Seen, i)
			}
		}
		out = append(out, bs)
	}
	slices.SortFunc(out, func(a, b BatchStatus) int { return a.ID - b.ID })
	return out
}

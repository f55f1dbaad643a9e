package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
)

// Kept generations. vault.age.1 … .3 are the three previous saves, newest
// first. A generation pushed out of vault.age.3 that is the last one of the
// (UTC) day it was saved is kept as that day's, vault.age.YYYY-MM-DD; the
// dailies of the DailyGenerations latest such days are kept. So a burst of
// saves (an import gone wrong, a script) replaces only the history of its
// own day, never that of the days before.
const (
	// Generations is how many previous saves are kept as vault.age.1 … .3.
	Generations = 3
	// DailyGenerations is how many days keep their last replaced generation.
	DailyGenerations = 7
)

func generationName(n int) string { return fmt.Sprintf("%s.%d", VaultFile, n) }

func dailyName(day time.Time) string { return VaultFile + "." + day.UTC().Format(time.DateOnly) }

// parseDaily reports the day of a daily generation's file name.
func parseDaily(name string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(name, VaultFile+".")
	if !ok || len(rest) != len(time.DateOnly) {
		return time.Time{}, false
	}
	day, err := time.Parse(time.DateOnly, rest)
	return day, err == nil
}

// GenerationInfo describes one kept previous version of vault.age.
type GenerationInfo struct {
	// N is what Restore and `latchkey vault restore` take: 1 to 3 are the
	// previous saves, newest first; from 4 on the daily generations, newest
	// day first.
	N       int
	Name    string // the file in the vault directory
	Size    int64
	ModTime time.Time
}

// generations lists the kept generations of dir that are regular files.
func generations(dir string) []GenerationInfo {
	var gens []GenerationInfo
	for n := 1; n <= Generations; n++ {
		name := generationName(n)
		if st, err := os.Lstat(filepath.Join(dir, name)); err == nil && st.Mode().IsRegular() {
			gens = append(gens, GenerationInfo{N: n, Name: name, Size: st.Size(), ModTime: st.ModTime()})
		}
	}
	for i, name := range dailies(dir) {
		if st, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			gens = append(gens, GenerationInfo{N: Generations + 1 + i, Name: name, Size: st.Size(), ModTime: st.ModTime()})
		}
	}
	return gens
}

// dailies lists the daily generations of dir that are regular files, newest
// day first.
func dailies(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if _, ok := parseDaily(e.Name()); ok && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	// The names sort by day.
	slices.Sort(names)
	slices.Reverse(names)
	return names
}

// generationFile returns the file name of kept generation n of dir.
func generationFile(dir string, n int) (string, error) {
	if n >= 1 && n <= Generations {
		if err := checkFile(filepath.Join(dir, generationName(n))); err != nil {
			return "", err
		}
	}
	gens := generations(dir)
	for _, g := range gens {
		if g.N == n {
			return g.Name, nil
		}
	}
	kept := make([]string, len(gens))
	for i, g := range gens {
		kept[i] = fmt.Sprint(g.N)
	}
	if len(kept) == 0 {
		return "", fmt.Errorf("generation %d does not exist (no previous generation is kept)", n)
	}
	return "", fmt.Errorf("generation %d does not exist (kept: %s)", n, strings.Join(kept, ", "))
}

// rotate shifts vault.age.1 … .N-1 up by one and makes the current vault.age
// generation 1; the generation pushed out of the last place is kept as its
// day's. vault.age itself is never moved away.
func (v *Vault) rotate() error {
	// Renames never follow links, but a link or pipe moved along here
	// would be read later: refuse to keep generations among them.
	for _, name := range []string{VaultFile, generationName(1), generationName(2), generationName(3)} {
		if err := checkFile(v.path(name)); err != nil {
			return err
		}
	}
	cur := v.path(VaultFile)
	if _, err := os.Lstat(cur); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := v.keepDaily(generationName(Generations), generationName(Generations-1)); err != nil {
		return err
	}
	for n := Generations; n > 1; n-- {
		err := renameReplace(v.path(generationName(n-1)), v.path(generationName(n)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return linkOrCopy(cur, v.path(generationName(1)))
}

// keepDaily keeps the generation in name, about to be replaced, as the
// daily generation of the day it was saved when it is the last one of that
// day (the next newer generation is of a later day), and drops the dailies
// beyond the DailyGenerations latest days. A file that does not open is left
// to be replaced: it holds nothing to go back to.
func (v *Vault) keepDaily(name, newer string) error {
	saved, err := v.savedAt(name)
	if err != nil {
		return nil
	}
	if next, err := v.savedAt(newer); err == nil && sameDay(next, saved) {
		return nil // a later generation of the same day is kept
	}
	if err := renameReplace(v.path(name), v.path(dailyName(saved))); err != nil {
		return err
	}
	kept := dailies(v.dir)
	for _, old := range kept[min(DailyGenerations, len(kept)):] {
		if err := os.Remove(v.path(old)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func sameDay(a, b time.Time) bool {
	return a.UTC().Format(time.DateOnly) == b.UTC().Format(time.DateOnly)
}

// savedAt reads when the document in a vault file was saved. The "saved"
// member comes early in every document written, so only the start of the
// file is decrypted (age authenticates each 64 KiB chunk on its own).
func (v *Vault) savedAt(name string) (time.Time, error) {
	f, err := openFile(v.path(name))
	if err != nil {
		return time.Time{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return time.Time{}, err
	}
	r, err := age.Decrypt(io.LimitReader(f, maxFileSize), v.identity)
	if err != nil {
		return time.Time{}, err
	}
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return time.Time{}, errors.New("not a vault document")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return time.Time{}, err
		}
		if tok == "saved" {
			var t time.Time
			if err := dec.Decode(&t); err != nil {
				return time.Time{}, err
			}
			if t.IsZero() {
				return st.ModTime(), nil
			}
			return t, nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return time.Time{}, err
		}
	}
	return st.ModTime(), nil // a document without a time: the file's
}

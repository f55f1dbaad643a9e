// Package phrase makes and checks the verification phrase of a recovery
// request: four words the requester's screen shows and the user reads to the
// admin on the phone (or the admin reads to the user), which binds the
// admin's approval to that one request.
//
// # The word list
//
// words.txt holds 2,048 common English words written for this project (not
// BIP-39's or the EFF's lists): 3 to 8 lower-case letters, no word a
// homophone of a common word (no sweet/suite, pair/pear), none with two
// pronunciations (bow, lead), no British/American spelling pairs, no silent
// first letters (knee, wren), nothing offensive. The list is prefix-free: no
// word is the start of another. That is what makes the check tolerant of
// spacing: "maple river", "maple-river" and "mapleriver" read the same, since
// a run of letters splits into list words in at most one way.
//
// # Strength
//
// Four words of 11 bits each: 44 bits from crypto/rand. The phrase is not a
// password: it is shown to the requester and checked once, by a person, on a
// rate-limited endpoint, so what it needs is that a forged request (an
// attacker asking for the victim's recovery at the same moment) cannot carry
// the phrase the real user reads out. One guess in 2⁴⁴ is far beyond that;
// three words (33 bits) would do, four make a misheard phrase fail instead
// of matching another request's.
//
// Comparison is by word index, in constant time, after folding case and
// separators; a phrase with any unknown word does not match.
package phrase

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/binary"
	"errors"
	"strings"
)

// Words is the number of words in a phrase; Bits its entropy.
const (
	Words = 4
	Bits  = Words * 11
)

// ErrPhrase is returned by Parse for text that is not Words list words. It
// never contains the text.
var ErrPhrase = errors.New("not a verification phrase")

//go:embed words.txt
var wordsTxt string

var (
	list  []string
	index map[string]uint16
)

func init() {
	list = strings.Fields(wordsTxt)
	index = make(map[string]uint16, len(list))
	for i, w := range list {
		index[w] = uint16(i)
	}
	if len(list) != 1<<11 || len(index) != len(list) {
		panic("phrase: words.txt must hold 2048 distinct words")
	}
}

// List returns a copy of the word list, in its order.
func List() []string { return append([]string(nil), list...) }

// New returns a fresh phrase of Words words from crypto/rand, separated by
// single spaces: the form to show and to store.
func New() string {
	var b [2 * Words]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	out := make([]string, Words)
	for i := range out {
		out[i] = list[binary.BigEndian.Uint16(b[2*i:])&(1<<11-1)]
	}
	return strings.Join(out, " ")
}

// maxTyped bounds what Parse reads.
const maxTyped = 256

// Parse reads a phrase as typed: any case, words separated by anything that
// is not a letter (spaces, dashes, dots, commas) or by nothing at all. It
// returns the canonical form (lower case, single spaces) and fails unless
// the text is exactly Words list words.
func Parse(typed string) (string, error) {
	idx, err := parse(typed)
	if err != nil {
		return "", err
	}
	out := make([]string, Words)
	for i, n := range idx {
		out[i] = list[n]
	}
	return strings.Join(out, " "), nil
}

func parse(typed string) ([Words]uint16, error) {
	var idx [Words]uint16
	if len(typed) > maxTyped {
		return idx, ErrPhrase
	}
	runs := strings.FieldsFunc(strings.ToLower(typed), func(r rune) bool { return r < 'a' || r > 'z' })
	n := 0
	for _, run := range runs {
		for run != "" {
			w, ok := prefixWord(run)
			if !ok || n == Words {
				return idx, ErrPhrase
			}
			idx[n] = index[w]
			n++
			run = run[len(w):]
		}
	}
	if n != Words {
		return idx, ErrPhrase
	}
	return idx, nil
}

// prefixWord returns the list word that starts s; the list being prefix-free
// there is at most one.
func prefixWord(s string) (string, bool) {
	for l := 3; l <= 8 && l <= len(s); l++ {
		if _, ok := index[s[:l]]; ok {
			return s[:l], true
		}
	}
	return "", false
}

// Equal reports whether typed is the phrase want, tolerant of case and
// spacing, comparing the words' indexes in constant time. An unreadable
// typed (or want) never matches.
func Equal(want, typed string) bool {
	a, errA := parse(want)
	b, errB := parse(typed)
	var x, y [2 * Words]byte
	for i := range a {
		binary.BigEndian.PutUint16(x[2*i:], a[i])
		binary.BigEndian.PutUint16(y[2*i:], b[i])
	}
	eq := subtle.ConstantTimeCompare(x[:], y[:]) == 1
	return eq && errA == nil && errB == nil
}

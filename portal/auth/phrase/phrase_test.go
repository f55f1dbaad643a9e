package phrase_test

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal/auth/phrase"
)

func TestWordList(t *testing.T) {
	list := phrase.List()
	if len(list) != 2048 {
		t.Fatalf("%d words, want 2048", len(list))
	}
	if !sort.StringsAreSorted(list) {
		t.Error("words.txt is not sorted")
	}
	shape := regexp.MustCompile(`^[a-z]{3,8}$`)
	seen := map[string]bool{}
	for _, w := range list {
		if !shape.MatchString(w) {
			t.Errorf("%q is not 3 to 8 lower-case letters", w)
		}
		if seen[w] {
			t.Errorf("%q appears twice", w)
		}
		seen[w] = true
	}
	// Prefix-free: no word starts another (sorted, so a word's extensions
	// follow it directly).
	for i := 0; i+1 < len(list); i++ {
		if strings.HasPrefix(list[i+1], list[i]) {
			t.Errorf("%q is a prefix of %q", list[i], list[i+1])
		}
	}
	// Words whose sound is shared with another common word, or that are
	// spelled two ways, or read two ways; none may be listed.
	for _, w := range strings.Fields(`
		pair pear pare sail sale tail tale hair hare deer dear sweet suite
		sea see son sun knight night rain reign write right wait weight
		flour flower pause paws peace piece whole hole blue blew bear bare
		beach beech fir fur peak peek pale pail red read lead bow dove wind
		close live tear row sow sew desert dessert chili chilly hour our
		knit knot knee wren gnome thyme time mayor mare medal metal cereal
		serial carrot carat cymbal symbol marry merry morning mourning
		creek creak ferry fairy gorilla colour color harbor harbour center
		centre gray grey yogurt omelet jay tie aunt awl warn worn walk wok
		one two four eight`) {
		if seen[w] {
			t.Errorf("listed word %q is a homophone, heteronym or spelling variant", w)
		}
	}
}

func TestNew(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 500; i++ {
		p := phrase.New()
		words := strings.Split(p, " ")
		if len(words) != phrase.Words {
			t.Fatalf("phrase %q", p)
		}
		if got, err := phrase.Parse(p); err != nil || got != p {
			t.Fatalf("Parse(%q) = %q, %v", p, got, err)
		}
		if seen[p] {
			t.Fatalf("phrase %q repeated", p)
		}
		seen[p] = true
	}
	if phrase.Bits != 44 {
		t.Errorf("Bits = %d", phrase.Bits)
	}
}

func TestParseAndEqual(t *testing.T) {
	list := phrase.List()
	want := strings.Join([]string{list[10], list[500], list[1500], list[2047]}, " ")
	a, b, c, d := list[10], list[500], list[1500], list[2047]
	tests := []struct {
		name, typed string
		ok          bool
	}{
		{"exact", want, true},
		{"upper case", strings.ToUpper(want), true},
		{"title case", strings.ToUpper(a[:1]) + a[1:] + " " + strings.ToUpper(b[:1]) + b[1:] + " " + c + " " + d, true},
		{"extra spaces", "  " + a + "   " + b + "\t" + c + "\n" + d + " ", true},
		{"dashes", a + "-" + b + "-" + c + "-" + d, true},
		{"commas and dots", a + ", " + b + ". " + c + "; " + d, true},
		{"run together", a + b + c + d, true},
		{"partly run together", a + b + " " + c + d, true},
		{"words swapped", b + " " + a + " " + c + " " + d, false},
		{"three words", a + " " + b + " " + c, false},
		{"five words", want + " " + a, false},
		{"misspelt word", a + " " + b + " " + c + " " + d[:len(d)-1] + "q", false},
		{"unknown word", a + " " + b + " " + c + " zzzzz", false},
		{"digits", a + " " + b + " " + c + " 1234", false},
		{"empty", "", false},
		{"huge", strings.Repeat(a+" ", 200), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := phrase.Equal(want, tt.typed); got != tt.ok {
				t.Fatalf("Equal = %v, want %v", got, tt.ok)
			}
			canon, err := phrase.Parse(tt.typed)
			if tt.ok && (err != nil || canon != want) {
				t.Fatalf("Parse = %q, %v", canon, err)
			}
		})
	}
	if phrase.Equal("not a phrase", "not a phrase") {
		t.Error("two unreadable phrases are equal")
	}
}

func BenchmarkEqual(b *testing.B) {
	p := phrase.New()
	typed := strings.ToUpper(strings.ReplaceAll(p, " ", "-"))
	for b.Loop() {
		phrase.Equal(p, typed)
	}
}

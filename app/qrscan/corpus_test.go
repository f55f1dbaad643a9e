package qrscan

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// minCorpusMatches is the acceptance bar on the 179 single-code images
// (best open-source decoder measured: 163).
const minCorpusMatches = 172

func TestCorpusSingle(t *testing.T) {
	dir := corpusDir(t)
	cases := corpusCases(t, dir)
	var misses []string
	steps := map[string]int{}
	times := map[string]time.Duration{}
	var slowest time.Duration
	for _, c := range cases {
		img := loadImage(t, c.path)
		start := time.Now()
		codes, step, err := decode(testContext(t), img)
		d := time.Since(start)
		slowest = max(slowest, d)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if !matchesExactly(codes, c.want) {
			misses = append(misses, c.name)
			step = "(miss)"
		}
		steps[step]++
		times[step] += d
	}
	hits := len(cases) - len(misses)
	t.Logf("corpus: %d/%d exact matches; slowest image %v", hits, len(cases), slowest)
	logSteps(t, steps, times)
	t.Logf("misses: %s", strings.Join(misses, " "))
	if hits < minCorpusMatches {
		t.Errorf("corpus: %d exact matches, want at least %d", hits, minCorpusMatches)
	}
}

// matchesExactly reports whether want is among the decoded texts. Images
// such as a QR code printed inside another yield both symbols.
func matchesExactly(codes []Code, want string) bool {
	for _, c := range codes {
		if c.Text == want {
			return true
		}
	}
	return false
}

func logSteps(t *testing.T, steps map[string]int, times map[string]time.Duration) {
	names := make([]string, 0, len(steps))
	for n := range steps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("  step %-12s %3d images, %v", n, steps[n], times[n].Round(time.Millisecond))
	}
}

func TestCorpusMulti(t *testing.T) {
	dir := filepath.Join(corpusDir(t), "zxing-multi-qrcode-1")
	raw, err := os.ReadFile(filepath.Join(dir, "1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	codes, err := DecodeFile(testContext(t), filepath.Join(dir, "1.png"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !matchesExactly(codes, w) {
			t.Errorf("multi: missing %q (got %d codes)", w, len(codes))
		}
	}
	if len(codes) != len(want) {
		t.Errorf("multi: got %d codes, want %d", len(codes), len(want))
	}
}

// TestCorpusStepsAlone measures every ladder step on its own (not just the
// images it rescues), for the table in doc.go. Opt in with
// LATCHKEY_QR_STEPS=1; it takes about a minute.
func TestCorpusStepsAlone(t *testing.T) {
	if os.Getenv("LATCHKEY_QR_STEPS") == "" {
		t.Skip("set LATCHKEY_QR_STEPS=1 to measure each ladder step alone")
	}
	cases := corpusCases(t, corpusDir(t))
	imgs := make([]plane, len(cases))
	for i, c := range cases {
		imgs[i] = luminance(loadImage(t, c.path))
	}
	for _, st := range ladder {
		hits, start := 0, time.Now()
		for i, c := range cases {
			s := newScan(testContext(t), imgs[i])
			if fs := st.run(s); matchesExactly(toCodes(fs), c.want) {
				hits++
			}
		}
		t.Logf("step %-10s alone: %3d/%d, %v", st.name, hits, len(cases), time.Since(start).Round(time.Millisecond))
	}
}

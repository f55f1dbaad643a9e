package cli

import (
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// FyneApp.toml is the one place the release number is written.
func TestVersionMatchesFyneApp(t *testing.T) {
	b, err := os.ReadFile("../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?ms)^\[Details\].*?^\s*Version\s*=\s*"([^"]*)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("FyneApp.toml: no Version in [Details]")
	}
	if got, want := Version(), string(m[1]); got != want {
		t.Fatalf("cli/version.go says %q, FyneApp.toml says %q: run 'go generate ./cli'", got, want)
	}
}

func TestVersionCommand(t *testing.T) {
	h := newHarness(t)
	want := regexp.MustCompile(`^latchkey ` + regexp.QuoteMeta(Version()) +
		` \(commit [^,]+, built with ` + regexp.QuoteMeta(runtime.Version()) + `\)\n$`)
	for _, args := range [][]string{
		{"--version"},
		{"-version"},
		{"version"},
		{"--home", t.TempDir(), "--version"},
		{"--no-keyring", "version"},
	} {
		res := h.run(args...)
		if res.code != ExitOK || !want.MatchString(res.stdout) || res.stderr != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, res.code, res.stdout, res.stderr)
		}
	}
	// No vault was needed, so none was created.
	if _, err := os.Stat(h.home); !os.IsNotExist(err) {
		t.Errorf("version touched the vault directory: %v", err)
	}
	if res := h.run("version", "extra"); res.code != ExitUsage {
		t.Errorf("version extra: exit %d, want %d", res.code, ExitUsage)
	}
	if res := h.run("help"); !strings.Contains(res.stdout, "\n  version ") {
		t.Errorf("help does not list version:\n%s", res.stdout)
	}
}

func TestVersionLine(t *testing.T) {
	for _, c := range []struct{ override, build, want string }{
		{"", "abc1234", "latchkey 1.2.3 (commit abc1234, built with go1.26.8)"},
		{"", "abc1234-dirty", "latchkey 1.2.3 (commit abc1234-dirty, built with go1.26.8)"},
		{"v1.2.3-0-gdeadbee", "abc1234", "latchkey 1.2.3 (commit v1.2.3-0-gdeadbee, built with go1.26.8)"},
		{"", "", "latchkey 1.2.3 (commit unknown, built with go1.26.8)"},
	} {
		if got := versionLine("1.2.3", c.override, c.build, "go1.26.8"); got != c.want {
			t.Errorf("versionLine(%q, %q) = %q, want %q", c.override, c.build, got, c.want)
		}
	}
}

func TestBuildInfoCommit(t *testing.T) {
	info := func(settings ...string) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			bi := &debug.BuildInfo{}
			for i := 0; i+1 < len(settings); i += 2 {
				bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
			}
			return bi, true
		}
	}
	const rev = "5bf4c51d0c6f7e2b3a4d5e6f708192a3b4c5d6e7"
	for _, c := range []struct {
		name string
		read func() (*debug.BuildInfo, bool)
		want string
	}{
		{"clean", info("vcs", "git", "vcs.revision", rev, "vcs.modified", "false"), "5bf4c51"},
		{"dirty", info("vcs.revision", rev, "vcs.modified", "true"), "5bf4c51-dirty"},
		{"short", info("vcs.revision", "abc"), "abc"},
		{"no vcs", info("-trimpath", "true"), ""},
		{"no build info", func() (*debug.BuildInfo, bool) { return nil, false }, ""},
	} {
		if got := buildInfoCommit(c.read); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

//go:generate go run ../scripts/genversion.go

// version is the release, FyneApp.toml's [Details] Version: that file is the
// one source of truth, `go generate ./cli` copies it here and
// TestVersionMatchesFyneApp fails when the two differ. Release builds may
// override it, and commit, with
// -ldflags "-X github.com/latchkey/latchkey/cli.version=… -X github.com/latchkey/latchkey/cli.commit=…".
var version = "0.1.0"

// commit is the VCS revision; empty means "from the build info".
var commit = ""

// Version is the release version, e.g. "0.1.0".
func Version() string { return version }

// VersionLine is what `latchkey --version` prints (without the newline):
// "latchkey 0.1.0 (commit abc1234, built with go1.26.8)".
func VersionLine() string {
	return versionLine(version, commit, buildInfoCommit(debug.ReadBuildInfo), runtime.Version())
}

func versionLine(ver, override, fromBuild, goVersion string) string {
	c := override
	if c == "" {
		c = fromBuild
	}
	if c == "" {
		c = "unknown"
	}
	return fmt.Sprintf("latchkey %s (commit %s, built with %s)", ver, c, goVersion)
}

// buildInfoCommit is the short VCS revision the go command stamped into the
// binary, with "-dirty" when the tree had uncommitted changes; "" when the
// binary was built without VCS information (go test, go run of a file,
// -buildvcs=false, a tree without .git).
func buildInfoCommit(read func() (*debug.BuildInfo, bool)) string {
	bi, ok := read()
	if !ok {
		return ""
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return ""
	}
	if len(rev) > 7 {
		rev = rev[:7]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

func runVersion(_ context.Context, r *runner, args []string) error {
	rest, err := parse(r.flags("version"), args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("version takes no arguments")
	}
	return r.printVersion()
}

func (r *runner) printVersion() error {
	_, err := fmt.Fprintln(r.env.Stdout, VersionLine())
	return err
}

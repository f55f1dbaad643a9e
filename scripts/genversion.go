//go:build ignore

// genversion copies FyneApp.toml's [Details] Version into cli/version.go
// (`var version = "…"`), so FyneApp.toml stays the one place a release
// number is written. Run by `go generate ./cli` (from cli/), or with
// `go run scripts/genversion.go` from the repository root; `make dist` checks
// that they agree. Prints the version.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

func main() {
	root := "."
	if _, err := os.Stat("FyneApp.toml"); err != nil {
		root = ".."
	}
	toml, err := os.ReadFile(filepath.Join(root, "FyneApp.toml"))
	if err != nil {
		fail(err)
	}
	v, err := fyneAppVersion(string(toml))
	if err != nil {
		fail(err)
	}
	src := filepath.Join(root, "cli", "version.go")
	old, err := os.ReadFile(src)
	if err != nil {
		fail(err)
	}
	re := regexp.MustCompile(`(?m)^var version = ".*"$`)
	if len(re.FindAll(old, -1)) != 1 {
		fail(fmt.Errorf("%s: expected exactly one line `var version = \"…\"`", src))
	}
	updated := re.ReplaceAll(old, []byte(fmt.Sprintf("var version = %q", v)))
	if !bytes.Equal(old, updated) {
		if err := os.WriteFile(src, updated, 0o644); err != nil {
			fail(err)
		}
	}
	fmt.Println(v)
}

// fyneAppVersion is the Version key of the [Details] table.
func fyneAppVersion(toml string) (string, error) {
	section := ""
	for _, line := range strings.Split(toml, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			section = strings.Trim(line, "[] ")
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if ok && section == "Details" && strings.TrimSpace(k) == "Version" {
			return strings.Trim(strings.TrimSpace(v), `"`), nil
		}
	}
	return "", fmt.Errorf("FyneApp.toml: no Version in [Details]")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "genversion:", err)
	os.Exit(1)
}

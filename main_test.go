package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/vault"
)

// A CLI command must print nothing but its own output: with LANG=C.UTF-8 (Debian's default in containers), Fyne's
// init used to log a locale error on every run.
func TestNoFyneNoiseUnderCLocale(t *testing.T) {
	if os.Getenv("LATCHKEY_TEST_CHILD") == "1" {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoFyneNoiseUnderCLocale$")
	cmd.Env = append(os.Environ(), "LATCHKEY_TEST_CHILD=1", "LANG=C.UTF-8", "LC_ALL=", "LC_MESSAGES=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "Fyne error") {
		t.Fatalf("Fyne logged at start-up:\n%s", out)
	}
}

// LATCHKEY_KEYRING=off switches the window's keyring off in any letter
// case, as the CLI's (cli's TestKeyringOffInAnyCase).
func TestGUIKeyring(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "LATCHKEY_KEYRING" {
				return v
			}
			return ""
		}
	}
	for _, v := range []string{"off", "OFF"} {
		if _, ok := guiKeyring(env(v)).(vault.NoKeyring); !ok {
			t.Errorf("LATCHKEY_KEYRING=%s: the window uses the OS keyring", v)
		}
	}
	if _, ok := guiKeyring(env("")).(vault.SystemKeyring); !ok {
		t.Error("unset: the window does not use the OS keyring")
	}
}

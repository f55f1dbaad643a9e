package cli

import (
	"fmt"
	"os"
	"testing"
)

// TestMain keeps the vault's marks of the newest generation seen (see
// vault.DefaultStateDir) in a throwaway directory, not the user's.
func TestMain(m *testing.M) {
	state, err := os.MkdirTemp("", "latchkey-state-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Setenv("XDG_STATE_HOME", state)
	code := m.Run()
	os.RemoveAll(state)
	os.Exit(code)
}

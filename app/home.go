package app

import (
	"fmt"
	"os"
	"path/filepath"
)

// HomeEnv names the environment variable that overrides the vault directory.
const HomeEnv = "LATCHKEY_HOME"

// Home returns the vault directory: flag (from --home) if set, else
// $LATCHKEY_HOME, else os.UserConfigDir()/latchkey.
func Home(flag string, getenv func(string) string) (string, error) {
	dir := flag
	if dir == "" {
		dir = getenv(HomeEnv)
	}
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("find the vault directory: %w (set --home or %s)", err, HomeEnv)
		}
		dir = filepath.Join(base, "latchkey")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("vault directory %s: %w", dir, err)
	}
	return abs, nil
}

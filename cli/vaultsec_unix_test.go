//go:build !windows

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/vault"
)

// A named pipe in place of vault.age or meta.json used to hang every
// command forever. Each command must now fail at once, naming the file.
func TestSecurityNamedPipeFailsCommands(t *testing.T) {
	for _, name := range []string{vault.VaultFile, vault.MetaFile} {
		for _, args := range [][]string{{"list"}, {"vault", "status"}, {"add", annURI}} {
			t.Run(name+" "+args[0], func(t *testing.T) {
				h := withVault(t)
				p := filepath.Join(h.home, name)
				os.Remove(p)
				if err := syscall.Mkfifo(p, 0o600); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { // lets a reader left blocked by a regression return
					if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
						f.Close()
					}
				})
				done := make(chan result, 1)
				go func() { done <- h.run(args...) }()
				select {
				case r := <-done:
					code := 1
					if args[0] == "vault" && name == vault.VaultFile {
						code = 0 // status reports a vault it cannot unlock, and succeeds
					}
					r.assert(t, code, "", "")
					if out := r.stdout + r.stderr; !strings.Contains(out, p+" is a named pipe, not a file") {
						t.Errorf("output does not name the pipe: %q", out)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("latchkey %s still blocked after 5 s on a named pipe", args[0])
				}
			})
		}
	}
}

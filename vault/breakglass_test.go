package vault

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBreakGlassWithAgeCLI follows the README's recovery steps with the real
// age binary: a user must always reach their data without Latchkey.
func TestBreakGlassWithAgeCLI(t *testing.T) {
	agePath, err := exec.LookPath("age")
	if err != nil {
		t.Skip("the age command is not installed (make test installs it)")
	}
	script, err := exec.LookPath("script")
	if err != nil || runtime.GOOS != "linux" {
		t.Skip("needs util-linux script to give age the terminal it reads passphrases from")
	}
	v, _ := newTestVault(t)
	mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(3) })
	dir := v.Dir()
	idTxt := filepath.Join(t.TempDir(), "id.txt")

	// Step 1: age -d identity.age > id.txt (age asks for the passphrase on the terminal).
	step1 := exec.Command(script, "-qec", agePath+" -d -o "+idTxt+" "+filepath.Join(dir, IdentityFile), os.DevNull)
	step1.Stdin = strings.NewReader(testPass + "\n")
	if out, err := step1.CombinedOutput(); err != nil {
		t.Fatalf("age -d identity.age: %v\n%s", err, out)
	}
	// Step 2: age -d -i id.txt vault.age
	step2 := exec.Command(agePath, "-d", "-i", idTxt, filepath.Join(dir, VaultFile))
	out, err := step2.Output()
	if err != nil {
		t.Fatalf("age -d -i id.txt vault.age: %v", err)
	}
	var doc struct {
		VaultID  string `json:"vault_id"`
		Accounts []struct {
			Issuer, Name, Secret string
		} `json:"accounts"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("decrypted vault is not JSON: %v", err)
	}
	if doc.VaultID != v.meta.VaultID || len(doc.Accounts) != 3 || doc.Accounts[2].Secret == "" || doc.Accounts[2].Issuer != "Tenant 2 RMM" {
		t.Fatalf("decrypted vault: id %q, %d accounts", doc.VaultID, len(doc.Accounts))
	}
}

package cli

import "testing"

// LATCHKEY_KEYRING=off switches the OS keyring off in any letter case, on
// the command line as in the window (app.KeyringOff). init compared it
// exactly: with "OFF" it asked the switched-off keyring and said the
// keyring was not available.
func TestKeyringOffInAnyCase(t *testing.T) {
	for _, value := range []string{"off", "OFF", "Off"} {
		t.Run(value, func(t *testing.T) {
			h := newHarness(t)
			h.env["LATCHKEY_KEYRING"] = value
			pf := writeFile(t, testPass)
			h.run("init", "--passphrase-file", pf).assert(t, 0, "The vault opens with the passphrase only.", "")
			if h.keyring.Len() != 0 {
				t.Errorf("LATCHKEY_KEYRING=%q: init stored the identity in the keyring", value)
			}
			h.run("vault", "status").assert(t, 0, "OS keyring:   off", "")
		})
	}
}

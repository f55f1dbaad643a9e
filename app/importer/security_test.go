package importer

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"regexp"
	"strings"
	"testing"
)

// Tests of the findings of the adversarial review of imports, written from
// the rules in safety.go and ARCHITECTURE.md ("Hostile input").

// countKDFs replaces every key derivation of the package with a cheap
// stand-in for the duration of the test and counts the calls: a refusal of
// a costly file must come before any derivation, and the count proves it
// without timing anything. Files built while the stand-ins are in place
// open with them, so accepted files still decrypt.
func countKDFs(t *testing.T) *int {
	t.Helper()
	calls := new(int)
	scrypt, twofas, andotp, argon, pbkdf := aegisScrypt, twofasPBKDF2, andotpPBKDF2, argon2IDKey, pbkdf2Key
	t.Cleanup(func() {
		aegisScrypt, twofasPBKDF2, andotpPBKDF2, argon2IDKey, pbkdf2Key = scrypt, twofas, andotp, argon, pbkdf
	})
	aegisScrypt = func(pw, salt []byte, _, _, _, keyLen int) ([]byte, error) {
		*calls++
		return stubKey(string(pw), salt)[:keyLen], nil
	}
	twofasPBKDF2 = func(pw string, salt []byte) ([]byte, error) { *calls++; return stubKey(pw, salt), nil }
	andotpPBKDF2 = func(pw string, salt []byte, _ int) ([]byte, error) { *calls++; return stubKey(pw, salt), nil }
	argon2IDKey = func(pw, salt []byte, _, _ uint32, _ uint8, keyLen uint32) []byte {
		*calls++
		return stubKey(string(pw), salt)[:keyLen]
	}
	pbkdf2Key = func(_ func() hash.Hash, pw string, salt []byte, _, keyLen int) ([]byte, error) {
		*calls++
		return stubKey(pw, salt)[:keyLen], nil
	}
	return calls
}

// scryptSlot is one password slot of a hostile Aegis vault.
type scryptSlot struct {
	n, r, p  int
	repaired bool
}

// aegisWithSlots builds an encrypted Aegis vault whose password slots ask
// for the given scrypt costs, every slot wrapping the master key under
// password. It must be called with countKDFs in place: the keys come from
// the stand-in, so any cost is cheap to build.
func aegisWithSlots(t *testing.T, password string, slots ...scryptSlot) []byte {
	t.Helper()
	master := randomBytes(t, 32)
	f := aegisTestFile{Version: 1}
	for i, s := range slots {
		salt := randomBytes(t, 32)
		wrap, err := aegisScrypt([]byte(password), salt, s.n, s.r, s.p, 32)
		if err != nil {
			t.Fatal(err)
		}
		nonce := randomBytes(t, 12)
		ct, tag := sealGCM(t, wrap, nonce, master)
		f.Header.Slots = append(f.Header.Slots, aegisTestSlotJSON{
			Type: aegisPasswordSlot, UUID: fmt.Sprintf("slot-%d", i), Key: hex.EncodeToString(ct),
			KeyParams: aegisTestParamsOf(nonce, tag), N: s.n, R: s.r, P: s.p,
			Salt: hex.EncodeToString(salt), Repaired: ptr(s.repaired), IsBackup: ptr(false),
		})
	}
	nonce := randomBytes(t, 12)
	ct, tag := sealGCM(t, master, nonce, aegisV3Content(t))
	f.Header.Params = ptr(aegisTestParamsOf(nonce, tag))
	f.DB = base64.StdEncoding.EncodeToString(ct)
	return mustJSON(t, f)
}

// TestSecurityKDFWorkUnbounded: an encrypted export may ask for at most the
// key-derivation work the real apps write, with some headroom (safety.go):
// scrypt N ≤ 2^20, 128·N·r ≤ 256 MiB, N·r·p ≤ 2^21 per derivation; Aegis at
// most 8 password slots and 2^22 of scrypt work over every slot and
// password form it may try; PBKDF2 at most 1,000,000 iterations; age at
// most work factor 18. Beyond that the file is refused, naming it and what
// the app writes, before the password is asked and before any derivation.
func TestSecurityKDFWorkUnbounded(t *testing.T) {
	const name = "backup.json"
	long := "a password of more than ten characters" // two forms for an unrepaired slot
	aegisDefault := scryptSlot{n: 1 << 15, r: 8, p: 1, repaired: true}
	tests := []struct {
		name     string
		file     func(t *testing.T) []byte
		format   Format
		password string
		// refused: the error (naming the file, matching ErrTooCostly, with
		// this text) and neither a password prompt nor a derivation.
		refused string
		// Otherwise the most derivations the read may run, and whether the
		// password is the wrong one.
		maxCalls      int
		wrongPassword bool
	}{
		{name: "aegis: the review's slot N=2^22 r=2 p=16", password: sentinelPassword, refused: "Aegis writes one password slot of N=32768, r=8, p=1",
			file: func(t *testing.T) []byte {
				return aegisWithSlots(t, sentinelPassword, scryptSlot{1 << 22, 2, 16, false})
			}},
		{name: "aegis: N=2^21", password: sentinelPassword, refused: "N=2097152",
			file: func(t *testing.T) []byte { return aegisWithSlots(t, sentinelPassword, scryptSlot{1 << 21, 1, 1, true}) }},
		{name: "aegis: 1 GiB of memory (N=2^20 r=8)", password: sentinelPassword, refused: "Aegis writes",
			file: func(t *testing.T) []byte { return aegisWithSlots(t, sentinelPassword, scryptSlot{1 << 20, 8, 1, true}) }},
		{name: "aegis: 16 times Aegis's work in p", password: sentinelPassword, refused: "p=16",
			file: func(t *testing.T) []byte {
				return aegisWithSlots(t, sentinelPassword, scryptSlot{1 << 15, 8, 16, true})
			}},
		{name: "aegis: 9 password slots", password: sentinelPassword, refused: "more than 8 password slots",
			file: func(t *testing.T) []byte {
				slots := make([]scryptSlot, 9)
				for i := range slots {
					slots[i] = aegisDefault
				}
				return aegisWithSlots(t, sentinelPassword, slots...)
			}},
		{name: "aegis: 8 unrepaired slots at age's cost, two forms each", password: long, refused: "together",
			file: func(t *testing.T) []byte {
				slots := make([]scryptSlot, 8)
				for i := range slots {
					slots[i] = scryptSlot{1 << 18, 8, 1, false}
				}
				return aegisWithSlots(t, long, slots...)
			}},
		{name: "andotp: 5,000,000 iterations", format: FormatAndOTPEncrypted, password: sentinelPassword, refused: "andOTP writes",
			file: func(t *testing.T) []byte { return andotpEncrypt(t, andotpFixture(t), sentinelPassword, 5_000_000) }},
		{name: "age backup: work factor 19", format: FormatAgeBackup, password: backupPass, refused: "Latchkey writes 18",
			file: func(t *testing.T) []byte {
				return regexp.MustCompile(`(-> scrypt \S+) 10\n`).ReplaceAll(testBackup(t), []byte("$1 19\n"))
			}},
		{name: "bitwarden: encrypted with 2^31 iterations", format: FormatBitwarden, password: sentinelPassword, refused: "",
			file: func(*testing.T) []byte {
				return []byte(`{"encrypted":true,"passwordProtected":true,"kdfType":0,"kdfIterations":2147483648,"salt":"c2FsdA==","data":"x"}`)
			}},

		// What the apps write, and the limits themselves, still open.
		{name: "aegis: what Aegis writes", password: sentinelPassword, maxCalls: 1,
			file: func(t *testing.T) []byte { return aegisWithSlots(t, sentinelPassword, aegisDefault) }},
		{name: "aegis: at the limits (N=2^20 r=2: 256 MiB)", password: sentinelPassword, maxCalls: 1,
			file: func(t *testing.T) []byte { return aegisWithSlots(t, sentinelPassword, scryptSlot{1 << 20, 2, 1, true}) }},
		{name: "aegis: 8 unrepaired slots at Aegis's cost, all tried", password: long, wrongPassword: true, maxCalls: 8 * 2,
			file: func(t *testing.T) []byte {
				slots := make([]scryptSlot, 8)
				for i := range slots {
					slots[i] = scryptSlot{1 << 15, 8, 1, false}
				}
				return aegisWithSlots(t, long+"!", slots...)
			}},
		{name: "andotp: what andOTP writes", format: FormatAndOTPEncrypted, password: sentinelPassword, maxCalls: 1,
			file: func(t *testing.T) []byte { return andotpEncrypt(t, andotpFixture(t), sentinelPassword, 160_000) }},
		{name: "2fas: one derivation for reference and services", format: Format2FAS, password: sentinelPassword, maxCalls: 1,
			file: func(t *testing.T) []byte {
				return twofasEncrypt(t, twofasFixture(t, 4, twofasServices()), sentinelPassword)
			}},
		{name: "authpro: Argon2id at the app's cost", format: FormatAuthProEncrypted, password: sentinelPassword, maxCalls: 1,
			file: func(t *testing.T) []byte { return sealAuthProStrong(t, authProFixture(t), sentinelPassword) }},
		{name: "authpro: the older PBKDF2 form", format: FormatAuthProEncrypted, password: sentinelPassword, maxCalls: 1,
			file: func(t *testing.T) []byte { return sealAuthProLegacy(t, authProFixture(t), sentinelPassword) }},
		{name: "proton: Argon2id at the app's cost", format: FormatProtonEncrypted, password: sentinelPassword, maxCalls: 1,
			file: func(t *testing.T) []byte { return sealProton(t, protonFixture(), sentinelPassword) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := countKDFs(t)
			file := tt.file(t)
			*calls = 0
			asked := 0
			opts := Options{Password: func() (string, error) { asked++; return tt.password, nil }}
			res, err := New().Read(context.Background(), name, file, tt.format, opts)
			fxNoLeak(t, res, err)
			if tt.refused != "" || tt.format == FormatBitwarden {
				switch {
				case err == nil:
					t.Fatalf("read, with %d entries; want a refusal", len(res.Entries))
				case !strings.Contains(err.Error(), name):
					t.Errorf("the error does not name the file: %v", err)
				case tt.format != FormatBitwarden && !errors.Is(err, ErrTooCostly):
					t.Errorf("err = %v, want ErrTooCostly", err)
				case !strings.Contains(err.Error(), tt.refused):
					t.Errorf("err = %v, want it to say %q", err, tt.refused)
				}
				if *calls != 0 || asked != 0 {
					t.Errorf("%d derivations and %d password prompts before the refusal, want none", *calls, asked)
				}
				return
			}
			switch {
			case tt.wrongPassword && !errors.Is(err, ErrWrongPassword):
				t.Fatalf("err = %v, want ErrWrongPassword", err)
			case !tt.wrongPassword && err != nil:
				t.Fatalf("a file within the limits was refused: %v", err)
			case !tt.wrongPassword && len(res.Entries) == 0:
				t.Error("no entries")
			}
			if *calls > tt.maxCalls {
				t.Errorf("%d derivations, want at most %d", *calls, tt.maxCalls)
			}
		})
	}
}

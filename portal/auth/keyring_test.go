package auth_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal/auth"
)

func key(b byte) []byte { return bytes.Repeat([]byte{b}, auth.KeySize) }

func keySpec(id string, b byte) string {
	return id + ":" + base64.StdEncoding.EncodeToString(key(b))
}

func mustKeyring(t testing.TB, spec string) *auth.Keyring {
	t.Helper()
	kr, err := auth.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestSealOpen(t *testing.T) {
	kr := mustKeyring(t, keySpec("k1", 1))
	secret := []byte(auth.NewTOTPSecret())
	s, err := kr.Seal(auth.PurposeTOTPSecret, "42", secret)
	if err != nil {
		t.Fatal(err)
	}
	if s.KeyID != "k1" || len(s.Ciphertext) != 12+len(secret)+16 {
		t.Fatalf("sealed %q, %d bytes", s.KeyID, len(s.Ciphertext))
	}
	if bytes.Contains(s.Ciphertext, secret) {
		t.Fatal("plaintext in the ciphertext")
	}
	got, err := kr.Open(auth.PurposeTOTPSecret, "42", s)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	s2, _ := kr.Seal(auth.PurposeTOTPSecret, "42", secret)
	if bytes.Equal(s.Ciphertext, s2.Ciphertext) {
		t.Error("two seals of one value are equal (nonce reuse)")
	}

	flip := func(i int) auth.Sealed {
		c := bytes.Clone(s.Ciphertext)
		c[i] ^= 1
		return auth.Sealed{KeyID: s.KeyID, Ciphertext: c}
	}
	tests := []struct {
		name    string
		purpose string
		user    string
		sealed  auth.Sealed
		want    error
	}{
		{"another user", auth.PurposeTOTPSecret, "43", s, auth.ErrSealed},
		{"user id prefix", auth.PurposeTOTPSecret, "4", s, auth.ErrSealed},
		{"another purpose", "smtp-password", "42", s, auth.ErrSealed},
		{"nonce changed", auth.PurposeTOTPSecret, "42", flip(0), auth.ErrSealed},
		{"ciphertext changed", auth.PurposeTOTPSecret, "42", flip(14), auth.ErrSealed},
		{"tag changed", auth.PurposeTOTPSecret, "42", flip(len(s.Ciphertext) - 1), auth.ErrSealed},
		{"truncated", auth.PurposeTOTPSecret, "42", auth.Sealed{KeyID: "k1", Ciphertext: s.Ciphertext[:20]}, auth.ErrSealed},
		{"empty", auth.PurposeTOTPSecret, "42", auth.Sealed{KeyID: "k1"}, auth.ErrSealed},
		{"unknown key", auth.PurposeTOTPSecret, "42", auth.Sealed{KeyID: "k9", Ciphertext: s.Ciphertext}, auth.ErrUnknownKey},
		{"key id relabelled", auth.PurposeTOTPSecret, "42", auth.Sealed{KeyID: "bad id!", Ciphertext: s.Ciphertext}, auth.ErrSealed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := kr.Open(tt.purpose, tt.user, tt.sealed)
			if !errors.Is(err, tt.want) || pt != nil {
				t.Fatalf("Open = %q, %v; want %v", pt, err, tt.want)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	old := mustKeyring(t, keySpec("2026a", 1))
	sealed, _ := old.Seal(auth.PurposeTOTPSecret, "7", []byte("SECRET"))
	hash := old.CodeHash(auth.KindBackupCode, "7", "ABCDE12345")

	rotated := mustKeyring(t, keySpec("2026b", 2)+", "+keySpec("2026a", 1))
	if rotated.Current() != "2026b" || strings.Join(rotated.IDs(), ",") != "2026b,2026a" {
		t.Fatalf("current %s, ids %v", rotated.Current(), rotated.IDs())
	}
	if pt, err := rotated.Open(auth.PurposeTOTPSecret, "7", sealed); err != nil || string(pt) != "SECRET" {
		t.Fatalf("old value under the rotated keyring: %q, %v", pt, err)
	}
	if !rotated.NeedsRotation(sealed.KeyID) || !rotated.NeedsRotation(auth.CodeHashKeyID(hash)) {
		t.Error("values of the old key do not need rotation")
	}
	resealed, _ := rotated.Seal(auth.PurposeTOTPSecret, "7", []byte("SECRET"))
	if resealed.KeyID != "2026b" || rotated.NeedsRotation(resealed.KeyID) {
		t.Errorf("resealed with %s", resealed.KeyID)
	}
	if i, ok := rotated.MatchCode(auth.KindBackupCode, "7", "ABCDE12345", []string{"junk", hash}); !ok || i != 1 {
		t.Errorf("old code hash after rotation: %d, %v", i, ok)
	}
	cands := rotated.CodeHashCandidates(auth.KindBackupCode, "7", "ABCDE12345")
	if len(cands) != 2 || cands[1] != hash || auth.CodeHashKeyID(cands[0]) != "2026b" {
		t.Errorf("candidates %v", cands)
	}
	// Retiring the old key too early: its values are reported, not garbled.
	retired := mustKeyring(t, keySpec("2026b", 2))
	if _, err := retired.Open(auth.PurposeTOTPSecret, "7", sealed); !errors.Is(err, auth.ErrUnknownKey) {
		t.Errorf("Open under a retired key: %v", err)
	}
}

// TestCodeHashVector pins the storage form of code hashes: a change here
// makes every stored backup and recovery code unusable. The value was
// computed independently of this code (Python's hmac and hashlib: HKDF per
// RFC 5869 with an empty salt, then HMAC-SHA-256 over the length-prefixed
// fields).
func TestCodeHashVector(t *testing.T) {
	kr := mustKeyring(t, keySpec("k1", 1))
	const want = "k1$i6qQuPAbzKPWKRUPTt76oXpXnLM8eBnYvzb2zCYZ9nM"
	if got := kr.CodeHash(auth.KindBackupCode, "42", "ABCDE12345"); got != want {
		t.Fatalf("CodeHash = %s, want %s", got, want)
	}
	d := kr.CodeDigest(auth.KindBackupCode, "42", "ABCDE12345")
	if base64.RawURLEncoding.EncodeToString(d[:]) != strings.TrimPrefix(want, "k1$") {
		t.Error("CodeDigest differs from CodeHash")
	}
	if c := kr.CodeDigestCandidates(auth.KindBackupCode, "42", "ABCDE12345"); len(c) != 1 || c[0] != d {
		t.Error("CodeDigestCandidates differs from CodeDigest")
	}
}

func TestMatchCode(t *testing.T) {
	kr := mustKeyring(t, keySpec("k1", 1))
	var stored []string
	for _, c := range []string{"AAAAA11111", "BBBBB22222", "CCCCC33333"} {
		stored = append(stored, kr.CodeHash(auth.KindBackupCode, "42", c))
	}
	tests := []struct {
		name, kind, user, code string
		idx                    int
		ok                     bool
	}{
		{"first", string(auth.KindBackupCode), "42", "AAAAA11111", 0, true},
		{"last", string(auth.KindBackupCode), "42", "CCCCC33333", 2, true},
		{"unknown code", string(auth.KindBackupCode), "42", "DDDDD44444", -1, false},
		{"another user's code", string(auth.KindBackupCode), "43", "AAAAA11111", -1, false},
		{"another kind", string(auth.KindRecoveryCode), "42", "AAAAA11111", -1, false},
		{"not canonical", string(auth.KindBackupCode), "42", "aaaaa-11111", -1, false},
	}
	for _, tt := range tests {
		i, ok := kr.MatchCode(auth.CodeKind(tt.kind), tt.user, tt.code, stored)
		if i != tt.idx || ok != tt.ok {
			t.Errorf("%s: MatchCode = %d, %v; want %d, %v", tt.name, i, ok, tt.idx, tt.ok)
		}
	}
	if i, ok := kr.MatchCode(auth.KindBackupCode, "42", "AAAAA11111", nil); ok || i != -1 {
		t.Error("match in an empty list")
	}
}

func TestParseKeyring(t *testing.T) {
	k := base64.StdEncoding.EncodeToString(key(7))
	kURL := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32))
	good := []string{"a:" + k, " a:" + k + " , b:" + kURL, "a_-1:" + strings.TrimRight(k, "=")}
	for _, s := range good {
		if _, err := auth.ParseKeyring(s); err != nil {
			t.Errorf("ParseKeyring(%q): %v", s, err)
		}
	}
	short := base64.StdEncoding.EncodeToString(key(7)[:16])
	bad := []string{
		"", "a", "a:", ":" + k, "a b:" + k, "a:" + k + ",a:" + k, "a:" + short,
		"a:" + k + "!", strings.Repeat("x", 33) + ":" + k, "a:" + k + ",",
	}
	for _, s := range bad {
		_, err := auth.ParseKeyring(s)
		if !errors.Is(err, auth.ErrKeyConfig) {
			t.Errorf("ParseKeyring(%q) = %v", s, err)
			continue
		}
		if strings.Contains(err.Error(), strings.TrimRight(k, "=")[:20]) || strings.Contains(err.Error(), short[:20]) {
			t.Errorf("error shows the key: %v", err)
		}
	}
	spec, err := auth.GenerateKey("2026c")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.ParseKeyring(spec); err != nil {
		t.Errorf("GenerateKey's output does not parse: %v", err)
	}
	if _, err := auth.GenerateKey("no spaces"); err == nil {
		t.Error("GenerateKey accepted a bad id")
	}
}

func TestKeyringPrintsNoKey(t *testing.T) {
	k := key(0x5a)
	kr, err := auth.NewKeyring([]string{"k1"}, [][]byte{k})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		out := fmt.Sprintf(f, kr)
		if strings.Contains(out, "5a5a") || strings.Contains(out, "ZZZZ") || strings.Contains(out, string(k)) {
			t.Errorf("%s prints key material: %s", f, out)
		}
	}
	if got := kr.String(); got != "auth.Keyring{current: k1, keys: k1}" {
		t.Errorf("String = %q", got)
	}
}

func BenchmarkSeal(b *testing.B) {
	kr := mustKeyring(b, keySpec("k1", 1))
	pt := []byte(auth.NewTOTPSecret())
	for b.Loop() {
		_, _ = kr.Seal(auth.PurposeTOTPSecret, "42", pt)
	}
}

func BenchmarkCodeHash(b *testing.B) {
	kr := mustKeyring(b, keySpec("k1", 1))
	for b.Loop() {
		kr.CodeHash(auth.KindBackupCode, "42", "ABCDE12345")
	}
}

// BenchmarkMatchBackupCodes: checking a typed code against a full set.
func BenchmarkMatchBackupCodes(b *testing.B) {
	kr := mustKeyring(b, keySpec("k1", 1))
	var stored []string
	for _, c := range auth.NewBackupCodes() {
		cc, _ := auth.CanonicalBackupCode(c)
		stored = append(stored, kr.CodeHash(auth.KindBackupCode, "42", cc))
	}
	for b.Loop() {
		kr.MatchCode(auth.KindBackupCode, "42", "ABCDE12345", stored)
	}
}

package importer

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/poly1305" //lint:ignore SA1019 the push side of secretstream, as ente.go's pull side
)

// enteLibsodiumFixture was written once by libsodium 1.0.18 itself
// (crypto_pwhash Argon2id13, opsLimit 2, memLimit 16 MiB, and
// crypto_secretstream_xchacha20poly1305_push with TAG_FINAL) from
// enteLibsodiumPlain and the password "ente test password": it proves the
// reader agrees with the library Ente uses, not only with our own sealer.
const enteLibsodiumFixture = `{"version": 1, "kdfParams": {"memLimit": 16777216, "opsLimit": 2, "salt": "AAECAwQFBgcICQoLDA0ODw=="}, "encryptedData": "UE5zDJCk9ya4Wquzrto2jBCUQUV57GeH9MMUoi6ek9HAoEA5Q0kUBHsgI5fqgmBvZCW2sxKy+b0/33LzWAv/dVS2sywjHIRKwa0j0BSBXDPzrMSoS/J9/H1n4yQapQVTsDxEDCJgr/s7QaDxIYdQ3p3cXfI4cHs+Ywc0EouGmi8zxfhdG1vRYshEppVOJSkBEfA4/Zr7LSB7WesHXowoLYDnMRlkx0Zh6TCaTHUjKDeRVUtDh+lXrkdSJfGDr3K8L8vG3lQ9", "encryptionNonce": "GCAxhw0ydKgJT2YhLJwH3ZoNCzGOGqlw"}`

const enteLibsodiumPlain = "otpauth://totp/Acme:ann@acme.example?secret=JBSWY3DPEHPK3PXP&issuer=Acme&algorithm=SHA256&digits=8&period=60\n" +
	"otpauth://hotp/Forge:bob?secret=MFRGGZDFMZTWQ2LK&issuer=Forge&counter=7\n"

// enteSeal writes an Ente Auth encrypted export of plain the way Ente
// describes it, with libsodium's construction rebuilt here.
func enteSeal(t testing.TB, password string, memLimit, opsLimit int, plain string) string {
	t.Helper()
	salt := []byte("sixteen byte slt")
	key := argon2IDKey([]byte(password), salt, uint32(opsLimit), uint32(memLimit>>10), 1, 32)
	header := make([]byte, 24)
	if _, err := rand.Read(header); err != nil {
		t.Fatal(err)
	}
	sealed := secretstreamSealForTest(key, header, []byte(plain), secretstreamTagFinal)
	out, err := json.Marshal(map[string]any{
		"version":         1,
		"kdfParams":       map[string]any{"memLimit": memLimit, "opsLimit": opsLimit, "salt": base64.StdEncoding.EncodeToString(salt)},
		"encryptedData":   base64.StdEncoding.EncodeToString(sealed),
		"encryptionNonce": base64.StdEncoding.EncodeToString(header),
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func secretstreamSealForTest(key, header, m []byte, tag byte) []byte {
	subkey, _ := chacha20.HChaCha20(key, header[:16])
	nonce := make([]byte, 12)
	binary.LittleEndian.PutUint32(nonce, 1)
	copy(nonce[4:], header[16:])
	xor := func(counter uint32, dst, src []byte) {
		c, _ := chacha20.NewUnauthenticatedCipher(subkey, nonce)
		c.SetCounter(counter)
		c.XORKeyStream(dst, src)
	}
	var block [64]byte
	xor(0, block[:], block[:])
	var macKey [32]byte
	copy(macKey[:], block[:32])
	mac := poly1305.New(&macKey)
	block = [64]byte{tag}
	xor(1, block[:], block[:])
	mac.Write(block[:])
	out := []byte{block[0]}
	c := make([]byte, len(m))
	xor(2, c, m)
	mac.Write(c)
	mac.Write(make([]byte, len(m)&0xf))
	var lengths [16]byte
	binary.LittleEndian.PutUint64(lengths[8:], uint64(64+len(m)))
	mac.Write(lengths[:])
	out = append(out, c...)
	return mac.Sum(out)
}

// enteFixturePlain is Ente's plain export: its links carry Ente's own
// codeDisplay parameter (URL-encoded JSON) with tags, a note, pinning and
// the trash.
const enteFixturePlain = "otpauth://totp/Acme%20RMM:ann@acme.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20RMM&algorithm=SHA512&digits=8&period=60&codeDisplay=%7B%22pinned%22%3Atrue%2C%22trashed%22%3Afalse%2C%22lastUsedAt%22%3A0%2C%22tapCount%22%3A3%2C%22tags%22%3A%5B%22Work%22%2C%22Admin%22%5D%2C%22note%22%3A%22ask%20IT%22%2C%22position%22%3A0%2C%22iconSrc%22%3A%22%22%2C%22iconID%22%3A%22%22%7D\n" +
	"otpauth://hotp/Forge:bob?secret=MFRGGZDFMZTWQ2LK&issuer=Forge&counter=7\n" +
	"otpauth://steam/Steam:gaben?secret=ONSWG4TFOQ&issuer=Steam&codeDisplay=%7B%22pinned%22%3Afalse%2C%22trashed%22%3Afalse%2C%22tags%22%3A%5B%22Games%22%5D%7D\n" +
	"otpauth://totp/Old:x?secret=JBSWY3DPEHPK3PXP&issuer=Old&codeDisplay=%7B%22trashed%22%3Atrue%7D\n" +
	"otpauth://totp/Broken:b?secret=" + fxSentinel + "&digits=12\n"

var enteFixtureWant = []string{
	"Acme RMM|ann@acme.example|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA512|8|60|0|g=Work, Admin|n=ask IT|f=true|i=|r=",
	"Forge|bob|hotp|MFRGGZDFMZTWQ2LK|SHA1|6|30|7|g=|n=|f=false|i=|r=",
	"Steam|gaben|steam|ONSWG4TFOQ|SHA1|5|30|0|g=Games|n=|f=false|i=|r=",
}

func TestEnteText(t *testing.T) {
	res := fxMustRead(t, "ente-plain.txt", []byte(enteFixturePlain), FormatEnte, Options{})
	fxCompare(t, "entries", fxSummary(res), enteFixtureWant)
	fxCompare(t, "skipped", fxSkipped(res), []string{
		"ente-plain.txt line 5: invalid otpauth URI: totp codes must have 6 to 8 digits, not 12",
		"ente-plain.txt: 1 code in Ente's trash is left out",
	})
	fxValid(t, res)
	// Without codeDisplay it is any link list.
	if got := Detect([]byte(enteLibsodiumPlain)); got != FormatURIs {
		t.Errorf("Detect(links without codeDisplay) = %q, want %q", got, FormatURIs)
	}
	// A hostile tag is cleaned and warned about like any label.
	bidi := "otpauth://totp/A:b?secret=JBSWY3DP&codeDisplay=" + url.QueryEscape(`{"tags":["Wo\u202erk"]}`)
	res = fxMustRead(t, "e.txt", []byte(bidi), FormatEnte, Options{})
	if len(res.Entries) != 1 || res.Entries[0].Account.Group != "Work" || len(res.Entries[0].Warnings) == 0 {
		t.Errorf("entries %+v", res.Entries)
	}
}

func TestEnteEncrypted(t *testing.T) {
	t.Run("libsodium", func(t *testing.T) {
		pw := &fxPassword{pw: "ente test password"}
		res := fxMustRead(t, "ente-codes.txt", []byte(enteLibsodiumFixture), FormatEnteEncrypted, pw.options())
		fxCompare(t, "entries", fxSummary(res), []string{
			"Acme|ann@acme.example|totp|JBSWY3DPEHPK3PXP|SHA256|8|60|0|g=|n=|f=false|i=|r=",
			"Forge|bob|hotp|MFRGGZDFMZTWQ2LK|SHA1|6|30|7|g=|n=|f=false|i=|r=",
		})
		fxValid(t, res)
	})
	t.Run("sealed here", func(t *testing.T) {
		pw := &fxPassword{pw: "correct horse"}
		data := enteSeal(t, pw.pw, 8<<20, 2, enteFixturePlain)
		res := fxMustRead(t, "ente.txt", []byte(data), FormatEnteEncrypted, pw.options())
		if pw.calls != 1 {
			t.Errorf("asked for the password %d times, want 1", pw.calls)
		}
		fxCompare(t, "entries", fxSummary(res), enteFixtureWant)
		fxCompare(t, "skipped", fxSkipped(res), []string{
			"ente.txt line 5: invalid otpauth URI: totp codes must have 6 to 8 digits, not 12",
			"ente.txt: 1 code in Ente's trash is left out",
		})
		fxValid(t, res)
	})
}

// TestSecurityEnteKDFCost: Ente's own costs (1 GiB × 4, 256 MiB × 16) are
// read, beyond them nothing is derived.
func TestSecurityEnteKDFCost(t *testing.T) {
	for _, tt := range []struct {
		name               string
		memLimit, opsLimit int
		ok                 bool
	}{
		{"Ente's sensitive cost", 1 << 30, 4, true},
		{"Ente's small-device cost", 256 << 20, 16, true},
		{"Ente's fallback", 64 << 20, 64, true},
		{"more memory", 2 << 30, 1, false},
		{"more work", 1 << 30, 5, false},
		{"passes overflowing", 8 << 10, 1 << 40, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := countKDFs(t)
			data := enteSeal(t, "pw", tt.memLimit, tt.opsLimit, enteLibsodiumPlain)
			*calls = 0
			pw := &fxPassword{pw: "pw"}
			res, err := fxRead(t, "ente.txt", []byte(data), FormatEnteEncrypted, pw.options())
			if tt.ok {
				if err != nil || len(res.Entries) != 2 || *calls != 1 {
					t.Fatalf("Read = %v with %d derivations", err, *calls)
				}
				return
			}
			if !errors.Is(err, ErrTooCostly) || *calls != 0 || pw.calls != 0 {
				t.Fatalf("Read = %v after %d derivations and %d prompts, want a refusal before both", err, *calls, pw.calls)
			}
		})
	}
}

func TestEnteEncryptedErrors(t *testing.T) {
	calls := countKDFs(t)
	good := enteSeal(t, "pw", 64<<20, 2, enteLibsodiumPlain)
	var doc map[string]any
	if err := json.Unmarshal([]byte(good), &doc); err != nil {
		t.Fatal(err)
	}
	with := func(key string, v any) string {
		m := map[string]any{}
		for k, x := range doc {
			m[k] = x
		}
		m[key] = v
		out, _ := json.Marshal(m)
		return string(out)
	}
	sealed, _ := base64.StdEncoding.DecodeString(doc["encryptedData"].(string))
	flipped := append([]byte{}, sealed...)
	flipped[5] ^= 1
	header, _ := base64.StdEncoding.DecodeString(doc["encryptionNonce"].(string))
	notFinal := secretstreamSealForTest(argon2IDKey([]byte("pw"), []byte("sixteen byte slt"), 2, 64<<10, 1, 32), header, []byte(enteLibsodiumPlain), 0)
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name, data, password string
		noPassword           bool
		want                 error
		text                 string
	}{
		{name: "wrong password", data: good, password: "nope", want: ErrWrongPassword},
		{name: "no password", data: good, noPassword: true, want: ErrPasswordRequired},
		{name: "changed byte", data: with("encryptedData", b64(flipped)), password: "pw", want: ErrWrongPassword, text: "damaged"},
		{name: "not the final message", data: with("encryptedData", b64(notFinal)), password: "pw", want: ErrDamagedFile, text: "cut short"},
		{name: "short data", data: with("encryptedData", b64(sealed[:10])), password: "pw", want: ErrDamagedFile, text: "encryptedData"},
		{name: "bad nonce", data: with("encryptionNonce", "AAAA"), password: "pw", want: ErrDamagedFile, text: "encryptionNonce"},
		{name: "no kdfParams", data: with("kdfParams", nil), password: "pw", want: ErrDamagedFile, text: "kdfParams"},
		{name: "bad salt", data: with("kdfParams", map[string]any{"memLimit": 1 << 20, "opsLimit": 2, "salt": "c2FsdA=="}), password: "pw", want: ErrDamagedFile, text: "salt"},
		{name: "zero cost", data: with("kdfParams", map[string]any{"memLimit": 0, "opsLimit": 0, "salt": "c2FsdA=="}), password: "pw", want: ErrDamagedFile, text: "invalid"},
		{name: "version 2", data: with("version", 2), password: "pw", text: "version 2"},
		{name: "truncated JSON", data: good[:len(good)-20], password: "pw", want: ErrDamagedFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*calls = 0
			opts := (&fxPassword{pw: tt.password}).options()
			if tt.noPassword {
				opts = Options{}
			}
			_, err := fxRead(t, "ente.txt", []byte(tt.data), FormatEnteEncrypted, opts)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Read = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), "ente.txt") || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("Read = %v, want the name and %q", err, tt.text)
			}
			if tt.want != ErrWrongPassword && *calls != 0 && !errors.Is(err, ErrDamagedFile) {
				t.Errorf("%d derivations before the refusal", *calls)
			}
		})
	}
}

func TestEnteEncryptedDetect(t *testing.T) {
	for data, want := range map[string]Format{
		`{"version":1,"kdfParams":{},"encryptedData":"","encryptionNonce":""}`: FormatEnteEncrypted,
		`{"kdfParams":{},"encryptedData":""}`:                                  "",
	} {
		if got := Detect([]byte(data)); got != want {
			t.Errorf("Detect(%s) = %q, want %q", data, got, want)
		}
	}
}

package importer

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/latchkey/latchkey/app/aegis"
	"github.com/latchkey/latchkey/app/exporter"
	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/app/qrscan"
	"github.com/latchkey/latchkey/vault"
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
			Type: aegis.PasswordSlot, UUID: fmt.Sprintf("slot-%d", i), Key: hex.EncodeToString(ct),
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

// allocated is the heap memory f allocates, in bytes: a bound on it says an
// import's memory does not grow with a hostile input, without timing.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// distinctSecret is a valid base32 secret of its own for every i.
func distinctSecret(i int) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte(fmt.Sprintf("account%010d", i)))
}

// linkList is n links, one per line; distinct gives each its own secret.
func linkList(n int, distinct bool) []byte {
	var b bytes.Buffer
	for i := range n {
		secret := "JBSWY3DPEHPK3PXP"
		if distinct {
			secret = distinctSecret(i)
		}
		fmt.Fprintf(&b, "otpauth://totp/Acme:user%d?secret=%s&issuer=Acme\n", i, secret)
	}
	return b.Bytes()
}

// aegisPlainOf is a plain Aegis vault of n TOTP entries; icon, when set,
// is every entry's icon.
func aegisPlainOf(t *testing.T, n int, icon []byte) []byte {
	c := aegisTestContent{Version: 3}
	for i := range n {
		e := aegisTestEntry{Type: "totp", UUID: fmt.Sprint(i), Name: fmt.Sprintf("user%d", i), Issuer: "Acme",
			Info: aegisTestInfo{Secret: distinctSecret(i), Algo: "SHA1", Digits: 6, Period: 30}}
		if icon != nil {
			e.Icon, e.IconMime = ptr(base64.StdEncoding.EncodeToString(icon)), "image/png"
		}
		c.Entries = append(c.Entries, e)
	}
	return aegisFixture(t, mustJSON(t, c))
}

// migrationLink is an otpauth-migration link of one account named name,
// whose payload claims to be part index of a batch of size QR codes (size
// 0: no batch header).
func migrationLink(name string, size, index int) string {
	var params []byte
	params = protowire.AppendTag(params, 1, protowire.BytesType)
	params = protowire.AppendBytes(params, []byte("0123456789"))
	params = protowire.AppendTag(params, 2, protowire.BytesType)
	params = protowire.AppendString(params, name)
	var p []byte
	p = protowire.AppendTag(p, 1, protowire.BytesType)
	p = protowire.AppendBytes(p, params)
	if size != 0 {
		for _, f := range []struct {
			num protowire.Number
			v   int
		}{{2, 1}, {3, size}, {4, index}, {5, 77}} {
			p = protowire.AppendTag(p, f.num, protowire.VarintType)
			p = protowire.AppendVarint(p, uint64(f.v))
		}
	}
	return "otpauth-migration://offline?data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(p))
}

type namedInput struct {
	name string
	data []byte
}

// TestSecurityUnboundedLinkLists: one import keeps at most MaxEntries
// accounts and MaxImportBytes of account data, reads at most MaxInputBytes
// of one input, and no JSON list of more than MaxJSONArrayLen items; beyond
// any of those the input is refused with one error naming it, having
// allocated about what the limit allows and not what the input holds. The
// 100 MB list of 2 million duplicate links of the review took 4 GiB.
func TestSecurityUnboundedLinkLists(t *testing.T) {
	const mib = 1 << 20
	bigIcon := append(fxPNG(t), make([]byte, 200<<10)...) // a PNG of about 200 KiB
	tests := []struct {
		name   string
		inputs func(t *testing.T) []namedInput
		// password, when set, opens the inputs.
		password string
		// maxBytes, when set, shrinks the import's MaxImportBytes so that
		// the test need not build 128 MiB of icons.
		maxBytes int
		// The last input's error, or "" when every input reads.
		err string
		// The most the last Read may allocate, given its input's size.
		maxAlloc func(input int) uint64
		check    func(t *testing.T, res *Result)
	}{
		{name: "the review's list: 200,000 duplicate links",
			inputs: func(*testing.T) []namedInput { return []namedInput{{"links.txt", linkList(200_000, false)}} },
			err:    "links.txt: more than 5000 accounts; Latchkey imports at most 5000 at once",
			// What 5000 accounts take, not what 200,000 would.
			maxAlloc: func(input int) uint64 { return uint64(input) + MaxEntries*8<<10 }},
		{name: "one account past the cap",
			inputs: func(*testing.T) []namedInput {
				return []namedInput{{"links.txt", linkList(MaxEntries+1, true)}}
			},
			err: "links.txt: more than 5000 accounts"},
		{name: "exactly the cap",
			inputs: func(*testing.T) []namedInput { return []namedInput{{"links.txt", linkList(MaxEntries, true)}} },
			check: func(t *testing.T, res *Result) {
				if len(res.Entries) != MaxEntries {
					t.Errorf("%d entries, want %d", len(res.Entries), MaxEntries)
				}
			}},
		{name: "the cap spans the inputs of one import",
			inputs: func(*testing.T) []namedInput {
				return []namedInput{{"a.txt", linkList(2000, true)}, {"b.txt", linkList(2000, true)}, {"c.txt", linkList(2000, true)}}
			},
			err: "c.txt: more than 5000 accounts together with the inputs before it"},
		{name: "an input larger than MaxInputBytes",
			inputs: func(*testing.T) []namedInput {
				data := bytes.Repeat([]byte("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP\n"), MaxInputBytes/40+1)
				return []namedInput{{"links.txt", data}}
			},
			err:      "links.txt: larger than 64 MiB",
			maxAlloc: func(int) uint64 { return mib }},
		{name: "an Aegis export past the cap",
			inputs: func(t *testing.T) []namedInput {
				return []namedInput{{"aegis.json", aegisPlainOf(t, MaxEntries+1, nil)}}
			},
			err: "aegis.json: more than 5000 accounts"},
		{name: "an age backup past the cap", password: backupPass,
			inputs: func(t *testing.T) []namedInput {
				accounts := make([]vault.Account, MaxEntries+1)
				for i := range accounts {
					accounts[i] = vault.Account{Issuer: "Acme", Name: fmt.Sprint(i), Type: vault.TOTP, Secret: distinctSecret(i)}
				}
				data, err := exporter.AgeBackup(accounts, vault.Settings{}, backupPass, exporter.BackupOptions{WorkFactor: 10})
				if err != nil {
					t.Fatal(err)
				}
				return []namedInput{{"backup.age", data}}
			},
			err: "backup.age: more than 5000 accounts"},
		{name: "a JSON list of 200,000 empty items",
			inputs: func(*testing.T) []namedInput {
				data := `[{"secret":"JBSWY3DPEHPK3PXP","label":"x"}` + strings.Repeat(",{}", 200_000) + "]"
				return []namedInput{{"andotp.json", []byte(data)}}
			},
			err:      "andotp.json: andOTP backup: a list of more than 100000 items",
			maxAlloc: func(input int) uint64 { return uint64(input) + mib }},
		{name: "account data past MaxImportBytes", maxBytes: mib,
			inputs: func(t *testing.T) []namedInput { return []namedInput{{"icons.json", aegisPlainOf(t, 8, bigIcon)}} },
			err:    "icons.json: its accounts hold more than 1 MiB"},
		{name: "a migration link claiming 2^31-1 QR codes",
			inputs: func(*testing.T) []namedInput {
				return []namedInput{{"links.txt", []byte(migrationLink("ann", 1<<31-1, 0) + "\n" + uriAnn + "\n")}}
			},
			maxAlloc: func(int) uint64 { return mib },
			check: func(t *testing.T, res *Result) {
				if len(res.Entries) != 1 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "2147483647") {
					t.Errorf("entries %d, skipped %q; want the link refused and the other read", len(res.Entries), fxSkipped(res))
				}
			}},
		{name: "100,000 lines without a link are counted, not listed",
			inputs: func(*testing.T) []namedInput {
				return []namedInput{{"notes.txt", []byte(uriAnn + "\n" + strings.Repeat("not a link\n", 100_000))}}
			},
			maxAlloc: func(input int) uint64 { return uint64(input) + mib },
			check: func(t *testing.T, res *Result) {
				last := res.Skipped[len(res.Skipped)-1]
				if len(res.Entries) != 1 || len(res.Skipped) > 100 || !strings.Contains(last.Reason, "more lines without") {
					t.Errorf("%d entries, %d skipped, the last %q", len(res.Entries), len(res.Skipped), last.Reason)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inputs := tt.inputs(t)
			im := New()
			if tt.maxBytes != 0 {
				im.maxBytes = tt.maxBytes
			}
			var res *Result
			var err error
			for i, in := range inputs {
				last := i == len(inputs)-1
				opts := Options{}
				if tt.password != "" {
					opts = withPass(tt.password)
				}
				n := allocated(func() { res, err = im.Read(context.Background(), in.name, in.data, "", opts) })
				t.Logf("%s: %d KiB read, %d KiB allocated", in.name, len(in.data)>>10, n>>10)
				if !last {
					if err != nil {
						t.Fatalf("%s: %v", in.name, err)
					}
					continue
				}
				if tt.maxAlloc != nil && n > tt.maxAlloc(len(in.data)) {
					t.Errorf("reading %d bytes allocated %d MiB, want at most %d MiB",
						len(in.data), n>>20, tt.maxAlloc(len(in.data))>>20)
				}
			}
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("err = %v, want %q", err, tt.err)
			case tt.err != "" && !errors.Is(err, ErrTooLarge):
				t.Errorf("err = %v, want ErrTooLarge", err)
			case tt.err != "" && res != nil:
				t.Error("a result with the error")
			}
			if tt.check != nil && err == nil {
				tt.check(t, res)
			}
		})
	}
}

// TestSecurityUnboundedScreenCodes: QR codes decoded elsewhere (the screen,
// the clipboard) count against the same limit; past it, nothing of them is
// kept and the one skipped item says why.
func TestSecurityUnboundedScreenCodes(t *testing.T) {
	codes := make([]qrscan.Code, MaxEntries+1)
	for i := range codes {
		codes[i] = qrscan.Code{Text: fmt.Sprintf("otpauth://totp/Acme:u%d?secret=%s", i, distinctSecret(i)), Kind: qrscan.KindOTPAuth}
	}
	res := New().ReadCodes("the screen", codes)
	if len(res.Entries) != 0 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "more than 5000 accounts") {
		t.Errorf("%d entries, skipped %q; want none and the limit named", len(res.Entries), fxSkipped(res))
	}
	if res := New().ReadCodes("the screen", codes[:MaxEntries]); len(res.Entries) != MaxEntries {
		t.Errorf("%d entries at the limit, want %d", len(res.Entries), MaxEntries)
	}
}

// TestSecurityBidiControls: no import puts a control character, a
// bidirectional control or a line separator into an account's issuer,
// name, group or note (a note keeps its newlines and tabs), nor into the
// sources and reasons the user reads. The characters are taken out, the
// account is imported, and its entry carries a warning naming the field
// and the code point (ARCHITECTURE.md, "Hostile input").
func TestSecurityBidiControls(t *testing.T) {
	const rlo, lri, rli, rlm = "\u202e", "\u2066", "\u2067", "\u200f"
	const secret = "JBSWY3DPEHPK3PXP"
	type want struct{ issuer, name, group, note string }
	tests := []struct {
		name, file string
		data       []byte
		want       []want
		// warnings must each appear in the entry's warnings, in order.
		warnings [][]string
	}{
		{name: "a link: issuer, percent-encoded", file: "links.txt",
			data:     []byte("otpauth://totp/Evil%E2%80%AE:ann?secret=" + secret + "&issuer=Evil%E2%80%AE\n"),
			want:     []want{{issuer: "Evil", name: "ann"}},
			warnings: [][]string{{"U+202E from the issuer"}}},
		{name: "a link: name, raw", file: "links.txt",
			data:     []byte("otpauth://totp/Acme:moc.elgoog" + rlo + "@ann?secret=" + secret + "&issuer=Acme\n"),
			want:     []want{{issuer: "Acme", name: "moc.elgoog@ann"}},
			warnings: [][]string{{"U+202E from the name"}}},
		{name: "a link: isolates and marks in both", file: "links.txt",
			data:     []byte("otpauth://totp/" + lri + "Acme" + rlm + ":" + rli + "ann?secret=" + secret + "\n"),
			want:     []want{{issuer: "Acme", name: "ann"}},
			warnings: [][]string{{"U+2066, U+200F from the issuer", "U+2067 from the name"}}},
		{name: "a link: an encoded newline and terminal escape", file: "links.txt",
			data:     []byte("otpauth://totp/Acme:ann%0A%1B%5B2Jroot?secret=" + secret + "&issuer=Acme\n"),
			want:     []want{{issuer: "Acme", name: "ann [2Jroot"}},
			warnings: [][]string{{"U+000A, U+001B from the name"}}},
		{name: "a Google Authenticator migration link", file: "links.txt",
			data:     []byte(migrationLink("Acme:"+rlo+"ann", 0, 0) + "\n"),
			want:     []want{{issuer: "Acme", name: "ann"}},
			warnings: [][]string{{"U+202E from the name"}}},
		{name: "an Aegis vault: issuer, name, group and note", file: "aegis.json",
			data: aegisFixture(t, mustJSON(t, aegisTestContent{Version: 3,
				Groups: []aegis.Group{{UUID: aegisGroupWork, Name: "Wo" + rlo + "rk"}},
				Entries: []aegisTestEntry{{Type: "totp", UUID: "e0", Issuer: "Acme" + rlo, Name: rli + "ann",
					Note: ptr("line 1\r\nline 2\t" + rlo + "end"), Groups: &[]string{aegisGroupWork},
					Info: aegisTestInfo{Secret: secret, Algo: "SHA1", Digits: 6, Period: 30}}}})),
			want: []want{{issuer: "Acme", name: "ann", group: "Work", note: "line 1\nline 2\tend"}},
			warnings: [][]string{{"U+202E from the issuer", "U+2067 from the name",
				"U+202E from the group", "U+202E from the note"}}},
		{name: "a Bitwarden export: the item's name and its link", file: "bitwarden.json",
			data: []byte(`{"encrypted":false,"items":[{"name":"Acme` + rlo + `","login":{"username":"ann",` +
				`"totp":"otpauth://totp/x%E2%80%AE?secret=` + secret + `"}}]}`),
			want:     []want{{issuer: "Acme", name: "x"}},
			warnings: [][]string{{"U+202E from the name", "U+202E from the issuer"}}},
		{name: "a file name with an override", file: "codes" + rlo + "txt.png",
			data: []byte("otpauth://totp/Acme:ann?secret=" + secret + "\n"),
			want: []want{{issuer: "Acme", name: "ann"}}, warnings: [][]string{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := New().Read(context.Background(), tt.file, tt.data, "", Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Entries) != len(tt.want) || len(res.Skipped) != 0 {
				t.Fatalf("%d entries, skipped %q; want %d entries", len(res.Entries), fxSkipped(res), len(tt.want))
			}
			for i, e := range res.Entries {
				a := e.Account
				got := want{a.Issuer, a.Name, a.Group, a.Note}
				if got != tt.want[i] {
					t.Errorf("entry %d: %+q, want %+q", i, got, tt.want[i])
				}
				for _, s := range []string{a.Issuer, a.Name, a.Group, strings.NewReplacer("\n", "", "\t", "").Replace(a.Note), e.Source} {
					if i := strings.IndexFunc(s, otpauth.UnsafeRune); i >= 0 {
						t.Errorf("entry %d keeps %U in %+q", i, []rune(s[i:])[0], s)
					}
				}
				if len(e.Warnings) != len(tt.warnings[i]) {
					t.Fatalf("entry %d: warnings %q, want %q", i, e.Warnings, tt.warnings[i])
				}
				for j, w := range tt.warnings[i] {
					if !strings.Contains(e.Warnings[j], w) {
						t.Errorf("entry %d: warning %q, want it to say %q", i, e.Warnings[j], w)
					}
				}
			}
		})
	}
}

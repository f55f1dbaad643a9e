package codes

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/vault"
)

// RFC 6238 Appendix B seeds: the RFC uses a key as long as the hash output
// for each algorithm (20, 32 and 64 ASCII bytes).
var (
	seed20 = "12345678901234567890"
	seed32 = "12345678901234567890123456789012"
	seed64 = "1234567890123456789012345678901234567890123456789012345678901234"
)

func enc(s string) string {
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte(s))
}

func totp(seed string, alg vault.Algorithm, digits, period int) vault.Account {
	return vault.Account{Type: vault.TOTP, Secret: enc(seed), Algorithm: alg, Digits: digits, Period: period}
}

func unix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// TestRFC6238 checks every row of RFC 6238 Appendix B (8 digits), and the
// 7- and 6-digit codes, which are the same truncated value modulo 10^7 and
// 10^6: the last 7 and 6 digits of the 8-digit code.
func TestRFC6238(t *testing.T) {
	rows := []struct {
		time                 int64
		sha1, sha256, sha512 string
	}{
		{59, "94287082", "46119246", "90693936"},
		{1111111109, "07081804", "68084774", "25091201"},
		{1111111111, "14050471", "67062674", "99943326"},
		{1234567890, "89005924", "91819424", "93441116"},
		{2000000000, "69279037", "90698825", "38618901"},
		{20000000000, "65353130", "77737706", "47863826"},
	}
	for _, r := range rows {
		for _, c := range []struct {
			alg  vault.Algorithm
			seed string
			want string
		}{
			{vault.SHA1, seed20, r.sha1},
			{vault.SHA256, seed32, r.sha256},
			{vault.SHA512, seed64, r.sha512},
		} {
			for _, digits := range []int{8, 7, 6} {
				want := c.want[8-digits:]
				got, err := Generate(totp(c.seed, c.alg, digits, 30), unix(r.time))
				if err != nil || got != want {
					t.Errorf("%s %d digits at %d: got %q, %v; want %q", c.alg, digits, r.time, got, err, want)
				}
			}
		}
	}
}

// rfc4226Decimal is the "Truncated Decimal" column of RFC 4226 Appendix D
// (secret "12345678901234567890", counters 0–9); its codes are the values
// modulo 10^digits.
var rfc4226Decimal = []uint32{
	1284755224, 1094287082, 137359152, 1726969429, 1640338314,
	868254676, 1918287922, 82162583, 673399871, 645520489,
}

var rfc4226Six = []string{
	"755224", "287082", "359152", "969429", "338314",
	"254676", "287922", "162583", "399871", "520489",
}

func TestRFC4226(t *testing.T) {
	for counter, want := range rfc4226Six {
		a := vault.Account{Type: vault.HOTP, Secret: enc(seed20), Algorithm: vault.SHA1, Digits: 6, Counter: uint64(counter)}
		// Time is ignored for HOTP; pass a time that would fail for TOTP.
		got, err := Generate(a, time.Time{})
		if err != nil || got != want {
			t.Errorf("counter %d: got %q, %v; want %q", counter, got, err, want)
		}
	}
	for _, digits := range []int{6, 7, 8} {
		mod := uint32(1)
		for range digits {
			mod *= 10
		}
		for counter, dec := range rfc4226Decimal {
			a := vault.Account{Type: vault.HOTP, Secret: enc(seed20), Algorithm: vault.SHA1, Digits: digits}
			want := leftPad(dec%mod, digits)
			got, err := AtCounter(a, uint64(counter))
			if err != nil || got != want {
				t.Errorf("%d digits, counter %d: got %q, %v; want %q", digits, counter, got, err, want)
			}
		}
	}
}

func leftPad(v uint32, digits int) string {
	s := strings.Repeat("0", digits) + itoa(v)
	return s[len(s)-digits:]
}

func itoa(v uint32) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + v%10)}, b...)
		v /= 10
		if v == 0 {
			return string(b)
		}
	}
}

// TestPeriods derives TOTP codes for other periods from the RFC 4226 table:
// with the same SHA1 secret, the code at time t is the HOTP code at t/period.
func TestPeriods(t *testing.T) {
	tests := []struct {
		period int
		time   int64
		step   int
	}{
		{30, 0, 0},
		{30, 29, 0},
		{30, 30, 1},
		{60, 0, 0},
		{60, 59, 0},
		{60, 60, 1},
		{60, 179, 2},
		{60, 599, 9},
		{7, 6, 0},
		{7, 7, 1},
		{7, 62, 8},
		{7, 69, 9},
		{1, 5, 5},
		{13, 13*4 + 12, 4},
	}
	for _, tc := range tests {
		got, err := Generate(totp(seed20, vault.SHA1, 6, tc.period), unix(tc.time))
		if want := rfc4226Six[tc.step]; err != nil || got != want {
			t.Errorf("period %d at %d: got %q, %v; want %q", tc.period, tc.time, got, err, want)
		}
	}
}

// Steam vectors. The first is the test vector of dyc3/steamguard-cli
// (steamguard/src/token.rs, test_generate_code): shared_secret
// "zvIayp3JPvtvX/QGHqsqKBk/44s=" (base64, as in a .maFile) at Unix time
// 1616374841 gives "2F9J5". The next two are from ValvePython/steam
// (tests/test_guard.py, test_generate_twofactor_code_for_time), which uses
// the 16 ASCII bytes "superdupersecret" as the key.
func TestSteamVectors(t *testing.T) {
	maFileKey, err := base64.StdEncoding.DecodeString("zvIayp3JPvtvX/QGHqsqKBk/44s=")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key  string
		time int64
		want string
	}{
		{string(maFileKey), 1616374841, "2F9J5"},
		{"superdupersecret", 3000030, "YRGQJ"},
		{"superdupersecret", 3000029, "94R9D"},
	}
	for _, tc := range tests {
		a := vault.Account{Type: vault.Steam, Secret: enc(tc.key), Algorithm: vault.SHA1, Digits: 5, Period: 30}
		got, err := Generate(a, unix(tc.time))
		if err != nil || got != tc.want {
			t.Errorf("at %d: got %q, %v; want %q", tc.time, got, err, tc.want)
		}
	}
}

const steamAlphabet = "23456789BCDFGHJKMNPQRTVWXY"

// steamReference is an independent implementation of Steam Guard codes from
// the algorithm's description: RFC 4226 dynamic truncation of
// HMAC-SHA1(key, time/30), then five base-26 digits, least significant first,
// over the alphabet above.
func steamReference(key []byte, counter uint64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	var out []byte
	for range 5 {
		out = append(out, steamAlphabet[v%26])
		v /= 26
	}
	return string(out)
}

func TestSteamMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		key := make([]byte, 1+r.IntN(40))
		for i := range key {
			key[i] = byte(r.Uint32())
		}
		sec := r.Int64N(maxUnix)
		a := vault.Account{Type: vault.Steam, Secret: enc(string(key)), Algorithm: vault.SHA1, Digits: 5, Period: 30}
		got, err := Generate(a, unix(sec))
		if want := steamReference(key, uint64(sec)/30); err != nil || got != want {
			t.Fatalf("key %x at %d: got %q, %v; want %q", key, sec, got, err, want)
		}
		for _, c := range got {
			if !strings.ContainsRune(steamAlphabet, c) {
				t.Fatalf("code %q has %q outside the Steam alphabet", got, c)
			}
		}
	}
}

func TestSecretSpellings(t *testing.T) {
	want := "94287082"
	for _, s := range []string{
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
		"gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
	} {
		got, err := Generate(vault.Account{Type: vault.TOTP, Secret: s, Algorithm: vault.SHA1, Digits: 8, Period: 30}, unix(59))
		if err != nil || got != want {
			t.Errorf("secret spelling %d chars: got %q, %v", len(s), got, err)
		}
	}
	// Padding is optional: a 10-byte key has 16 characters and no padding,
	// a 5-byte key 8; a 1-byte key needs "======".

	for _, s := range []string{"ME", "ME======", "me======"} {
		got, err := AtCounter(vault.Account{Type: vault.HOTP, Secret: s, Algorithm: vault.SHA1, Digits: 6}, 0)
		ref, _ := AtCounter(vault.Account{Type: vault.HOTP, Secret: enc("a"), Algorithm: vault.SHA1, Digits: 6}, 0)
		if err != nil || got != ref {
			t.Errorf("secret %q: got %q, %v; want %q", s, got, err, ref)
		}
	}
}

// sentinel is a valid base32 secret; no error may ever contain it.
const sentinel = "SENTINELSECRETXYZ234567ABCDEFGHQ"

func valid() vault.Account {
	return vault.Account{Type: vault.TOTP, Secret: sentinel, Algorithm: vault.SHA1, Digits: 6, Period: 30}
}

func TestInvalidAccounts(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*vault.Account)
		field  string
		phrase string
	}{
		{"no type", func(a *vault.Account) { a.Type = "" }, "type", "type is not set"},
		{"unknown type", func(a *vault.Account) { a.Type = "motp" }, "type", `"motp"`},
		{"no algorithm", func(a *vault.Account) { a.Algorithm = "" }, "algorithm", "not set"},
		{"dashed algorithm", func(a *vault.Account) { a.Algorithm = "SHA-256" }, "algorithm", `"SHA-256"`},
		{"lower-case algorithm", func(a *vault.Account) { a.Algorithm = "sha1" }, "algorithm", `"sha1"`},
		{"md5", func(a *vault.Account) { a.Algorithm = "MD5" }, "algorithm", "MD5"},
		{"zero digits", func(a *vault.Account) { a.Digits = 0 }, "digits", "not 0"},
		{"5 digits totp", func(a *vault.Account) { a.Digits = 5 }, "digits", "6 to 8"},
		{"9 digits", func(a *vault.Account) { a.Digits = 9 }, "digits", "not 9"},
		{"10 digits hotp", func(a *vault.Account) { a.Type = vault.HOTP; a.Digits = 10 }, "digits", "hotp"},
		{"6 digits steam", func(a *vault.Account) { a.Type = vault.Steam }, "digits", "steam codes have 5"},
		{"zero period", func(a *vault.Account) { a.Period = 0 }, "period", "not 0"},
		{"negative period", func(a *vault.Account) { a.Period = -30 }, "period", "not -30"},
		{"huge period", func(a *vault.Account) { a.Period = MaxPeriod + 1 }, "period", "1 to 86400"},
		{"no secret", func(a *vault.Account) { a.Secret = "" }, "secret", "empty"},
		{"padding only", func(a *vault.Account) { a.Secret = "========" }, "secret", "empty"},
		{"bad base32", func(a *vault.Account) { a.Secret = sentinel[:30] + "18" }, "secret", "not valid base32"},
		{"bad length 33", func(a *vault.Account) { a.Secret = sentinel + "A" }, "secret", "not a possible length"},
		{"bad length 1", func(a *vault.Account) { a.Secret = "A" }, "secret", "not a possible length"},
		{"bad length 6", func(a *vault.Account) { a.Secret = "ABCDEF==" }, "secret", "not a possible length"},
		{"spaces", func(a *vault.Account) { a.Secret = sentinel[:16] + " " + sentinel[16:] }, "secret", "not valid base32"},
		{"huge secret", func(a *vault.Account) { a.Secret = strings.Repeat(sentinel, 100) }, "secret", "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := valid()
			tc.edit(&a)
			for _, call := range []func() error{
				func() error { return Validate(a) },
				func() error { _, err := Generate(a, unix(59)); return err },
				func() error { _, err := Next(a, unix(59)); return err },
				func() error { _, err := AtCounter(a, 1); return err },
			} {
				err := call()
				var ae *AccountError
				if !errors.Is(err, ErrInvalidAccount) || !errors.As(err, &ae) {
					t.Fatalf("got %v, want an *AccountError", err)
				}
				if ae.Field != tc.field || !strings.Contains(err.Error(), tc.phrase) {
					t.Errorf("got field %q, %q; want %q mentioning %q", ae.Field, err, tc.field, tc.phrase)
				}
				if strings.Contains(err.Error(), sentinel[:12]) {
					t.Errorf("error contains the secret")
				}
			}
		})
	}
}

func TestValidAccounts(t *testing.T) {
	for _, a := range []vault.Account{
		valid(),
		{Type: vault.TOTP, Secret: sentinel, Algorithm: vault.SHA512, Digits: 8, Period: 1},
		{Type: vault.TOTP, Secret: sentinel, Algorithm: vault.SHA256, Digits: 7, Period: MaxPeriod},
		{Type: vault.HOTP, Secret: sentinel, Algorithm: vault.SHA1, Digits: 6},
		{Type: vault.HOTP, Secret: sentinel, Algorithm: vault.SHA1, Digits: 6, Period: -1, Counter: 1 << 63},
		{Type: vault.Steam, Secret: sentinel, Algorithm: vault.SHA1, Digits: 5, Period: 30},
	} {
		if err := Validate(a); err != nil {
			t.Errorf("%+v: %v", a.Type, err)
		}
	}
}

func TestTimeLimits(t *testing.T) {
	for _, tm := range []time.Time{unix(-1), time.Time{}, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := Generate(valid(), tm); !errors.Is(err, ErrInvalidTime) {
			t.Errorf("Generate at %v: %v, want ErrInvalidTime", tm, err)
		}
		if _, err := WindowAt(valid(), tm); !errors.Is(err, ErrInvalidTime) {
			t.Errorf("WindowAt at %v: %v, want ErrInvalidTime", tm, err)
		}
	}
	if _, err := Generate(valid(), unix(maxUnix)); err != nil {
		t.Errorf("last second of 9999: %v", err)
	}
}

func TestNext(t *testing.T) {
	a := totp(seed20, vault.SHA1, 6, 60)
	for _, tc := range []struct {
		time int64
		want string
	}{
		{0, rfc4226Six[1]},
		{59, rfc4226Six[1]},
		{60, rfc4226Six[2]},
		{539, rfc4226Six[9]},
	} {
		got, err := Next(a, unix(tc.time))
		if err != nil || got != tc.want {
			t.Errorf("Next at %d: got %q, %v; want %q", tc.time, got, err, tc.want)
		}
	}
	h := vault.Account{Type: vault.HOTP, Secret: enc(seed20), Algorithm: vault.SHA1, Digits: 6, Counter: 3}
	if got, err := Next(h, time.Time{}); err != nil || got != rfc4226Six[4] {
		t.Errorf("HOTP Next: got %q, %v; want %q", got, err, rfc4226Six[4])
	}
	h.Counter = 1<<64 - 1
	if _, err := Next(h, time.Time{}); !errors.Is(err, ErrCounterOverflow) {
		t.Errorf("Next at max counter: %v", err)
	}
}

func TestWindow(t *testing.T) {
	tests := []struct {
		period    int
		at        time.Time
		counter   uint64
		start     int64
		remaining time.Duration
		progress  float64
	}{
		{30, unix(59), 1, 30, time.Second, 29.0 / 30},
		{30, unix(60), 2, 60, 30 * time.Second, 0},
		{30, time.Unix(59, 500_000_000), 1, 30, 500 * time.Millisecond, 29.5 / 30},
		{60, unix(1234567890), 20576131, 1234567860, 30 * time.Second, 0.5},
		{7, unix(20), 2, 14, time.Second, 6.0 / 7},
		{30, unix(0), 0, 0, 30 * time.Second, 0},
	}
	for _, tc := range tests {
		a := totp(seed20, vault.SHA1, 6, tc.period)
		w, err := WindowAt(a, tc.at)
		if err != nil {
			t.Fatalf("period %d at %v: %v", tc.period, tc.at, err)
		}
		if w.Counter != tc.counter || w.Start.Unix() != tc.start || w.Period() != time.Duration(tc.period)*time.Second {
			t.Errorf("period %d at %v: got %+v", tc.period, tc.at, w)
		}
		rem, err := Remaining(a, tc.at)
		if err != nil || rem != tc.remaining || w.Remaining(tc.at) != tc.remaining {
			t.Errorf("period %d at %v: remaining %v, %v; want %v", tc.period, tc.at, rem, err, tc.remaining)
		}
		if p := w.Progress(tc.at); p < tc.progress-1e-9 || p > tc.progress+1e-9 {
			t.Errorf("period %d at %v: progress %v, want %v", tc.period, tc.at, p, tc.progress)
		}
		// The code is constant over the window and changes at its end
		// (for these secrets and steps the neighbouring codes differ).
		first, _ := Generate(a, w.Start)
		last, _ := Generate(a, w.End.Add(-time.Nanosecond))
		after, _ := Generate(a, w.End)
		if first != last || first == after {
			t.Errorf("period %d: codes %q %q %q across the window", tc.period, first, last, after)
		}
	}
	w, _ := WindowAt(totp(seed20, vault.SHA1, 6, 30), unix(59))
	if w.Remaining(unix(61)) != 0 || w.Progress(unix(61)) != 1 || w.Progress(unix(0)) != 0 {
		t.Error("Remaining and Progress must clamp outside the window")
	}
	loc := time.FixedZone("UTC+5", 5*3600)
	if w, _ := WindowAt(totp(seed20, vault.SHA1, 6, 30), unix(59).In(loc)); w.Start.Location() != loc {
		t.Error("window should be in the caller's location")
	}
	h := vault.Account{Type: vault.HOTP, Secret: sentinel, Algorithm: vault.SHA1, Digits: 6}
	if _, err := Remaining(h, unix(0)); !errors.Is(err, ErrNotTimeBased) {
		t.Errorf("HOTP Remaining: %v", err)
	}
	if _, err := Remaining(vault.Account{}, unix(0)); !errors.Is(err, ErrInvalidAccount) {
		t.Errorf("invalid account Remaining: %v", err)
	}
}

func BenchmarkGenerate(b *testing.B) {
	now := unix(1_700_000_000)
	for _, c := range []struct {
		name string
		a    vault.Account
	}{
		{"SHA1-6", totp(seed20, vault.SHA1, 6, 30)},
		{"SHA256-8", totp(seed32, vault.SHA256, 8, 30)},
		{"SHA512-8", totp(seed64, vault.SHA512, 8, 30)},
		{"Steam", vault.Account{Type: vault.Steam, Secret: enc(seed20), Algorithm: vault.SHA1, Digits: 5, Period: 30}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Generate(c.a, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

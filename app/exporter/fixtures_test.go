package exporter_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// sentinel is a secret no message may ever contain.
const sentinel = "SENTINELSECRETAAAAAAAAAAAAAAAAAA"

// pngIcon is a small PNG, enough to be an icon.
var pngIcon = func() []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		panic(err)
	}
	return buf.Bytes()
}()

func at(day int) time.Time { return time.Date(2026, 11, day, 9, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

// fullAccounts covers every field and OTP variant Latchkey stores.
func fullAccounts() []vault.Account {
	return []vault.Account{{
		ID: "a1", Issuer: "Acme RMM", Name: "ann@acme.example", Type: vault.TOTP, Secret: sentinel,
		Algorithm: vault.SHA1, Digits: 6, Period: 30, Group: "Acme", Note: "admin tenant\nsecond line",
		Favourite: true, Icon: "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngIcon),
		Created: at(1), Updated: at(2),
		BackupCodes: []vault.BackupCode{
			{Code: "1111-2222"},
			{Code: "3333-4444", UsedAt: ptr(at(3))},
			{Code: "5555-6666", FromPreviousSetup: true, RetiredAt: ptr(at(4))},
		},
		RecoveryCode: "RECOVERY-1234", RecoveryFromPreviousSetup: true,
		Portal: &vault.Portal{URL: "https://portal.example", Tenant: "acme", UserID: "u-1"},
	}, {
		ID: "a2", Issuer: "Vendor Portal", Name: "ops bob+2fa", Type: vault.HOTP, Secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
		Algorithm: vault.SHA256, Digits: 8, Period: 30, Counter: 42, Group: "Acme",
		Icon:    "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E",
		Created: at(5), Updated: at(5),
	}, {
		ID: "a3", Issuer: "Big Bank", Name: "carol", Type: vault.TOTP, Secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
		Algorithm: vault.SHA512, Digits: 7, Period: 60, Group: "Personal", Icon: "builtin:bank",
		Created: at(6), Updated: at(7),
	}, {
		ID: "a4", Issuer: "Steam", Name: "gaben", Type: vault.Steam, Secret: "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
		Algorithm: vault.SHA1, Digits: 5, Period: 30, Created: at(8), Updated: at(8),
	}, {
		ID: "a5", Name: "dave:home", Type: vault.TOTP, Secret: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
		Algorithm: vault.SHA1, Digits: 6, Period: 30, Created: at(9), Updated: at(9),
	}}
}

// googleAccounts are n accounts Google Authenticator can hold, TOTP and
// HOTP, 6 and 8 digits, every algorithm.
func googleAccounts(n int) []vault.Account {
	algs := []vault.Algorithm{vault.SHA1, vault.SHA256, vault.SHA512}
	out := make([]vault.Account, n)
	for i := range out {
		a := vault.Account{
			Issuer: fmt.Sprintf("Tenant %d RMM", i), Name: fmt.Sprintf("tech%d@msp.example", i),
			Type: vault.TOTP, Secret: secretN(i), Algorithm: algs[i%3], Digits: 6 + 2*(i%2), Period: 30,
		}
		if i%4 == 3 {
			a.Type, a.Counter = vault.HOTP, uint64(i*1000)
		}
		out[i] = a
	}
	return out
}

// secretN is a distinct 20-byte base32 secret per i.
func secretN(i int) string {
	return strings.ToUpper(fmt.Sprintf("%s%08s", "GEZDGNBVGY3TQOJQGEZDGNBV", otpauthNumber(i)))
}

func otpauthNumber(i int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	s := ""
	for range 8 {
		s += string(alphabet[i%32])
		i /= 32
	}
	return s
}

// otpFields is what every format must carry: the code parameters and
// the label.
func otpFields(a vault.Account) string {
	n := a
	if err := otpauth.Normalize(&n); err != nil {
		return "invalid: " + err.Error()
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s|%d|%d|%d", n.Issuer, n.Name, n.Type, n.Secret, n.Algorithm, n.Digits, n.Period, n.Counter)
}

// jsonOf is the account as the vault stores it, without its id.
func jsonOf(t *testing.T, a vault.Account) string {
	t.Helper()
	a.ID = ""
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// differentMembers names the members in which two JSON objects differ,
// without their values (which hold secrets).
func differentMembers(t *testing.T, got, want string) []string {
	t.Helper()
	var g, w map[string]json.RawMessage
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	var diff []string
	for k := range w {
		if !jsonEqual(g[k], w[k]) {
			diff = append(diff, k)
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			diff = append(diff, k)
		}
	}
	slices.Sort(diff)
	return diff
}

func jsonEqual(a, b json.RawMessage) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return false
	}
	return ca.String() == cb.String()
}

func assertNoSentinel(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, sentinel) {
		t.Errorf("%s contains the secret: %q", what, s)
	}
}

package importer

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/vault"
)

// Fixtures follow the backup classes of the 2FAS apps (BackupContent and
// BackupService in 2fas-android, ExchangeData/ExchangeData2 in 2fas-ios):
// fields in the Android writer's order, optional ones absent.

const twofasGroupWork = "1E2D3C4B-5A69-4788-9ABC-DEF012345678"

type twofasTestFile struct {
	Services          []twofasTestService `json:"services"`
	Groups            []map[string]any    `json:"groups,omitempty"`
	UpdatedAt         int64               `json:"updatedAt"`
	SchemaVersion     int                 `json:"schemaVersion"`
	AppVersionCode    int                 `json:"appVersionCode"`
	AppVersionName    string              `json:"appVersionName"`
	AppOrigin         string              `json:"appOrigin"`
	ServicesEncrypted string              `json:"servicesEncrypted,omitempty"`
	Reference         string              `json:"reference,omitempty"`
}

type twofasTestService struct {
	Name          string         `json:"name"`
	Secret        string         `json:"secret"`
	UpdatedAt     int64          `json:"updatedAt"`
	Type          string         `json:"type,omitempty"`          // schema 1–2: the brand
	ServiceTypeID string         `json:"serviceTypeID,omitempty"` // schema 3–4
	OTP           twofasTestOTP  `json:"otp"`
	Order         map[string]int `json:"order"`
	Icon          map[string]any `json:"icon,omitempty"`
	GroupID       string         `json:"groupId,omitempty"`
}

type twofasTestOTP struct {
	Link      string `json:"link,omitempty"`
	Label     string `json:"label,omitempty"`
	Account   string `json:"account,omitempty"`
	Issuer    string `json:"issuer,omitempty"`
	Digits    int    `json:"digits,omitempty"`
	Period    int    `json:"period,omitempty"`
	Algorithm string `json:"algorithm,omitempty"`
	Counter   *int   `json:"counter,omitempty"`
	TokenType string `json:"tokenType,omitempty"`
	Source    string `json:"source,omitempty"`
}

// twofasServices are the services of every fixture, in schema 4 form.
func twofasServices() []twofasTestService {
	return []twofasTestService{
		{Name: "Acme RMM", Secret: sentinelSecret, OTP: twofasTestOTP{Account: "ann@acme.example", Issuer: "Acme",
			Digits: 6, Period: 30, Algorithm: "SHA1", TokenType: "TOTP", Source: "Link",
			Link: "otpauth://totp/Acme:ann@acme.example?secret=[hidden]&issuer=Acme"}, GroupID: twofasGroupWork},
		{Name: "", Secret: strings.ToLower(sentinelSecret2), OTP: twofasTestOTP{Account: "Zoë 🔐 用户", Issuer: "GitLab",
			Digits: 8, Period: 60, Algorithm: "SHA512", TokenType: "TOTP", Source: "Manual"}},
		{Name: "Vendor", Secret: "GEZDGNBVGY3TQOJQ", OTP: twofasTestOTP{Account: "bob", Digits: 6, Period: 30,
			Algorithm: "SHA256", Counter: ptr(7), TokenType: "HOTP", Source: "Manual"}},
		{Name: "Steam", Secret: "JBSWY3DPEHPK3PXP", OTP: twofasTestOTP{Account: "gamer", Digits: 5, Period: 30,
			Algorithm: "SHA1", TokenType: "STEAM", Source: "Manual"}},
		{Name: "Broken", Secret: sentinelBadSecret, OTP: twofasTestOTP{Account: "eve", Digits: 6, Period: 30,
			Algorithm: "SHA1", TokenType: "TOTP"}},
		{Name: "Pusher", Secret: "JBSWY3DPEHPK3PXP", OTP: twofasTestOTP{Account: "push", TokenType: "PUSH"}},
		// Early backups may have only the link's label.
		{Name: "", Secret: "JBSWY3DPEHPK3PXP", OTP: twofasTestOTP{Label: "Legacy:carol"}},
	}
}

func twofasWant(schema int) []exportAccount {
	group := "Work"
	if schema < 2 {
		group = ""
	}
	return []exportAccount{
		{Issuer: "Acme RMM", Name: "ann@acme.example", Type: vault.TOTP, Algorithm: vault.SHA1, Digits: 6, Period: 30,
			Secret: sentinelSecret, Group: group},
		{Issuer: "GitLab", Name: "Zoë 🔐 用户", Type: vault.TOTP, Algorithm: vault.SHA512, Digits: 8, Period: 60,
			Secret: sentinelSecret2},
		{Issuer: "Vendor", Name: "bob", Type: vault.HOTP, Algorithm: vault.SHA256, Digits: 6, Period: 30, Counter: 7,
			Secret: "GEZDGNBVGY3TQOJQ"},
		{Issuer: "Steam", Name: "gamer", Type: vault.Steam, Algorithm: vault.SHA1, Digits: 5, Period: 30,
			Secret: "JBSWY3DPEHPK3PXP"},
		{Issuer: "Legacy", Name: "carol", Type: vault.TOTP, Algorithm: vault.SHA1, Digits: 6, Period: 30,
			Secret: "JBSWY3DPEHPK3PXP"},
	}
}

var twofasSkipped = [][2]string{
	{"backup.file entry 5 (Broken:eve)", "secret"},
	{"backup.file entry 6 (Pusher:push)", `token type "PUSH" is not supported`},
}

// twofasFixture writes services in the form of the given schema version.
func twofasFixture(t testing.TB, schema int, services []twofasTestService) []byte {
	f := twofasTestFile{UpdatedAt: 1732266000000, SchemaVersion: schema, AppVersionCode: 5000012,
		AppVersionName: "5.3.1", AppOrigin: "android"}
	if schema >= 2 {
		f.Groups = []map[string]any{{"id": twofasGroupWork, "name": "Work", "isExpanded": true, "updatedAt": 1}}
	}
	for i, s := range services {
		s.UpdatedAt, s.Order = 1732266000000, map[string]int{"position": i}
		if schema < 3 {
			s.Type, s.OTP.Source, s.OTP.Link = "ManualService", "", ""
			s.Icon = map[string]any{"selected": "Label", "label": map[string]string{"text": "AC", "backgroundColor": "Default"}}
		} else {
			s.ServiceTypeID = "70611158-5583-4F11-8C74-F560DBBCEACD"
			s.Icon = map[string]any{"selected": "IconCollection", "iconCollection": map[string]string{"id": "a5b3fb65"}}
		}
		if schema < 2 {
			s.GroupID = ""
		}
		f.Services = append(f.Services, s)
	}
	return mustJSON(t, f)
}

// twofasSeal encrypts as 2FAS does: "base64(ciphertext+tag):base64(salt):base64(iv)".
func twofasSeal(t testing.TB, key, salt, plain []byte) string {
	iv := randomBytes(t, 12)
	ct, tag := sealGCM(t, key, iv, plain)
	b := base64.StdEncoding.EncodeToString
	return b(append(ct, tag...)) + ":" + b(salt) + ":" + b(iv)
}

// twofasEncrypt turns a plain fixture into an encrypted one, as the app's
// export with a password does: services emptied, groups left in clear.
func twofasEncrypt(t testing.TB, plain []byte, password string) []byte {
	var f map[string]any
	if err := json.Unmarshal(plain, &f); err != nil {
		t.Fatal(err)
	}
	salt := randomBytes(t, 256)
	key, err := twofasPBKDF2(password, salt)
	if err != nil {
		t.Fatal(err)
	}
	f["servicesEncrypted"] = twofasSeal(t, key, salt, mustJSON(t, f["services"]))
	f["reference"] = twofasSeal(t, key, salt, []byte("a fixed text of the test's own, standing for the apps' constant"))
	f["services"] = []any{}
	return mustJSON(t, f)
}

func TestTwoFASSchemas(t *testing.T) {
	for schema := 1; schema <= 4; schema++ {
		t.Run(string(rune('0'+schema)), func(t *testing.T) {
			res, calls, err := readExport(t, twofasFixture(t, schema, twofasServices()), "", sentinelPassword)
			checkNoSecrets(t, res, err)
			if err != nil || res.Format != Format2FAS || calls != 0 {
				t.Fatalf("read: %v, format %v, password asked %d times", err, res, calls)
			}
			checkAccounts(t, res, twofasWant(schema))
			checkSkipped(t, res, twofasSkipped)
		})
	}
}

func TestTwoFASEncrypted(t *testing.T) {
	plain := twofasFixture(t, 4, twofasServices())
	enc := twofasEncrypt(t, plain, sentinelPassword)
	noReference := twofasEdit(t, enc, func(f map[string]any) { delete(f, "reference") })
	tests := []struct {
		name      string
		file      []byte
		password  string
		wantErr   error
		wantCalls int
	}{
		{"right password", enc, sentinelPassword, nil, 1},
		{"right password, no reference", noReference, sentinelPassword, nil, 1},
		{"wrong password", enc, "not it", ErrWrongPassword, 1},
		{"wrong password, no reference", noReference, "not it", ErrWrongPassword, 1},
		{"no password", enc, "", ErrPasswordRequired, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, calls, err := readExport(t, tt.file, "", tt.password)
			checkNoSecrets(t, res, err)
			if calls != tt.wantCalls {
				t.Errorf("password asked %d times, want %d", calls, tt.wantCalls)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || errors.Is(err, ErrDamagedFile) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkAccounts(t, res, twofasWant(4))
			checkSkipped(t, res, twofasSkipped)
		})
	}
}

func twofasEdit(t *testing.T, file []byte, edit func(f map[string]any)) []byte {
	var f map[string]any
	if err := json.Unmarshal(file, &f); err != nil {
		t.Fatal(err)
	}
	edit(f)
	return mustJSON(t, f)
}

// twofasAlterData flips a bit in the data part of a sealed value.
func twofasAlterData(s string) string {
	parts := strings.Split(s, ":")
	data, _ := base64.StdEncoding.DecodeString(parts[0])
	data[0] ^= 1
	parts[0] = base64.StdEncoding.EncodeToString(data)
	return strings.Join(parts, ":")
}

func TestTwoFASDamaged(t *testing.T) {
	plain := twofasFixture(t, 4, twofasServices())
	enc := twofasEncrypt(t, plain, sentinelPassword)
	tests := []struct {
		name      string
		file      []byte
		wantCalls int
		want      string
	}{
		{"truncated plain", plain[:len(plain)/2], 0, "ends early"},
		{"truncated encrypted", enc[:len(enc)-30], 0, "ends early"},
		{"services altered", twofasEdit(t, enc, func(f map[string]any) {
			f["servicesEncrypted"] = twofasAlterData(f["servicesEncrypted"].(string))
		}), 1, "does not match its authentication tag"},
		{"two parts", twofasEdit(t, enc, func(f map[string]any) { f["servicesEncrypted"] = "AAAA:BBBB" }), 0, "2 parts"},
		{"not base64", twofasEdit(t, enc, func(f map[string]any) {
			f["servicesEncrypted"] = "!!!:" + strings.SplitN(f["servicesEncrypted"].(string), ":", 2)[1]
		}), 0, "part 1 is not valid base64"},
		{"no data", twofasEdit(t, enc, func(f map[string]any) { f["servicesEncrypted"] = "AAAA:AAAA:AAAA" }), 0, "too short"},
		{"reference broken", twofasEdit(t, enc, func(f map[string]any) { f["reference"] = "x" }), 0, "reference has 1 parts"},
		{"services not a list", twofasEdit(t, plain, func(f map[string]any) { f["services"] = 3 }), 0, "services"},
		{"no schema version", twofasEdit(t, plain, func(f map[string]any) { delete(f, "schemaVersion") }), 0, "no schemaVersion"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, calls, err := readExport(t, tt.file, Format2FAS, sentinelPassword)
			checkNoSecrets(t, res, err)
			if !errors.Is(err, ErrDamagedFile) || errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want damaged with %q", err, tt.want)
			}
			if calls != tt.wantCalls {
				t.Errorf("password asked %d times, want %d", calls, tt.wantCalls)
			}
		})
	}
}

func TestTwoFASNewerSchema(t *testing.T) {
	for _, v := range []int{0, 5} {
		_, _, err := readExport(t, twofasFixture(t, v, nil), Format2FAS, "")
		if err == nil || errors.Is(err, ErrDamagedFile) || !strings.Contains(err.Error(), "schema version") {
			t.Errorf("schema %d: err = %v", v, err)
		}
	}
}

func TestTwoFASLabel(t *testing.T) {
	tests := []struct {
		name, label, account, issuer string
		wantIssuer, wantName         string
	}{
		{"Named", "", "ann", "Other", "Named", "ann"},
		{"", "", "ann", "Issuer", "Issuer", "ann"},
		{"", "Iss:bob", "", "", "Iss", "bob"},
		{"Named", "Iss:bob", "", "", "Named", "bob"},
		{"", "plain", "", "", "", "plain"},
	}
	for _, tt := range tests {
		issuer, name := twofasLabel(twofasService{Name: tt.name, OTP: twofasOTP{Label: tt.label, Account: tt.account, Issuer: tt.issuer}})
		if issuer != tt.wantIssuer || name != tt.wantName {
			t.Errorf("%+v: got %q, %q", tt, issuer, name)
		}
	}
}

func Fuzz2FAS(f *testing.F) {
	stubKDFs(f)
	plain := twofasFixture(f, 4, twofasServices())
	f.Add(plain)
	f.Add(twofasFixture(f, 1, twofasServices()))
	f.Add(twofasEncrypt(f, plain, "pw"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data, Format2FAS)
	})
}

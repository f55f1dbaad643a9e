package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"
)

// onePUXFixture is export.data as 1Password 8 describes it: one account
// with two vaults; a login with a TOTP URI in a section field, one with a
// bare secret, one with two one-time passwords, a password-only login, a
// trashed item, an archived one, an item wrapped as {"item": …}, and a
// broken URI.
const onePUXFixture = `{
  "accounts": [
    {
      "attrs": {"accountName": "Ann", "name": "Ann", "avatar": "", "email": "ann@acme.example", "uuid": "ACC1", "domain": "https://my.1password.com/"},
      "vaults": [
        {
          "attrs": {"uuid": "V1", "desc": "", "avatar": "", "name": "Personal", "type": "P"},
          "items": [
            {
              "uuid": "I1", "favIndex": 1, "createdAt": 1767225600, "updatedAt": 1767225600, "state": "active", "categoryUuid": "001",
              "details": {
                "loginFields": [
                  {"value": "ann@acme.example", "id": "", "name": "username", "fieldType": "E", "designation": "username"},
                  {"value": "hunter2", "id": "", "name": "password", "fieldType": "P", "designation": "password"}
                ],
                "notesPlain": "recovery codes in the safe",
                "sections": [
                  {"title": "", "name": "add more", "fields": [
                    {"title": "one-time password", "id": "TOTP_1", "value": {"totp": "otpauth://totp/Acme%20RMM:ann@acme.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20RMM&algorithm=SHA512&digits=8&period=60"}, "indexAtSource": 0, "guarded": false, "multiline": false, "dontGenerate": false, "inputTraits": {"keyboard": "default", "correction": "default", "capitalization": "default"}}
                  ]}
                ],
                "passwordHistory": []
              },
              "overview": {"subtitle": "ann@acme.example", "urls": [], "title": "Acme RMM", "url": "https://rmm.acme.example", "ps": 0, "pbe": 0.0, "pgrng": false}
            },
            {
              "uuid": "I2", "favIndex": 0, "createdAt": 1767225600, "updatedAt": 1767225600, "state": "active", "categoryUuid": "001",
              "details": {
                "loginFields": [{"value": "octo", "id": "", "name": "username", "fieldType": "T", "designation": "username"}],
                "notesPlain": "",
                "sections": [{"title": "Security", "name": "s1", "fields": [{"title": "", "id": "TOTP_2", "value": {"totp": "jbsw y3dp ehpk 3pxp"}}]}]
              },
              "overview": {"subtitle": "octo", "title": "GitHub", "url": "https://github.com"}
            },
            {
              "uuid": "I3", "favIndex": 0, "state": "active", "categoryUuid": "001",
              "details": {"loginFields": [{"value": "ann", "designation": "username"}], "sections": [{"title": "", "name": "", "fields": [{"title": "pin", "id": "p", "value": {"concealed": "1234"}}]}]},
              "overview": {"title": "Webmail"}
            },
            {
              "uuid": "I4", "favIndex": 0, "trashed": true, "state": "active", "categoryUuid": "001",
              "details": {"sections": [{"fields": [{"value": {"totp": "JBSWY3DPEHPK3PXP"}}]}]},
              "overview": {"title": "Old"}
            },
            {
              "uuid": "I5", "favIndex": 0, "state": "active", "categoryUuid": "001",
              "details": {"loginFields": [{"value": "b", "designation": "username"}], "sections": [{"fields": [{"value": {"totp": "otpauth://totp/Broken:b?secret=` + fxSentinel + `&digits=12"}}]}]},
              "overview": {"title": "Broken"}
            }
          ]
        },
        {
          "attrs": {"uuid": "V2", "desc": "Shared", "avatar": "", "name": "Acme IT", "type": "U"},
          "items": [
            {
              "uuid": "I6", "favIndex": 0, "state": "archived", "categoryUuid": "001",
              "details": {"loginFields": [{"value": "zoë", "designation": "username"}], "sections": [
                {"title": "", "name": "", "fields": [{"title": "one-time password", "value": {"totp": "otpauth://hotp/Forge:zo%C3%AB?secret=MFRGGZDFMZTWQ2LK&issuer=Forge&counter=5"}}]},
                {"title": "backup", "name": "", "fields": [{"title": "second device", "value": {"totp": "otpauth://totp/Forge:backup?secret=ONSWG4TFOQ&issuer=Forge&algorithm=SHA256&digits=7&period=45"}}]}
              ]},
              "overview": {"title": "Forge"}
            },
            {"item": {
              "uuid": "I7", "favIndex": 2, "state": "active", "categoryUuid": "001",
              "details": {"loginFields": [{"value": "noc", "designation": "username"}], "sections": [{"fields": [{"value": {"totp": "MFRGGZDFMZTWQ2LK"}}]}]},
              "overview": {"title": "Acme PSA"}
            }}
          ]
        }
      ]
    }
  ]
}`

var onePUXWant = []string{
	"Acme RMM|ann@acme.example|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA512|8|60|0|g=Personal|n=recovery codes in the safe|f=true|i=|r=",
	"GitHub|octo|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=Personal|n=|f=false|i=|r=",
	"Forge|zoë|hotp|MFRGGZDFMZTWQ2LK|SHA1|6|30|5|g=Acme IT|n=|f=false|i=|r=",
	"Forge|backup|totp|ONSWG4TFOQ|SHA256|7|45|0|g=Acme IT|n=|f=false|i=|r=",
	"Acme PSA|noc|totp|MFRGGZDFMZTWQ2LK|SHA1|6|30|0|g=Acme IT|n=|f=true|i=|r=",
}

// onePUXZip packs members as 1Password does: export.attributes first.
func onePUXZip(t testing.TB, members ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, m := range members {
		f, err := w.Create(m[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(m[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const onePUXAttributes = `{"version": 3, "description": "1Password Unencrypted Export", "createdAt": 1767225600}`

func TestOnePassword1PUX(t *testing.T) {
	data := onePUXZip(t, [2]string{"export.attributes", onePUXAttributes}, [2]string{"export.data", onePUXFixture},
		[2]string{"files/abc__photo.png", "not read"})
	res := fxMustRead(t, "1PasswordExport.1pux", data, Format1Password1PUX, Options{})
	fxCompare(t, "entries", fxSummary(res), onePUXWant)
	fxCompare(t, "skipped", fxSkipped(res), []string{
		"1PasswordExport.1pux entry 5 (Broken:b): invalid otpauth URI: totp codes must have 6 to 8 digits, not 12",
		"1PasswordExport.1pux: 1 item has no TOTP key (a password, note or card only)",
		"1PasswordExport.1pux: 1 item in 1Password's trash is left out",
	})
	fxValid(t, res)
}

func TestOnePassword1PUXErrors(t *testing.T) {
	good := onePUXZip(t, [2]string{"export.attributes", onePUXAttributes}, [2]string{"export.data", onePUXFixture})
	var big bytes.Buffer
	w := zip.NewWriter(&big)
	f, _ := w.Create("export.data")
	zeros := make([]byte, 1<<20)
	for range MaxInputBytes>>20 + 1 {
		f.Write(zeros)
	}
	w.Close()
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"cut short", good[:len(good)/2], ErrDamagedFile},
		{"export.data not JSON", onePUXZip(t, [2]string{"export.attributes", onePUXAttributes}, [2]string{"export.data", onePUXFixture[:200]}), ErrDamagedFile},
		{"export.data too large", big.Bytes(), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fxRead(t, "x.1pux", tt.data, Format1Password1PUX, Options{})
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "x.1pux") {
				t.Fatalf("Read = %v, want %v naming the file", err, tt.want)
			}
		})
	}
	other := onePUXZip(t, [2]string{"mimetype", "application/epub+zip"})
	if got := Detect(other); got == Format1Password1PUX {
		t.Errorf("Detect(a zip without export.data) = %q", got)
	}
}

// onePasswordCSVFixture is 1Password 8's CSV export.
const onePasswordCSVFixture = "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n" +
	`Acme RMM,https://rmm.acme.example,ann@acme.example,hunter2,otpauth://totp/Acme%20RMM:ann@acme.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20RMM&algorithm=SHA512&digits=8&period=60,true,false,"Work,Admin","ask IT, then wait` + "\n" + `for the link"` + "\n" +
	`GitHub,https://github.com,octo,x,jbsw y3dp ehpk 3pxp,false,false,,` + "\n" +
	`Webmail,,ann,x,,false,false,,` + "\n" +
	`Broken,,b,x,otpauth://totp/Broken:b?secret=` + fxSentinel + `&digits=12,false,false,,` + "\n" +
	`Forge,,zoë,x,otpauth://hotp/Forge:zo%C3%AB?secret=MFRGGZDFMZTWQ2LK&issuer=Forge&counter=5,false,true,Work,` + "\n"

func TestOnePasswordCSV(t *testing.T) {
	t.Run("1Password 8", func(t *testing.T) {
		res := fxMustRead(t, "1password.csv", []byte("\ufeff"+onePasswordCSVFixture), Format1PasswordCSV, Options{})
		fxCompare(t, "entries", fxSummary(res), []string{
			"Acme RMM|ann@acme.example|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA512|8|60|0|g=Work, Admin|n=ask IT, then wait\nfor the link|f=true|i=|r=",
			"GitHub|octo|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
			"Forge|zoë|hotp|MFRGGZDFMZTWQ2LK|SHA1|6|30|5|g=Work|n=|f=false|i=|r=",
		})
		fxWantSkipped(t, res, map[string]string{
			"1password.csv entry 4 (Broken:b)": "digits",
			"1password.csv":                    "1 item has no TOTP key",
		})
		fxValid(t, res)
	})
	t.Run("older, with a vault column", func(t *testing.T) {
		data := "title,website,username,password,notes,one-time password,vault\r\n" +
			"Acme PSA,https://psa.acme.example,noc,x,,MFRGGZDFMZTWQ2LK,Acme IT\r\n"
		res := fxMustRead(t, "1p7.csv", []byte(data), Format1PasswordCSV, Options{})
		fxCompare(t, "entries", fxSummary(res), []string{
			"Acme PSA|noc|totp|MFRGGZDFMZTWQ2LK|SHA1|6|30|0|g=Acme IT|n=|f=false|i=|r=",
		})
	})
	t.Run("bad quoting", func(t *testing.T) {
		_, err := fxRead(t, "bad.csv", []byte("Title,OTPAuth\n\"a,b\n"), Format1PasswordCSV, Options{})
		if !errors.Is(err, ErrDamagedFile) || !strings.Contains(err.Error(), "bad.csv") {
			t.Fatalf("Read = %v, want damage naming the file", err)
		}
	})
}

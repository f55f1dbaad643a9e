package importer

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// bitwardenJSONFixture is an unencrypted export as the Bitwarden clients
// write it (JSON.stringify with two-space indent, members in their order).
const bitwardenJSONFixture = `{
  "encrypted": false,
  "folders": [
    {
      "id": "5d6a3b0c-1f2e-4c1b-9a60-b0f0c0f0a0f0",
      "name": "Work"
    }
  ],
  "items": [
    {
      "passwordHistory": null,
      "revisionDate": "2026-03-01T10:00:00.000Z",
      "creationDate": "2026-03-01T10:00:00.000Z",
      "deletedDate": null,
      "id": "0a1b2c3d-0000-4000-8000-000000000001",
      "organizationId": null,
      "folderId": "5d6a3b0c-1f2e-4c1b-9a60-b0f0c0f0a0f0",
      "type": 1,
      "reprompt": 0,
      "name": "Acme RMM",
      "notes": "ask IT for the recovery link",
      "favorite": true,
      "login": {
        "fido2Credentials": [],
        "uris": [{"match": null, "uri": "https://rmm.acme.example"}],
        "username": "ann@acme.example",
        "password": "hunter2",
        "totp": "otpauth://totp/Acme%20RMM:ann@acme.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20RMM&algorithm=SHA512&digits=8&period=60"
      },
      "collectionIds": null
    },
    {
      "passwordHistory": null,
      "revisionDate": "2026-03-01T10:00:00.000Z",
      "creationDate": "2026-03-01T10:00:00.000Z",
      "deletedDate": null,
      "id": "0a1b2c3d-0000-4000-8000-000000000002",
      "organizationId": null,
      "folderId": null,
      "type": 1,
      "reprompt": 0,
      "name": "GitHub",
      "notes": null,
      "favorite": false,
      "login": {
        "fido2Credentials": [],
        "uris": [],
        "username": "octo",
        "password": "x",
        "totp": "jbsw y3dp ehpk 3pxp"
      },
      "collectionIds": null
    },
    {
      "passwordHistory": null,
      "revisionDate": "2026-03-01T10:00:00.000Z",
      "creationDate": "2026-03-01T10:00:00.000Z",
      "deletedDate": null,
      "id": "0a1b2c3d-0000-4000-8000-000000000003",
      "organizationId": null,
      "folderId": null,
      "type": 1,
      "reprompt": 0,
      "name": "Steam",
      "notes": null,
      "favorite": false,
      "login": {
        "fido2Credentials": [],
        "uris": [],
        "username": "gaben",
        "password": "x",
        "totp": "steam://ONSWG4TFOQ"
      },
      "collectionIds": null
    },
    {
      "passwordHistory": null,
      "revisionDate": "2026-03-01T10:00:00.000Z",
      "creationDate": "2026-03-01T10:00:00.000Z",
      "deletedDate": null,
      "id": "0a1b2c3d-0000-4000-8000-000000000004",
      "organizationId": null,
      "folderId": null,
      "type": 1,
      "reprompt": 0,
      "name": "Webmail",
      "notes": null,
      "favorite": false,
      "login": {
        "fido2Credentials": [],
        "uris": [],
        "username": "ann",
        "password": "x",
        "totp": null
      },
      "collectionIds": null
    },
    {
      "passwordHistory": null,
      "revisionDate": "2026-03-01T10:00:00.000Z",
      "creationDate": "2026-03-01T10:00:00.000Z",
      "deletedDate": null,
      "id": "0a1b2c3d-0000-4000-8000-000000000005",
      "organizationId": null,
      "folderId": null,
      "type": 2,
      "reprompt": 0,
      "name": "Wi-Fi",
      "notes": "guest network",
      "favorite": false,
      "secureNote": {"type": 0},
      "collectionIds": null
    },
    {
      "passwordHistory": null,
      "revisionDate": "2026-03-01T10:00:00.000Z",
      "creationDate": "2026-03-01T10:00:00.000Z",
      "deletedDate": null,
      "id": "0a1b2c3d-0000-4000-8000-000000000006",
      "organizationId": null,
      "folderId": null,
      "type": 1,
      "reprompt": 0,
      "name": "Broken",
      "notes": null,
      "favorite": false,
      "login": {
        "fido2Credentials": [],
        "uris": [],
        "username": "b",
        "password": "x",
        "totp": "otpauth://totp/Broken:b?secret=` + fxSentinel + `&digits=12"
      },
      "collectionIds": null
    },
    {
      "passwordHistory": null,
      "revisionDate": "2026-03-01T10:00:00.000Z",
      "creationDate": "2026-03-01T10:00:00.000Z",
      "deletedDate": null,
      "id": "0a1b2c3d-0000-4000-8000-000000000007",
      "organizationId": null,
      "folderId": "5d6a3b0c-1f2e-4c1b-9a60-b0f0c0f0a0f0",
      "type": 1,
      "reprompt": 0,
      "name": "Ünïcode Portal",
      "notes": null,
      "favorite": false,
      "login": {
        "fido2Credentials": [],
        "uris": [],
        "username": "zoë",
        "password": "x",
        "totp": "otpauth://hotp/z%C3%B6e?secret=MFRGGZDFMZTWQ2LK&counter=5"
      },
      "collectionIds": null
    },
    {
      "passwordHistory": null,
      "revisionDate": "2026-03-01T10:00:00.000Z",
      "creationDate": "2026-03-01T10:00:00.000Z",
      "deletedDate": null,
      "id": "0a1b2c3d-0000-4000-8000-000000000008",
      "organizationId": null,
      "folderId": null,
      "type": 1,
      "reprompt": 0,
      "name": "Bad secret",
      "notes": null,
      "favorite": false,
      "login": {
        "fido2Credentials": [],
        "uris": [],
        "username": "c",
        "password": "x",
        "totp": "` + fxSentinel + `1"
      },
      "collectionIds": null
    }
  ]
}`

var bitwardenWant = []string{
	"Acme RMM|ann@acme.example|totp|GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ|SHA512|8|60|0|g=Work|n=ask IT for the recovery link|f=true|i=|r=",
	"GitHub|octo|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=|n=|f=false|i=|r=",
	"Steam|gaben|steam|ONSWG4TFOQ|SHA1|5|30|0|g=|n=|f=false|i=|r=",
	"Ünïcode Portal|zöe|hotp|MFRGGZDFMZTWQ2LK|SHA1|6|30|5|g=Work|n=|f=false|i=|r=",
}

func TestBitwardenJSON(t *testing.T) {
	res := fxMustRead(t, "bitwarden.json", []byte(bitwardenJSONFixture), FormatBitwarden, Options{})
	fxCompare(t, "entries", fxSummary(res), bitwardenWant)
	fxWantSkipped(t, res, map[string]string{
		"bitwarden.json entry 6 (Broken:b)": "digits",
		"bitwarden.json entry 8":            "base32",
		"bitwarden.json":                    "2 items have no TOTP key",
	})
	fxValid(t, res)
}

// bitwardenCSVFixture is a personal vault's CSV export; a note spans lines
// and holds commas, and a field holds quotes.
const bitwardenCSVFixture = "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n" +
	`Work,1,login,Acme RMM,"ask IT, then wait` + "\n" + `for the link",,0,https://rmm.acme.example,ann@acme.example,hunter2,otpauth://totp/Acme%20RMM:ann@acme.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Acme%20RMM&algorithm=SHA512&digits=8&period=60` + "\n" +
	`,,login,GitHub,,,0,https://github.com,octo,x,jbsw y3dp ehpk 3pxp` + "\n" +
	`,,login,Steam,,,0,,gaben,x,steam://ONSWG4TFOQ` + "\n" +
	`,,login,Webmail,,,0,,ann,x,` + "\n" +
	`,,note,Wi-Fi,guest network,,0,,,,` + "\n" +
	`,,login,Broken,,,0,,b,x,otpauth://totp/Broken:b?secret=` + fxSentinel + `&digits=12` + "\n" +
	`Work,,login,Ünïcode Portal,,,0,,zoë,x,otpauth://hotp/z%C3%B6e?secret=MFRGGZDFMZTWQ2LK&counter=5` + "\n" +
	`,,login,Bad secret,"He said ""hi""",,0,,c,x,` + fxSentinel + "1\n"

func TestBitwardenCSV(t *testing.T) {
	res := fxMustRead(t, "bitwarden.csv", []byte("\ufeff"+bitwardenCSVFixture), FormatBitwardenCSV, Options{})
	want := append([]string{}, bitwardenWant...)
	want[0] = strings.Replace(want[0], "n=ask IT for the recovery link", "n=ask IT, then wait\nfor the link", 1)
	fxCompare(t, "entries", fxSummary(res), want)
	fxWantSkipped(t, res, map[string]string{
		"bitwarden.csv entry 6 (Broken:b)": "digits",
		"bitwarden.csv entry 8":            "base32",
		"bitwarden.csv":                    "2 items have no TOTP key",
	})
	fxValid(t, res)
}

func TestBitwardenRefusals(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		format Format
		want   error
	}{
		{"password-protected, damaged", `{"encrypted": true, "passwordProtected": true, "salt": "c2FsdA==", "kdfType": 0, "kdfIterations": 600000, "encKeyValidation_DO_NOT_EDIT": "2.AAAA|BBBB|CCCC", "data": "2.DDDD|EEEE|FFFF"}`, FormatBitwarden, ErrDamagedFile},
		{"account-restricted, passwordProtected false", `{"encrypted": true, "passwordProtected": false, "encKeyValidation_DO_NOT_EDIT": "2.AAAA|BBBB|CCCC", "folders": [], "items": []}`, FormatBitwarden, ErrBitwardenEncrypted},
		{"account-restricted", `{"encrypted": true, "encKeyValidation_DO_NOT_EDIT": "2.AAAA|BBBB|CCCC", "folders": [], "items": [{"name": "2.GGGG|HHHH|IIII"}]}`, FormatBitwarden, ErrBitwardenEncrypted},
		{"truncated JSON", bitwardenJSONFixture[:300], FormatBitwarden, ErrDamagedFile},
		{"bad CSV quoting", "name,login_totp\n\"a,b\n", FormatBitwardenCSV, ErrDamagedFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fxRead(t, "export.json", []byte(tt.data), tt.format, Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Read = %v, want %v", err, tt.want)
			}
			if tt.want == ErrBitwardenEncrypted && !strings.Contains(err.Error(), `"password protected"`) {
				t.Errorf("message does not say what to do: %v", err)
			}
		})
	}
}

func TestBitwardenDetect(t *testing.T) {
	tests := []struct {
		data string
		want Format
	}{
		{`{"encrypted":false,"items":[]}`, FormatBitwarden},
		{"name,login_totp\n", FormatBitwardenCSV},
		{"folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\r\n,,login,a,,,0,,,,JBSWY3DP\r\n", FormatBitwardenCSV},
		{"collections,type,name,notes,fields,reprompt,login_uri,login_username,login_password,login_totp\n", FormatBitwardenCSV},
		{"name,totp\nx,otpauth://totp/a?secret=JBSWY3DP\n", FormatURIs},
		{`{"items":[{"login":{"totp":"otpauth://totp/a?secret=JBSWY3DP"}}]}`, FormatURIs},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.data)); got != tt.want {
			t.Errorf("Detect(%.40q) = %q, want %q", tt.data, got, tt.want)
		}
	}
}

func FuzzBitwarden(f *testing.F) {
	f.Add([]byte(bitwardenJSONFixture))
	f.Add([]byte(bitwardenCSVFixture))
	f.Add([]byte(`{"encrypted":false,"items":[{"login":{"totp":"steam://"}},{"login":null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []Format{FormatBitwarden, FormatBitwardenCSV} {
			res, err := New().Read(context.Background(), "fuzz", data, format, Options{})
			fxFuzzCheck(t, res, err)
		}
	})
}

func TestBitwardenOrganisationJSON(t *testing.T) {
	data := `{
  "encrypted": false,
  "collections": [
    {"id": "c1", "organizationId": "o1", "name": "Customers/Acme", "externalId": null},
    {"id": "c2", "organizationId": "o1", "name": "On call", "externalId": null}
  ],
  "items": [
    {
      "id": "i1", "organizationId": "o1", "folderId": null, "type": 1, "reprompt": 0,
      "name": "Acme PSA", "notes": null, "favorite": false,
      "login": {"uris": [], "username": "noc", "password": "x", "totp": "JBSWY3DPEHPK3PXP"},
      "collectionIds": ["c1", "c2"]
    }
  ]
}`
	res := fxMustRead(t, "org.json", []byte(data), FormatBitwarden, Options{})
	fxCompare(t, "entries", fxSummary(res), []string{
		"Acme PSA|noc|totp|JBSWY3DPEHPK3PXP|SHA1|6|30|0|g=Customers/Acme, On call|n=|f=false|i=|r=",
	})
}

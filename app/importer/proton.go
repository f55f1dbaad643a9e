package importer

import (
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// Proton Authenticator exports, version 1:
//
//	{"version":1,"entries":[{"id","content":{"uri","entry_type":"Totp"|"Steam","name"},"note"}]}
//
// Steam entries carry steam://<standard base64 of the key>, unlike
// Bitwarden's base32. The password-protected export wraps that JSON:
//
//	{"version":1,"salt":base64(16 bytes),"content":base64(nonce12‖AES-256-GCM ciphertext‖tag)}
//	key = Argon2id(password, salt, t=2, m=19 MiB, p=1), additional data
//	"proton.authenticator.export.v1"
const (
	FormatProton          Format = "proton"
	FormatProtonEncrypted Format = "proton-encrypted"
)

const (
	protonVersion    = 1
	protonSaltLen    = 16
	protonNonceLen   = 12
	protonTagLen     = 16
	protonKeyLen     = 32
	protonAdditional = "proton.authenticator.export.v1"
)

// protonArgon2 is the app's fixed Argon2id cost.
var protonArgon2 = argon2Cost{time: 2, memoryKiB: 19 << 10, threads: 1}

func init() {
	register(reader{name: FormatProton, priority: 230, detect: isProton,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readProtonJSON(res, data)
		}})
	register(reader{name: FormatProtonEncrypted, priority: 231, detect: isProtonEncrypted, read: readProtonEncrypted})
}

func isProton(data []byte) bool {
	shape, ok := peekJSONShape(data)
	return ok && !shape.array && hasKeys(shape.keys, "version", "entries") && shape.firstKeys["entries"]["content"]
}

// isProtonEncrypted wants exactly the three members: "version", "salt" and
// "content" alone are common words.
func isProtonEncrypted(data []byte) bool {
	shape, ok := peekJSONShape(data)
	return ok && !shape.array && len(shape.keys) == 3 && hasKeys(shape.keys, "version", "salt", "content")
}

type protonExport struct {
	Version *int              `json:"version"`
	Entries []json.RawMessage `json:"entries"`
}

type protonEntry struct {
	Content struct {
		URI       string  `json:"uri"`
		EntryType string  `json:"entry_type"`
		Name      *string `json:"name"`
	} `json:"content"`
	Note *string `json:"note"`
}

func readProtonJSON(res *Result, data []byte) error {
	var exp protonExport
	if err := decodeExport("Proton Authenticator export", data, &exp); err != nil {
		return err
	}
	if exp.Version == nil || exp.Entries == nil {
		return damagedFilef("the Proton Authenticator export has no version or no entries")
	}
	if *exp.Version != protonVersion {
		return fmt.Errorf("unsupported Proton Authenticator export version %d (Latchkey reads version %d)", *exp.Version, protonVersion)
	}
	for i, raw := range exp.Entries {
		if res.full() {
			break // the import is refused: read no further
		}
		var e protonEntry
		if problem := unmarshalExportEntry(raw, &e); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		a, removed, err := e.account()
		if err != nil {
			skipEntry(res, i, a.Issuer, deref(e.Content.Name), err.Error())
			continue
		}
		res.add(entrySource(res, i), a, removed...)
	}
	return nil
}

// account reads the entry; removed is what parsing its URI took out of
// its texts.
func (e protonEntry) account() (a vault.Account, removed []otpauth.Removed, err error) {
	name := strings.TrimSpace(deref(e.Content.Name))
	switch e.Content.EntryType {
	case "Totp":
		if a, removed, err = otpauth.ParseReporting(e.Content.URI); err != nil {
			return a, nil, err
		}
		// The exporter writes the label, or the issuer when there is none.
		if a.Name == "" && name != a.Issuer {
			a.Name = name
		}
	case "Steam":
		if a, err = protonSteam(e.Content.URI); err != nil {
			return a, nil, err
		}
		a.Name = name
	default:
		return a, nil, fmt.Errorf("entry type %s is not supported (Totp, Steam)", quoteType(e.Content.EntryType))
	}
	a.Note = deref(e.Note)
	return a, removed, nil
}

// protonSteam reads steam://<base64 key> into a Steam account.
func protonSteam(uri string) (vault.Account, error) {
	rest, ok := cutPrefixFold(strings.TrimSpace(uri), "steam://")
	if !ok {
		return vault.Account{}, fmt.Errorf("a Steam entry's URI does not start with steam://")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimRight(rest, "/"))
	if err != nil || len(key) == 0 {
		return vault.Account{}, fmt.Errorf("the Steam key is not base64")
	}
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	return vault.Account{Type: vault.Steam, Issuer: "Steam", Secret: secret}, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// quoteType prints an enum value from a file, bounded in length.
func quoteType(s string) string {
	return fmt.Sprintf("%q", shorten(s))
}

type protonEncrypted struct {
	Version int    `json:"version"`
	Salt    string `json:"salt"`
	Content string `json:"content"`
}

func readProtonEncrypted(ctx context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
	plain, err := openProton(ctx, data, opts)
	if err != nil {
		return err
	}
	return readProtonJSON(res, plain)
}

func openProton(ctx context.Context, data []byte, opts Options) ([]byte, error) {
	var enc protonEncrypted
	if err := decodeExport("Proton Authenticator export", data, &enc); err != nil {
		return nil, err
	}
	if enc.Version != protonVersion {
		return nil, fmt.Errorf("unsupported encrypted Proton Authenticator export version %d (Latchkey reads version %d)", enc.Version, protonVersion)
	}
	salt, err := base64.StdEncoding.DecodeString(enc.Salt)
	if err != nil || len(salt) != protonSaltLen {
		return nil, damagedFilef("the Proton Authenticator export's salt is not %d bytes of base64", protonSaltLen)
	}
	content, err := base64.StdEncoding.DecodeString(enc.Content)
	if err != nil || len(content) < protonNonceLen+protonTagLen {
		return nil, damagedFilef("the Proton Authenticator export's content is not base64 or is cut short")
	}
	password, err := opts.password()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key, err := argon2idKeyChecked(password, salt, protonArgon2, protonKeyLen)
	if err != nil {
		return nil, err
	}
	return openGCM(key, content[:protonNonceLen], content[protonNonceLen:], []byte(protonAdditional))
}

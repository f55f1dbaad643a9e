package importer

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/latchkey/latchkey/vault"
)

// FormatBattleNet is the Battle.net Authenticator's Android preferences
// file, as Aegis imports it from a rooted phone: an Android shared
// preferences XML (<map> of <string name="…">value</string>). Two
// generations of the app keep the authenticator there, each value hex of
// text XORed with one fixed 57-byte mask:
//
//   - the Battle.net app (com.blizzard.messenger), in
//     shared_prefs/com.blizzard.messenger.authenticator_preferences.xml:
//     AUTHENTICATOR_DEVICE_SECRET, the key as 40 hex digits, and
//     AUTHENTICATOR_SERIAL, the serial ("US-1234-5678-9012");
//   - the older Battle.net Authenticator (com.blizzard.bma), in
//     shared_prefs/com.blizzard.bma.AUTH_STORE.xml: AUTH_STORE.HASH, the
//     40 hex digits of the key followed by the 17 characters of the serial.
//
// The codes are TOTP, HMAC-SHA1, 8 digits, 30 seconds; the account is named
// by its serial under the issuer Battle.net.
const FormatBattleNet Format = "battlenet"

const (
	battlenetSecretKey = "com.blizzard.messenger.AUTHENTICATOR_DEVICE_SECRET"
	battlenetSerialKey = "com.blizzard.messenger.AUTHENTICATOR_SERIAL"
	battlenetOldKey    = "com.blizzard.bma.AUTH_STORE.HASH"
	battlenetKeyHex    = 40 // a 20-byte key, in hex
	battlenetSerialLen = 17
)

// battlenetMask is the app's fixed XOR mask, the same for every install.
var battlenetMask = [...]byte{
	0x39, 0x8e, 0x27, 0xfc, 0x50, 0x27, 0x6a, 0x65, 0x60, 0x65, 0xb0, 0xe5, 0x25, 0xf4, 0xc0, 0x6c,
	0x04, 0xc6, 0x10, 0x75, 0x28, 0x6b, 0x8e, 0x7a, 0xed, 0xa5, 0x9d, 0xa9, 0x81, 0x3b, 0x5d, 0xd6,
	0xc8, 0x0d, 0x2f, 0xb3, 0x80, 0x68, 0x77, 0x3f, 0xa5, 0x9b, 0xa4, 0x7c, 0x17, 0xca, 0x6c, 0x64,
	0x79, 0x01, 0x5c, 0x1d, 0x5b, 0x8b, 0x8f, 0x6b, 0x9a,
}

func init() {
	register(reader{name: FormatBattleNet, priority: 270, detect: isBattleNet,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readBattleNet(res, data)
		}})
}

// isBattleNet: an XML document that names one of the app's keys early on
// (a preferences file is a few hundred bytes).
func isBattleNet(data []byte) bool {
	head := data[:min(len(data), 4096)]
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	if !bytes.HasPrefix(trimmed, []byte("<")) {
		return false
	}
	return bytes.Contains(head, []byte(battlenetSecretKey)) || bytes.Contains(head, []byte(battlenetOldKey))
}

// sharedPrefsStrings reads the <string> values of an Android shared
// preferences file, token by token (no recursion, whatever the nesting).
func sharedPrefsStrings(data []byte, want ...string) (map[string]string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	out := map[string]string{}
	sawMap := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if start.Name.Local == "map" {
			sawMap = true
			continue
		}
		if start.Name.Local != "string" {
			continue
		}
		var name string
		for _, a := range start.Attr {
			if a.Name.Local == "name" {
				name = a.Value
			}
		}
		var value string
		if err := dec.DecodeElement(&value, &start); err != nil {
			return nil, err
		}
		for _, w := range want {
			if name == w {
				out[name] = value
			}
		}
	}
	if !sawMap {
		return nil, errors.New("it is not an Android preferences file (no <map>)")
	}
	return out, nil
}

// battlenetUnmask undoes the mask on hex text.
func battlenetUnmask(s string) (string, error) {
	raw, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return "", errors.New("it is not hex")
	}
	if len(raw) > len(battlenetMask) {
		return "", fmt.Errorf("it is %d bytes, longer than the app writes (%d)", len(raw), len(battlenetMask))
	}
	for i := range raw {
		raw[i] ^= battlenetMask[i]
	}
	return string(raw), nil
}

func readBattleNet(res *Result, data []byte) error {
	const what = "Battle.net preferences"
	prefs, err := sharedPrefsStrings(data, battlenetSecretKey, battlenetSerialKey, battlenetOldKey)
	if err != nil {
		return damagedFile(what, err)
	}
	var keyHex, serial string
	switch {
	case prefs[battlenetSecretKey] != "":
		if keyHex, err = battlenetUnmask(prefs[battlenetSecretKey]); err != nil {
			return damagedFilef("%s: the device secret: %v", what, err)
		}
		if s := prefs[battlenetSerialKey]; s != "" {
			if serial, err = battlenetUnmask(s); err != nil {
				return damagedFilef("%s: the serial: %v", what, err)
			}
		}
	case prefs[battlenetOldKey] != "":
		plain, err := battlenetUnmask(prefs[battlenetOldKey])
		if err != nil {
			return damagedFilef("%s: the authenticator: %v", what, err)
		}
		if len(plain) != battlenetKeyHex+battlenetSerialLen {
			return damagedFilef("%s: the authenticator is %d characters, not the %d of a key and a serial",
				what, len(plain), battlenetKeyHex+battlenetSerialLen)
		}
		keyHex, serial = plain[:battlenetKeyHex], plain[battlenetKeyHex:]
	default:
		return damagedFilef("%s: it holds no authenticator (no %s)", what, battlenetSecretKey)
	}
	key, err := hex.DecodeString(keyHex)
	if err != nil || len(key) == 0 {
		return damagedFilef("%s: the device secret does not unmask to a hex key", what)
	}
	a := vault.Account{
		Type: vault.TOTP, Issuer: "Battle.net", Name: strings.TrimSpace(serial),
		Secret:    base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key),
		Algorithm: vault.SHA1, Digits: 8, Period: 30,
	}
	res.add(res.Name, a)
	return nil
}

package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// FreeOTP's and FreeOTP+'s internal store, shared_prefs/tokens.xml (in
// /data/data/org.fedorahosted.freeotp or org.liberty.android.freeotpplus):
// one <string> per token, named "issuer:label", holding the token as JSON
// (the fields of the FreeOTP+ export, see freeotp.go, with the secret as
// signed bytes), and a <string name="tokenOrder"> with the JSON list of
// those names in the order the app shows them. The original FreeOTP (1.x)
// and FreeOTP+ write the same file; FreeOTP 2 keeps its secrets in the
// Android keystore instead, so its tokens.xml holds no secret.
const FormatFreeOTPXML Format = "freeotp-xml"

const freeOTPOrderKey = "tokenOrder"

// ErrFreeOTP2Store is returned for FreeOTP 2's own tokens.xml: it names
// each token by a UUID with a "-token" twin, and the secrets are in the
// phone's keystore, not in the file.
var ErrFreeOTP2Store = errors.New("this is FreeOTP 2's tokens.xml, whose secrets stay in the phone's keystore: " +
	"make a backup in FreeOTP (menu, Backup) and import that file instead")

func init() {
	register(reader{name: FormatFreeOTPXML, priority: 245, detect: isFreeOTPXML,
		read: func(_ context.Context, _ *Importer, res *Result, data []byte, _ Options) error {
			return readFreeOTPXML(res, data)
		}})
}

func isFreeOTPXML(data []byte) bool {
	if !isAndroidPrefs(data) {
		return false
	}
	if prefsHasString(data, freeOTPOrderKey) {
		return true
	}
	head := data
	if len(head) > peekLimit {
		head = head[:peekLimit]
	}
	s := strings.ReplaceAll(string(head), "&#34;", "&quot;")
	return strings.Contains(s, "&quot;secret&quot;:[") && strings.Contains(s, "&quot;issuerExt&quot;")
}

func readFreeOTPXML(res *Result, data []byte) error {
	const what = "FreeOTP tokens.xml"
	prefs, err := readAndroidPrefs(what, data)
	if err != nil {
		return err
	}
	// The app's order first, then any token the order leaves out.
	var order []string
	if v, ok := prefsValue(prefs, freeOTPOrderKey); ok {
		if err := decodeExport(what+" tokenOrder", []byte(v), &order); err != nil {
			return err
		}
	}
	for _, s := range prefs {
		if strings.HasSuffix(s.Name, "-token") {
			return ErrFreeOTP2Store
		}
	}
	var tokens []prefsString
	for _, s := range prefs {
		if s.Name != freeOTPOrderKey {
			tokens = append(tokens, s)
		}
	}
	ordered := make([]prefsString, 0, len(tokens))
	placed := make([]bool, len(tokens))
	byName := map[string]int{}
	for i, t := range tokens {
		if _, dup := byName[t.Name]; !dup {
			byName[t.Name] = i
		}
	}
	for _, name := range order {
		if i, ok := byName[name]; ok && !placed[i] {
			placed[i] = true
			ordered = append(ordered, tokens[i])
		}
	}
	for i, t := range tokens {
		if !placed[i] {
			ordered = append(ordered, t)
		}
	}
	if len(ordered) == 0 && len(order) == 0 {
		return damagedFilef("%s holds no tokens and no token order", what)
	}
	if !res.expect(len(ordered)) {
		return nil
	}
	for i, s := range ordered {
		if res.full() {
			break
		}
		var t freeOTPToken
		if problem := unmarshalExportEntry(json.RawMessage(s.Value), &t); problem != "" {
			issuer, label, _ := strings.Cut(s.Name, ":")
			skipEntry(res, i, issuer, label, problem)
			continue
		}
		a, err := t.account()
		if err != nil {
			skipEntry(res, i, a.Issuer, a.Name, err.Error())
			continue
		}
		addExportEntry(res, i, a)
	}
	if missing := len(order) - countPlaced(order, byName); missing > 0 {
		res.skip(res.Name, fmt.Sprintf("the token order names %d token(s) the file does not hold", missing))
	}
	return nil
}

func countPlaced(order []string, byName map[string]int) int {
	n := 0
	seen := map[string]bool{}
	for _, name := range order {
		if _, ok := byName[name]; ok && !seen[name] {
			seen[name] = true
			n++
		}
	}
	return n
}

package importer

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// Android apps keep their state in shared preferences: an XML file under
// /data/data/<package>/shared_prefs/ whose root <map> holds one element per
// key (<string name="k">text</string>, <int name="k" value="1"/>, ...).
// Several authenticators keep their tokens there as JSON in a <string>:
// FreeOTP and FreeOTP+ (tokens.xml), Authy, TOTP Authenticator. Reading
// the file needs root on the phone or an adb backup.

// prefsString is one <string> of a shared-preferences file.
type prefsString struct {
	Name  string
	Value string
}

// isAndroidPrefs reports whether data starts as a shared-preferences file
// does: an XML declaration or the <map> root, and a <map> root somewhere
// in its first bytes.
func isAndroidPrefs(data []byte) bool {
	head := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	if len(head) > peekLimit {
		head = head[:peekLimit]
	}
	if !bytes.HasPrefix(head, []byte("<?xml")) && !bytes.HasPrefix(head, []byte("<map")) {
		return false
	}
	return bytes.Contains(head, []byte("<map>")) || bytes.Contains(head, []byte("<map "))
}

// prefsHasString reports whether a shared-preferences file seems to hold a
// <string> named name, looking at its start only.
func prefsHasString(data []byte, name string) bool {
	if len(data) > peekLimit {
		data = data[:peekLimit]
	}
	return bytes.Contains(data, []byte(`<string name="`+name+`"`))
}

// readAndroidPrefs returns the <string> elements of a shared-preferences
// file in order; what names the file in messages. Other elements (int,
// boolean, set) are skipped: no authenticator keeps tokens in them.
func readAndroidPrefs(what string, data []byte) ([]prefsString, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var out []prefsString
	depth, sawMap := 0, false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, damagedFile(what, fmt.Errorf("not valid XML: %w", err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && t.Name.Local == "map":
				sawMap = true
			case depth == 1:
				return nil, damagedFilef("%s: the root element is <%s>, not <map>", what, shorten(t.Name.Local))
			case depth == 2 && t.Name.Local == "string":
				var s struct {
					Name  string `xml:"name,attr"`
					Value string `xml:",chardata"`
				}
				if err := dec.DecodeElement(&s, &t); err != nil {
					return nil, damagedFile(what, fmt.Errorf("not valid XML: %w", err))
				}
				depth--
				out = append(out, prefsString{Name: s.Name, Value: s.Value})
			}
		case xml.EndElement:
			depth--
		}
	}
	if !sawMap {
		return nil, damagedFilef("%s: it has no <map> of preferences", what)
	}
	return out, nil
}

// prefsValue is the value of the <string> named name, and whether there is
// one.
func prefsValue(list []prefsString, name string) (string, bool) {
	for _, s := range list {
		if s.Name == name {
			return s.Value, true
		}
	}
	return "", false
}

package importer

import "strings"

// prefsEscaper escapes text as Android's XML serializer does.
var prefsEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// fxPrefs writes a shared-preferences file as Android does: the XML
// declaration, a <map> root, then each <string> (name, value pairs) with
// its text escaped, between an <int> and a <boolean> the readers must
// skip.
func fxPrefs(pairs ...string) []byte {
	var b strings.Builder
	b.WriteString("<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n<map>\n")
	b.WriteString(`    <int name="key_version" value="121" />` + "\n")
	for i := 0; i+1 < len(pairs); i += 2 {
		b.WriteString(`    <string name="` + prefsEscaper.Replace(pairs[i]) + `">` + prefsEscaper.Replace(pairs[i+1]) + "</string>\n")
	}
	b.WriteString(`    <boolean name="first_run" value="false" />` + "\n</map>\n")
	return []byte(b.String())
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/qrscan"
	"github.com/latchkey/latchkey/internal/testqr"
	"github.com/latchkey/latchkey/vault"
)

const (
	// RFC 6238's SHA256 seed: 46119246 at 59 s, 68084774 at 1111111109 s.
	rfcURI = "otpauth://totp/RFC%206238:sha256?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA&issuer=RFC%206238&algorithm=SHA256&digits=8"
	// RFC 4226's seed: 755224 at counter 0, 287082 at 1.
	hotpURI = "otpauth://hotp/Vendor:ops?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Vendor&counter=0"
	annURI  = "otpauth://totp/Acme:ann?secret=JBSWY3DPEHPK3PXP&issuer=Acme"
)

// withVault returns a harness whose vault exists and opens from the keyring.
func withVault(t *testing.T) *harness {
	h := newHarness(t)
	h.run("init", "--passphrase-file", writeFile(t, testPass)).assert(t, 0, "", "")
	return h
}

func writeNamed(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func qrFile(t *testing.T, name string, texts ...string) string {
	t.Helper()
	b, err := testqr.PNG(texts...)
	if err != nil {
		t.Fatal(err)
	}
	return writeNamed(t, name, b)
}

func TestAddListCode(t *testing.T) {
	h := withVault(t)
	h.run("add", rfcURI).assert(t, 0, "Added RFC 6238: sha256.", "")
	h.run("add", hotpURI).assert(t, 0, "Added Vendor: ops.", "")
	h.run("code", "--at", "59", "rfc").assert(t, 0, "46119246\n", "")
	h.run("code", "rfc 6238:sha256", "--at", "2005-03-18T01:58:29Z").assert(t, 0, "68084774\n", "")
	h.run("code", "vendor").assert(t, 0, "755224\n", "")
	h.run("code", "--advance", "vendor").assert(t, 0, "287082\n", "")
	h.run("code", "vendor").assert(t, 0, "287082\n", "")
	h.run("code", "--advance", "rfc").assert(t, 1, "", "only HOTP")
	h.run("code", "nothing").assert(t, 1, "", `no account matches "nothing"`)
	h.run("code", "--at", "yesterday", "rfc").assert(t, 2, "", "RFC 3339")
	h.run("code").assert(t, 2, "", "one QUERY")

	r := h.run("list", "--json")
	r.assert(t, 0, "", "")
	var list []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("list: %s", r.stdout)
	}
	var keys []string
	for k := range list[0] {
		keys = append(keys, k)
	}
	want := []string{"algorithm", "backup_codes_left", "counter", "digits", "group", "id", "issuer", "name", "period", "type"}
	if strings.Join(sorted(keys), ",") != strings.Join(want, ",") {
		t.Errorf("list --json keys %v, want exactly %v", sorted(keys), want)
	}
	if list[0]["issuer"] != "RFC 6238" || list[0]["digits"] != 8.0 || list[1]["counter"] != 1.0 {
		t.Errorf("list --json: %s", r.stdout)
	}
	if strings.Contains(r.stdout, "GEZDGNBV") {
		t.Error("list reveals a secret")
	}
	h.run("list").assert(t, 0, "Vendor", "")
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestEmptyListJSON(t *testing.T) {
	h := withVault(t)
	h.run("list", "--json").assert(t, 0, "[]", "")
}

func TestAmbiguousQuery(t *testing.T) {
	h := withVault(t)
	h.run("add", annURI).assert(t, 0, "", "")
	h.run("add", "otpauth://totp/Acme:bob?secret=JBSWY3DPEHPK3PXQ&issuer=Acme").assert(t, 0, "", "")
	h.run("code", "acme").assert(t, 1, "", `"Acme: ann", "Acme: bob"`)
	h.run("code", "acme:bob").assert(t, 0, "", "")
}

func TestAddDuplicatesAndReconfigured(t *testing.T) {
	h := withVault(t)
	h.run("add", annURI).assert(t, 0, "", "")
	// The same secret, spelled differently: never added twice.
	h.run("add", "otpauth://totp/Other:x?secret=jbsw-y3dp-ehpk-3pxp").assert(t, 0, "Skipped Other: x, already in the vault as Acme: ann.", "")

	v, _ := vault.Open(h.home, vault.Options{Keyring: h.keyring})
	v.Update(func(d *vault.Document) error {
		d.Accounts[0].Group, d.Accounts[0].Note = "Acme tenant", "desk"
		d.Accounts[0].BackupCodes = []vault.BackupCode{{Code: "11111111"}}
		return nil
	})
	newSecret := "otpauth://totp/Acme:ann?secret=KRSXG5CTMVRXEZLU&issuer=Acme"
	// Without a terminal and without --replace: reported, not replaced.
	h.run("add", newSecret).assert(t, 1, "Not imported", "--replace")
	// On a terminal: asked.
	h.terminal = &fakeTerminal{answers: []string{"n"}}
	h.run("add", newSecret).assert(t, 0, "Kept Acme: ann as it was.", "")
	h.terminal = &fakeTerminal{answers: []string{"y"}}
	h.run("add", newSecret).assert(t, 0, "Replaced Acme: ann.", "")
	if !strings.Contains(h.terminal.prompts[0], "Replace it?") {
		t.Errorf("prompt %q", h.terminal.prompts[0])
	}
	v, _ = vault.Open(h.home, vault.Options{Keyring: h.keyring})
	a := v.Accounts()
	if len(a) != 1 || a[0].Secret != "KRSXG5CTMVRXEZLU" || a[0].Group != "Acme tenant" || !a[0].BackupCodes[0].FromPreviousSetup {
		t.Fatalf("after replace: %+v", a)
	}
}

func TestAddBadURI(t *testing.T) {
	h := withVault(t)
	const secret = "JBSWY3DPEHPK3PXP"
	tests := []struct{ uri, want string }{
		{"otpauth://totp/x?issuer=x", "no secret"},
		{"otpauth://totp/x?secret=" + secret + "&digits=12", "digits"},
		{"otpauth://totp/x?secret=" + secret + "&algorithm=MD5", "algorithm"},
		{"otpauth://totp/x?secret=1" + secret, "base32"},
		{"otpauth://totp/x?secret=" + secret + "&period=0", "period"},
		{"https://example.com/?secret=" + secret, "no otpauth link"},
	}
	for _, tt := range tests {
		r := h.run("add", tt.uri)
		r.assert(t, 1, "", tt.want)
		if strings.Contains(r.stderr, secret) {
			t.Errorf("error reveals the secret: %s", r.stderr)
		}
	}
	h.run("list", "--json").assert(t, 0, "[]", "")
}

func TestImportDryRunJSON(t *testing.T) {
	h := withVault(t)
	h.run("add", annURI).assert(t, 0, "", "")
	list := writeNamed(t, "codes.txt", []byte(annURI+"\n"+rfcURI+"\ngarbage\n"))
	r := h.run("import", "--dry-run", "--json", list)
	if r.code != 1 {
		t.Errorf("exit %d for a file with a bad line", r.code)
	}
	var rep importReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	var actions []string
	for _, it := range rep.Items {
		actions = append(actions, string(it.Action))
	}
	if !rep.DryRun || !reflect.DeepEqual(actions, []string{"skip", "add"}) || len(rep.Skipped) != 1 {
		t.Errorf("plan: %+v", rep)
	}
	h.run("list", "--json").assert(t, 0, "", "")
	v, _ := vault.Open(h.home, vault.Options{Keyring: h.keyring})
	if len(v.Accounts()) != 1 {
		t.Error("--dry-run changed the vault")
	}
	h.run("import", list).assert(t, 1, "Added RFC 6238: sha256.", "codes.txt line 3")
}

func TestImportImagesAndBadFiles(t *testing.T) {
	h := withVault(t)
	shot := qrFile(t, "shot.png", annURI, hotpURI)
	h.run("import", shot).assert(t, 0, "Added 2 accounts: Acme: ann and Vendor: ops.", "")

	// A bad file among good ones: nothing is written.
	good := qrFile(t, "good.png", rfcURI)
	bad := writeNamed(t, "bad.png", []byte("\x89PNG\r\n\x1a\ntruncated"))
	h.run("import", good, bad).assert(t, 1, "", "bad.png")
	h.run("import", good, filepath.Join(t.TempDir(), "missing.png")).assert(t, 1, "", "missing.png")
	v, _ := vault.Open(h.home, vault.Options{Keyring: h.keyring})
	if len(v.Accounts()) != 2 {
		t.Errorf("a failed import wrote %d accounts", len(v.Accounts())-2)
	}
	h.run("import", "--format", "no-such-format", good).assert(t, 2, "", "not one of")
	h.run("import").assert(t, 2, "", "at least one FILE")
}

// What add and import print names the accounts; past three names it
// counts the rest and lists every account below.
func TestImportNamesWhatHappened(t *testing.T) {
	h := withVault(t)
	h.run("add", annURI).assert(t, 0, "Added Acme: ann.\n", "")
	var links []string
	for i := range 5 {
		links = append(links, fmt.Sprintf("otpauth://totp/Tenant%%20%d:tech?secret=JBSWY3DPEHPK3PX%c&issuer=Tenant%%20%d", i+1, 'Q'+i, i+1))
	}
	list := writeNamed(t, "links.txt", []byte(strings.Join(append(links, annURI), "\n")))
	want := "Would add 5 accounts: Tenant 1: tech, Tenant 2: tech, Tenant 3: tech and 2 more.\n" +
		"Would skip Acme: ann, already in the vault.\n" +
		"  add      Tenant 1: tech\n"
	r := h.run("import", "--dry-run", list)
	r.assert(t, 0, want, "")
	if !strings.Contains(r.stdout, "  add      Tenant 5: tech\n") || !strings.Contains(r.stdout, "  skipped  Acme: ann: already in the vault") {
		t.Errorf("the accounts a sentence did not name are not listed:\n%s", r.stdout)
	}
	h.run("import", list).assert(t, 0, "Added 5 accounts: Tenant 1: tech, Tenant 2: tech, Tenant 3: tech and 2 more.\n", "")
	// Named in full: no list.
	r = h.run("add", annURI)
	if r.code != 0 || r.stdout != "Skipped Acme: ann, already in the vault.\n" {
		t.Errorf("add of a duplicate: exit %d, stdout %q", r.code, r.stdout)
	}
}

func blankPNG(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 64))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestScanJSON(t *testing.T) {
	h := newHarness(t) // scan needs no vault
	shot := qrFile(t, "shot.png", annURI, "hello world")
	blank := writeNamed(t, "blank.png", blankPNG(t))
	missing := filepath.Join(t.TempDir(), "missing.png")
	r := h.run("scan", "--json", shot, blank, missing)
	if r.code != 1 {
		t.Errorf("exit %d with an unreadable file", r.code)
	}
	var out []struct {
		File  string `json:"file"`
		Codes []struct {
			Text string `json:"text"`
			Kind string `json:"kind"`
		} `json:"codes"`
		Error *string `json:"error"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v: %s", err, r.stdout)
	}
	if len(out) != 3 || out[0].File != shot || len(out[0].Codes) != 2 || out[0].Error != nil {
		t.Fatalf("scan --json: %s", r.stdout)
	}
	kinds := map[string]string{}
	for _, c := range out[0].Codes {
		kinds[c.Text] = c.Kind
	}
	if kinds[annURI] != "otpauth" || kinds["hello world"] != "other" {
		t.Errorf("kinds: %v", kinds)
	}
	if out[1].Codes == nil || len(out[1].Codes) != 0 || out[1].Error != nil {
		t.Errorf("blank image: %+v (codes must be [], not null)", out[1])
	}
	if out[2].Error == nil || !strings.Contains(*out[2].Error, "missing.png") {
		t.Errorf("missing file: %+v", out[2])
	}
	if !strings.Contains(r.stdout, `"codes": []`) {
		t.Error("empty codes not written as []")
	}
	h.run("scan", shot).assert(t, 0, annURI+"\n", "")
}

func TestScreen(t *testing.T) {
	defer func(f func(context.Context) ([]qrscan.Code, error)) { scanScreens = f }(scanScreens)
	scanScreens = func(context.Context) ([]qrscan.Code, error) {
		return []qrscan.Code{{Text: annURI, Kind: qrscan.KindOTPAuth}}, nil
	}
	h := withVault(t)
	h.run("scan", "--screen").assert(t, 0, annURI, "")
	h.run("import", "--screen").assert(t, 0, "Added Acme: ann.", "")

	scanScreens = func(context.Context) ([]qrscan.Code, error) { return nil, qrscan.ErrNoDisplay }
	h.run("import", "--screen").assert(t, 1, "", "no display")
	h.run("scan", "--json", "--screen").assert(t, 1, `"file": "screen"`, "no display")
	h.run("scan").assert(t, 2, "", "--screen")
}

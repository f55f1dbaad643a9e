package importer

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/internal/testqr"
	"github.com/latchkey/latchkey/vault"
)

const (
	uriAnn = "otpauth://totp/Acme:ann@acme.example?secret=JBSWY3DPEHPK3PXP&issuer=Acme"
	uriBob = "otpauth://hotp/Vendor:bob?secret=GEZDGNBVGY3TQOJQ&counter=3"
)

func qrPNG(t *testing.T, texts ...string) []byte {
	t.Helper()
	b, err := testqr.PNG(texts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want Format
	}{
		{"png", []byte("\x89PNG\r\n\x1a\n...."), FormatImage},
		{"jpeg", []byte("\xff\xd8\xff\xe0...."), FormatImage},
		{"gif", []byte("GIF89a...."), FormatImage},
		{"uri list", []byte("# my codes\n" + uriAnn + "\n"), FormatURIs},
		{"upper-case scheme", []byte("OTPAUTH://TOTP/x?secret=JBSWY3DP"), FormatURIs},
		{"steam", []byte("steam://ABCDEFGH"), FormatURIs},
		{"json without links", []byte(`{"db": {}}`), ""},
		{"binary", []byte{0, 1, 2, 0xff, 0xfe}, ""},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		if got := Detect(tt.data); got != tt.want {
			t.Errorf("%s: Detect = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func read(t *testing.T, name string, data []byte) *Result {
	t.Helper()
	res, err := New().Read(context.Background(), name, data, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestTextFile(t *testing.T) {
	text := "\ufeff# exported by WinAuth\n" +
		uriAnn + "\r\n" +
		"\n" +
		uriBob + ", steam://ABCDEFGHIJKLMNOP,\n" +
		"this line is junk\n" +
		"otpauth://totp/NoSecret:x?issuer=NoSecret\n" +
		"'otpauth://totp/Quoted:q?secret=JBSWY3DPEHPK3PXQ'\n"
	res := read(t, "codes.txt", []byte(text))
	if res.Format != FormatURIs {
		t.Fatalf("format %q", res.Format)
	}
	var got []string
	for _, e := range res.Entries {
		got = append(got, e.Source+"="+otpauth.Label(e.Account.Issuer, e.Account.Name))
	}
	want := []string{
		"codes.txt line 2=Acme:ann@acme.example",
		"codes.txt line 4 link 1=Vendor:bob",
		"codes.txt line 4 link 2=Steam:",
		"codes.txt line 7=Quoted:q",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("entries:\n got %v\nwant %v", got, want)
	}
	if len(res.Skipped) != 2 || res.Skipped[0].Source != "codes.txt line 5" || !strings.Contains(res.Skipped[1].Reason, "secret") {
		t.Errorf("skipped: %+v", res.Skipped)
	}
	if res.Entries[1].Account.Counter != 3 || res.Entries[2].Account.Type != vault.Steam {
		t.Errorf("parameters lost: %+v", res.Entries[1:3])
	}
}

func TestImageWithSeveralCodes(t *testing.T) {
	res := read(t, "shot.png", qrPNG(t, uriAnn, "https://example.com/not-2fa", uriBob))
	if res.Format != FormatImage || len(res.Entries) != 2 {
		t.Fatalf("format %q, %d entries, skipped %+v", res.Format, len(res.Entries), res.Skipped)
	}
	if len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "not an otpauth link") {
		t.Errorf("skipped: %+v", res.Skipped)
	}
	for _, e := range res.Entries {
		if !strings.HasPrefix(e.Source, "shot.png code ") {
			t.Errorf("source %q", e.Source)
		}
	}
}

func TestImageWithoutCode(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 200, 200))
	var buf bytes.Buffer
	png.Encode(&buf, img)
	res := read(t, "blank.png", buf.Bytes())
	if len(res.Entries) != 0 || len(res.Skipped) != 1 || res.Skipped[0].Reason != "no QR code found" {
		t.Errorf("blank image: %+v", res)
	}
}

func TestBadInput(t *testing.T) {
	good := qrPNG(t, uriAnn)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"truncated png", good[:len(good)/2], nil},
		{"png header only", []byte("\x89PNG\r\n\x1a\n"), nil},
		{"unknown", []byte("just some words"), ErrUnknownFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().Read(context.Background(), "input.bin", tt.data, "", Options{})
			if err == nil || !strings.Contains(err.Error(), "input.bin") {
				t.Fatalf("Read = %v, want an error naming the input", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Read = %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := New().Read(context.Background(), "x", good, "no-such-format", Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown forced format: %v", err)
	}
}

func TestMigrationBatchAcrossImages(t *testing.T) {
	accounts := []vault.Account{
		{Issuer: "Acme", Name: "ann", Type: vault.TOTP, Secret: "JBSWY3DPEHPK3PXP", Algorithm: vault.SHA1, Digits: 6, Period: 30},
		{Issuer: "Vendor", Name: "bob", Type: vault.TOTP, Secret: "GEZDGNBVGY3TQOJQ", Algorithm: vault.SHA256, Digits: 8, Period: 30},
	}
	links, err := otpauth.EncodeMigration(accounts, 1)
	if err != nil || len(links) != 2 {
		t.Fatalf("EncodeMigration: %d links, %v", len(links), err)
	}
	im := New()
	res, err := im.Read(context.Background(), "part1.png", qrPNG(t, links[0]), "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 || !strings.Contains(res.Entries[0].Source, "export part 1 of 2") {
		t.Fatalf("part 1: %+v", res)
	}
	b := im.Batches()
	if len(b) != 1 || b[0].Complete() || b[0].String() != "1 of 2 scanned" {
		t.Fatalf("after part 1: %+v", b)
	}
	if _, err := im.Read(context.Background(), "part2.png", qrPNG(t, links[1]), "", Options{}); err != nil {
		t.Fatal(err)
	}
	if b := im.Batches(); !b[0].Complete() || b[0].String() != "2 of 2 scanned" {
		t.Fatalf("after part 2: %+v", b)
	}
}

func TestSplitLinksKeepsSpacesInLabels(t *testing.T) {
	got := slices.Collect(links(`otpauth://totp/ACME Co:john?secret=AAAA ,otpauth://totp/b?secret=BBBB`))
	want := []string{"otpauth://totp/ACME Co:john?secret=AAAA", "otpauth://totp/b?secret=BBBB"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("links = %q", got)
	}
}

func TestHostileLabelsArePrinted(t *testing.T) {
	r := &Result{}
	r.skip("x.json entry 1 (Evil\n\x1b[2Jname)", "bad \r\nreason")
	if got := r.Skipped[0]; strings.ContainsAny(got.Source+got.Reason, "\n\r\x1b") {
		t.Errorf("control characters kept: %q / %q", got.Source, got.Reason)
	}
}

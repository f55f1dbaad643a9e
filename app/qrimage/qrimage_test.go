package qrimage

import (
	"context"
	"testing"

	"github.com/latchkey/latchkey/app/qrscan"
)

func TestEncodeDecodes(t *testing.T) {
	const text = "otpauth://totp/Acme:ann?secret=JBSWY3DPEHPK3PXP&issuer=Acme"
	img, err := Encode(text, 256)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("size %v", b)
	}
	got, err := qrscan.Decode(context.Background(), img)
	if err != nil || len(got) != 1 || got[0].Text != text {
		t.Fatalf("decoded %v, %v", got, err)
	}
}

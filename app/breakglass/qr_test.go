package breakglass

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

func TestQRCodeReadsBack(t *testing.T) {
	const uri = "otpauth://totp/Acme%20RMM:ann?secret=JBSWY3DPEHPK3PXP&issuer=Acme%20RMM"
	b, err := qrPNG(uri)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || res.GetText() != uri {
		t.Fatalf("read back %v, %v", res, err)
	}
}

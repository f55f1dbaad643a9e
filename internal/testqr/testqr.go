// Package testqr makes QR code images for tests, so fixtures are generated
// from their text instead of being committed as opaque binaries.
package testqr

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Side is the width and height of one code in the images made here.
const Side = 300

// Image draws texts as QR codes side by side on white, each Side pixels
// square with a quiet zone of 4 modules.
func Image(texts ...string) (*image.Gray, error) {
	canvas := image.NewGray(image.Rect(0, 0, Side*len(texts), Side))
	draw.Draw(canvas, canvas.Bounds(), image.White, image.Point{}, draw.Src)
	for i, text := range texts {
		bm, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, Side, Side,
			map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_MARGIN: 4})
		if err != nil {
			return nil, err
		}
		draw.Draw(canvas, image.Rect(i*Side, 0, (i+1)*Side, Side), bm, image.Point{}, draw.Src)
	}
	return canvas, nil
}

// PNG is Image encoded as PNG.
func PNG(texts ...string) ([]byte, error) {
	img, err := Image(texts...)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Package qrimage draws QR codes: the otpauth link of an account to move it
// to a phone, and migration batches. Decoding lives in app/qrscan.
package qrimage

import (
	"fmt"
	"image"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Encode draws text as a QR code of size×size pixels with a quiet zone of
// four modules and error correction level M, which phone cameras read
// easily from a screen or paper.
func Encode(text string, size int) (image.Image, error) {
	bm, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, size, size,
		map[gozxing.EncodeHintType]any{
			gozxing.EncodeHintType_MARGIN:           4,
			gozxing.EncodeHintType_ERROR_CORRECTION: "M",
		})
	if err != nil {
		return nil, fmt.Errorf("draw QR code: %w", err)
	}
	return bm, nil
}

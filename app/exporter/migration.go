package exporter

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// Migration QR layout.
const (
	// MigrationPerQR is how many accounts Google Authenticator puts in one
	// export code; codes hold fewer when that would exceed MaxLinkBytes.
	MigrationPerQR = 10
	// MaxLinkBytes bounds the text of one code: about QR version 33 at
	// error correction M, which phone cameras still read off a screen.
	// Typical accounts fit ten to a code well below it.
	MaxLinkBytes = 1600
	// qrMargin is the quiet zone in modules, as the QR standard asks.
	qrMargin = 4
	// qrMinSide is the pixel size a code is scaled up to (by whole pixels
	// per module, at least qrMinScale), large enough for any phone to read
	// from a screen or paper.
	qrMinSide  = 720
	qrMinScale = 4
)

// SplitMigration separates the accounts Google Authenticator can hold from
// the others, each with the reason (Steam, a period other than 30 s, 7
// digits, a name too long for a QR code). Index in a Skip is the position
// in accounts.
func SplitMigration(accounts []vault.Account) ([]vault.Account, []otpauth.Skip) {
	var ok []vault.Account
	var skipped []otpauth.Skip
	for i, a := range accounts {
		if reason := migrationProblem(a); reason != "" {
			skipped = append(skipped, otpauth.Skip{Index: i, Issuer: a.Issuer, Name: a.Name, Reason: reason})
			continue
		}
		ok = append(ok, a)
	}
	return ok, skipped
}

func migrationProblem(a vault.Account) string {
	if err := otpauth.CanExportMigration(a); err != nil {
		return err.Error()
	}
	links, err := otpauth.EncodeMigration([]vault.Account{a}, 1)
	if err != nil {
		return err.Error()
	}
	if len(links[0]) > MaxLinkBytes {
		return "its issuer and name are too long for a QR code"
	}
	return ""
}

// MigrationLinks encodes accounts as one Google Authenticator export batch:
// as many accounts per link as fit, up to MigrationPerQR. Accounts must
// pass SplitMigration; otherwise the error is an *otpauth.ExportError
// naming them.
func MigrationLinks(accounts []vault.Account) ([]string, error) {
	if len(accounts) == 0 {
		return nil, errors.New("migration QR: there are no accounts to export")
	}
	for perQR := MigrationPerQR; perQR >= 1; perQR-- {
		links, err := otpauth.EncodeMigration(accounts, perQR)
		if err != nil {
			return nil, err
		}
		if fits(links) {
			return links, nil
		}
	}
	return nil, errors.New("migration QR: an account is too long for a QR code (check with SplitMigration)")
}

func fits(links []string) bool {
	for _, l := range links {
		if len(l) > MaxLinkBytes {
			return false
		}
	}
	return true
}

// MigrationQR encodes accounts as Google Authenticator export codes and
// draws each as a PNG image, in batch order.
func MigrationQR(accounts []vault.Account) ([][]byte, error) {
	links, err := MigrationLinks(accounts)
	if err != nil {
		return nil, err
	}
	images := make([][]byte, len(links))
	for i, link := range links {
		if images[i], err = QRPNG(link); err != nil {
			return nil, fmt.Errorf("migration QR code %d of %d: %w", i+1, len(links), err)
		}
	}
	return images, nil
}

// QRPNG draws text as a QR code PNG: error correction M, a 4-module quiet
// zone, whole pixels per module.
func QRPNG(text string) ([]byte, error) {
	hints := map[gozxing.EncodeHintType]any{
		gozxing.EncodeHintType_ERROR_CORRECTION: "M",
		gozxing.EncodeHintType_MARGIN:           qrMargin,
	}
	// Size 0 yields one pixel per module; scaling here keeps modules whole.
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, hints)
	if err != nil {
		// gozxing's message may quote the text, which holds secrets.
		return nil, errors.New("the text does not fit in a QR code")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, render(m)); err != nil {
		return nil, fmt.Errorf("encoding the PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// render draws a module matrix black on white, scaled so the image is at
// least qrMinSide pixels wide.
func render(m *gozxing.BitMatrix) *image.Paletted {
	w, h := m.GetWidth(), m.GetHeight()
	scale := max(qrMinScale, (qrMinSide+w-1)/w)
	img := image.NewPaletted(image.Rect(0, 0, w*scale, h*scale), color.Palette{color.White, color.Black})
	for y := range h * scale {
		row := img.Pix[y*img.Stride : y*img.Stride+w*scale]
		for x := range row {
			if m.Get(x/scale, y/scale) {
				row[x] = 1
			}
		}
	}
	return img
}

package qrscan

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

const sampleURI = "otpauth://totp/Example:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example"

// modules encodes text as a QR symbol, one pixel per module, no margin.
func modules(tb testing.TB, text string) *gozxing.BitMatrix {
	tb.Helper()
	hints := map[gozxing.EncodeHintType]interface{}{
		gozxing.EncodeHintType_ERROR_CORRECTION: "M",
		gozxing.EncodeHintType_MARGIN:           0,
	}
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, hints)
	if err != nil {
		tb.Fatalf("encode %q: %v", text, err)
	}
	return m
}

// drawCode paints m onto dst with its top-left module at (x, y), scale
// pixels per module, a quiet zone of quiet modules painted bg.
func drawCode(dst draw.Image, m *gozxing.BitMatrix, x, y, scale, quiet int, fg, bg color.Color) {
	side := (m.GetWidth() + 2*quiet) * scale
	draw.Draw(dst, image.Rect(x, y, x+side, y+side), image.NewUniform(bg), image.Point{}, draw.Src)
	for my := 0; my < m.GetHeight(); my++ {
		for mx := 0; mx < m.GetWidth(); mx++ {
			if !m.Get(mx, my) {
				continue
			}
			px, py := x+(mx+quiet)*scale, y+(my+quiet)*scale
			draw.Draw(dst, image.Rect(px, py, px+scale, py+scale), image.NewUniform(fg), image.Point{}, draw.Src)
		}
	}
}

// codeImage is a lone code on a plain ground.
func codeImage(tb testing.TB, text string, scale, quiet int, fg, bg color.Color) *image.RGBA {
	m := modules(tb, text)
	side := (m.GetWidth() + 2*quiet) * scale
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	drawCode(img, m, 0, 0, scale, quiet, fg, bg)
	return img
}

// clutter paints UI-like content: panels, buttons and lines of "text".
func clutter(img draw.Image, rng *rand.Rand) {
	b := img.Bounds()
	fill := func(r image.Rectangle, c color.Color) {
		draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
	}
	fill(b, color.RGBA{246, 246, 248, 255})
	fill(image.Rect(0, 0, b.Dx(), 48), color.RGBA{40, 44, 52, 255})
	fill(image.Rect(0, 48, 260, b.Dy()), color.RGBA{228, 230, 235, 255})
	for i := 0; i < 40; i++ {
		x, y := rng.IntN(b.Dx()-200), 60+rng.IntN(b.Dy()-120)
		c := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
		fill(image.Rect(x, y, x+40+rng.IntN(160), y+16+rng.IntN(40)), c)
	}
	for line := 0; line < b.Dy()/22; line++ {
		y := 60 + line*22
		for x := 280; x < b.Dx()-40; {
			w := 3 + rng.IntN(9) // a "word" of glyph strokes
			for g := 0; g < w; g++ {
				fill(image.Rect(x, y+rng.IntN(4), x+2+rng.IntN(3), y+12), color.Gray{Y: uint8(30 + rng.IntN(60))})
				x += 7
			}
			x += 8
		}
	}
}

// uiScreenshot is a w×h UI-like image with a code of the given module size
// drawn near the bottom-right corner.
func uiScreenshot(tb testing.TB, w, h, scale int, text string) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	clutter(img, rand.New(rand.NewPCG(1, 2)))
	m := modules(tb, text)
	side := (m.GetWidth() + 8) * scale
	drawCode(img, m, w-side-40, h-side-40, scale, 4, color.Black, color.White)
	return img
}

// grayOf converts a plane back to an image.
func grayOf(p plane) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, p.w, p.h))
	copy(img.Pix, p.pix)
	return img
}

// noisy adds uniform noise of ±amp to every pixel of a plane.
func noisy(p plane, amp int, rng *rand.Rand) plane {
	q := newPlane(p.w, p.h)
	for i, v := range p.pix {
		q.pix[i] = byte(min(max(int(v)+rng.IntN(2*amp+1)-amp, 0), 255))
	}
	return q
}

func mustBytes(tb testing.TB, encode func(*bytes.Buffer) error) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := encode(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// testContext is the context tests decode with. Without -race, Decode keeps
// its own DecodeBudget, so the tests check the product's behaviour; the race
// detector slows decoding roughly tenfold, so there a generous deadline keeps
// results independent of machine load.
func testContext(t *testing.T) context.Context {
	if !raceEnabled {
		return context.Background()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// blurred applies a 3×3 box blur (edges repeat).
func blurred(p plane) plane {
	q := newPlane(p.w, p.h)
	for y := 0; y < p.h; y++ {
		for x := 0; x < p.w; x++ {
			s := 0
			for dy := -1; dy <= 1; dy++ {
				yy := min(max(y+dy, 0), p.h-1)
				for dx := -1; dx <= 1; dx++ {
					xx := min(max(x+dx, 0), p.w-1)
					s += int(p.pix[yy*p.w+xx])
				}
			}
			q.pix[y*p.w+x] = byte((s + 4) / 9)
		}
	}
	return q
}

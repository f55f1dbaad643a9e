package qrscan

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDecodeGenerated(t *testing.T) {
	dark := color.RGBA{30, 30, 30, 255}
	light := color.RGBA{230, 230, 230, 255}
	tests := []struct {
		name string
		img  func(t *testing.T) image.Image
		want []string
	}{
		{"plain", func(t *testing.T) image.Image {
			return codeImage(t, sampleURI, 6, 4, color.Black, color.White)
		}, []string{sampleURI}},
		{"dark mode", func(t *testing.T) image.Image {
			return codeImage(t, sampleURI, 6, 4, light, dark)
		}, []string{sampleURI}},
		{"transparent PNG", func(t *testing.T) image.Image {
			return viaFile(t, transparent(t), "png")
		}, []string{sampleURI}},
		{"no quiet zone", func(t *testing.T) image.Image {
			return codeImage(t, sampleURI, 5, 0, color.Black, color.White)
		}, []string{sampleURI}},
		{"1-pixel modules", func(t *testing.T) image.Image {
			return codeImage(t, sampleURI, 1, 4, color.Black, color.White)
		}, []string{sampleURI}},
		{"full-page screenshot", func(t *testing.T) image.Image {
			return uiScreenshot(t, 1920, 1080, 3, sampleURI)
		}, []string{sampleURI}},
		{"several codes", severalCodes, []string{"otpauth://totp/A?secret=AAAA", "otpauth://totp/B?secret=BBBB", "https://example.com/c"}},
		{"rotated 30 degrees", func(t *testing.T) image.Image {
			r, _ := rotated(luminance(codeImage(t, sampleURI, 6, 4, color.Black, color.White)), 30)
			return grayOf(r)
		}, []string{sampleURI}},
		{"rotated 30 degrees, 2-pixel modules", func(t *testing.T) image.Image {
			r, _ := rotated(luminance(codeImage(t, sampleURI, 2, 4, color.Black, color.White)), 30)
			return grayOf(r)
		}, []string{sampleURI}},
		{"rotated 40 degrees, blurred", func(t *testing.T) image.Image {
			r, _ := rotated(blurred(luminance(codeImage(t, sampleURI, 3, 4, color.Black, color.White))), 40)
			return grayOf(r)
		}, []string{sampleURI}},
		{"1-pixel modules, no quiet zone", func(t *testing.T) image.Image {
			return codeImage(t, sampleURI, 1, 0, color.Black, color.White)
		}, []string{sampleURI}},
		{"1-pixel modules in a screenshot", func(t *testing.T) image.Image {
			return uiScreenshot(t, 1280, 800, 1, sampleURI)
		}, []string{sampleURI}},
		{"dark mode screenshot", func(t *testing.T) image.Image {
			return grayOf(inverted(luminance(uiScreenshot(t, 1280, 800, 2, sampleURI))))
		}, []string{sampleURI}},
		{"JPEG quality 50", func(t *testing.T) image.Image {
			return viaFile(t, noisyPhoto(t), "jpeg")
		}, []string{sampleURI}},
		{"GIF (paletted)", func(t *testing.T) image.Image {
			return viaFile(t, codeImage(t, sampleURI, 4, 4, color.Black, color.White), "gif")
		}, []string{sampleURI}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codes, step, err := decode(testContext(t), tt.img(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("found by step %q", step)
			if got := texts(codes); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func texts(codes []Code) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = c.Text
	}
	return out
}

// transparent draws black modules on a fully transparent ground.
func transparent(t *testing.T) image.Image {
	m := modules(t, sampleURI)
	img := image.NewNRGBA(image.Rect(0, 0, (m.GetWidth()+8)*5, (m.GetWidth()+8)*5))
	drawCode(img, m, 0, 0, 5, 4, color.NRGBA{0, 0, 0, 255}, color.NRGBA{0, 0, 0, 0})
	return img
}

// severalCodes places three codes: two on one row (right one slightly
// higher) and one below, to pin the reading order.
func severalCodes(t *testing.T) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 900, 700))
	clutter(img, rand.New(rand.NewPCG(3, 4)))
	drawCode(img, modules(t, "otpauth://totp/B?secret=BBBB"), 500, 60, 6, 4, color.Black, color.White)
	drawCode(img, modules(t, "otpauth://totp/A?secret=AAAA"), 80, 80, 6, 4, color.Black, color.White)
	drawCode(img, modules(t, "https://example.com/c"), 300, 400, 6, 4, color.Black, color.White)
	return img
}

// noisyPhoto is a grey, noisy, low-contrast picture of a code.
func noisyPhoto(t *testing.T) image.Image {
	img := codeImage(t, sampleURI, 7, 4, color.RGBA{60, 55, 50, 255}, color.RGBA{200, 195, 185, 255})
	return grayOf(noisy(luminance(img), 25, rand.New(rand.NewPCG(5, 6))))
}

// viaFile round-trips img through an encoded file and DecodeReader's
// image reading.
func viaFile(t *testing.T, img image.Image, format string) image.Image {
	data := mustBytes(t, func(b *bytes.Buffer) error {
		switch format {
		case "png":
			return png.Encode(b, img)
		case "jpeg":
			return jpeg.Encode(b, img, &jpeg.Options{Quality: 50})
		default:
			return gif.Encode(b, img, nil)
		}
	})
	out, err := readImage(format+" fixture", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDecodeReaderFindsCode(t *testing.T) {
	data := mustBytes(t, func(b *bytes.Buffer) error {
		return png.Encode(b, codeImage(t, sampleURI, 4, 4, color.Black, color.White))
	})
	codes, err := DecodeReader(testContext(t), "code.png", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Code{{Text: sampleURI, Kind: KindOTPAuth}}
	if !slices.Equal(codes, want) {
		t.Errorf("got %+v, want %+v", codes, want)
	}
}

// TestDecodeConcurrent: Decode shares only read-only state (run with -race).
func TestDecodeConcurrent(t *testing.T) {
	img := codeImage(t, sampleURI, 4, 4, color.Black, color.White)
	ctx := testContext(t)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			codes, err := Decode(ctx, img)
			if err == nil && (len(codes) != 1 || codes[0].Text != sampleURI) {
				err = fmt.Errorf("got %q", texts(codes))
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

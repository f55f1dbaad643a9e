package qrscan

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDecodeNoCode: images without a QR code must yield no code. A false
// positive fails the test.
func TestDecodeNoCode(t *testing.T) {
	tests := []struct {
		name string
		img  image.Image
	}{
		{"noise", grayFunc(640, 480, func(x, y int, r *rand.Rand) byte { return byte(r.IntN(256)) })},
		{"binary noise", grayFunc(400, 400, func(x, y int, r *rand.Rand) byte { return byte(255 * r.IntN(2)) })},
		{"horizontal gradient", grayFunc(640, 480, func(x, y int, _ *rand.Rand) byte { return byte(x * 255 / 639) })},
		{"radial gradient", grayFunc(500, 500, func(x, y int, _ *rand.Rand) byte {
			return byte(min(255, math.Hypot(float64(x-250), float64(y-250))))
		})},
		{"stripes", grayFunc(600, 400, func(x, y int, _ *rand.Rand) byte { return byte(255 * ((x / 7) % 2)) })},
		{"checkerboard 8", grayFunc(512, 512, checker(8))},
		{"checkerboard 3", grayFunc(300, 300, checker(3))},
		{"photo-like blobs", blobs()},
		{"UI screenshot without code", uiOnly()},
		{"finder patterns around random modules", fakeSymbol(21, 6)},
		{"finder patterns around random modules, version 3", fakeSymbol(29, 5)},
		{"blank white", grayFunc(800, 600, func(int, int, *rand.Rand) byte { return 255 })},
		{"blank black", grayFunc(800, 600, func(int, int, *rand.Rand) byte { return 0 })},
		{"1x1", grayFunc(1, 1, func(int, int, *rand.Rand) byte { return 0 })},
		{"empty", image.NewRGBA(image.Rect(0, 0, 0, 0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codes, err := Decode(testContext(t), tt.img)
			if err != nil {
				t.Fatal(err)
			}
			if codes == nil || len(codes) != 0 {
				t.Errorf("got %q, want an empty non-nil slice", texts(codes))
			}
		})
	}
}

func grayFunc(w, h int, f func(x, y int, r *rand.Rand) byte) *image.Gray {
	r := rand.New(rand.NewPCG(7, 8))
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*img.Stride+x] = f(x, y, r)
		}
	}
	return img
}

func checker(cell int) func(x, y int, _ *rand.Rand) byte {
	return func(x, y int, _ *rand.Rand) byte { return byte(255 * ((x/cell + y/cell) % 2)) }
}

// blobs is a photo-like picture: overlapping soft discs in many shades.
func blobs() image.Image {
	r := rand.New(rand.NewPCG(9, 10))
	p := newPlane(640, 480)
	for i := range p.pix {
		p.pix[i] = 128
	}
	for i := 0; i < 120; i++ {
		cx, cy, rad := r.IntN(640), r.IntN(480), 5+r.IntN(60)
		shade := byte(r.IntN(256))
		for y := max(0, cy-rad); y < min(480, cy+rad); y++ {
			for x := max(0, cx-rad); x < min(640, cx+rad); x++ {
				if (x-cx)*(x-cx)+(y-cy)*(y-cy) < rad*rad {
					p.pix[y*640+x] = shade
				}
			}
		}
	}
	return grayOf(noisy(blurred(p), 6, r))
}

func uiOnly() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 1280, 800))
	clutter(img, rand.New(rand.NewPCG(11, 12)))
	return img
}

func TestDecodeReaderBadInput(t *testing.T) {
	valid := mustBytes(t, func(b *bytes.Buffer) error {
		return png.Encode(b, codeImage(t, sampleURI, 4, 4, color.Black, color.White))
	})
	tests := []struct {
		name, input string
		data        []byte
		want        string
		tooLarge    bool
	}{
		{"truncated PNG", "cut.png", valid[:len(valid)/2], "not a readable", false},
		{"garbage", "junk.png", []byte("this is not an image at all, just some bytes"), "not a supported image", false},
		{"zero length", "empty.png", nil, "empty file", false},
		{"huge header", "bomb.png", pngHeader(100_000, 100_000), "limit is 50 megapixels", true},
		{"wide header", "wide.png", pngHeader(1<<30, 1), "limit is 50 megapixels", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codes, err := DecodeReader(context.Background(), tt.input, bytes.NewReader(tt.data))
			if err == nil {
				t.Fatalf("got %v, want an error", codes)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.input) || !strings.Contains(msg, tt.want) {
				t.Errorf("error %q should name %q and say %q", msg, tt.input, tt.want)
			}
			if errors.Is(err, ErrTooLarge) != tt.tooLarge {
				t.Errorf("errors.Is(err, ErrTooLarge) = %v, want %v", !tt.tooLarge, tt.tooLarge)
			}
		})
	}
}

// pngHeader is a PNG signature and a valid IHDR chunk claiming w×h pixels,
// with no image data.
func pngHeader(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit greyscale
	chunk := append([]byte("IHDR"), ihdr...)
	out := []byte("\x89PNG\r\n\x1a\n")
	out = binary.BigEndian.AppendUint32(out, 13)
	out = append(out, chunk...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(chunk))
}

func TestDecodeFileErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(junk, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{junk, filepath.Join(dir, "missing.png")} {
		_, err := DecodeFile(context.Background(), path)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("DecodeFile(%s) error %v should name the file", path, err)
		}
	}
}

func TestDecodeNilImage(t *testing.T) {
	if _, err := Decode(context.Background(), nil); err == nil {
		t.Error("nil image: want an error")
	}
}

func TestDecodeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	codes, err := Decode(ctx, blobs())
	if !errors.Is(err, context.Canceled) || codes == nil || len(codes) != 0 {
		t.Errorf("got %v, %v; want empty codes and context.Canceled", codes, err)
	}
}

func TestKindOf(t *testing.T) {
	tests := []struct {
		text string
		want Kind
	}{
		{"otpauth://totp/A?secret=X", KindOTPAuth},
		{"OTPAUTH://TOTP/A?secret=X", KindOTPAuth},
		{"otpauth://hotp/A?secret=X&counter=1", KindOTPAuth},
		{"otpauth-migration://offline?data=abc", KindMigration},
		{"OtpAuth-Migration://offline?data=abc", KindMigration},
		{"steam://run/440", KindOther},
		{"https://example.com/otpauth://x", KindOther},
		{"otpauth:/totp/missing-slash", KindOther},
		{" otpauth://totp/leading-space", KindOther},
		{"WIFI:S:home;T:WPA;P:secret;;", KindOther},
		{"", KindOther},
	}
	for _, tt := range tests {
		if got := KindOf(tt.text); got != tt.want {
			t.Errorf("KindOf(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestScreensWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("XDG_SESSION_TYPE", "")
	if os.Getenv("LATCHKEY_TEST_HAS_DISPLAY") != "" {
		t.Skip("a display is configured")
	}
	if _, err := CaptureScreens(context.Background()); !errors.Is(err, ErrNoDisplay) {
		t.Errorf("CaptureScreens: got %v, want ErrNoDisplay", err)
	}
	if _, err := ScanScreens(context.Background()); !errors.Is(err, ErrNoDisplay) {
		t.Errorf("ScanScreens: got %v, want ErrNoDisplay", err)
	}
}

// fakeSymbol has the three finder patterns and timing lines of a dim×dim
// symbol, but random modules everywhere else: no valid format or data.
func fakeSymbol(dim, scale int) image.Image {
	return fakeSymbolSeed(dim, scale, 13)
}

func fakeSymbolSeed(dim, scale int, seed uint64) image.Image {
	r := rand.New(rand.NewPCG(uint64(dim), seed))
	side := (dim + 8) * scale
	img := grayFunc(side, side, func(int, int, *rand.Rand) byte { return 255 })
	dark := func(mx, my int) bool {
		for _, c := range [][2]int{{0, 0}, {dim - 7, 0}, {0, dim - 7}} {
			x, y := mx-c[0], my-c[1]
			if x >= -1 && x <= 7 && y >= -1 && y <= 7 {
				d := max(abs(x-3), abs(y-3))
				return d != 2 && d != 4
			}
		}
		if mx == 6 || my == 6 {
			return (mx+my)%2 == 0
		}
		return r.IntN(2) == 0
	}
	for my := 0; my < dim; my++ {
		for mx := 0; mx < dim; mx++ {
			if !dark(mx, my) {
				continue
			}
			for y := 0; y < scale; y++ {
				for x := 0; x < scale; x++ {
					img.Pix[((my+4)*scale+y)*img.Stride+(mx+4)*scale+x] = 0
				}
			}
		}
	}
	return img
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestFalsePositiveRate feeds symbols that have real finder patterns and
// timing lines but random modules: the grid search samples each dozens of
// ways, and must still never report a code.
func TestFalsePositiveRate(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("slow; runs without -race and -short")
	}
	for seed := uint64(0); seed < 40; seed++ {
		for _, dim := range []int{21, 25} {
			codes, err := Decode(testContext(t), fakeSymbolSeed(dim, 4+int(seed%3), seed))
			if err != nil || len(codes) != 0 {
				t.Errorf("seed %d, %d modules: got %q, %v; want nothing", seed, dim, texts(codes), err)
			}
		}
	}
}

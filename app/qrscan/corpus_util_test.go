package qrscan

import (
	"image"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	_ "image/jpeg"
	_ "image/png"
)

type corpusCase struct {
	name, path, want string
}

// corpusDir finds the ZXing photo corpus or skips the test.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("LATCHKEY_QR_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "corpus", "qr")
	}
	if _, err := os.Stat(filepath.Join(dir, "zxing-qrcode-1")); err != nil {
		tb.Skipf("QR corpus not found at %s (set LATCHKEY_QR_CORPUS)", dir)
	}
	return dir
}

// corpusCases lists the single-code images of zxing-qrcode-1..6.
func corpusCases(tb testing.TB, dir string) []corpusCase {
	tb.Helper()
	var out []corpusCase
	for set := 1; set <= 6; set++ {
		sub := filepath.Join(dir, "zxing-qrcode-"+string(rune('0'+set)))
		ents, err := os.ReadDir(sub)
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range ents {
			ext := filepath.Ext(e.Name())
			if ext != ".png" && ext != ".jpg" && ext != ".jpeg" && ext != ".gif" {
				continue
			}
			base := strings.TrimSuffix(e.Name(), ext)
			want, err := os.ReadFile(filepath.Join(sub, base+".txt"))
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, corpusCase{
				name: filepath.Base(sub) + "/" + e.Name(),
				path: filepath.Join(sub, e.Name()),
				want: string(want),
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func loadImage(tb testing.TB, path string) image.Image {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

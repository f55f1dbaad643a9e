package qrscan

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkDecodeScreenshot1MP: a 1280×800 UI-like screenshot with one code
// of 3-pixel modules, including the conversion from the capture's pixel
// format.
func BenchmarkDecodeScreenshot1MP(b *testing.B) {
	rgba := uiScreenshot(b, 1280, 800, 3, sampleURI)
	nrgba := image.NewNRGBA(rgba.Bounds())
	draw.Draw(nrgba, nrgba.Bounds(), rgba, image.Point{}, draw.Src)
	for _, bc := range []struct {
		name string
		img  image.Image
	}{{"RGBA", rgba}, {"NRGBA", nrgba}} {
		b.Run(bc.name, func(b *testing.B) { benchDecode(b, bc.img, 1) })
	}
}

// BenchmarkDecodePhoto12MP: a 4000×3000 noisy photo-like frame (YCbCr, as
// from a JPEG) with a code of 30-pixel modules in it.
func BenchmarkDecodePhoto12MP(b *testing.B) {
	benchDecode(b, photo12MP(b), 1)
}

func photo12MP(tb testing.TB) image.Image {
	const w, h = 4000, 3000
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(14, 15))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Y[y*img.YStride+x] = byte(90 + x*60/w + y*40/h + r.IntN(30))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = 128, 128
	}
	code := luminance(codeImage(tb, sampleURI, 30, 4, color.Gray{Y: 40}, color.Gray{Y: 215}))
	code = noisy(code, 20, r)
	for y := 0; y < code.h; y++ {
		copy(img.Y[(900+y)*img.YStride+1400:], code.pix[y*code.w:(y+1)*code.w])
	}
	return img
}

// BenchmarkDecodeCorpus decodes every single-code corpus image once per
// iteration; ns/image is the mean per image (dominated by the few images
// that climb the whole ladder), median-ns/image and max-ns/image are over
// every image decode of the run.
func BenchmarkDecodeCorpus(b *testing.B) {
	cases := corpusCases(b, corpusDir(b))
	imgs := make([]image.Image, len(cases))
	for i, c := range cases {
		imgs[i] = loadImage(b, c.path)
	}
	durs := make([]time.Duration, 0, len(imgs))
	b.ResetTimer()
	for range b.N {
		for _, img := range imgs {
			start := time.Now()
			if _, err := Decode(context.Background(), img); err != nil {
				b.Fatal(err)
			}
			durs = append(durs, time.Since(start))
		}
	}
	b.StopTimer()
	slices.Sort(durs)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(imgs)), "ns/image")
	b.ReportMetric(float64(durs[len(durs)/2].Nanoseconds()), "median-ns/image")
	b.ReportMetric(float64(durs[len(durs)-1].Nanoseconds()), "max-ns/image")
}

func benchDecode(b *testing.B, img image.Image, want int) {
	b.ReportAllocs()
	for range b.N {
		codes, err := Decode(context.Background(), img)
		if err != nil || len(codes) != want {
			b.Fatalf("got %d codes, %v", len(codes), err)
		}
	}
}

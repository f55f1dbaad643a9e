//go:build ignore

// genicon draws assets/icon.png: a rounded tile with a keyhole. Run with
// `go run genicon.go` from this directory after changing it.
package main

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
)

const size = 512

func main() {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	top := color.NRGBA{0x2f, 0x6f, 0xeb, 0xff}
	bottom := color.NRGBA{0x1b, 0x3f, 0x9a, 0xff}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			a := coverage(func(px, py float64) bool { return inRoundedRect(px, py, 24, 24, size-24, size-24, 96) }, x, y)
			if a == 0 {
				continue
			}
			t := float64(y) / size
			c := mix(top, bottom, t)
			k := coverage(keyhole, x, y)
			c = mix(c, color.NRGBA{0xff, 0xff, 0xff, 0xff}, k)
			c.A = uint8(255 * a)
			img.SetNRGBA(x, y, c)
		}
	}
	f, err := os.Create("icon.png")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		panic(err)
	}
}

// keyhole: a circle over a tapered slot, centred on the tile.
func keyhole(x, y float64) bool {
	cx, cy := size/2.0, size/2.0-40
	if math.Hypot(x-cx, y-cy) <= 78 {
		return true
	}
	if y < cy || y > cy+190 {
		return false
	}
	half := 30 + (y-cy)*0.22
	return math.Abs(x-cx) <= half
}

func inRoundedRect(x, y, x0, y0, x1, y1, r float64) bool {
	if x < x0 || x > x1 || y < y0 || y > y1 {
		return false
	}
	cx := math.Max(x0+r, math.Min(x, x1-r))
	cy := math.Max(y0+r, math.Min(y, y1-r))
	return math.Hypot(x-cx, y-cy) <= r
}

// coverage antialiases with 4x4 samples per pixel.
func coverage(in func(x, y float64) bool, x, y int) float64 {
	n := 0
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			if in(float64(x)+(float64(i)+0.5)/4, float64(y)+(float64(j)+0.5)/4) {
				n++
			}
		}
	}
	return float64(n) / 16
}

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	l := func(p, q uint8) uint8 { return uint8(float64(p)*(1-t) + float64(q)*t) }
	return color.NRGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 0xff}
}

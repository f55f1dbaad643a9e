package qrscan

import (
	"image"
	"image/color"
)

// plane is an 8-bit luminance image, row-major, one byte per pixel,
// 0 = black, 255 = white. It is what every ladder step works on.
type plane struct {
	pix  []byte
	w, h int
}

func newPlane(w, h int) plane {
	return plane{pix: make([]byte, w*h), w: w, h: h}
}

// luminance converts img to a plane, reading the pixel buffer directly for
// the common concrete types and compositing alpha over white. The weights
// (R+2G+B)/4 match gozxing's own conversion; *image.YCbCr uses its Y plane.
func luminance(img image.Image) plane {
	b := img.Bounds()
	p := newPlane(b.Dx(), b.Dy())
	switch m := img.(type) {
	case *image.RGBA:
		lumRGBA(p, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y))
	case *image.NRGBA:
		lumNRGBA(p, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y))
	case *image.YCbCr:
		copyRows(p, m.Y, m.YStride, m.YOffset(b.Min.X, b.Min.Y))
	case *image.Gray:
		copyRows(p, m.Pix, m.Stride, m.PixOffset(b.Min.X, b.Min.Y))
	case *image.Paletted:
		lumPaletted(p, m, b)
	default:
		lumGeneric(p, img, b)
	}
	return p
}

func copyRows(p plane, pix []byte, stride, off int) {
	for y := 0; y < p.h; y++ {
		copy(p.pix[y*p.w:(y+1)*p.w], pix[off+y*stride:])
	}
}

// lumRGBA handles premultiplied RGBA: over white, c' = c + (255 - a).
func lumRGBA(p plane, pix []byte, stride, off int) {
	for y := 0; y < p.h; y++ {
		row := pix[off+y*stride : off+y*stride+4*p.w]
		dst := p.pix[y*p.w : (y+1)*p.w]
		for x := range dst {
			s := row[4*x : 4*x+4 : 4*x+4]
			l := (int(s[0]) + 2*int(s[1]) + int(s[2])) >> 2
			l += 255 - int(s[3])
			if l > 255 {
				l = 255
			}
			dst[x] = byte(l)
		}
	}
}

// lumNRGBA handles straight alpha: over white, l' = (l*a + 255*(255-a)) / 255.
func lumNRGBA(p plane, pix []byte, stride, off int) {
	for y := 0; y < p.h; y++ {
		row := pix[off+y*stride : off+y*stride+4*p.w]
		dst := p.pix[y*p.w : (y+1)*p.w]
		for x := range dst {
			s := row[4*x : 4*x+4 : 4*x+4]
			l := (int(s[0]) + 2*int(s[1]) + int(s[2])) >> 2
			a := int(s[3])
			if a != 255 {
				l = (l*a + 255*(255-a)) / 255
			}
			dst[x] = byte(l)
		}
	}
}

func lumPaletted(p plane, m *image.Paletted, b image.Rectangle) {
	var table [256]byte
	for i := range table {
		table[i] = 255 // indices outside the palette: treat as white
	}
	for i, c := range m.Palette {
		if i < len(table) {
			table[i] = colorLum(c)
		}
	}
	off := m.PixOffset(b.Min.X, b.Min.Y)
	for y := 0; y < p.h; y++ {
		row := m.Pix[off+y*m.Stride : off+y*m.Stride+p.w]
		dst := p.pix[y*p.w : (y+1)*p.w]
		for x, idx := range row {
			dst[x] = table[idx]
		}
	}
}

func lumGeneric(p plane, img image.Image, b image.Rectangle) {
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			p.pix[i] = colorLum(img.At(x, y))
			i++
		}
	}
}

// colorLum is the slow per-colour path: premultiplied 16-bit values,
// composited over white.
func colorLum(c color.Color) byte {
	r, g, b, a := c.RGBA()
	l := (r + 2*g + b) >> 2 // premultiplied, 0..0xffff
	l += 0xffff - a
	if l > 0xffff {
		l = 0xffff
	}
	return byte(l >> 8)
}

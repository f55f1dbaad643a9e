package qrscan

import (
	"math"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// binarizer selects one of gozxing's two thresholding strategies.
type binarizer int

const (
	hybrid binarizer = iota // local 8×8 block thresholds
	global                  // one threshold from the row/image histogram
)

var hints = map[gozxing.DecodeHintType]interface{}{
	gozxing.DecodeHintType_TRY_HARDER: true,
}

// found is one decoded symbol with its centre in original-image pixels.
type found struct {
	text string
	x, y float64
	size float64 // rough edge length in original pixels, for row grouping
}

// bitmap wraps p for gozxing without copying: PlanarYUVLuminanceSource
// hands the slice to the binarizer as is.
func bitmap(p plane, b binarizer) (*gozxing.BinaryBitmap, error) {
	src, err := gozxing.NewPlanarYUVLuminanceSource(p.pix, p.w, p.h, 0, 0, p.w, p.h, false)
	if err != nil {
		return nil, err
	}
	if b == global {
		return gozxing.NewBinaryBitmap(gozxing.NewGlobalHistgramBinarizer(src))
	}
	return gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
}

// readSingle runs the one-symbol QR reader; nil when nothing decodes.
func readSingle(bmp *gozxing.BinaryBitmap, back affine) (fs []found) {
	defer contain(&fs)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil || res == nil {
		return nil
	}
	return []found{locate(res, back)}
}

// readMulti runs the multi-symbol reader on the same (cached) black matrix.
func readMulti(bmp *gozxing.BinaryBitmap, back affine) (fs []found) {
	defer contain(&fs)
	rs, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, hints)
	if err != nil {
		return nil
	}
	out := make([]found, 0, len(rs))
	for _, r := range rs {
		out = append(out, locate(r, back))
	}
	return out
}

// locate maps the centre of the result points back to the original image.
func locate(r *gozxing.Result, back affine) found {
	f := found{text: r.GetText()}
	pts := r.GetResultPoints()
	if len(pts) == 0 {
		return f
	}
	minX, maxX := pts[0].GetX(), pts[0].GetX()
	for _, p := range pts {
		f.x += p.GetX()
		f.y += p.GetY()
		minX, maxX = min(minX, p.GetX()), max(maxX, p.GetX())
	}
	n := float64(len(pts))
	f.x, f.y = back.apply(f.x/n, f.y/n)
	f.size = (maxX - minX) * scaleOf(back)
	return f
}

// scaleOf is the length scale of m (rotation-invariant).
func scaleOf(m affine) float64 {
	return math.Hypot(m[0], m[3])
}

// contain turns a panic inside gozxing (a port with index arithmetic that
// unusual input can push out of range) into "nothing found" for that one
// attempt. Deferred directly by every function that calls into gozxing.
func contain(fs *[]found) {
	if recover() != nil {
		*fs = nil
	}
}

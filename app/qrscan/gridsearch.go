package qrscan

import (
	"context"
	"math"
	"slices"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/common"
	"github.com/makiuchi-d/gozxing/qrcode/decoder"
	"github.com/makiuchi-d/gozxing/qrcode/detector"
)

// gridSearch re-samples a symbol whose three finder patterns are found but
// whose bits fail error correction (curved paper, blur, a misplaced
// alignment pattern). gozxing tries exactly one sampling grid; this tries the
// estimated version and its neighbours, and for each a small lattice of
// bottom-right anchors around the alignment pattern it finds (or expects),
// each sampled several ways (see try). A text is reported only once
// `confirmations` distinct samplings decode it; votes carries the count
// across calls for the same image.
func gridSearch(ctx context.Context, p plane, m *gozxing.BitMatrix, back affine, votes map[string]int) (fs []found) {
	defer contain(&fs)
	info, err := detector.NewFinderPatternFinder(m, nil).Find(hints)
	if err != nil {
		return nil
	}
	g := newGeometry(info)
	dec := decoder.NewDecoder()
	for _, dim := range g.dimensions() {
		ax, ay, srcPos := g.anchor(m, dim)
		for _, off := range anchorOffsets {
			if ctx.Err() != nil {
				return nil
			}
			bx, by := ax+off[0]*g.module, ay+off[1]*g.module
			t := g.transform(dim, bx, by, srcPos)
			for _, text := range g.try(m, p, dec, dim, t) {
				if votes[text]++; votes[text] == confirmations {
					return []found{g.found(text, back)}
				}
			}
		}
	}
	return nil
}

// confirmations is how many distinct samplings must decode the same text
// before the grid search reports it. Sampling dozens of grids per symbol
// gives Reed–Solomon many chances to "correct" noise into a valid block;
// on synthetic symbols with random modules one in about 150 decoded (to an
// empty text) with a single vote, none with two.
const confirmations = 2

// anchorOffsets, in modules, nearest first.
var anchorOffsets = func() [][2]float64 {
	var out [][2]float64
	for _, r := range []float64{0, 0.5, 1} {
		for dy := -r; dy <= r; dy += 0.5 {
			for dx := -r; dx <= r; dx += 0.5 {
				if math.Max(math.Abs(dx), math.Abs(dy)) == r {
					out = append(out, [2]float64{dx, dy})
				}
			}
		}
	}
	return out
}()

type geometry struct {
	tl, tr, bl gozxing.ResultPoint
	module     float64
}

func newGeometry(info *detector.FinderPatternInfo) geometry {
	tl, tr, bl := info.GetTopLeft(), info.GetTopRight(), info.GetBottomLeft()
	ms := (tl.GetEstimatedModuleSize() + tr.GetEstimatedModuleSize() + bl.GetEstimatedModuleSize()) / 3
	return geometry{tl: tl, tr: tr, bl: bl, module: ms}
}

// dimensions returns the estimated symbol size first, then ±4 modules
// (one version either way).
func (g geometry) dimensions() []int {
	if g.module <= 0 {
		return nil
	}
	d := gozxing.ResultPoint_Distance(g.tl, g.tr) + gozxing.ResultPoint_Distance(g.tl, g.bl)
	n := int(math.Round(d/(2*g.module))) + 7
	n = (n-17+2)/4*4 + 17 // nearest 4k+1
	var out []int
	for _, dim := range []int{n, n - 4, n + 4} {
		if dim >= 21 && dim <= 177 {
			out = append(out, dim)
		}
	}
	return out
}

// anchor returns the image position of the bottom-right reference point and
// its module coordinate: the alignment pattern for version 2 and up (found
// near its expected place when possible), else the fourth corner of the
// finder-centre parallelogram.
func (g geometry) anchor(m *gozxing.BitMatrix, dim int) (x, y, src float64) {
	brX := g.tr.GetX() - g.tl.GetX() + g.bl.GetX()
	brY := g.tr.GetY() - g.tl.GetY() + g.bl.GetY()
	if dim <= 21 {
		return brX, brY, float64(dim) - 3.5
	}
	k := 1 - 3/float64(dim-7)
	ex := g.tl.GetX() + k*(brX-g.tl.GetX())
	ey := g.tl.GetY() + k*(brY-g.tl.GetY())
	if ap := g.findAlignment(m, ex, ey); ap != nil {
		return ap.GetX(), ap.GetY(), float64(dim) - 6.5
	}
	return ex, ey, float64(dim) - 6.5
}

func (g geometry) findAlignment(m *gozxing.BitMatrix, ex, ey float64) gozxing.ResultPoint {
	for _, allow := range []float64{4, 8, 16} {
		r := int(allow * g.module)
		x0, y0 := max(0, int(ex)-r), max(0, int(ey)-r)
		x1, y1 := min(m.GetWidth()-1, int(ex)+r), min(m.GetHeight()-1, int(ey)+r)
		if float64(x1-x0) < 3*g.module || float64(y1-y0) < 3*g.module {
			return nil
		}
		ap, err := detector.NewAlignmentPatternFinder(m, x0, y0, x1-x0, y1-y0, g.module, nil).Find()
		if err == nil && ap != nil {
			return ap
		}
	}
	return nil
}

func (g geometry) transform(dim int, bx, by, src float64) *common.PerspectiveTransform {
	far := float64(dim) - 3.5
	return common.PerspectiveTransform_QuadrilateralToQuadrilateral(
		3.5, 3.5, far, 3.5, src, src, 3.5, far,
		g.tl.GetX(), g.tl.GetY(), g.tr.GetX(), g.tr.GetY(), bx, by, g.bl.GetX(), g.bl.GetY())
}

// try samples one grid, first from the binarized matrix as gozxing does,
// then as grey levels judged against their neighbouring modules, and returns
// the distinct non-empty texts that decode.
func (g geometry) try(m *gozxing.BitMatrix, p plane, dec *decoder.Decoder, dim int, t *common.PerspectiveTransform) []string {
	var grids []*gozxing.BitMatrix
	if bits, err := common.GridSampler_GetInstance().SampleGridWithTransform(m, dim, dim, t); err == nil {
		grids = append(grids, bits)
	}
	if grey := sampleGrey(p, t, dim); grey != nil {
		for _, w := range moduleWindows {
			grids = append(grids, thresholdModules(grey, dim, w))
		}
	}
	for _, w := range warps(measureWarp(p, t, dim)) {
		if grey := sampleGreyWarped(p, t, dim, w); grey != nil {
			for _, win := range moduleWindows {
				grids = append(grids, thresholdModules(grey, dim, win))
			}
		}
	}
	var texts []string
	for _, bits := range grids {
		res, err := dec.Decode(bits, hints)
		if err != nil || res.GetText() == "" || slices.Contains(texts, res.GetText()) {
			continue
		}
		texts = append(texts, res.GetText())
	}
	return texts
}

// found places a grid-search result at the symbol centre.
func (g geometry) found(text string, back affine) found {
	cx := (g.tr.GetX() + g.bl.GetX()) / 2
	cy := (g.tr.GetY() + g.bl.GetY()) / 2
	ox, oy := back.apply(cx, cy)
	return found{text: text, x: ox, y: oy, size: gozxing.ResultPoint_Distance(g.tl, g.tr) * scaleOf(back)}
}

// sampleGrey reads the luminance at every module centre; nil when the grid
// leaves the image.
func sampleGrey(p plane, t *common.PerspectiveTransform, dim int) []float64 {
	pts := make([]float64, 2*dim*dim)
	for y := 0; y < dim; y++ {
		for x := 0; x < dim; x++ {
			i := 2 * (y*dim + x)
			pts[i], pts[i+1] = float64(x)+0.5, float64(y)+0.5
		}
	}
	t.TransformPoints(pts)
	out := make([]float64, dim*dim)
	for i := range out {
		x, y := pts[2*i], pts[2*i+1]
		if x < -1 || y < -1 || x > float64(p.w) || y > float64(p.h) || math.IsNaN(x) || math.IsNaN(y) {
			return nil
		}
		out[i] = float64(p.clampBilinear(x-0.5, y-0.5))
	}
	return out
}

// thresholdModules marks a module black when it is darker than the mean of
// the (2w+1)² modules around it.
func thresholdModules(grey []float64, dim, w int) *gozxing.BitMatrix {
	bits, _ := gozxing.NewSquareBitMatrix(dim)
	for y := 0; y < dim; y++ {
		for x := 0; x < dim; x++ {
			sum, n := 0.0, 0
			for yy := max(0, y-w); yy <= min(dim-1, y+w); yy++ {
				for xx := max(0, x-w); xx <= min(dim-1, x+w); xx++ {
					sum += grey[yy*dim+xx]
					n++
				}
			}
			if grey[y*dim+x]*float64(n) < sum {
				bits.Set(x, y)
			}
		}
	}
	return bits
}

// moduleWindows are the half-widths, in modules, of the neighbourhoods
// against which a sampled module is judged dark or light.
var moduleWindows = []int{2, 3, 5}

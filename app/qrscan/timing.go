package qrscan

import (
	"math"

	"github.com/makiuchi-d/gozxing/common"
)

// warp holds per-column and per-row corrections, in modules, to a
// perspective grid. Paper bent around one axis shifts whole columns (or
// rows) by a fraction of a module, which a four-point perspective cannot
// express; the timing patterns (row 6 and column 6) show by how much.
type warp struct {
	dx, dy []float64
}

// measureWarp finds, for each column (row) crossed by the horizontal
// (vertical) timing pattern, the shift that best aligns the expected
// dark/light alternation with the image, then smooths it.
func measureWarp(p plane, t *common.PerspectiveTransform, dim int) warp {
	grey := func(u, v float64) float64 {
		pt := []float64{u, v}
		t.TransformPoints(pt)
		return float64(p.clampBilinear(pt[0]-0.5, pt[1]-0.5))
	}
	dx := timingShifts(dim, func(u float64) float64 { return grey(u, 6.5) })
	dy := timingShifts(dim, func(v float64) float64 { return grey(6.5, v) })
	return warp{dx: dx, dy: dy}
}

// timingShifts returns one shift per module index along a timing line,
// zero where the timing line does not reach (see extend for those).
func timingShifts(dim int, at func(float64) float64) []float64 {
	raw := make([]float64, dim)
	for k := 8; k <= dim-9; k++ {
		raw[k] = bestShift(k, at)
	}
	out := make([]float64, dim)
	for k := 8; k <= dim-9; k++ {
		out[k] = median3(raw[max(k-1, 8)], raw[k], raw[min(k+1, dim-9)])
	}
	return out
}

// warps returns the variants of a measured warp worth sampling: as
// measured, continued past the timing lines (held or tapered), and each
// axis alone.
func warps(w warp) []warp {
	zero := make([]float64, len(w.dx))
	return []warp{
		{dx: extend(w.dx, true), dy: extend(w.dy, true)},
		{dx: extend(w.dx, false), dy: extend(w.dy, false)},
		w,
		{dx: w.dx, dy: zero},
		{dx: zero, dy: w.dy},
	}
}

// extend continues the shifts past the end of the timing line (where the
// far finder pattern or the alignment pattern anchors only part of the
// symbol): hold keeps the last measured shift, otherwise it tapers to zero at
// the last module.
func extend(s []float64, hold bool) []float64 {
	dim := len(s)
	out := append([]float64(nil), s...)
	last := s[dim-9]
	for k := dim - 8; k < dim; k++ {
		if hold {
			out[k] = last
		} else {
			out[k] = last * float64(dim-1-k) / 8
		}
	}
	return out
}

// bestShift scores shifts of ±0.6 module for the three timing modules around
// column k (dark at even indices) and returns the best one.
func bestShift(k int, at func(float64) float64) float64 {
	best, bestScore := 0.0, math.Inf(-1)
	for s := -0.6; s <= 0.6001; s += 0.1 {
		score := 0.0
		for j := k - 1; j <= k+1; j++ {
			v := at(float64(j) + 0.5 + s)
			if j%2 == 0 {
				v = -v
			}
			score += v
		}
		// prefer small shifts on ties
		score -= math.Abs(s) * 1e-3
		if score > bestScore {
			best, bestScore = s, score
		}
	}
	return best
}

func median3(a, b, c float64) float64 {
	return max(min(a, b), min(max(a, b), c))
}

// sampleGreyWarped is sampleGrey with the warp applied to module centres.
func sampleGreyWarped(p plane, t *common.PerspectiveTransform, dim int, w warp) []float64 {
	pts := make([]float64, 2*dim*dim)
	for y := 0; y < dim; y++ {
		for x := 0; x < dim; x++ {
			i := 2 * (y*dim + x)
			pts[i], pts[i+1] = float64(x)+0.5+w.dx[x], float64(y)+0.5+w.dy[y]
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

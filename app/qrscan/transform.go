package qrscan

import "math"

// affine maps a point of a derived plane back to the original image:
// x' = m[0]*x + m[1]*y + m[2], y' = m[3]*x + m[4]*y + m[5].
type affine [6]float64

var identity = affine{1, 0, 0, 0, 1, 0}

func (m affine) apply(x, y float64) (float64, float64) {
	return m[0]*x + m[1]*y + m[2], m[3]*x + m[4]*y + m[5]
}

// then returns the mapping that applies n first and m after it.
func (m affine) then(n affine) affine {
	return affine{
		m[0]*n[0] + m[1]*n[3], m[0]*n[1] + m[1]*n[4], m[0]*n[2] + m[1]*n[5] + m[2],
		m[3]*n[0] + m[4]*n[3], m[3]*n[1] + m[4]*n[4], m[3]*n[2] + m[4]*n[5] + m[5],
	}
}

// inverted returns the photographic negative (light codes on dark ground).
func inverted(p plane) plane {
	q := newPlane(p.w, p.h)
	for i, v := range p.pix {
		q.pix[i] = 255 - v
	}
	return q
}

// boxDown shrinks p by the integer factor f, averaging each f×f block
// (partial blocks at the right and bottom edge are dropped).
func boxDown(p plane, f int) plane {
	q := newPlane(p.w/f, p.h/f)
	sums := make([]int, q.w)
	n := f * f
	for qy := 0; qy < q.h; qy++ {
		clear(sums)
		for y := qy * f; y < qy*f+f; y++ {
			addRowBlocks(sums, p.pix[y*p.w:y*p.w+q.w*f], f)
		}
		dst := q.pix[qy*q.w : (qy+1)*q.w]
		for x, s := range sums {
			dst[x] = byte((s + n/2) / n)
		}
	}
	return q
}

func addRowBlocks(sums []int, row []byte, f int) {
	for x := range sums {
		s := 0
		for _, v := range row[x*f : x*f+f] {
			s += int(v)
		}
		sums[x] += s
	}
}

// padded surrounds p with a white border of b pixels.
func padded(p plane, b int) plane {
	q := newPlane(p.w+2*b, p.h+2*b)
	for i := range q.pix {
		q.pix[i] = 255
	}
	for y := 0; y < p.h; y++ {
		copy(q.pix[(y+b)*q.w+b:], p.pix[y*p.w:(y+1)*p.w])
	}
	return q
}

// rotated turns p by deg degrees about its centre onto a canvas large enough
// to hold all of it, filling the corners with white, sampling bilinearly. It
// also returns the mapping from the new plane back to p.
func rotated(p plane, deg float64) (plane, affine) {
	sin, cos := math.Sincos(deg * math.Pi / 180)
	fw, fh := float64(p.w), float64(p.h)
	w := int(math.Ceil(math.Abs(fw*cos) + math.Abs(fh*sin)))
	h := int(math.Ceil(math.Abs(fw*sin) + math.Abs(fh*cos)))
	cx, cy := float64(w)/2, float64(h)/2
	back := affine{cos, sin, fw/2 - cos*cx - sin*cy, -sin, cos, fh/2 + sin*cx - cos*cy}
	q := newPlane(w, h)
	for y := 0; y < h; y++ {
		dst := q.pix[y*w : (y+1)*w]
		for x := range dst {
			sx, sy := back.apply(float64(x)+0.5, float64(y)+0.5)
			dst[x] = p.bilinear(sx-0.5, sy-0.5)
		}
	}
	return q, back
}

// bilinear samples p at (x, y), white outside the plane.
func (p plane) bilinear(x, y float64) byte {
	x0, y0 := math.Floor(x), math.Floor(y)
	fx, fy := x-x0, y-y0
	ix, iy := int(x0), int(y0)
	a := float64(p.at(ix, iy))*(1-fx) + float64(p.at(ix+1, iy))*fx
	b := float64(p.at(ix, iy+1))*(1-fx) + float64(p.at(ix+1, iy+1))*fx
	return byte(a*(1-fy) + b*fy + 0.5)
}

func (p plane) at(x, y int) byte {
	if x < 0 || y < 0 || x >= p.w || y >= p.h {
		return 255
	}
	return p.pix[y*p.w+x]
}

// bilinearUp enlarges p by the integer factor k with bilinear interpolation.
func bilinearUp(p plane, k int) plane {
	q := newPlane(p.w*k, p.h*k)
	inv := 1 / float64(k)
	for y := 0; y < q.h; y++ {
		sy := (float64(y)+0.5)*inv - 0.5
		for x := 0; x < q.w; x++ {
			sx := (float64(x)+0.5)*inv - 0.5
			q.pix[y*q.w+x] = p.clampBilinear(sx, sy)
		}
	}
	return q
}

// clampBilinear samples like bilinear but repeats edge pixels.
func (p plane) clampBilinear(x, y float64) byte {
	if math.IsNaN(x) || math.IsNaN(y) {
		return 255
	}
	x = min(max(x, 0), float64(p.w-1))
	y = min(max(y, 0), float64(p.h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, p.w-1), min(y0+1, p.h-1)
	fx, fy := x-float64(x0), y-float64(y0)
	a := float64(p.pix[y0*p.w+x0])*(1-fx) + float64(p.pix[y0*p.w+x1])*fx
	b := float64(p.pix[y1*p.w+x0])*(1-fx) + float64(p.pix[y1*p.w+x1])*fx
	return byte(a*(1-fy) + b*fy + 0.5)
}

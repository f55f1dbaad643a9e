package qrscan

import (
	"context"
	"sort"
)

// view is one representation of the image under test: a luminance plane and
// the mapping from its coordinates back to the original image.
type view struct {
	p    plane
	back affine
}

// step is one rung of the decode ladder. run returns the symbols it found
// (nil for none); it must be bounded in time by the size of the plane.
type step struct {
	name string
	run  func(s *scan) []found
}

// scan carries the state shared by the steps for one image.
type scan struct {
	ctx  context.Context
	full view  // the whole image, full resolution
	work *view // full, or a box-downscaled copy when large; made on first use
}

const (
	// workSide caps the long side of the plane used by the expensive steps
	// (a 4K screenshot is worked on at half size).
	workSide = 2000
	// smallSide is the long side up to which upscaling is tried.
	smallSide = 1000
)

func newScan(ctx context.Context, p plane) *scan {
	return &scan{ctx: ctx, full: view{p: p, back: identity}}
}

// workView returns the plane for the expensive steps, downscaling once.
func (s *scan) workView() view {
	if s.work == nil {
		v := s.full
		if f := (max(v.p.w, v.p.h) + workSide - 1) / workSide; f >= 2 {
			v = view{p: boxDown(v.p, f), back: scaled(float64(f))}
		}
		s.work = &v
	}
	return *s.work
}

func scaled(f float64) affine { return affine{f, 0, 0, 0, f, 0} }

// ladder is ordered by cost and measured rescue rate (see doc.go).
var ladder = []step{
	{"downscaled", stepDownscaled},
	{"hybrid", func(s *scan) []found { return read(s.full, hybrid) }},
	{"global", func(s *scan) []found { return read(s.full, global) }},
	{"inverted", stepInverted},
	{"padded", stepPadded},
	{"upscaled", stepUpscaled},
	{"grid", stepGrid},
	{"rotated", stepRotated},
}

// run climbs the ladder until a step finds something or ctx expires.
func (s *scan) run() ([]found, string) {
	for _, st := range ladder {
		if s.ctx.Err() != nil {
			return nil, ""
		}
		if fs := st.run(s); len(fs) > 0 {
			return fs, st.name
		}
	}
	return nil, ""
}

// read decodes one view with one binarizer: the multi-symbol reader finds
// every code it can; when it finds none, the single-symbol reader (whose
// finder-pattern selection is more forgiving) gets a turn on the same cached
// black matrix.
func read(v view, b binarizer) []found {
	bmp, err := bitmap(v.p, b)
	if err != nil {
		return nil
	}
	if fs := merge(readMulti(bmp, v.back), nil); len(fs) > 0 {
		return fs
	}
	return merge(readSingle(bmp, v.back), nil)
}

// readBoth tries the hybrid, then the global binarizer.
func readBoth(v view) []found {
	if fs := read(v, hybrid); len(fs) > 0 {
		return fs
	}
	return read(v, global)
}

// stepDownscaled runs first only for large images (≥ 4 MP photos, where the
// full-resolution binarization dominates): a ~800 px copy is far cheaper and,
// with large modules, just as readable.
func stepDownscaled(s *scan) []found {
	p := s.full.p
	f := max(p.w, p.h) / 800
	if p.w*p.h < 4_000_000 || f < 2 {
		return nil
	}
	return readBoth(view{p: boxDown(p, f), back: scaled(float64(f))})
}

// stepInverted reads light-on-dark (dark mode) codes at full resolution:
// screenshots of them often have small modules.
func stepInverted(s *scan) []found {
	return readBoth(view{p: inverted(s.full.p), back: s.full.back})
}

// stepPadded adds a white border for codes cropped to their edge.
func stepPadded(s *scan) []found {
	w := s.workView()
	b := max(w.p.w, w.p.h)/10 + 8
	off := affine{1, 0, -float64(b), 0, 1, -float64(b)}
	return readBoth(view{p: padded(w.p, b), back: w.back.then(off)})
}

// stepUpscaled doubles small images: bilinear for blurred photos and
// screenshots with 1–2 pixel modules alike.
func stepUpscaled(s *scan) []found {
	w := s.workView()
	if max(w.p.w, w.p.h) > smallSide {
		return nil
	}
	return readBoth(view{p: bilinearUp(w.p, 2), back: w.back.then(scaled(0.5))})
}

// stepGrid re-samples symbols whose finder patterns are found but whose
// bits fail error correction.
func stepGrid(s *scan) (fs []found) {
	defer contain(&fs)
	w := s.workView()
	votes := map[string]int{} // shared: the two binarizers locate the finders independently
	for _, b := range []binarizer{hybrid, global} {
		bmp, err := bitmap(w.p, b)
		if err != nil {
			return nil
		}
		m, err := bmp.GetBlackMatrix()
		if err != nil {
			continue
		}
		if fs := gridSearch(s.ctx, w.p, m, w.back, votes); len(fs) > 0 {
			return fs
		}
	}
	return nil
}

// rotationAngles, in degrees. The finder-pattern scan works row by row and
// degrades between about 20° and 45°; these turn such codes nearly upright.
var rotationAngles = []float64{30, -30, 15, -15, 45}

func stepRotated(s *scan) []found {
	v := s.workView()
	if f := max(v.p.w, v.p.h) / 800; f >= 2 {
		v = view{p: boxDown(v.p, f), back: v.back.then(scaled(float64(f)))}
	}
	for _, deg := range rotationAngles {
		if s.ctx.Err() != nil {
			return nil
		}
		r, back := rotated(v.p, deg)
		if fs := readBoth(view{p: r, back: v.back.then(back)}); len(fs) > 0 {
			return fs
		}
	}
	return nil
}

// merge appends the symbols of b not already in a (by text), dropping
// empty texts: an empty symbol carries nothing to import.
func merge(a, b []found) []found {
	seen := make(map[string]bool, len(a)+len(b))
	out := make([]found, 0, len(a)+len(b))
	for _, f := range append(a, b...) {
		if f.text != "" && !seen[f.text] {
			seen[f.text] = true
			out = append(out, f)
		}
	}
	return out
}

// order sorts symbols top to bottom, then left to right within a row; two
// symbols share a row when their centres are less than half the smaller
// symbol apart vertically.
func order(fs []found) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].y < fs[j].y })
	for start := 0; start < len(fs); {
		end := start + 1
		for end < len(fs) && fs[end].y-fs[end-1].y < min(fs[end].size, fs[end-1].size)/2 {
			end++
		}
		row := fs[start:end]
		sort.SliceStable(row, func(i, j int) bool { return row[i].x < row[j].x })
		start = end
	}
}

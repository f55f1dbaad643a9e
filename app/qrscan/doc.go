// Package qrscan owns QR-code reading for Latchkey: turning an image (a file,
// a reader, or a capture of the screens) into the texts of the QR codes on
// it, classified as otpauth://, otpauth-migration:// or other. It decodes
// with github.com/makiuchi-d/gozxing and adds what gozxing lacks: fast
// luminance conversion, a ladder of image variants, a grid search for
// warped symbols, deduplication and a stable reading order. It never logs.
//
// # Decode ladder
//
// Decode converts the image to an 8-bit luminance plane straight from the
// pixel buffer (*image.RGBA, *image.NRGBA, *image.YCbCr, *image.Gray,
// *image.Paletted; img.At only for other types), alpha composited over
// white, and climbs the ladder below, stopping at the first step that
// decodes anything. Every read step runs the multi-symbol reader first and
// the single-symbol reader when that finds nothing, both with TRY_HARDER on
// one cached black matrix, so all codes of a multi-code image are returned.
// The context is checked between steps and inside the two long ones (grid,
// rotated); no single gozxing call exceeds a few hundred milliseconds on a
// 12 MP image.
//
//  1. downscaled: images of 4 MP and more, box-filtered to about 800 px on
//     the long side first (a 12 MP photo decodes in 13 ms instead of 340).
//  2. hybrid: HybridBinarizer at full resolution.
//  3. global: GlobalHistogramBinarizer at full resolution.
//  4. inverted: both binarizers on the negative (dark-mode codes).
//  5. padded: a white border (codes cropped to their edge).
//  6. upscaled: bilinear 2× for images up to 1000 px (blur, 1-pixel modules).
//  7. grid: re-sampling of symbols whose finder patterns are found but whose
//     bits fail error correction: version ±1, bottom-right anchor moved by up
//     to ±1 module, modules judged against their neighbouring modules, and a
//     per-column/per-row warp measured on the timing patterns (paper bent
//     around one axis). A text must decode from two distinct samplings.
//  8. rotated: 30°, -30°, 15°, -15°, 45° on a ≤ 800 px copy.
//
// Steps 5–8 work on a copy box-downscaled to at most 2000 px (a 4K capture is
// halved); steps 1–4 on the full image.
//
// # Measurements
//
// ZXing black-box photos (zxing-qrcode-1..6, 179 single-code images),
// go1.26 linux/amd64, 2 shared cores, `go test -run CorpusSingle -v`:
//
//	step        first to decode   time in those images
//	hybrid      158               104 ms
//	global        5                 7 ms
//	inverted      0                 -
//	padded        1                 2 ms
//	upscaled      5                26 ms
//	grid          6               538 ms
//	rotated       0                 -   (its rescues are taken earlier)
//	none          4               935 ms (zxing-qrcode-2/13, 4/08, 4/13, 4/33)
//	total       175 of 179; the 4 codes of zxing-multi-qrcode-1 all found
//
// For comparison on the same images: zbar 147, Java ZXing 157, gozxing with
// one binarizer 158, hybrid then global 163, zxing-cpp 162.
//
// Each step alone (`LATCHKEY_QR_STEPS=1 go test -run StepsAlone -v`):
// hybrid 158, global 144, inverted 0, padded 160, upscaled 165, grid 173,
// rotated 157 (downscaled does not apply: no corpus image reaches 4 MP).
//
// Time per image (`go test -bench . -count=5`, medians): a 1280×800
// screenshot with one code 4.4 ms from *image.RGBA, 4.2 ms from
// *image.NRGBA; a 4000×3000 photo 12.8 ms; corpus median 0.35 ms, mean 8.8 ms,
// slowest 0.32 s (an image with no readable code climbs the whole ladder). A
// 12 MP image with no code takes about 1.6 s; DecodeBudget is 2.5 s.
//
// See README.md in this directory for gozxing's surprises.
package qrscan

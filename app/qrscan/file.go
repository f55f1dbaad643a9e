package qrscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"

	_ "image/gif"  // register GIF
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
)

// MaxFileBytes is the largest image file read.
const MaxFileBytes = 64 << 20

// DecodeFile decodes the PNG, JPEG or GIF image at path and scans it.
func DecodeFile(ctx context.Context, path string) ([]Code, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", path, err)
	}
	defer f.Close()
	return DecodeReader(ctx, path, f)
}

// DecodeReader reads a PNG, JPEG or GIF image from r and scans it; name
// identifies the input in errors (a file name, "clipboard", …). The image
// header is checked against MaxPixels before any pixel is decoded.
func DecodeReader(ctx context.Context, name string, r io.Reader) ([]Code, error) {
	img, err := readImage(name, r)
	if err != nil {
		return nil, err
	}
	codes, err := Decode(ctx, img)
	if err != nil {
		return codes, fmt.Errorf("scan %s: %w", name, err)
	}
	return codes, nil
}

// readImage buffers r (up to MaxFileBytes), checks the dimensions in the
// header, then decodes the pixels.
func readImage(name string, r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", name, err)
	}
	switch {
	case len(data) == 0:
		return nil, fmt.Errorf("scan %s: empty file, not a supported image (PNG, JPEG or GIF)", name)
	case len(data) > MaxFileBytes:
		return nil, fmt.Errorf("scan %s: file larger than %d MiB: %w", name, MaxFileBytes>>20, ErrTooLarge)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, notImage(name, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("scan %s: image has no pixels (%dx%d)", name, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("scan %s: %dx%d pixels, limit is %d megapixels: %w",
			name, cfg.Width, cfg.Height, MaxPixels/1_000_000, ErrTooLarge)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, notImage(name, err)
	}
	return img, nil
}

func notImage(name string, err error) error {
	if errors.Is(err, image.ErrFormat) {
		return fmt.Errorf("scan %s: not a supported image (PNG, JPEG or GIF): %w", name, err)
	}
	return fmt.Errorf("scan %s: not a readable PNG, JPEG or GIF image: %w", name, err)
}

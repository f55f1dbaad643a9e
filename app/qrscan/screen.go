package qrscan

import (
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/kbinani/screenshot"
)

// ErrNoDisplay is returned when no display can be captured (no X server or
// Wayland portal, a headless session, a missing permission).
var ErrNoDisplay = errors.New("no display to capture")

// CaptureScreens captures every active display, main display first.
func CaptureScreens(ctx context.Context) ([]image.Image, error) {
	n, err := numDisplays()
	if err != nil {
		return nil, err
	}
	imgs := make([]image.Image, 0, n)
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("capture display %d: %w", i, err)
		}
		img, err := captureDisplay(i)
		if err != nil {
			return nil, fmt.Errorf("capture display %d: %w", i, err)
		}
		imgs = append(imgs, img)
	}
	return imgs, nil
}

// ScanScreens captures every display and returns the distinct codes on
// them, display by display, each in Decode's order.
func ScanScreens(ctx context.Context) ([]Code, error) {
	imgs, err := CaptureScreens(ctx)
	if err != nil {
		return nil, err
	}
	out := []Code{}
	seen := map[string]bool{}
	for i, img := range imgs {
		codes, err := Decode(ctx, img)
		if err != nil {
			return out, fmt.Errorf("scan display %d: %w", i, err)
		}
		for _, c := range codes {
			if !seen[c.Text] {
				seen[c.Text] = true
				out = append(out, c)
			}
		}
	}
	return out, nil
}

// numDisplays guards against the library panicking without a display.
func numDisplays() (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("%w: %v", ErrNoDisplay, r)
		}
	}()
	if n = screenshot.NumActiveDisplays(); n <= 0 {
		return 0, ErrNoDisplay
	}
	return n, nil
}

func captureDisplay(i int) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("%w: %v", ErrNoDisplay, r)
		}
	}()
	rgba, err := screenshot.CaptureDisplay(i)
	if err != nil {
		return nil, err
	}
	if rgba == nil {
		return nil, ErrNoDisplay
	}
	return rgba, nil
}

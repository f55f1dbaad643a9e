// Package assets holds Latchkey's embedded resources: the application icon
// (drawn by genicon.go) and anything else the binary ships.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the application icon.
var Icon = fyne.NewStaticResource("latchkey.png", iconPNG)

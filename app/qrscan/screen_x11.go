//go:build linux || freebsd || netbsd || openbsd

package qrscan

import (
	"io"

	"github.com/jezek/xgb"
)

// The X11 client under kbinani/screenshot logs every connection detail (a
// missing ~/.Xauthority, retries) to stderr; a CLI must not print that.
func init() { xgb.Logger.SetOutput(io.Discard) }

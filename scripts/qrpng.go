//go:build ignore

// qrpng writes a PNG with a QR code for each TEXT, side by side (the test
// fixtures of internal/testqr), for checks that run a built binary:
//
//	go run scripts/qrpng.go OUT.png TEXT...
package main

import (
	"fmt"
	"os"

	"github.com/latchkey/latchkey/internal/testqr"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/qrpng.go OUT.png TEXT...")
		os.Exit(2)
	}
	b, err := testqr.PNG(os.Args[2:]...)
	if err == nil {
		err = os.WriteFile(os.Args[1], b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "qrpng:", err)
		os.Exit(1)
	}
}

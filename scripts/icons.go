//go:build ignore

// icons scales assets/icon.png (512×512) for the packages: PNGs for the
// freedesktop hicolor theme and a Windows .ico. Used by the dist scripts:
//
//	go run scripts/icons.go -png DIR 256 128 48   # DIR/256.png, DIR/128.png, DIR/48.png (sizes last)
//	go run scripts/icons.go -ico FILE             # 16…256 in one .ico
//
// The .ico holds PNG-compressed images (Windows Vista and later read them).
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/image/draw"
)

func main() {
	src := flag.String("src", "assets/icon.png", "the source icon")
	pngDir := flag.String("png", "", "write DIR/SIZE.png for each SIZE argument")
	icoPath := flag.String("ico", "", "write a Windows .ico with 16, 24, 32, 48, 64, 128 and 256 pixel images")
	flag.Parse()
	f, err := os.Open(*src)
	if err != nil {
		fail(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		fail(fmt.Errorf("%s: %w", *src, err))
	}
	if *pngDir != "" {
		for _, a := range flag.Args() {
			n, err := strconv.Atoi(a)
			if err != nil || n < 1 || n > 4096 {
				fail(fmt.Errorf("bad size %q", a))
			}
			if err := os.WriteFile(filepath.Join(*pngDir, a+".png"), encode(scale(img, n)), 0o644); err != nil {
				fail(err)
			}
		}
	}
	if *icoPath != "" {
		if err := os.WriteFile(*icoPath, ico(img, 16, 24, 32, 48, 64, 128, 256), 0o644); err != nil {
			fail(err)
		}
	}
}

func scale(img image.Image, n int) image.Image {
	if b := img.Bounds(); b.Dx() == n && b.Dy() == n {
		return img
	}
	dst := image.NewNRGBA(image.Rect(0, 0, n, n))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	return dst
}

func encode(img image.Image) []byte {
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&b, img); err != nil {
		fail(err)
	}
	return b.Bytes()
}

// ico is an ICONDIR followed by one ICONDIRENTRY per size, each pointing at
// a PNG stream.
func ico(img image.Image, sizes ...int) []byte {
	var head, body bytes.Buffer
	le := binary.LittleEndian
	binary.Write(&head, le, [3]uint16{0, 1, uint16(len(sizes))}) // reserved, type icon, count
	offset := 6 + 16*len(sizes)
	for _, n := range sizes {
		data := encode(scale(img, n))
		dim := uint8(n)
		if n >= 256 {
			dim = 0 // 0 means 256
		}
		head.Write([]byte{dim, dim, 0, 0})        // width, height, palette, reserved
		binary.Write(&head, le, [2]uint16{1, 32}) // planes, bits per pixel
		binary.Write(&head, le, [2]uint32{uint32(len(data)), uint32(offset + body.Len())})
		body.Write(data)
	}
	return append(head.Bytes(), body.Bytes()...)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "icons:", err)
	os.Exit(1)
}

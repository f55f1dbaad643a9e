package importer

import (
	"bytes"
	"context"
	"fmt"

	"github.com/latchkey/latchkey/app/qrscan"
)

// FormatImage is a PNG, JPEG or GIF image with QR codes.
const FormatImage Format = "image"

func init() {
	register(reader{name: FormatImage, priority: 0, detect: isImage,
		read: func(ctx context.Context, im *Importer, res *Result, data []byte, _ Options) error {
			return im.readImage(ctx, res, data)
		}})
}

func isImage(data []byte) bool {
	return bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) ||
		bytes.HasPrefix(data, []byte("\xff\xd8\xff")) ||
		bytes.HasPrefix(data, []byte("GIF87a")) || bytes.HasPrefix(data, []byte("GIF89a"))
}

// readImage decodes every QR code of an image and imports the links.
func (im *Importer) readImage(ctx context.Context, res *Result, data []byte) error {
	found, err := qrscan.DecodeReader(ctx, res.Name, bytes.NewReader(data))
	if err != nil {
		return err
	}
	im.addCodes(res, found)
	return nil
}

// ReadCodes imports QR codes already decoded elsewhere (a screen capture, an
// image from the clipboard); name names their origin in messages.
//
// Codes beyond the import's limits (MaxEntries, MaxImportBytes) make a
// Result with no entries and that problem as its one skipped item.
func (im *Importer) ReadCodes(name string, found []qrscan.Code) *Result {
	res := im.newResult(name, FormatImage)
	im.addCodes(res, found)
	if err := im.finish(res); err != nil {
		return &Result{Name: name, Format: FormatImage, Skipped: []Skipped{{Source: printable(name), Reason: err.Error()}}}
	}
	return res
}

func (im *Importer) addCodes(res *Result, found []qrscan.Code) {
	if len(found) == 0 {
		res.skip(res.Name, "no QR code found")
		return
	}
	for i, c := range found {
		if res.full() {
			return
		}
		source := res.Name
		if len(found) > 1 {
			source = fmt.Sprintf("%s code %d", res.Name, i+1)
		}
		if c.Kind == qrscan.KindOther {
			res.skip(source, "the QR code is not an otpauth link")
			continue
		}
		im.addLink(res, source, c.Text)
	}
}

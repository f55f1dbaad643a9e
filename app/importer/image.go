package importer

import (
	"bytes"
	"context"
	"fmt"

	"github.com/latchkey/latchkey/app/qrscan"
)

// readImage decodes every QR code of an image and imports the links.
func (im *Importer) readImage(ctx context.Context, res *Result, data []byte) error {
	found, err := qrscan.DecodeReader(ctx, res.Name, bytes.NewReader(data))
	if err != nil {
		return err
	}
	if len(found) == 0 {
		res.Skipped = append(res.Skipped, Skipped{Source: res.Name, Reason: "no QR code found"})
		return nil
	}
	for i, c := range found {
		source := res.Name
		if len(found) > 1 {
			source = fmt.Sprintf("%s code %d", res.Name, i+1)
		}
		if c.Kind == qrscan.KindOther {
			res.Skipped = append(res.Skipped, Skipped{Source: source, Reason: "the QR code is not an otpauth link"})
			continue
		}
		im.addLink(res, source, c.Text)
	}
	return nil
}

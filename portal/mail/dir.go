package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Dir writes each message as an RFC 5322 file (NAME.eml) into a private
// directory instead of sending it: for development installs and end-to-end
// tests, where a person or a test opens the link from the file. The files
// hold live tokens, so the directory is created 0700 and files 0600.
type Dir struct {
	Path string
	From string
	// Now stamps the Date header and the file name; nil: time.Now.
	Now func() time.Time
}

var _ Mailer = (*Dir)(nil)

// Send writes m atomically (temporary file, then rename), so a reader
// never sees half a message.
func (d *Dir) Send(_ context.Context, m Message) error {
	if err := m.Check(); err != nil {
		return err
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	t := now()
	data, err := compose(d.From, m, t)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return fmt.Errorf("mail directory: %w", err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("%s-%s.eml", t.UTC().Format("20060102T150405.000000000Z"), hex.EncodeToString(rnd[:]))
	tmp, err := os.CreateTemp(d.Path, ".mail-*")
	if err != nil {
		return fmt.Errorf("mail directory: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("mail directory: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("mail directory: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(d.Path, name)); err != nil {
		return fmt.Errorf("mail directory: %w", err)
	}
	return nil
}

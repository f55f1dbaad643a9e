package otpauth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/latchkey/latchkey/vault"
)

// ExportError lists the accounts EncodeMigration cannot export; Index is the
// position in the slice given to it.
type ExportError struct {
	Skipped []Skip
}

func (e *ExportError) Error() string {
	parts := make([]string, len(e.Skipped))
	for i, s := range e.Skipped {
		parts[i] = fmt.Sprintf("%s (%s)", quote(Label(s.Issuer, s.Name)), s.Reason)
	}
	n := len(e.Skipped)
	noun := "accounts"
	if n == 1 {
		noun = "account"
	}
	return fmt.Sprintf("%d %s cannot be exported to Google Authenticator: %s", n, noun, strings.Join(parts, "; "))
}

// CanExportMigration reports why a normalised account cannot be written to a
// Google Authenticator migration link, or nil if it can.
func CanExportMigration(a vault.Account) error {
	n := a
	if err := Normalize(&n); err != nil {
		return err
	}
	switch {
	case n.Type == vault.Steam:
		return errors.New("no Steam codes in Google Authenticator")
	case n.Digits != 6 && n.Digits != 8:
		return fmt.Errorf("only 6 or 8 digits in Google Authenticator, not %d", n.Digits)
	case n.Type == vault.TOTP && n.Period != DefaultPeriod:
		return fmt.Errorf("only 30-second periods in Google Authenticator, not %d", n.Period)
	case n.Counter > math.MaxInt64:
		return errors.New("its HOTP counter is too large for Google Authenticator")
	}
	return nil
}

// EncodeMigration writes accounts as otpauth-migration links of at most
// perQR accounts each (Google Authenticator uses 10), sharing one random
// batch id, with batch indexes 0 to n-1. If any account cannot be
// represented, nothing is written and the error is an *ExportError naming
// every such account.
func EncodeMigration(accounts []vault.Account, perQR int) ([]string, error) {
	if perQR < 1 {
		return nil, fmt.Errorf("exporting a migration link: %d accounts per QR code is not possible", perQR)
	}
	if len(accounts) == 0 {
		return nil, errors.New("exporting a migration link: there are no accounts to export")
	}
	var bad ExportError
	for i, a := range accounts {
		if err := CanExportMigration(a); err != nil {
			bad.Skipped = append(bad.Skipped, Skip{Index: i, Issuer: a.Issuer, Name: a.Name, Reason: reason(err)})
		}
	}
	if len(bad.Skipped) > 0 {
		return nil, &bad
	}
	id, err := batchID()
	if err != nil {
		return nil, err
	}
	return encodeBatches(accounts, perQR, id), nil
}

func reason(err error) string {
	if p, ok := strings.CutPrefix(err.Error(), "invalid account: "); ok {
		return p
	}
	return err.Error()
}

func batchID() (int32, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("exporting a migration link: choosing a batch id: %w", err)
	}
	return int32(binary.BigEndian.Uint32(b[:]) >> 1), nil
}

func encodeBatches(accounts []vault.Account, perQR int, id int32) []string {
	size := (len(accounts) + perQR - 1) / perQR
	uris := make([]string, 0, size)
	for i := range size {
		chunk := accounts[i*perQR : min(len(accounts), (i+1)*perQR)]
		payload := encodePayload(chunk, 1, size, i, id)
		uris = append(uris, "otpauth-migration://offline?data="+url.QueryEscape(base64.StdEncoding.EncodeToString(payload)))
	}
	return uris
}

func encodePayload(accounts []vault.Account, version, size, index int, id int32) []byte {
	var b []byte
	for _, a := range accounts {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, encodeParams(a))
	}
	b = appendVarint(b, 2, int64(version))
	b = appendVarint(b, 3, int64(size))
	b = appendVarint(b, 4, int64(index))
	return appendVarint(b, 5, int64(id))
}

func appendVarint(b []byte, num protowire.Number, v int64) []byte {
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(v))
}

// encodeParams writes one exportable, normalised account. The name field
// holds the label, as Google Authenticator writes it.
func encodeParams(a vault.Account) []byte {
	n := a
	_ = Normalize(&n) // checked by CanExportMigration
	secret, _ := b32.DecodeString(n.Secret)
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, secret)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, Label(n.Issuer, n.Name))
	if n.Issuer != "" {
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendString(b, n.Issuer)
	}
	b = appendVarint(b, 4, map[vault.Algorithm]int64{vault.SHA1: 1, vault.SHA256: 2, vault.SHA512: 3}[n.Algorithm])
	b = appendVarint(b, 5, map[int]int64{6: 1, 8: 2}[n.Digits])
	if n.Type == vault.HOTP {
		b = appendVarint(b, 6, 1)
		return appendVarint(b, 7, int64(n.Counter))
	}
	return appendVarint(b, 6, 2)
}

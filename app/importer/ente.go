package importer

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/latchkey/latchkey/app/otpauth"

	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/poly1305" //lint:ignore SA1019 secretstream's MAC is a raw Poly1305 over its own layout; no AEAD in x/crypto computes it
)

// Ente Auth's encrypted export: a JSON object
//
//	{"version": 1, "kdfParams": {"memLimit": …, "opsLimit": …, "salt": …},
//	 "encryptedData": …, "encryptionNonce": …}
//
// (base64 throughout). The key is libsodium's crypto_pwhash of the password
// with Argon2id v1.3: opsLimit passes, memLimit bytes, one lane, 32 bytes.
// The text, Ente's plain export (one otpauth link a line), is one message
// of libsodium's crypto_secretstream_xchacha20poly1305 whose 24-byte header
// is encryptionNonce. Ente writes it with Ente's "sensitive" cost: 1 GiB
// and 4 passes, or on a small device 256 MiB and 16 passes (halving the
// memory and doubling the passes while a derivation fails).
//
// Ente's links, plain or decrypted, carry a codeDisplay parameter: JSON
// with the code's tags (Latchkey's group), note, whether it is pinned
// (favourite) and whether it is in Ente's trash (left out).
const (
	FormatEnteEncrypted Format = "ente-encrypted"
	FormatEnte          Format = "ente"
)

// Ente's costs are read from the file and are above safety.go's Argon2
// limit (256 MiB), so the file is capped at what Ente writes: 1 GiB at
// most, and memory times passes at most Ente's constant 1 GiB × 4.
const (
	MaxEnteArgon2MemoryBytes = 1 << 30
	MaxEnteArgon2Work        = 4 << 30 // memLimit bytes × opsLimit
	enteKeyLen               = 32
	enteSaltLen              = 16
	enteVersion              = 1
)

func init() {
	register(reader{name: FormatEnteEncrypted, priority: 232, detect: isEnteEncrypted,
		read: func(ctx context.Context, im *Importer, res *Result, data []byte, opts Options) error {
			plain, err := openEnte(ctx, data, opts)
			if err != nil {
				return err
			}
			return im.readEnteText(res, plain)
		}})
	register(reader{name: FormatEnte, priority: 990, detect: isEnteText,
		read: func(_ context.Context, im *Importer, res *Result, data []byte, _ Options) error {
			return im.readEnteText(res, data)
		}})
}

// isEnteText: a link list (the catch-all's test) whose links carry Ente's
// codeDisplay.
func isEnteText(data []byte) bool {
	return bytes.Contains(data[:min(len(data), peekLimit)], []byte("codeDisplay=")) && isLinkList(data)
}

// enteDisplay is what codeDisplay says of a code.
type enteDisplay struct {
	Pinned  bool     `json:"pinned"`
	Trashed bool     `json:"trashed"`
	Tags    []string `json:"tags"`
	Note    string   `json:"note"`
}

// readEnteText reads Ente's links as the link list does, then applies
// each line's codeDisplay to the account read from it.
func (im *Importer) readEnteText(res *Result, data []byte) error {
	text := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	single := bytes.IndexByte(text, '\n') < 0
	displays := map[string]enteDisplay{}
	for n, rest := 1, text; len(rest) > 0; n++ {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if d, ok := enteCodeDisplay(string(bytes.TrimSpace(line))); ok {
			displays[printable(lineSource(res.Name, n, single))] = d
		}
	}
	if err := im.readText(res, data); err != nil || len(displays) == 0 {
		return err
	}
	kept := res.Entries[:0]
	trashed := 0
	for _, e := range res.Entries {
		d, ok := displays[e.Source]
		if !ok {
			kept = append(kept, e)
			continue
		}
		if d.Trashed {
			trashed++
			continue
		}
		e.Account.Group = joinGroupNames(d.Tags)
		e.Account.Note = d.Note
		e.Account.Favourite = e.Account.Favourite || d.Pinned
		removed, err := otpauth.NormalizeReporting(&e.Account)
		if err != nil { // cannot be: only texts changed, and they are cleaned
			res.skip(e.Source, err.Error())
			continue
		}
		for _, rm := range removed {
			e.Warnings = append(e.Warnings, rm.String())
		}
		kept = append(kept, e)
	}
	res.Entries = kept
	switch trashed {
	case 0:
	case 1:
		res.skip(res.Name, "1 code in Ente's trash is left out")
	default:
		res.skip(res.Name, fmt.Sprintf("%d codes in Ente's trash are left out", trashed))
	}
	return nil
}

// enteCodeDisplay reads the codeDisplay of a line holding one link.
func enteCodeDisplay(line string) (enteDisplay, bool) {
	first := nextLink(line, 0)
	if first < 0 || nextLink(line, first+schemeAt(line, first)) >= 0 {
		return enteDisplay{}, false
	}
	_, query, ok := strings.Cut(line[first:], "?")
	if !ok {
		return enteDisplay{}, false
	}
	values, _ := url.ParseQuery(query)
	raw := values.Get("codeDisplay")
	var d enteDisplay
	if raw == "" || checkDepth([]byte(raw)) != nil || json.Unmarshal([]byte(raw), &d) != nil {
		return enteDisplay{}, false
	}
	return d, true
}

func isEnteEncrypted(data []byte) bool {
	shape, ok := peekJSONShape(data)
	return ok && !shape.array && hasKeys(shape.keys, "kdfParams", "encryptedData", "encryptionNonce")
}

type enteExport struct {
	Version   int `json:"version"`
	KDFParams *struct {
		MemLimit int64  `json:"memLimit"`
		OpsLimit int64  `json:"opsLimit"`
		Salt     string `json:"salt"`
	} `json:"kdfParams"`
	EncryptedData   string `json:"encryptedData"`
	EncryptionNonce string `json:"encryptionNonce"`
}

// checkEnteArgon2 refuses costs beyond what Ente writes, before any work.
func checkEnteArgon2(memLimit, opsLimit int64) error {
	if memLimit < 8<<10 || opsLimit < 1 {
		return damagedFilef("the Ente Auth export's key-derivation parameters are invalid (memLimit %d bytes, opsLimit %d)", memLimit, opsLimit)
	}
	if memLimit > MaxEnteArgon2MemoryBytes || opsLimit > MaxEnteArgon2Work/(8<<10) || memLimit*opsLimit > MaxEnteArgon2Work {
		return fmt.Errorf("%w: Argon2id with %d MiB and %d passes (Ente Auth writes at most %d MiB, and memory × passes of %d MiB)",
			ErrTooCostly, memLimit>>20, opsLimit, MaxEnteArgon2MemoryBytes>>20, MaxEnteArgon2Work>>20)
	}
	return nil
}

func openEnte(ctx context.Context, data []byte, opts Options) ([]byte, error) {
	var exp enteExport
	if err := decodeExport("Ente Auth export", data, &exp); err != nil {
		return nil, err
	}
	if exp.Version != enteVersion {
		return nil, fmt.Errorf("unsupported Ente Auth export version %d (Latchkey reads version %d)", exp.Version, enteVersion)
	}
	if exp.KDFParams == nil {
		return nil, damagedFilef("the Ente Auth export has no kdfParams")
	}
	kdf := *exp.KDFParams
	if err := checkEnteArgon2(kdf.MemLimit, kdf.OpsLimit); err != nil {
		return nil, err
	}
	salt, err := base64.StdEncoding.DecodeString(kdf.Salt)
	if err != nil || len(salt) != enteSaltLen {
		return nil, damagedFilef("the Ente Auth export's salt is not %d bytes of base64", enteSaltLen)
	}
	header, err := base64.StdEncoding.DecodeString(exp.EncryptionNonce)
	if err != nil || len(header) != secretstreamHeaderLen {
		return nil, damagedFilef("the Ente Auth export's encryptionNonce is not %d bytes of base64", secretstreamHeaderLen)
	}
	sealed, err := base64.StdEncoding.DecodeString(exp.EncryptedData)
	if err != nil || len(sealed) < secretstreamOverhead {
		return nil, damagedFilef("the Ente Auth export's encryptedData is not base64 or is cut short")
	}
	password, err := opts.password()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	key := argon2IDKey([]byte(password), salt, uint32(kdf.OpsLimit), uint32(kdf.MemLimit>>10), 1, enteKeyLen)
	plain, tag, err := secretstreamOpen(key, header, sealed)
	if err != nil {
		// Poly1305 cannot tell a wrong key from a changed byte; a wrong
		// password is by far the likelier.
		return nil, fmt.Errorf("%w (or the file is damaged)", ErrWrongPassword)
	}
	if tag != secretstreamTagFinal {
		return nil, damagedFilef("the Ente Auth export's encrypted data does not end where the stream does (cut short?)")
	}
	return plain, nil
}

// libsodium's crypto_secretstream_xchacha20poly1305, the pull side of one
// message, from its documented construction: the header's first 16 bytes
// and the key give a subkey (HChaCha20); the nonce is a 32-bit counter
// (starting at 1) and the header's last 8 bytes. A message is the
// encrypted tag byte, the ciphertext and a 16-byte Poly1305 MAC. Block 0
// of ChaCha20-IETF keys the MAC, block 1 encrypts the tag (as the first
// byte of a 64-byte block whose whole encryption is authenticated), and
// the message is encrypted from block 2.
const (
	secretstreamHeaderLen = 24
	secretstreamOverhead  = 1 + poly1305.TagSize
	secretstreamTagFinal  = 3
)

var errSecretstream = errors.New("the secretstream message does not authenticate")

func secretstreamOpen(key, header, in []byte) (plain []byte, tag byte, err error) {
	if len(key) != chacha20.KeySize || len(header) != secretstreamHeaderLen || len(in) < secretstreamOverhead {
		return nil, 0, errSecretstream
	}
	subkey, err := chacha20.HChaCha20(key, header[:16])
	if err != nil {
		return nil, 0, err
	}
	var nonce [chacha20.NonceSize]byte
	binary.LittleEndian.PutUint32(nonce[:4], 1)
	copy(nonce[4:], header[16:])

	stream := func(counter uint32) *chacha20.Cipher {
		c, _ := chacha20.NewUnauthenticatedCipher(subkey, nonce[:])
		c.SetCounter(counter)
		return c
	}
	var block [64]byte
	stream(0).XORKeyStream(block[:], block[:])
	var macKey [32]byte
	copy(macKey[:], block[:32])
	mac := poly1305.New(&macKey)
	// No additional data: its length and padding are zero.

	mlen := len(in) - secretstreamOverhead
	block = [64]byte{in[0]}
	stream(1).XORKeyStream(block[:], block[:])
	tag = block[0]
	block[0] = in[0]
	mac.Write(block[:])
	c := in[1 : 1+mlen]
	mac.Write(c)
	// libsodium pads with (16 - 64 + mlen) mod 16 zero bytes here, which is
	// mlen mod 16 (not the AEAD's padding to a multiple of 16).
	var pad [16]byte
	mac.Write(pad[:mlen&0xf])
	var lengths [16]byte
	binary.LittleEndian.PutUint64(lengths[8:], uint64(64+mlen))
	mac.Write(lengths[:])
	if subtle.ConstantTimeCompare(mac.Sum(nil), in[1+mlen:]) != 1 {
		return nil, 0, errSecretstream
	}
	plain = make([]byte, mlen)
	stream(2).XORKeyStream(plain, c)
	return plain, tag, nil
}

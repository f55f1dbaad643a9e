package importer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// FormatKeePass is a KeePass or KeePassXC database (KDBX 3.1 and 4),
// opened with its password, its key file (Options.KeyFile), or both.
// Entries with a one-time password become accounts (see keepass_otp.go);
// the path of the entry's group below the root group, joined with "/",
// becomes the account's group ("Work/Cloud"); entries without one and
// entries in the recycle bin are counted in one line each of
// Result.Skipped. Entries' notes and history are not imported.
const FormatKeePass Format = "keepass"

func init() {
	register(reader{name: FormatKeePass, priority: 20, detect: isKDBX, read: readKDBX})
}

func isKDBX(data []byte) bool {
	_, _, ok := kdbxVersion(data)
	return ok
}

// kdbxCandidate is one way the key may be made: with the password or
// without one, with the key file or without.
type kdbxCandidate struct {
	password *string
	keyFile  []byte
}

func readKDBX(ctx context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
	h, err := parseKDBXHeader(data)
	if err != nil {
		return err
	}
	if err := h.kdf.check(); err != nil {
		return err
	}
	if h.major == kdbxMajor4 {
		if len(h.rest) < 64 {
			return damagedFilef("the KeePass database ends after its header (truncated?)")
		}
		if sum := sha256.Sum256(h.raw); !bytes.Equal(sum[:], h.rest[:32]) {
			return damagedFilef("the KeePass database's header does not match its hash")
		}
	}
	candidates, err := kdbxCandidates(opts)
	if err != nil {
		return err
	}
	keys, payload, err := kdbxUnlock(ctx, h, candidates)
	if err != nil {
		if errors.Is(err, ErrWrongPassword) && opts.KeyFile != nil {
			return fmt.Errorf("%w, or the wrong key file", err)
		}
		return err
	}
	content, err := kdbxContent(h, keys, payload)
	if err != nil {
		return err
	}
	return kdbxEntries(res, content)
}

// kdbxCandidates lists the keys to try. With a key file the password is
// asked for when it can be: an empty answer tries the key file alone (a
// database without a password) and then with the empty password.
func kdbxCandidates(opts Options) ([]kdbxCandidate, error) {
	var keyFile []byte
	if opts.KeyFile != nil {
		var err error
		if keyFile, err = kdbxKeyFileKey(opts.KeyFile); err != nil {
			return nil, err
		}
	}
	if keyFile != nil && opts.Password == nil {
		return []kdbxCandidate{{keyFile: keyFile}}, nil
	}
	pw, err := opts.password()
	if err != nil {
		return nil, err
	}
	if keyFile != nil && pw == "" {
		return []kdbxCandidate{{keyFile: keyFile}, {password: &pw, keyFile: keyFile}}, nil
	}
	return []kdbxCandidate{{password: &pw, keyFile: keyFile}}, nil
}

// kdbxUnlock derives the keys of each candidate in turn until one opens
// the database: KDBX 4 by the header's HMAC, KDBX 3.1 by the stream start
// bytes at the head of the decrypted payload. payload is what follows the
// header, decrypted for 3.1.
func kdbxUnlock(ctx context.Context, h *kdbxHeader, candidates []kdbxCandidate) (kdbxKeys, []byte, error) {
	for _, c := range candidates {
		if err := ctx.Err(); err != nil {
			return kdbxKeys{}, nil, err
		}
		transformed, err := h.kdf.transform(ctx, kdbxCompositeKey(c.password, c.keyFile))
		if err != nil {
			return kdbxKeys{}, nil, err
		}
		keys := newKDBXKeys(h.masterSeed, transformed)
		if h.major == kdbxMajor4 {
			if hmac.Equal(h.rest[32:64], keys.blockHMAC(^uint64(0), h.raw)) {
				return keys, h.rest[64:], nil
			}
			continue
		}
		plain, err := kdbxDecrypt(h, keys.cipher, h.rest)
		if len(plain) >= 32 && bytes.Equal(plain[:32], h.streamStart) {
			if err != nil {
				return kdbxKeys{}, nil, damagedFilef("the KeePass database's encrypted content is damaged (its padding)")
			}
			return keys, plain[32:], nil
		}
		if err != nil && !errors.Is(err, errKDBXPadding) {
			return kdbxKeys{}, nil, err
		}
	}
	// KDBX 4 checks its header's hash before this, and 3.1's payload is
	// checked block by block after: only the key is left to be wrong.
	return kdbxKeys{}, nil, ErrWrongPassword
}

// kdbxContentReader is the XML and its inner random stream.
type kdbxContentReader struct {
	xml    io.Reader
	stream *kdbxStream
}

// kdbxContent joins the payload's blocks, decrypts them (KDBX 4),
// decompresses them, and reads KDBX 4's inner header.
func kdbxContent(h *kdbxHeader, keys kdbxKeys, payload []byte) (*kdbxContentReader, error) {
	var plain []byte
	var err error
	if h.major == kdbxMajor4 {
		cipherText, err := kdbxHMACBlocks(keys, payload)
		if err != nil {
			return nil, err
		}
		if plain, err = kdbxDecrypt(h, keys.cipher, cipherText); err != nil {
			if errors.Is(err, errKDBXPadding) {
				return nil, damagedFilef("the KeePass database's encrypted content is damaged (its padding)")
			}
			return nil, err
		}
	} else if plain, err = kdbxHashedBlocks(payload); err != nil {
		return nil, err
	}
	var r io.Reader = bytes.NewReader(plain)
	if h.gzip {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, damagedFilef("the KeePass database's content is not the gzip data its header says")
		}
		r = zr
	}
	br := bufio.NewReader(&kdbxLimitReader{r: r, left: MaxKDBXXMLBytes})
	c := &kdbxContentReader{xml: br}
	streamID, streamKey := h.innerStream, h.streamKey
	if h.major == kdbxMajor4 {
		if streamID, streamKey, err = kdbxInnerHeader(br); err != nil {
			return nil, err
		}
	}
	if c.stream, err = newKDBXStream(streamID, streamKey); err != nil {
		return nil, err
	}
	return c, nil
}

// kdbxInnerHeader reads KDBX 4's inner header, keeping the inner random
// stream's ID and key and skipping attachments.
func kdbxInnerHeader(r *bufio.Reader) (id uint32, key []byte, err error) {
	for {
		var head [5]byte
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return 0, nil, kdbxReadError(err, "the KeePass database's inner header ends early (truncated?)")
		}
		n := int64(binary.LittleEndian.Uint32(head[1:]))
		var v []byte
		if head[0] == 1 || head[0] == 2 {
			if n > 1024 {
				return 0, nil, damagedFilef("the KeePass database's inner header is damaged")
			}
			v = make([]byte, n)
			if _, err := io.ReadFull(r, v); err != nil {
				return 0, nil, kdbxReadError(err, "the KeePass database's inner header ends early (truncated?)")
			}
		} else if _, err := io.CopyN(io.Discard, r, n); err != nil {
			return 0, nil, kdbxReadError(err, "the KeePass database's inner header ends early (truncated?)")
		}
		switch head[0] {
		case 0:
			if key == nil {
				return 0, nil, damagedFilef("the KeePass database's inner header has no stream key")
			}
			return id, key, nil
		case 1:
			if len(v) != 4 {
				return 0, nil, damagedFilef("the KeePass database's inner header is damaged")
			}
			id = binary.LittleEndian.Uint32(v)
		case 2:
			key = v
		}
	}
}

// kdbxReadError words a failure to read the decompressed content: too
// large, damaged compression, or too short.
func kdbxReadError(err error, short string) error {
	var tl tooLarge
	switch {
	case errors.As(err, &tl):
		return err
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return damagedFilef("%s", short)
	}
	return damagedFile("the KeePass database's compressed content", err)
}

// kdbxLimitReader refuses content beyond MaxKDBXXMLBytes, against
// compression bombs.
type kdbxLimitReader struct {
	r    io.Reader
	left int64
}

func (l *kdbxLimitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, tooLarge(fmt.Sprintf("the KeePass database's content is larger than %s uncompressed; Latchkey reads at most that",
			sizeText(MaxKDBXXMLBytes)))
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// kdbxEntries reads the XML into res.
func kdbxEntries(res *Result, c *kdbxContentReader) error {
	var i, withoutOTP, recycled int
	x := &kdbxXML{stream: c.stream, stop: res.full, entry: func(e kdbxEntry) {
		defer func() { i++ }()
		if e.recycled {
			recycled++
			return
		}
		a, removed, err := kdbxAccount(e)
		switch {
		case errors.Is(err, errKDBXNoOTP):
			withoutOTP++
		case err != nil:
			skipEntry(res, i, e.fields["Title"], e.fields["UserName"], err.Error())
		default:
			res.add(entrySource(res, i), a, removed...)
		}
	}}
	if err := x.read(c.xml); err != nil {
		return err
	}
	switch withoutOTP {
	case 0:
	case 1:
		res.skip(res.Name, "1 entry has no one-time password (a password only)")
	default:
		res.skip(res.Name, fmt.Sprintf("%d entries have no one-time password (passwords only)", withoutOTP))
	}
	switch recycled {
	case 0:
	case 1:
		res.skip(res.Name, "1 entry is in the recycle bin and was left out")
	default:
		res.skip(res.Name, fmt.Sprintf("%d entries are in the recycle bin and were left out", recycled))
	}
	return nil
}

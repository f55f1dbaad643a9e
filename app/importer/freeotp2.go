package importer

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// FreeOTP 2's backup (Backup in the app's menu, externalBackup.xml or
// freeotp-backup.json despite the names) is a Java-serialized
// java.util.HashMap<String,String>. Its "masterKey" member is the JSON of
// the master key sealed under the backup password:
//
//	{"mAlgorithm":"PBKDF2withHmacSHA512"|"PBKDF2withHmacSHA1",
//	 "mIterations":n,"mSalt":[signed bytes],
//	 "mEncryptedKey":{"mCipher":"AES/GCM/NoPadding","mCipherText":[...],
//	   "mParameters":[DER GCM parameters: the nonce],"mToken":"AES"}}
//
// The password key is PBKDF2(password, salt, n, 256 bits); it opens the
// master key with AES-GCM, mToken's text as additional data. Each token
// is then two members: "<uuid>" = {"key":"<sealed secret JSON, as
// mEncryptedKey, under the master key>"} and "<uuid>-token" = the token's
// JSON without its secret (the FreeOTP+ fields, see freeotp.go). The
// iteration count is read from the file and capped (MaxPBKDF2Iterations).
const FormatFreeOTP2 Format = "freeotp2-backup"

const (
	javaStreamMagic   = "\xac\xed\x00\x05"
	javaHashMapClass  = "java.util.HashMap"
	freeOTP2MasterKey = "masterKey"
	freeOTP2OrderKey  = "tokenOrder"
	freeOTP2Cipher    = "AES/GCM/NoPadding"
	freeOTP2KeyLen    = 32
)

func init() {
	register(reader{name: FormatFreeOTP2, priority: 140, detect: isFreeOTP2,
		read: func(ctx context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
			return readFreeOTP2(ctx, res, data, opts)
		}})
}

func isFreeOTP2(data []byte) bool {
	head := data[:min(len(data), 64)]
	return bytes.HasPrefix(data, []byte(javaStreamMagic+"\x73\x72")) && bytes.Contains(head, []byte(javaHashMapClass))
}

type freeOTP2Sealed struct {
	Cipher     string  `json:"mCipher"`
	CipherText []int64 `json:"mCipherText"`
	Parameters []int64 `json:"mParameters"`
	Token      string  `json:"mToken"`
}

type freeOTP2Master struct {
	Algorithm  string         `json:"mAlgorithm"`
	Iterations int            `json:"mIterations"`
	Salt       []int64        `json:"mSalt"`
	Key        freeOTP2Sealed `json:"mEncryptedKey"`
}

func readFreeOTP2(ctx context.Context, res *Result, data []byte, opts Options) error {
	const what = "FreeOTP 2 backup"
	keys, values, err := readJavaStringMap(data)
	if err != nil {
		return damagedFile(what, err)
	}
	index := make(map[string]int, len(keys))
	for i, k := range keys {
		index[k] = i
	}
	mi, ok := index[freeOTP2MasterKey]
	if !ok {
		return damagedFilef("the %s has no masterKey", what)
	}
	var mk freeOTP2Master
	if err := decodeExport(what+" masterKey", []byte(values[mi]), &mk); err != nil {
		return err
	}
	var h func() hash.Hash
	switch strings.ToLower(mk.Algorithm) {
	case "pbkdf2withhmacsha512":
		h = sha512.New
	case "pbkdf2withhmacsha1":
		h = sha1.New
	default:
		return damagedFilef("the %s's master key uses %q, not PBKDF2 with SHA-1 or SHA-512", what, shorten(mk.Algorithm))
	}
	salt, err := freeOTP2Bytes(mk.Salt)
	if err != nil || len(salt) == 0 {
		return damagedFilef("the %s's master key has no valid salt", what)
	}
	if err := checkPBKDF2(mk.Iterations); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	// The tokens are counted before the password is asked for: the
	// members holding a sealed secret, in the app's tokenOrder when the
	// backup has one. Other members (the order itself) are not tokens.
	var uuids []string
	for i, k := range keys {
		if k != freeOTP2MasterKey && !strings.HasSuffix(k, "-token") && freeOTP2HoldsKey(values[i]) {
			uuids = append(uuids, k)
		}
	}
	if oi, ok := index[freeOTP2OrderKey]; ok {
		var order []string
		if json.Unmarshal([]byte(values[oi]), &order) == nil {
			uuids = freeOTP2InOrder(uuids, order)
		}
	}
	if !res.expect(len(uuids)) {
		return nil
	}
	password, err := opts.password()
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	passKey, err := pbkdf2KeyChecked(h, password, salt, mk.Iterations, freeOTP2KeyLen)
	if err != nil {
		return err
	}
	master, err := mk.Key.open(passKey)
	if errors.Is(err, ErrWrongPassword) {
		return err // GCM: a wrong password, or a changed byte, far less likely
	}
	if err != nil {
		return damagedFile(what+" master key", err)
	}
	for i, id := range uuids {
		if res.full() {
			break
		}
		ti, ok := index[id+"-token"]
		if !ok {
			skipEntry(res, i, "", "", "the backup holds its secret but not the token")
			continue
		}
		var t freeOTPToken
		if problem := unmarshalExportEntry(json.RawMessage(values[ti]), &t); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		issuer, name := firstNonEmpty(t.IssuerAlt, t.IssuerExt, t.IssuerInt), firstNonEmpty(t.LabelAlt, t.Label)
		secret, err := freeOTP2Secret(values[index[id]], master)
		if err != nil {
			skipEntry(res, i, issuer, name, err.Error())
			continue
		}
		t.Secret = make([]int64, len(secret))
		for j, b := range secret {
			t.Secret[j] = int64(b)
		}
		a, err := t.account()
		if err != nil {
			skipEntry(res, i, a.Issuer, a.Name, err.Error())
			continue
		}
		addExportEntry(res, i, a)
	}
	return nil
}

// freeOTP2HoldsKey reports whether a member's value is a sealed secret's
// wrapper, {"key": ...}.
func freeOTP2HoldsKey(value string) bool {
	var wrap map[string]json.RawMessage
	if json.Unmarshal([]byte(value), &wrap) != nil {
		return false
	}
	_, ok := wrap["key"]
	return ok
}

// freeOTP2InOrder puts the names order lists first, in its order, then the rest as
// they were.
func freeOTP2InOrder(names, order []string) []string {
	have := make(map[string]bool, len(names))
	for _, n := range names {
		have[n] = true
	}
	out := make([]string, 0, len(names))
	for _, n := range order {
		if have[n] {
			out = append(out, n)
			delete(have, n)
		}
	}
	for _, n := range names {
		if have[n] {
			out = append(out, n)
		}
	}
	return out
}

// freeOTP2Secret opens one token's sealed secret with the master key.
func freeOTP2Secret(value string, master []byte) ([]byte, error) {
	var wrap struct {
		Key string `json:"key"`
	}
	var sealed freeOTP2Sealed
	if json.Unmarshal([]byte(value), &wrap) != nil || json.Unmarshal([]byte(wrap.Key), &sealed) != nil {
		return nil, errors.New("its sealed secret is not the JSON FreeOTP writes")
	}
	secret, err := sealed.open(master)
	if errors.Is(err, ErrWrongPassword) {
		// The master key opened: this secret alone is damaged.
		return nil, errors.New("its secret does not decrypt with the master key (damaged?)")
	}
	return secret, err
}

// open decrypts a sealed key with AES-GCM.
func (s freeOTP2Sealed) open(key []byte) ([]byte, error) {
	if s.Cipher != freeOTP2Cipher {
		return nil, fmt.Errorf("cipher %q is not %s", shorten(s.Cipher), freeOTP2Cipher)
	}
	params, err := freeOTP2Bytes(s.Parameters)
	if err != nil {
		return nil, err
	}
	nonce, err := freeOTP2Nonce(params)
	if err != nil {
		return nil, err
	}
	ct, err := freeOTP2Bytes(s.CipherText)
	if err != nil {
		return nil, err
	}
	return openGCM(key, nonce, ct, []byte(s.Token))
}

// freeOTP2Nonce finds the nonce in DER GCM parameters: SEQUENCE { OCTET STRING
// nonce, INTEGER tag length } or the OCTET STRING alone.
func freeOTP2Nonce(der []byte) ([]byte, error) {
	var seq struct {
		Nonce  []byte
		TagLen int `asn1:"optional"`
	}
	if rest, err := asn1.Unmarshal(der, &seq); err == nil && len(rest) == 0 && len(seq.Nonce) > 0 {
		return seq.Nonce, nil
	}
	var nonce []byte
	if rest, err := asn1.Unmarshal(der, &nonce); err == nil && len(rest) == 0 && len(nonce) > 0 {
		return nonce, nil
	}
	return nil, errors.New("the GCM parameters hold no nonce")
}

// freeOTP2Bytes turns Java's signed bytes (written by Gson) into bytes.
func freeOTP2Bytes(list []int64) ([]byte, error) {
	out := make([]byte, len(list))
	for i, v := range list {
		if v < -128 || v > 255 {
			return nil, fmt.Errorf("byte %d is out of range", i+1)
		}
		out[i] = byte(v)
	}
	return out, nil
}

// readJavaStringMap reads a Java-serialized java.util.HashMap whose keys
// and values are all strings (the Java Object Serialization Stream
// Protocol, version 5): the class description (name, serialVersionUID,
// flags, the loadFactor and threshold fields), their values, a block of
// capacity and size, then size key and value objects. Strings may be
// back-references to strings seen before.
func readJavaStringMap(data []byte) (keys, values []string, err error) {
	r := javaStream{data: data}
	if string(r.take(4)) != javaStreamMagic || r.byte() != 0x73 || r.byte() != 0x72 {
		return nil, nil, errors.New("it is not a serialized Java object")
	}
	if name := r.utf(); name != javaHashMapClass {
		return nil, nil, fmt.Errorf("it holds a %q, not a %s", shorten(name), javaHashMapClass)
	}
	r.take(8) // serialVersionUID
	r.byte()  // flags: serializable, with writeObject data
	fields := r.u16()
	size := 0
	for range fields {
		switch typ := r.byte(); typ {
		case 'F', 'I':
			size += 4
		default:
			return nil, nil, fmt.Errorf("the map has a field of type %q", typ)
		}
		r.utf()
		if r.err != nil {
			break
		}
	}
	if r.byte() != 0x78 || r.byte() != 0x70 { // end of annotations, no superclass
		return nil, nil, errors.New("the map's class description is not a HashMap's")
	}
	r.take(size)
	if r.byte() != 0x77 || r.byte() != 8 { // a block of two ints
		return nil, nil, errors.New("the map has no size block")
	}
	r.take(4) // capacity
	n := int(int32(r.u32()))
	if r.err != nil {
		return nil, nil, r.err
	}
	// Each entry takes at least 6 bytes (two empty strings).
	if n < 0 || n > (len(data)-r.off)/6 {
		return nil, nil, fmt.Errorf("the map claims %d entries", n)
	}
	handles := []string{"", ""} // the class description, the map
	for range n {
		k := r.str(&handles)
		v := r.str(&handles)
		if r.err != nil {
			return nil, nil, r.err
		}
		keys, values = append(keys, k), append(values, v)
	}
	return keys, values, nil
}

// javaStream reads a serialization stream; the first problem sticks.
type javaStream struct {
	data []byte
	off  int
	err  error
}

var errJavaShort = errors.New("it ends early (truncated?)")

func (r *javaStream) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.data)-r.off {
		if r.err == nil {
			r.err = errJavaShort
		}
		return nil
	}
	b := r.data[r.off : r.off+n]
	r.off += n
	return b
}

func (r *javaStream) byte() byte {
	if b := r.take(1); len(b) == 1 {
		return b[0]
	}
	return 0
}

func (r *javaStream) u16() int {
	b := r.take(2)
	if len(b) < 2 {
		return 0
	}
	return int(binary.BigEndian.Uint16(b))
}

func (r *javaStream) u32() uint32 {
	b := r.take(4)
	if len(b) < 4 {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func (r *javaStream) utf() string { return modifiedUTF8(r.take(r.u16())) }

// str reads a String object: TC_STRING, TC_LONGSTRING or a reference to
// one read before.
func (r *javaStream) str(handles *[]string) string {
	switch tc := r.byte(); tc {
	case 0x74:
		s := r.utf()
		*handles = append(*handles, s)
		return s
	case 0x7c:
		b := r.take(8)
		if r.err != nil {
			return ""
		}
		n := binary.BigEndian.Uint64(b)
		if n > uint64(len(r.data)-r.off) {
			r.err = errJavaShort
			return ""
		}
		s := modifiedUTF8(r.take(int(n)))
		*handles = append(*handles, s)
		return s
	case 0x71:
		h := int(r.u32()) - 0x7e0000
		if r.err == nil && (h < 2 || h >= len(*handles)) {
			r.err = fmt.Errorf("a reference to object %d, which is no string", h)
		}
		if r.err != nil {
			return ""
		}
		return (*handles)[h]
	default:
		if r.err == nil {
			r.err = fmt.Errorf("the map holds an object of kind 0x%02x, not a string", tc)
		}
		return ""
	}
}

// modifiedUTF8 decodes Java's modified UTF-8: NUL as C0 80, characters
// beyond the BMP as two three-byte surrogates.
func modifiedUTF8(b []byte) string {
	if utf8.Valid(b) && !bytes.Contains(b, []byte{0xc0, 0x80}) && !bytes.Contains(b, []byte{0xed}) {
		return string(b)
	}
	var units []uint16
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			units = append(units, uint16(c))
			i++
		case c&0xe0 == 0xc0 && i+1 < len(b):
			units = append(units, uint16(c&0x1f)<<6|uint16(b[i+1]&0x3f))
			i += 2
		case c&0xf0 == 0xe0 && i+2 < len(b):
			units = append(units, uint16(c&0x0f)<<12|uint16(b[i+1]&0x3f)<<6|uint16(b[i+2]&0x3f))
			i += 3
		default:
			units = append(units, utf8.RuneError)
			i++
		}
	}
	return string(utf16.Decode(units))
}

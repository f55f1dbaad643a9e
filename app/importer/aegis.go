package importer

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/scrypt"

	"github.com/latchkey/latchkey/app/aegis"
	"github.com/latchkey/latchkey/vault"
)

// FormatAegis is an Aegis Authenticator vault export, plain or encrypted
// (docs/vault.md of beemdevelopment/Aegis): {"version", "header", "db"}.
const FormatAegis Format = "aegis"

func init() {
	register(reader{name: FormatAegis, priority: 100, detect: isAegis,
		read: func(ctx context.Context, _ *Importer, res *Result, data []byte, opts Options) error {
			return readAegis(ctx, res, data, opts)
		}})
}

// aegisMaxIcon bounds an icon kept as a data: URI (Aegis scales icons to
// 512 px, far below this).
const aegisMaxIcon = 1 << 20

// aegisWrites says what Aegis writes, after a refusal of a costlier slot.
var aegisWrites = fmt.Sprintf("Aegis writes one password slot of N=%d, r=%d, p=%d", aegis.ScryptN, aegis.ScryptR, aegis.ScryptP)

// aegisScrypt is scrypt.Key; the fuzz test swaps in a cheap stand-in so
// that fuzzing explores parsing rather than key stretching.
var aegisScrypt = scrypt.Key

func isAegis(data []byte) bool {
	s, ok := peekJSONShape(data)
	return ok && !s.array && s.keys["header"] && (s.keys["version"] || s.keys["db"])
}

func readAegis(ctx context.Context, res *Result, data []byte, opts Options) error {
	var f aegis.File
	if err := decodeExport("Aegis vault", data, &f); err != nil {
		return err
	}
	if f.Version != aegis.FileVersion {
		return fmt.Errorf("the Aegis vault format version %d is not one Latchkey reads (%d)", f.Version, aegis.FileVersion)
	}
	content, err := aegisDB(ctx, f, opts)
	if err != nil {
		return err
	}
	return readAegisContent(res, content)
}

// aegisDB returns the content JSON: the db object itself, or the db string
// decrypted.
func aegisDB(ctx context.Context, f aegis.File, opts Options) ([]byte, error) {
	db := strings.TrimSpace(string(f.DB))
	switch {
	case strings.HasPrefix(db, "{"):
		return f.DB, nil
	case strings.HasPrefix(db, `"`):
		var ciphertext string
		if err := json.Unmarshal(f.DB, &ciphertext); err != nil {
			return nil, damagedFile("Aegis vault db", err)
		}
		return aegisDecrypt(ctx, f.Header, ciphertext, opts)
	case db == "" || db == "null":
		return nil, damagedFilef("Aegis vault has no db")
	}
	return nil, damagedFilef("Aegis vault db is neither an object nor encrypted text")
}

// aegisDecrypt unwraps the master key with the password and decrypts the
// content. The file's structure is checked before the password is asked
// for, so a damaged file is reported as such without a prompt.
func aegisDecrypt(ctx context.Context, h aegis.Header, ciphertext string, opts Options) ([]byte, error) {
	sealed, nonce, err := aegisSealedDB(h, ciphertext)
	if err != nil {
		return nil, err
	}
	slots, err := aegisPasswordSlots(h.Slots)
	if err != nil {
		return nil, err
	}
	password, err := opts.password()
	if err != nil {
		return nil, err
	}
	master, err := aegisMasterKey(ctx, slots, password)
	if err != nil {
		return nil, err
	}
	plain, err := openGCM(master, nonce, sealed, nil)
	if err != nil {
		// The slot's tag proved the key right: only damage is left.
		return nil, damagedFilef("Aegis vault content does not match its authentication tag")
	}
	return plain, nil
}

// aegisSealedDB decodes the encrypted content and its header params into
// the ciphertext-and-tag that AES-GCM opens, and the nonce.
func aegisSealedDB(h aegis.Header, ciphertext string) (sealed, nonce []byte, err error) {
	if h.Params == nil {
		return nil, nil, damagedFilef("Aegis vault is encrypted but its header has no params")
	}
	nonce, tag, err := aegisParams(*h.Params, "header params")
	if err != nil {
		return nil, nil, err
	}
	body, err := base64.StdEncoding.DecodeString(strings.TrimSpace(ciphertext))
	if err != nil {
		return nil, nil, damagedFilef("Aegis vault db is not valid base64")
	}
	return append(body, tag...), nonce, nil
}

// aegisParams checks and decodes a nonce (12 bytes, as Aegis writes) and a
// tag.
func aegisParams(p aegis.Params, where string) (nonce, tag []byte, err error) {
	nonce, err = hex.DecodeString(p.Nonce)
	if err != nil || len(nonce) != aegis.NonceSize {
		return nil, nil, damagedFilef("Aegis %s: the nonce is not %d bytes of hex", where, aegis.NonceSize)
	}
	tag, err = hex.DecodeString(p.Tag)
	if err != nil || len(tag) != aegis.TagSize {
		return nil, nil, damagedFilef("Aegis %s: the tag is not %d bytes of hex", where, aegis.TagSize)
	}
	return nonce, tag, nil
}

// aegisKeySlot is a password slot with its fields decoded.
type aegisKeySlot struct {
	index            int
	n, r, p          int
	salt, key, nonce []byte
	repaired         bool
}

// aegisPasswordSlots decodes the password slots, refusing damaged ones
// and KDF costs beyond the limits before any key is derived: each slot's,
// the number of slots, and the work of trying all of them in every form
// aegisPasswordForms may give the password.
func aegisPasswordSlots(slots []aegis.Slot) ([]aegisKeySlot, error) {
	if len(slots) == 0 {
		return nil, damagedFilef("Aegis vault is encrypted but has no key slots")
	}
	var out []aegisKeySlot
	work := 0
	for i, s := range slots {
		if s.Type != aegis.PasswordSlot {
			continue
		}
		if len(out) == MaxAegisPasswordSlots {
			return nil, fmt.Errorf("%w: the Aegis vault has more than %d password slots; %s",
				ErrTooCostly, MaxAegisPasswordSlots, aegisWrites)
		}
		ks, err := aegisSlot(s, i)
		if err != nil {
			return nil, err
		}
		forms := 2 // the password, and maybe its legacy form
		if ks.repaired {
			forms = 1
		}
		work += forms * ks.n * ks.r * ks.p // each factor is bounded: no overflow
		if work > MaxFileScryptWork {
			return nil, fmt.Errorf("%w: the Aegis vault's password slots need more than %d of scrypt work (N·r·p) together; %s",
				ErrTooCostly, MaxFileScryptWork, aegisWrites)
		}
		out = append(out, ks)
	}
	if len(out) == 0 {
		return nil, errors.New("the Aegis vault can only be unlocked with biometrics or a key on the phone: " +
			"export it from Aegis with a password")
	}
	return out, nil
}

func aegisSlot(s aegis.Slot, i int) (aegisKeySlot, error) {
	where := fmt.Sprintf("key slot %d", i+1)
	if err := checkScrypt(s.N, s.R, s.P); err != nil {
		if errors.Is(err, ErrTooCostly) {
			return aegisKeySlot{}, fmt.Errorf("%s of the Aegis vault: %w; %s", where, err, aegisWrites)
		}
		return aegisKeySlot{}, fmt.Errorf("%s of the Aegis vault: %w", where, err)
	}
	salt, err := hex.DecodeString(s.Salt)
	if err != nil || len(salt) == 0 {
		return aegisKeySlot{}, damagedFilef("Aegis %s: the salt is not hex", where)
	}
	key, err := hex.DecodeString(s.Key)
	if err != nil || len(key) != aegis.KeySize {
		return aegisKeySlot{}, damagedFilef("Aegis %s: the wrapped key is not %d bytes of hex", where, aegis.KeySize)
	}
	if s.KeyParams == nil {
		return aegisKeySlot{}, damagedFilef("Aegis %s has no key_params", where)
	}
	nonce, tag, err := aegisParams(*s.KeyParams, where)
	if err != nil {
		return aegisKeySlot{}, err
	}
	return aegisKeySlot{index: i, n: s.N, r: s.R, p: s.P, salt: salt,
		key: append(key, tag...), nonce: nonce, repaired: s.Repaired}, nil
}

// aegisMasterKey tries the password on each password slot in turn.
func aegisMasterKey(ctx context.Context, slots []aegisKeySlot, password string) ([]byte, error) {
	for _, s := range slots {
		for _, pw := range aegisPasswordForms(password, s.repaired) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			derived, err := aegisScrypt(pw, s.salt, s.n, s.r, s.p, aegis.KeySize)
			if err != nil {
				return nil, damagedFile(fmt.Sprintf("Aegis key slot %d", s.index+1), err)
			}
			if master, err := openGCM(derived, s.nonce, s.key, nil); err == nil {
				return master, nil
			}
		}
	}
	// A wrong password and a flipped bit in a slot look the same: the slot
	// has no integrity check of its own besides the tag the password opens.
	return nil, ErrWrongPassword
}

// aegisPasswordForms lists the byte strings Aegis may have derived a
// slot's key from. Slots not marked "repaired" may come from versions that
// hashed the password's whole UTF-8 buffer including its zero padding
// (Aegis issue #95); Aegis itself tries that form for such slots.
func aegisPasswordForms(password string, repaired bool) [][]byte {
	forms := [][]byte{[]byte(password)}
	if !repaired {
		if legacy := aegisLegacyBytes(password); len(legacy) != len(password) {
			forms = append(forms, legacy)
		}
	}
	return forms
}

// aegisLegacyBytes reproduces Java's CharsetEncoder.encode buffer for
// UTF-8: it starts at 1.1 bytes per UTF-16 unit (rounded down) and grows
// to 2n+1 while too small; the old code kept the whole buffer.
func aegisLegacyBytes(password string) []byte {
	units := 0
	for _, r := range password {
		units++
		if r >= 0x10000 {
			units++
		}
	}
	n := int(float32(units) * float32(1.1))
	for n < len(password) {
		n = 2*n + 1
	}
	out := make([]byte, n)
	copy(out, password)
	return out
}

// readAegisContent maps the decrypted or plain content to accounts.
func readAegisContent(res *Result, content []byte) error {
	var c aegis.Content[json.RawMessage]
	if err := decodeExport("Aegis vault content", content, &c); err != nil {
		return err
	}
	if c.Version < 1 || c.Version > aegis.ContentVersion {
		return fmt.Errorf("the Aegis vault content version %d is not one Latchkey reads (1 to %d)", c.Version, aegis.ContentVersion)
	}
	for i, raw := range c.Entries {
		if res.full() {
			break // the import is refused: read no further
		}
		var e aegis.Entry
		if problem := unmarshalExportEntry(raw, &e); problem != "" {
			skipEntry(res, i, "", "", problem)
			continue
		}
		aegisAddEntry(res, i, e, c.Groups)
	}
	return nil
}

func aegisAddEntry(res *Result, i int, e aegis.Entry, groups []aegis.Group) {
	typ, problem := aegisType(e.Type)
	var counter int64
	if e.Info.Counter != nil {
		counter = *e.Info.Counter
	}
	if problem == "" && counter < 0 {
		problem = "the HOTP counter is negative"
	}
	if problem != "" {
		skipEntry(res, i, e.Issuer, e.Name, problem)
		return
	}
	a := vault.Account{
		Issuer: e.Issuer, Name: e.Name, Type: typ,
		Secret: e.Info.Secret, Algorithm: vault.Algorithm(e.Info.Algo),
		Digits: e.Info.Digits, Period: e.Info.Period, Counter: uint64(counter),
		Group: aegisGroupName(e, groups), Note: e.Note, Favourite: e.Favorite,
		Icon: aegisIcon(e),
	}
	steamDefaults(&a)
	addExportEntry(res, i, a)
}

func aegisType(t string) (vault.Type, string) {
	switch strings.ToLower(t) {
	case "totp":
		return vault.TOTP, ""
	case "hotp":
		return vault.HOTP, ""
	case "steam":
		return vault.Steam, ""
	case "motp", "yandex":
		return "", fmt.Sprintf("%s entries are not supported: Latchkey makes TOTP, HOTP and Steam codes", aegisTypeName(t))
	}
	return "", fmt.Sprintf("the entry type %s is not supported (totp, hotp, steam)", quoteShort(t))
}

func aegisTypeName(t string) string {
	if strings.EqualFold(t, "motp") {
		return "mOTP"
	}
	return "Yandex"
}

// quoteShort quotes a non-secret value from a file for a message.
func quoteShort(s string) string { return fmt.Sprintf("%q", shorten(s)) }

// aegisGroupName resolves the entry's groups: version 3 lists group UUIDs
// defined in the content (unknown ones are dropped, as Aegis does), older
// content a group name. Several groups are joined in the content's order.
func aegisGroupName(e aegis.Entry, groups []aegis.Group) string {
	if e.Groups == nil {
		if e.Group != nil {
			return strings.TrimSpace(*e.Group)
		}
		return ""
	}
	var names []string
	for _, g := range groups {
		if slices.ContainsFunc(e.Groups, func(id string) bool { return strings.EqualFold(id, g.UUID) }) {
			names = append(names, g.Name)
		}
	}
	return joinGroupNames(names)
}

// aegisIconTypes are the MIME types Aegis writes; a missing type means
// JPEG, as Aegis reads it.
var aegisIconTypes = []string{"image/png", "image/jpeg", "image/svg+xml"}

// aegisIcon returns the entry's icon as a data: URI, or "" when it has
// none or it is unusable (the account imports without it).
func aegisIcon(e aegis.Entry) string {
	if e.Icon == nil || *e.Icon == "" {
		return ""
	}
	var mime string
	if e.IconMime != nil {
		mime = strings.ToLower(strings.TrimSpace(*e.IconMime))
	}
	if mime == "" {
		mime = "image/jpeg"
	}
	if !slices.Contains(aegisIconTypes, mime) || len(*e.Icon) > base64.StdEncoding.EncodedLen(aegisMaxIcon) {
		return ""
	}
	img, err := base64.StdEncoding.DecodeString(*e.Icon)
	if err != nil || len(img) == 0 || (mime == "image/svg+xml" && !utf8.Valid(img)) {
		return ""
	}
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(img)
}

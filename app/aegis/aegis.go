// Package aegis is the file format of an Aegis Authenticator vault
// (docs/vault.md of beemdevelopment/Aegis): the JSON types app/importer
// reads and app/exporter writes, and the parameters of its encryption. It
// holds no logic; reading and writing stay with those packages.
//
// A file is {"version", "header", "db"}. In a plain vault db is the
// content object and the header's slots and params are null; in an
// encrypted one db is the base64 of the content's AES-256-GCM ciphertext
// under a random master key (nonce and tag in the header's params), and each
// slot wraps that key, a password slot under a key scrypt derives from the
// password.
package aegis

import "encoding/json"

// Versions: of the file envelope, and of the content Latchkey reads (1 to
// ContentVersion) and writes (ContentVersion). Content version 1 has a
// "group" string per entry; version 2 adds icon MIME types; version 3 has a
// list of groups and group UUIDs per entry.
const (
	FileVersion    = 1
	ContentVersion = 3
)

// PasswordSlot is the slot type of a password-derived key; raw (0) and
// biometric (2) slots need a key only the phone holds.
const PasswordSlot = 1

// The encryption's parameters: the scrypt cost Aegis gives a password slot
// (SCryptParameters in Aegis's crypto code), and AES-256-GCM's key, nonce
// and tag sizes in bytes.
const (
	ScryptN, ScryptR, ScryptP = 1 << 15, 8, 1
	KeySize                   = 32
	NonceSize                 = 12
	TagSize                   = 16
)

// File is the top level of an Aegis vault file.
type File struct {
	Version int    `json:"version"`
	Header  Header `json:"header"`
	// DB is the Content object in a plain vault, a JSON string (the base64
	// ciphertext of the Content) in an encrypted one.
	DB json.RawMessage `json:"db"`
}

// Header has null Slots and Params in a plain vault.
type Header struct {
	Slots  []Slot  `json:"slots"`
	Params *Params `json:"params"`
}

// Params are the AES-GCM nonce and tag, hex, of what they sit beside.
type Params struct {
	Nonce string `json:"nonce"`
	Tag   string `json:"tag"`
}

// Slot is one wrapping of the master key. Key is the wrapped key (hex),
// KeyParams its nonce and tag; a password slot has the scrypt cost N, R, P
// and Salt (hex). Repaired marks a password slot written after Aegis issue
// #95, whose key was derived from the password's bytes alone.
type Slot struct {
	Type      int     `json:"type"`
	UUID      string  `json:"uuid"`
	Key       string  `json:"key"`
	KeyParams *Params `json:"key_params"`
	N         int     `json:"n"`
	R         int     `json:"r"`
	P         int     `json:"p"`
	Salt      string  `json:"salt"`
	Repaired  bool    `json:"repaired"`
}

// Content is the vault's content. E is Entry for a writer, json.RawMessage
// for a reader that skips an entry it cannot read and keeps the others.
type Content[E any] struct {
	Version int     `json:"version"`
	Entries []E     `json:"entries"`
	Groups  []Group `json:"groups"`
}

// Group is a group of content version 3, which entries name by UUID.
type Group struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

// Entry is one account. Icon is base64 image data of type IconMime (none:
// JPEG); IconHash is the SHA-256 (hex) of the MIME type and the data.
type Entry struct {
	Type     string   `json:"type"`
	UUID     string   `json:"uuid"`
	Name     string   `json:"name"`
	Issuer   string   `json:"issuer"`
	Note     string   `json:"note"`
	Favorite bool     `json:"favorite"`
	Icon     *string  `json:"icon"`
	IconMime *string  `json:"icon_mime"`
	IconHash *string  `json:"icon_hash"`
	Info     Info     `json:"info"`
	Groups   []string `json:"groups"`
	// Group is content versions 1 and 2's group name; version 3 lists
	// Groups instead.
	Group *string `json:"group,omitempty"`
}

// Info is an entry's OTP parameters: Period for time-based types, Counter
// (a Java long in Aegis) for HOTP.
type Info struct {
	Secret  string `json:"secret"`
	Algo    string `json:"algo"`
	Digits  int    `json:"digits"`
	Period  int    `json:"period,omitempty"`
	Counter *int64 `json:"counter,omitempty"`
}

package importer

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"strings"
)

// kdbxKeyFileKey turns a key file into its 32-byte key, as KeePass reads
// one: an XML key file (version 1.0, base64; version 2.0, hex checked by a
// hash), 32 bytes taken as they are, 64 hex digits, or else the SHA-256 of
// the whole file (any file can be a key file).
func kdbxKeyFileKey(data []byte) ([]byte, error) {
	if key, ok, err := kdbxXMLKeyFile(data); ok {
		return key, err
	}
	switch {
	case len(data) == 32:
		return bytes.Clone(data), nil
	case len(data) == 64:
		if key, err := hex.DecodeString(string(data)); err == nil {
			return key, nil
		}
	}
	sum := sha256.Sum256(data)
	return sum[:], nil
}

// kdbxXMLKeyFile reads an XML key file; ok is false for a file that is no
// such XML (then it is a key file of another kind).
func kdbxXMLKeyFile(data []byte) (key []byte, ok bool, err error) {
	if !bytes.Contains(data[:min(len(data), 512)], []byte("<KeyFile")) {
		return nil, false, nil
	}
	var f struct {
		XMLName xml.Name `xml:"KeyFile"`
		Version string   `xml:"Meta>Version"`
		Data    struct {
			Hash string `xml:"Hash,attr"`
			Text string `xml:",chardata"`
		} `xml:"Key>Data"`
	}
	if xml.Unmarshal(data, &f) != nil {
		return nil, false, nil
	}
	bad := func(what string) ([]byte, bool, error) {
		return nil, true, damagedFilef("the key file %s", what)
	}
	text := strings.Join(strings.Fields(f.Data.Text), "")
	switch strings.TrimSpace(f.Version) {
	case "1.0", "1.00":
		key, err := base64.StdEncoding.DecodeString(text)
		if err != nil || len(key) == 0 {
			return bad("is not valid: its key is not base64")
		}
		return key, true, nil
	case "2.0", "2.00":
		key, err := hex.DecodeString(text)
		if err != nil || len(key) == 0 {
			return bad("is not valid: its key is not hex")
		}
		sum := sha256.Sum256(key)
		if want, err := hex.DecodeString(strings.TrimSpace(f.Data.Hash)); err != nil || len(want) == 0 || len(want) > len(sum) || !bytes.Equal(want, sum[:len(want)]) {
			return bad("is damaged: its key does not match its hash")
		}
		return key, true, nil
	}
	return bad("has a version Latchkey does not read (1.0 and 2.0)")
}

package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// kpText is an entry's plain and protected fields.
func kpEntryOf(title, user string, more ...kpField) kpEntry {
	fs := []kpField{{key: "Title", value: title}, {key: "UserName", value: user},
		{key: "Password", value: "hunter2-" + title, protected: true}}
	return kpEntry{fields: append(fs, more...)}
}

func kpOTP(uri string) kpField { return kpField{key: "otp", value: uri, protected: true} }

var kpRecycleUUID = [16]byte{0xAB, 1, 2, 3}

// kpRoot holds an entry of every kind of one-time password KeePassXC and
// KeePass write, entries without one, a broken one, history before
// current values, and the recycle bin.
func kpRoot() kpGroup {
	withHistory := kpEntryOf("Dropbox", "carol", kpOTP("otpauth://totp/Dropbox:carol?secret=GEZDGNBVGY3TQOJQ&issuer=Dropbox"))
	withHistory.history = [][]kpField{
		{{key: "Title", value: "Dropbox"}, {key: "otp", value: "otpauth://totp/Old?secret=MFRGGZDFMZTWQ2LK", protected: true}},
	}
	return kpGroup{name: "Passwords", uuid: [16]byte{1}, entries: []kpEntry{
		kpEntryOf("GitHub", "alice", kpOTP("otpauth://totp/GitHub:alice?secret="+fxSentinel+"&period=30&digits=6&issuer=GitHub")),
		kpEntryOf("Bank", "alice"),
		withHistory,
		kpEntryOf("Broken", "x", kpOTP("otpauth://totp/Broken?secret=0189")),
	}, groups: []kpGroup{
		{name: "Work", uuid: [16]byte{2}, entries: []kpEntry{
			kpEntryOf("Old KeeOtp", "dave", kpField{key: "otp", value: "key=JBSWY3DPEHPK3PXP&step=60&size=7&otpHashMode=Sha256"}),
			kpEntryOf("KeePass", "erin",
				kpField{key: "TimeOtp-Secret-Base32", value: "KRSXG5CTMVRXEZLU", protected: true},
				kpField{key: "TimeOtp-Length", value: "8"}, kpField{key: "TimeOtp-Period", value: "60"},
				kpField{key: "TimeOtp-Algorithm", value: "HMAC-SHA-512"}),
			kpEntryOf("Counter", "frank",
				kpField{key: "HmacOtp-Secret-Hex", value: "48656c6c6f21deadbeef", protected: true},
				kpField{key: "HmacOtp-Counter", value: "5"}),
			kpEntryOf("Plain", "grace"),
		}, groups: []kpGroup{
			{name: "Cloud", uuid: [16]byte{3}, entries: []kpEntry{
				kpEntryOf("AWS", "bob", kpField{key: "TOTP Seed", value: "ONSWG4TFOQ", protected: true},
					kpField{key: "TOTP Settings", value: "30;8"}),
				kpEntryOf("Steam", "gamer", kpField{key: "TOTP Seed", value: "GNBVGY3TQOJQ", protected: true},
					kpField{key: "TOTP Settings", value: "30;S"}),
				kpEntryOf("Legacy", "heidi", kpField{key: "TOTP Seed", value: "MZXW6YTBOI", protected: true}),
				kpEntryOf("Steam2", "ivan", kpOTP("otpauth://totp/Steam:ivan?secret=GEZDGNBVGY3TQOJQ&issuer=Steam&encoder=steam")),
			}},
		}},
		{name: "Recycle Bin", uuid: kpRecycleUUID, entries: []kpEntry{
			kpEntryOf("Deleted", "judy", kpOTP("otpauth://totp/Deleted?secret=JBSWY3DPEHPK3PXP")),
		}},
	}}
}

// kpWant is what kpRoot imports, every field.
var kpWant = []string{
	"GitHub|alice|totp|" + fxSentinel + "|SHA1|6|30|0|g=|n=|f=false|i=|r=",
	"Dropbox|carol|totp|GEZDGNBVGY3TQOJQ|SHA1|6|30|0|g=|n=|f=false|i=|r=",
	"Old KeeOtp|dave|totp|JBSWY3DPEHPK3PXP|SHA256|7|60|0|g=Work|n=|f=false|i=|r=",
	"KeePass|erin|totp|KRSXG5CTMVRXEZLU|SHA512|8|60|0|g=Work|n=|f=false|i=|r=",
	"Counter|frank|hotp|JBSWY3DPEHPK3PXP|SHA1|6|30|5|g=Work|n=|f=false|i=|r=",
	"AWS|bob|totp|ONSWG4TFOQ|SHA1|8|30|0|g=Work/Cloud|n=|f=false|i=|r=",
	"Steam|gamer|steam|GNBVGY3TQOJQ|SHA1|5|30|0|g=Work/Cloud|n=|f=false|i=|r=",
	"Legacy|heidi|totp|MZXW6YTBOI|SHA1|6|30|0|g=Work/Cloud|n=|f=false|i=|r=",
	"Steam|ivan|steam|GEZDGNBVGY3TQOJQ|SHA1|5|30|0|g=Work/Cloud|n=|f=false|i=|r=",
}

// kpKeyFileKey is the key of the test key file (an XML 2.0 one).
var kpKeyFileKey = kpSeed("keyfile", 32)

func kpKeyFileXML2(key []byte) []byte {
	sum := sha256.Sum256(key)
	return []byte(`<?xml version="1.0" encoding="utf-8"?>
<KeyFile>
	<Meta><Version>2.0</Version></Meta>
	<Key><Data Hash="` + strings.ToUpper(hex.EncodeToString(sum[:4])) + `">
		` + strings.ToUpper(hex.EncodeToString(key[:16])) + `
		` + strings.ToUpper(hex.EncodeToString(key[16:])) + `
	</Data></Key>
</KeyFile>`)
}

func kpDefault(major uint16, kdf, cipher string) kpDB {
	return kpDB{major: major, minor: map[uint16]uint16{3: 1, 4: 0}[major], kdf: kdf, cipher: cipher, gzip: true,
		password: kpStr("correct horse"), recycleBin: kpRecycleUUID, root: kpRoot(), blockSize: 700}
}

// TestKeePassReadsEveryVersionAndKey reads the same entries from KDBX 3.1
// and 4 databases of each cipher, KDF, compression and kind of key.
func TestKeePassReadsEveryVersionAndKey(t *testing.T) {
	keyOnly := kpDefault(4, "argon2id", "chacha20")
	keyOnly.password, keyOnly.keyFileKey = nil, kpKeyFileKey
	both31 := kpDefault(3, "aes", "twofish")
	both31.keyFileKey, both31.gzip = kpKeyFileKey, false
	both4 := kpDefault(4, "aes", "chacha20")
	both4.keyFileKey = kpKeyFileKey
	v41 := kpDefault(4, "argon2d", "aes")
	v41.minor, v41.gzip, v41.attachment = 1, false, []byte("an attached file")
	attach31 := kpDefault(3, "aes", "aes")
	attach31.attachment = []byte("an attached file")
	for _, tc := range []struct {
		name    string
		db      kpDB
		keyFile []byte
		pw      string
	}{
		{"3.1 AES-KDF AES gzip password", kpDefault(3, "aes", "aes"), nil, "correct horse"},
		{"3.1 AES-KDF Twofish password and key file", both31, kpKeyFileXML2(kpKeyFileKey), "correct horse"},
		{"3.1 protected attachment before the entries", attach31, nil, "correct horse"},
		{"4 Argon2d AES gzip password", kpDefault(4, "argon2d", "aes"), nil, "correct horse"},
		{"4 Argon2id ChaCha20 gzip password", kpDefault(4, "argon2id", "chacha20"), nil, "correct horse"},
		{"4 Argon2id ChaCha20 key file only", keyOnly, kpKeyFileXML2(kpKeyFileKey), ""},
		{"4 AES-KDF ChaCha20 password and key file", both4, kpKeyFileXML2(kpKeyFileKey), "correct horse"},
		{"4.1 Argon2d AES uncompressed with an attachment", v41, nil, "correct horse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pw := &fxPassword{pw: tc.pw}
			opts := pw.options()
			opts.KeyFile = tc.keyFile
			res := fxMustRead(t, "db.kdbx", tc.db.write(t), FormatKeePass, opts)
			fxCompare(t, "entries", fxSummary(res), kpWant)
			fxValid(t, res)
			fxCompare(t, "skipped", fxSkipped(res), []string{
				"db.kdbx entry 4 (Broken:x): invalid otpauth URI: secret is not valid base32 (bad character or length at position 0)",
				"db.kdbx: 2 entries have no one-time password (passwords only)",
				"db.kdbx: 1 entry is in the recycle bin and was left out",
			})
			if pw.calls != 1 {
				t.Errorf("the password was asked %d times, want 1", pw.calls)
			}
		})
	}
}

// TestKeePassKeyFiles reads each kind of key file KeePass accepts.
func TestKeePassKeyFiles(t *testing.T) {
	key := kpKeyFileKey
	hexKey := []byte(hex.EncodeToString(key))
	anyFile := []byte("a photo, or any file at all, hashed whole")
	anySum := sha256.Sum256(anyFile)
	v1 := []byte("<?xml version=\"1.0\"?>\n<KeyFile><Meta><Version>1.00</Version></Meta><Key><Data>" +
		base64.StdEncoding.EncodeToString(key) + "</Data></Key></KeyFile>")
	badHash := bytes.Replace(kpKeyFileXML2(key), []byte(`Hash="`), []byte(`Hash="00`), 1)
	for _, tc := range []struct {
		name    string
		file    []byte
		want    []byte
		wantErr string
	}{
		{"XML 2.0", kpKeyFileXML2(key), key, ""},
		{"XML 1.0", v1, key, ""},
		{"32 bytes", key, key, ""},
		{"64 hex digits", hexKey, key, ""},
		{"any other file", anyFile, anySum[:], ""},
		{"XML 2.0 with a wrong hash", badHash, nil, "the key file is damaged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := kdbxKeyFileKey(tc.file)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("key = %x, %v; want %x", got, err, tc.want)
			}
			// And the database opens with it.
			db := kpDefault(4, "aes", "aes")
			db.password, db.keyFileKey = nil, tc.want
			res := fxMustRead(t, "db.kdbx", db.write(t), FormatKeePass, Options{KeyFile: tc.file})
			fxCompare(t, "entries", fxSummary(res), kpWant)
		})
	}
}

// TestKeePassRefusals: a wrong password or key file is said to be wrong,
// a damaged file damaged, naming the input; costs beyond the limits are
// refused before the password is asked for.
func TestKeePassRefusals(t *testing.T) {
	v4 := kpDefault(4, "argon2d", "aes").write(t)
	v3 := kpDefault(3, "aes", "aes").write(t)
	withKey := kpDefault(4, "aes", "chacha20")
	withKey.keyFileKey = kpKeyFileKey
	flip := func(data []byte, at int) []byte {
		d := bytes.Clone(data)
		if at < 0 {
			at += len(d)
		}
		d[at] ^= 0x40
		return d
	}
	hdr4, _ := parseKDBXHeader(v4)
	costly := func(db kpDB) []byte {
		db.skipKDF = true
		return db.write(t)
	}
	bigMem := kpDefault(4, "argon2d", "aes")
	bigMem.argonMem = 1 << 30
	manyIter := kpDefault(4, "argon2id", "aes")
	manyIter.argonIter = 1000
	manyRounds := kpDefault(3, "aes", "aes")
	manyRounds.aesRounds = 1 << 40
	badXML := kpDefault(4, "aes", "aes")
	badXML.corruptXML = true
	badInner := kpDefault(4, "aes", "aes")
	badInner.corruptInnerHdr = true
	badXML3 := kpDefault(3, "aes", "aes")
	badXML3.corruptXML = true
	kdb := append(kpLE(uint32(kdbxSig1)), kpLE(uint32(kdbxSig2Old))...)
	kdb = append(kdb, make([]byte, 120)...)
	v5 := bytes.Clone(v4)
	copy(v5[8:], kpLE(uint32(5<<16)))

	for _, tc := range []struct {
		name      string
		data      []byte
		pw        string
		keyFile   []byte
		noPrompt  bool
		is        error
		want      string
		wantCalls int
	}{
		{"4 wrong password", v4, "wrong", nil, false, ErrWrongPassword, "import db.kdbx: wrong password for the file", 1},
		{"3.1 wrong password", v3, "wrong", nil, false, ErrWrongPassword, "import db.kdbx: wrong password for the file", 1},
		{"4 missing key file", withKey.write(t), "correct horse", nil, false, ErrWrongPassword, "wrong password", 1},
		{"4 wrong key file", withKey.write(t), "correct horse", []byte("another file"), false, ErrWrongPassword, "or the wrong key file", 1},
		{"no password given", v4, "", nil, true, ErrPasswordRequired, "needs its password", 0},
		{"4 header damaged", flip(v4, 20), "correct horse", nil, false, ErrDamagedFile, "import db.kdbx: the file is damaged: the KeePass database's header does not match its hash", 0},
		{"4 content damaged", flip(v4, len(hdr4.raw)+64+40), "correct horse", nil, false, ErrDamagedFile, "content block 0 does not match its HMAC", 1},
		{"4 truncated", v4[:len(v4)-30], "correct horse", nil, false, ErrDamagedFile, "ends early", 1},
		{"4 header truncated", v4[:40], "correct horse", nil, false, ErrDamagedFile, "header ends early", 0},
		{"3.1 content damaged", flip(v3, -40), "correct horse", nil, false, ErrDamagedFile, "damaged", 1},
		{"3.1 truncated", v3[:len(v3)-16], "correct horse", nil, false, ErrDamagedFile, "damaged", 1},
		{"4 XML not closed", badXML.write(t), "correct horse", nil, false, ErrDamagedFile, "the KeePass database's content", 1},
		{"3.1 XML not closed", badXML3.write(t), "correct horse", nil, false, ErrDamagedFile, "the KeePass database's content", 1},
		{"4 inner header not ended", badInner.write(t), "correct horse", nil, false, ErrDamagedFile, "", 1},
		{"Argon2 1 GiB", costly(bigMem), "correct horse", nil, false, ErrTooCostly, "Argon2d with 2 iterations, 1024 MiB", 0},
		{"Argon2 1000 iterations", costly(manyIter), "correct horse", nil, false, ErrTooCostly, "KeePassXC writes", 0},
		{"AES-KDF 2^40 rounds", costly(manyRounds), "correct horse", nil, false, ErrTooCostly, "AES-KDF with 1099511627776 rounds", 0},
		{"KeePass 1", kdb, "correct horse", nil, false, nil, "KeePass 1 databases (.kdb) are not supported", 0},
		{"version 5", v5, "correct horse", nil, false, nil, "version 5.0 is not one Latchkey reads", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pw := &fxPassword{pw: tc.pw}
			opts := pw.options()
			if tc.noPrompt {
				opts = Options{}
			}
			opts.KeyFile = tc.keyFile
			res, err := fxRead(t, "db.kdbx", tc.data, FormatKeePass, opts)
			if err == nil || res != nil {
				t.Fatalf("Read = %v, %v; want an error", res, err)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "import db.kdbx: ") {
				t.Errorf("err = %q, want %q", err, tc.want)
			}
			if pw.calls != tc.wantCalls {
				t.Errorf("the password was asked %d times, want %d", pw.calls, tc.wantCalls)
			}
		})
	}
}

// TestKeePassKeyFileWithEmptyPassword: a database with a key file and no
// password opens when the prompt is answered with nothing; one with the
// empty password and a key file too.
func TestKeePassKeyFileWithEmptyPassword(t *testing.T) {
	for _, pw := range []*string{nil, kpStr("")} {
		db := kpDefault(4, "aes", "aes")
		db.password, db.keyFileKey = pw, kpKeyFileKey
		p := &fxPassword{}
		opts := p.options()
		opts.KeyFile = kpKeyFileKey
		res := fxMustRead(t, "db.kdbx", db.write(t), FormatKeePass, opts)
		fxCompare(t, "entries", fxSummary(res), kpWant)
	}
}

// TestKeePassDetect: only the signatures claim a file.
func TestKeePassDetect(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		want bool
	}{
		{kpDefault(4, "aes", "aes").write(t), true},
		{kpDefault(3, "aes", "aes").write(t), true},
		{append(kpLE(uint32(kdbxSig1)), kpLE(uint32(0x12345678))...), false},
		{[]byte("otpauth://totp/x?secret=JBSWY3DP"), false},
		{nil, false},
	} {
		if got := isKDBX(tc.data); got != tc.want {
			t.Errorf("isKDBX(%.12x…) = %t, want %t", tc.data, got, tc.want)
		}
	}
}

// TestSecurityKeePassCostsBeforeWork: a database asking for more than the
// limits is refused before the password is asked for and before any key
// is derived; one within them derives once per key tried.
func TestSecurityKeePassCostsBeforeWork(t *testing.T) {
	calls := 0
	aesKDF, argonD, argonID := kdbxAESKDFKey, kdbxArgon2DKey, kdbxArgon2IDKey
	t.Cleanup(func() { kdbxAESKDFKey, kdbxArgon2DKey, kdbxArgon2IDKey = aesKDF, argonD, argonID })
	kdbxAESKDFKey = func(ctx context.Context, c, s []byte, r uint64) ([]byte, error) { calls++; return aesKDF(ctx, c, s, r) }
	kdbxArgon2DKey = func(p argon2Params) []byte { calls++; return argonD(p) }
	kdbxArgon2IDKey = func(p argon2Params) []byte { calls++; return argonID(p) }
	over := func(db kpDB, set func(*kpDB)) kpDB { set(&db); db.skipKDF = true; return db }
	for _, tc := range []struct {
		name  string
		db    kpDB
		calls int
		is    error
	}{
		{"Argon2d memory", over(kpDefault(4, "argon2d", "aes"), func(d *kpDB) { d.argonMem = 512 << 20 }), 0, ErrTooCostly},
		{"Argon2id work", over(kpDefault(4, "argon2id", "aes"), func(d *kpDB) { d.argonMem, d.argonIter = 128<<20, 30 }), 0, ErrTooCostly},
		{"Argon2 lanes", over(kpDefault(4, "argon2d", "aes"), func(d *kpDB) { d.argonLanes = 200 }), 0, ErrTooCostly},
		{"AES-KDF 3.1", over(kpDefault(3, "aes", "aes"), func(d *kpDB) { d.aesRounds = MaxKDBXAESRounds + 1 }), 0, ErrTooCostly},
		{"AES-KDF 4", over(kpDefault(4, "aes", "aes"), func(d *kpDB) { d.aesRounds = MaxKDBXAESRounds + 1 }), 0, ErrTooCostly},
		{"within the limits, wrong password", kpDefault(4, "argon2d", "aes"), 1, ErrWrongPassword},
	} {
		calls = 0
		pw := &fxPassword{pw: "wrong"}
		_, err := New().Read(context.Background(), "db.kdbx", tc.db.write(t), "", pw.options())
		if !errors.Is(err, tc.is) || calls != tc.calls || pw.calls != min(tc.calls, 1) {
			t.Errorf("%s: err %v, %d derivations, %d prompts; want %v, %d", tc.name, err, calls, pw.calls, tc.is, tc.calls)
		}
	}
}

package importer

import (
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/app/otpauth"
	"github.com/latchkey/latchkey/vault"
)

// Where KeePass entries keep a one-time password, in the order they are
// tried:
//   - otp: what KeePassXC writes, an otpauth:// URI (or, from KeeOtp and
//     older KeePassXC, "key=SECRET&step=30&size=6&otpHashMode=Sha256");
//   - "TOTP Seed" with "TOTP Settings" "period;digits", digits "S" for
//     Steam (KeePassXC before 2.6, and the TrayTOTP plugin);
//   - KeePass 2.47's own TimeOtp-Secret(-Hex, -Base32, -Base64) with
//     TimeOtp-Length, -Period and -Algorithm, and HmacOtp-Secret… with
//     HmacOtp-Counter for HOTP.

// errKDBXNoOTP marks an entry with no one-time password.
var errKDBXNoOTP = errors.New("no one-time password")

// kdbxAccount reads the entry's one-time password into an account named
// after the entry: its title is the issuer, its user name the account
// name, unless an otpauth URI names them.
func kdbxAccount(e kdbxEntry) (vault.Account, []otpauth.Removed, error) {
	f := func(k string) string { return strings.TrimSpace(e.fields[k]) }
	var a vault.Account
	var removed []otpauth.Removed
	var err error
	switch {
	case f("otp") != "":
		a, removed, err = kdbxOTPField(f("otp"))
	case f("TOTP Seed") != "":
		a, err = kdbxLegacyTOTP(f("TOTP Seed"), f("TOTP Settings"))
	case kdbxSecretField(e, "TimeOtp-Secret") != "":
		a, err = kdbxTimeOtp(e)
	case kdbxSecretField(e, "HmacOtp-Secret") != "":
		a, err = kdbxHmacOtp(e)
	default:
		return a, nil, errKDBXNoOTP
	}
	if err != nil {
		return a, nil, err
	}
	title, user := f("Title"), f("UserName")
	if a.Issuer == "" {
		a.Issuer = title
	}
	if a.Name == "" {
		a.Name = user
	}
	if a.Name == "" && title != a.Issuer {
		a.Name = title
	}
	if len(e.group) > 0 {
		a.Group = strings.Join(e.group, "/")
	}
	steamDefaults(&a)
	return a, removed, nil
}

// kdbxOTPField reads KeePassXC's otp attribute.
func kdbxOTPField(v string) (vault.Account, []otpauth.Removed, error) {
	if strings.Contains(v, "://") {
		return otpauth.ParseReporting(v)
	}
	if !strings.Contains(v, "=") {
		return vault.Account{Type: vault.TOTP, Secret: v}, nil, nil // a bare secret
	}
	q, err := url.ParseQuery(v)
	if err != nil || q.Get("key") == "" {
		return vault.Account{}, nil, errors.New("the otp field is neither an otpauth:// link nor key=…&step=…&size=… settings")
	}
	a := vault.Account{Type: vault.TOTP, Secret: q.Get("key")}
	if t := strings.ToLower(q.Get("type")); t == "hotp" {
		a.Type = vault.HOTP
		if a.Counter, err = strconv.ParseUint(q.Get("counter"), 10, 64); q.Get("counter") != "" && err != nil {
			return a, nil, errors.New("the otp field's counter is not a number")
		}
	}
	if a.Period, err = kdbxNumber(q.Get("step"), "step"); err != nil {
		return a, nil, err
	}
	if s := q.Get("size"); strings.EqualFold(s, "S") {
		a.Type = vault.Steam
	} else if a.Digits, err = kdbxNumber(s, "size"); err != nil {
		return a, nil, err
	}
	if strings.EqualFold(q.Get("encoder"), "steam") {
		a.Type = vault.Steam
	}
	a.Algorithm = vault.Algorithm(strings.TrimPrefix(strings.ToUpper(q.Get("otpHashMode")), "HMAC-"))
	return a, nil, nil
}

// kdbxLegacyTOTP reads "TOTP Seed" and "TOTP Settings" ("30;6", "30;8",
// "30;S" for Steam; empty means 30 seconds, 6 digits).
func kdbxLegacyTOTP(seed, settings string) (vault.Account, error) {
	a := vault.Account{Type: vault.TOTP, Secret: seed}
	if settings == "" {
		return a, nil
	}
	parts := strings.Split(settings, ";")
	var err error
	if a.Period, err = kdbxNumber(parts[0], "TOTP Settings period"); err != nil {
		return a, err
	}
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		switch {
		case strings.EqualFold(p, "S"):
			a.Type = vault.Steam
		case a.Digits == 0:
			if a.Digits, err = kdbxNumber(p, "TOTP Settings digits"); err != nil {
				return a, err
			}
		}
	}
	return a, nil
}

// kdbxTimeOtp reads KeePass's own TOTP fields.
func kdbxTimeOtp(e kdbxEntry) (vault.Account, error) {
	secret, err := kdbxSecret(e, "TimeOtp-Secret")
	if err != nil {
		return vault.Account{}, err
	}
	a := vault.Account{Type: vault.TOTP, Secret: secret}
	if a.Digits, err = kdbxNumber(e.fields["TimeOtp-Length"], "TimeOtp-Length"); err != nil {
		return a, err
	}
	if a.Period, err = kdbxNumber(e.fields["TimeOtp-Period"], "TimeOtp-Period"); err != nil {
		return a, err
	}
	alg := strings.ToUpper(strings.TrimSpace(e.fields["TimeOtp-Algorithm"]))
	a.Algorithm = vault.Algorithm(strings.ReplaceAll(strings.TrimPrefix(alg, "HMAC-"), "-", ""))
	return a, nil
}

// kdbxHmacOtp reads KeePass's own HOTP fields.
func kdbxHmacOtp(e kdbxEntry) (vault.Account, error) {
	secret, err := kdbxSecret(e, "HmacOtp-Secret")
	if err != nil {
		return vault.Account{}, err
	}
	a := vault.Account{Type: vault.HOTP, Secret: secret}
	if c := strings.TrimSpace(e.fields["HmacOtp-Counter"]); c != "" {
		if a.Counter, err = strconv.ParseUint(c, 10, 64); err != nil {
			return a, errors.New("the HmacOtp-Counter field is not a number")
		}
	}
	return a, nil
}

// kdbxSecretField is the first of prefix's secret fields the entry has.
func kdbxSecretField(e kdbxEntry, prefix string) string {
	for _, suffix := range []string{"", "-Hex", "-Base32", "-Base64"} {
		if e.fields[prefix+suffix] != "" {
			return prefix + suffix
		}
	}
	return ""
}

// kdbxSecret decodes one of KeePass's secret fields to base32.
func kdbxSecret(e kdbxEntry, prefix string) (string, error) {
	name := kdbxSecretField(e, prefix)
	v := e.fields[name]
	var key []byte
	var err error
	switch strings.TrimPrefix(name, prefix) {
	case "":
		key = []byte(v) // the secret's UTF-8 bytes
	case "-Hex":
		key, err = hex.DecodeString(strings.Join(strings.Fields(v), ""))
	case "-Base32":
		return v, nil
	case "-Base64":
		key, err = base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	}
	if err != nil {
		return "", errors.New("the " + name + " field is not valid")
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key), nil
}

// kdbxNumber reads a small number field; empty is 0 (the default).
func kdbxNumber(s, what string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1<<20 {
		return 0, errors.New("the " + what + " is not a number")
	}
	return n, nil
}

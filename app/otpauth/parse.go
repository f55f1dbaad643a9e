package otpauth

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/vault"
)

// MaxURILength bounds the URIs Parse and DecodeMigration read. A QR code
// holds at most about 4 KiB; anything past 64 KiB is not a real key.
const MaxURILength = 64 << 10

var (
	// ErrInvalidURI is wrapped by every error Parse returns.
	ErrInvalidURI = errors.New("invalid otpauth URI")
	// ErrMigrationLink is returned (wrapped) by Parse for an
	// otpauth-migration:// link, which DecodeMigration reads.
	ErrMigrationLink = errors.New("this is a Google Authenticator export (otpauth-migration) link")
)

// IsLink reports whether s is meant as an authenticator link, the kind a
// browser hands to Latchkey: it starts with otpauth:// or
// otpauth-migration://, in any letter case. It says nothing of whether the
// link is well-formed: Parse and DecodeMigration do.
func IsLink(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "otpauth://") || strings.HasPrefix(l, "otpauth-migration://")
}

// uriError is a Parse error: its message names the problem, and it wraps
// ErrInvalidURI and, when there is one, the *codes.AccountError behind it.
type uriError struct {
	problem string
	cause   error
}

func (e *uriError) Error() string { return ErrInvalidURI.Error() + ": " + e.problem }

func (e *uriError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrInvalidURI}
	}
	return []error{ErrInvalidURI, e.cause}
}

func uriErr(format string, args ...any) error {
	return &uriError{problem: fmt.Sprintf(format, args...)}
}

// fromAccountErr restates a Normalize error as a URI error.
func fromAccountErr(err error) error {
	var ae *codes.AccountError
	if errors.As(err, &ae) {
		return &uriError{problem: ae.Problem, cause: err}
	}
	return &uriError{problem: "invalid account", cause: err}
}

// Parse reads an otpauth:// or steam:// URI into a normalised account (see
// the package comment for what it accepts). ID, Created and Updated are left
// zero for the caller to set. Errors wrap ErrInvalidURI, name the problem and
// never contain the secret.
func Parse(uri string) (vault.Account, error) {
	a, _, err := parse(uri, true)
	return a, err
}

// ParseReporting is Parse normalising with NormalizeReporting: for links
// from a file, a QR code or a paste, which cannot be retyped, control
// characters in the label are taken out rather than refused, and it says
// what it removed (see Removed) so the caller can warn the user.
func ParseReporting(uri string) (vault.Account, []Removed, error) {
	return parse(uri, false)
}

func parse(uri string, refuseControls bool) (vault.Account, []Removed, error) {
	s, problem := precheck(uri)
	if problem != "" {
		return vault.Account{}, nil, uriErr("%s", problem)
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return vault.Account{}, nil, uriErr("it does not start with otpauth://")
	}
	rest, _, _ = strings.Cut(rest, "#") // a fragment means nothing here
	var a vault.Account
	var err error
	switch strings.ToLower(scheme) {
	case "otpauth":
		a, err = parseOTPAuth(rest)
	case "steam":
		a, err = parseSteam(rest)
	case "otpauth-migration":
		return vault.Account{}, nil, &uriError{problem: ErrMigrationLink.Error() + ", not a single key", cause: ErrMigrationLink}
	default:
		return vault.Account{}, nil, uriErr("scheme %s is not otpauth", quote(scheme))
	}
	if err != nil {
		return vault.Account{}, nil, err
	}
	removed, err := normalize(&a, refuseControls)
	if err != nil {
		return vault.Account{}, nil, fromAccountErr(err)
	}
	return a, removed, nil
}

// precheck bounds and trims input and rejects control characters, which no
// URI may contain raw. It returns the trimmed input or a problem.
func precheck(uri string) (s, problem string) {
	if len(uri) > MaxURILength {
		return "", fmt.Sprintf("it is %d bytes long; the limit is %d", len(uri), MaxURILength)
	}
	s = strings.TrimSpace(uri)
	if s == "" {
		return "", "it is empty"
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return "", fmt.Sprintf("it contains a control character at byte %d", i)
		}
	}
	return s, ""
}

// parseSteam reads Bitwarden's steam://SECRET; the account is not yet
// normalised.
func parseSteam(rest string) (vault.Account, error) {
	secret, _, _ := strings.Cut(rest, "?")
	secret = strings.Trim(secret, "/")
	if secret == "" {
		return vault.Account{}, uriErr("steam:// URI has no secret")
	}
	return vault.Account{Type: vault.Steam, Issuer: "Steam", Secret: secret}, nil
}

func parseOTPAuth(rest string) (vault.Account, error) {
	path, rawQuery, _ := strings.Cut(rest, "?")
	rawType, rawLabel, _ := strings.Cut(path, "/")
	typ, err := parseType(rawType)
	if err != nil {
		return vault.Account{}, err
	}
	label, err := decodeLabel(rawLabel)
	if err != nil {
		return vault.Account{}, err
	}
	q, err := parseQuery(rawQuery)
	if err != nil {
		return vault.Account{}, err
	}
	a := vault.Account{Type: typ}
	a.Issuer, a.Name = splitLabel(label, strings.TrimSpace(q["issuer"]))
	if err := applyParams(&a, q); err != nil {
		return vault.Account{}, err
	}
	return a, nil
}

func parseType(s string) (vault.Type, error) {
	switch t := vault.Type(strings.ToLower(s)); t {
	case vault.TOTP, vault.HOTP, vault.Steam:
		return t, nil
	case "":
		return "", uriErr("it has no type (totp or hotp) after otpauth://")
	}
	return "", uriErr("type %s is not supported (totp, hotp, steam)", quote(s))
}

// decodeLabel percent-decodes the label. "+" stands for a space only when
// the label was evidently form-encoded (see the package comment).
func decodeLabel(raw string) (string, error) {
	if strings.Contains(raw, "+") && !strings.ContainsAny(raw, "@ ") && !strings.Contains(raw, "%20") {
		raw = strings.ReplaceAll(raw, "+", "%20")
	}
	label, err := url.PathUnescape(raw)
	if err != nil {
		return "", uriErr("the label is not valid percent-encoding")
	}
	return label, nil
}

// splitLabel returns the issuer and account name of label, preferring the
// issuer parameter (already trimmed) when there is one. When the label starts
// with that issuer and a colon, the rest is the name even if the issuer
// contains a colon itself; otherwise the first colon separates the label's
// issuer from the name.
func splitLabel(label, issuerParam string) (issuer, name string) {
	if issuerParam != "" {
		if rest, ok := strings.CutPrefix(label, issuerParam+":"); ok {
			return issuerParam, rest
		}
	}
	issuer, name, ok := strings.Cut(label, ":")
	if !ok {
		issuer, name = "", label
	}
	if issuerParam != "" {
		issuer = issuerParam
	}
	return strings.TrimSpace(issuer), strings.TrimSpace(name)
}

// knownParams are the parameters Parse reads; a repeated one must repeat the
// same value.
var knownParams = map[string]bool{
	"secret": true, "issuer": true, "algorithm": true, "digits": true,
	"period": true, "counter": true, "encoder": true, "portal": true,
}

// parseQuery decodes the query form-style ("+" is a space) with lower-cased
// keys. Unknown parameters are kept but never read.
func parseQuery(raw string) (map[string]string, error) {
	q := map[string]string{}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, uriErr("a parameter name is not valid percent-encoding")
		}
		key = strings.ToLower(strings.TrimSpace(key))
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, uriErr("parameter %s is not valid percent-encoding", quote(key))
		}
		if old, dup := q[key]; dup && knownParams[key] && old != val {
			return nil, uriErr("parameter %s is given twice with different values", quote(key))
		}
		q[key] = val
	}
	return q, nil
}

// applyParams reads the OTP parameters of q into a, whose Type and label are
// set. Ranges are checked by Normalize; explicit zeros, which Normalize would
// take for "use the default", are rejected here.
func applyParams(a *vault.Account, q map[string]string) error {
	a.Secret = q["secret"]
	if strings.TrimSpace(a.Secret) == "" {
		return uriErr("it has no secret parameter")
	}
	steps := []func(*vault.Account, map[string]string) error{
		paramAlgorithm, paramDigits, paramPeriod, paramCounter, paramEncoder, paramPortal,
	}
	for _, step := range steps {
		if err := step(a, q); err != nil {
			return err
		}
	}
	return nil
}

func paramAlgorithm(a *vault.Account, q map[string]string) error {
	v, ok := q["algorithm"]
	if !ok || strings.TrimSpace(v) == "" {
		return nil
	}
	alg, err := ParseAlgorithm(strings.TrimSpace(v))
	if err != nil {
		return uriErr("%s", err.Error())
	}
	a.Algorithm = alg
	return nil
}

func paramDigits(a *vault.Account, q map[string]string) error {
	v, ok := q["digits"]
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return uriErr("digits %s is not a number", quote(v))
	}
	if n <= 0 {
		return uriErr("digits %d is out of range (6 to 8, Steam 5)", n)
	}
	a.Digits = n
	return nil
}

func paramPeriod(a *vault.Account, q map[string]string) error {
	v, ok := q["period"]
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return uriErr("period %s is not a whole number of seconds", quote(v))
	}
	if n <= 0 {
		return uriErr("period %d is not a positive number of seconds", n)
	}
	a.Period = n
	return nil
}

// paramCounter reads the HOTP counter; other types ignore it.
func paramCounter(a *vault.Account, q map[string]string) error {
	v, ok := q["counter"]
	if !ok || a.Type != vault.HOTP {
		return nil
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return uriErr("counter %s is not a whole number from 0 to 2^64-1", quote(v))
	}
	a.Counter = n
	return nil
}

// paramEncoder recognises Steam: encoder=steam, or issuer Steam with
// digits=5 (5 digits is valid for nothing else).
func paramEncoder(a *vault.Account, q map[string]string) error {
	enc := strings.ToLower(strings.TrimSpace(q["encoder"]))
	switch {
	case enc == "steam":
	case enc != "":
		return uriErr("encoder %s is not supported (only steam)", quote(q["encoder"]))
	case strings.EqualFold(a.Issuer, "Steam") && a.Digits == codes.SteamDigits:
	default:
		return nil
	}
	switch a.Type {
	case vault.TOTP, vault.Steam:
		a.Type = vault.Steam
		return nil
	}
	return uriErr("Steam codes need a totp URI, not %s", a.Type)
}

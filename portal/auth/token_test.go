package auth_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/latchkey/latchkey/portal/auth"
)

func TestTokenRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		tok := auth.NewToken()
		enc := tok.Encode()
		if len(enc) != auth.TokenLen || strings.ContainsAny(enc, "+/=") {
			t.Fatalf("encoded token %q", enc)
		}
		if seen[enc] {
			t.Fatal("repeated token")
		}
		seen[enc] = true
		back, err := auth.ParseToken(enc)
		if err != nil || back != tok {
			t.Fatalf("ParseToken(Encode) = %v", err)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(enc)
		if h := tok.Hash(); h != auth.TokenHash(sha256.Sum256(raw)) {
			t.Fatal("Hash is not the SHA-256 of the token's bytes")
		}
		h, err := auth.HashEncodedToken(enc)
		if err != nil || h != tok.Hash() {
			t.Fatalf("HashEncodedToken = %v", err)
		}
	}
}

// TestTokenHashVector: SHA-256 of 32 zero bytes, the token
// "AAAA…A" (43 characters).
func TestTokenHashVector(t *testing.T) {
	h, err := auth.HashEncodedToken(strings.Repeat("A", 43))
	if err != nil {
		t.Fatal(err)
	}
	if h.String() != "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925" {
		t.Fatalf("hash %s", h)
	}
}

func TestParseTokenRefuses(t *testing.T) {
	good := auth.NewToken().Encode()
	// 32 bytes in 43 characters leave 2 spare bits, which must be zero:
	// the last character is one of A E I M Q U Y c g k o s w 0 4 8.
	nonCanonical := good[:42] + "B"
	tests := []struct{ name, in, says string }{
		{"empty", "", "0 characters"},
		{"truncated", good[:40], "40 characters"},
		{"one short", good[:42], "42 characters"},
		{"one long", good + "A", "44 characters"},
		{"padded", good + "=", "44 characters"},
		{"standard base64 plus", good[:10] + "+" + good[11:], "character 11"},
		{"standard base64 slash", "/" + good[1:], "character 1"},
		{"space", good[:20] + " " + good[21:], "character 21"},
		{"non-ASCII", good[:41] + "é", "character 42"},
		{"trailing bits", nonCanonical, "canonical"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := auth.ParseToken(tt.in)
			if !errors.Is(err, auth.ErrTokenFormat) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("ParseToken = %v; want ErrTokenFormat saying %q", err, tt.says)
			}
			if len(tt.in) > 8 && strings.Contains(err.Error(), tt.in[:8]) {
				t.Errorf("error quotes the token: %v", err)
			}
		})
	}
}

func TestTokenNeverPrints(t *testing.T) {
	tok := auth.NewToken()
	enc := tok.Encode()
	hexForm := fmt.Sprintf("%x", tok[:])
	outputs := []string{
		fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s %q %x %X %d", tok, tok, tok, tok, tok, tok, tok, tok),
		fmt.Sprintf("%v", []auth.Token{tok}), fmt.Sprintf("%+v", struct{ T auth.Token }{tok}),
	}
	j, _ := json.Marshal(map[string]any{"token": tok})
	outputs = append(outputs, string(j))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("link issued", "token", tok, "hash", tok.Hash())
	slog.New(slog.NewTextHandler(&buf, nil)).Info("link issued", "token", tok)
	outputs = append(outputs, buf.String())
	for _, out := range outputs {
		if strings.Contains(out, enc) || strings.Contains(out, hexForm) || strings.Contains(out, enc[:12]) {
			t.Errorf("token printed: %s", out)
		}
		if !strings.Contains(out, auth.Redacted) {
			t.Errorf("no redaction marker in %s", out)
		}
	}
	if !strings.Contains(buf.String(), tok.Hash().String()) {
		t.Error("the token hash should be loggable")
	}
}

func BenchmarkParseToken(b *testing.B) {
	enc := auth.NewToken().Encode()
	for b.Loop() {
		if _, err := auth.HashEncodedToken(enc); err != nil {
			b.Fatal(err)
		}
	}
}

package vault

import "testing"

func TestAccountLabel(t *testing.T) {
	tests := []struct {
		issuer, name string
		want         string
	}{
		{"Huntress", "ann@msp.example", "Huntress: ann@msp.example"},
		{"", "ann@msp.example", "ann@msp.example"},
		// An empty name shows the issuer alone, not "Huntress: ".
		{"Huntress", "", "Huntress"},
		{"", "", ""},
		{"Zoë 🔐", "用户", "Zoë 🔐: 用户"},
	}
	for _, tt := range tests {
		a := Account{Issuer: tt.issuer, Name: tt.name, Secret: "JBSWY3DPEHPK3PXP"}
		if got := a.Label(); got != tt.want {
			t.Errorf("Label of issuer %q, name %q = %q, want %q", tt.issuer, tt.name, got, tt.want)
		}
	}
}

func TestAccountLabelKey(t *testing.T) {
	same := [][2]Account{
		{{Issuer: "Huntress", Name: "ann"}, {Issuer: " huntress ", Name: "ANN"}},
		{{Name: "ann"}, {Issuer: "  ", Name: "Ann"}},
	}
	for _, p := range same {
		if p[0].LabelKey() != p[1].LabelKey() {
			t.Errorf("%q and %q have different keys", p[0].Label(), p[1].Label())
		}
	}
	differ := [][2]Account{
		{{Issuer: "Huntress", Name: "ann"}, {Issuer: "Huntress", Name: "bob"}},
		// The separator keeps issuer and name apart.
		{{Issuer: "ab", Name: "c"}, {Issuer: "a", Name: "bc"}},
	}
	for _, p := range differ {
		if p[0].LabelKey() == p[1].LabelKey() {
			t.Errorf("%q and %q share a key", p[0].Label(), p[1].Label())
		}
	}
}

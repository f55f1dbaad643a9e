package aegis

import (
	"encoding/json"
	"reflect"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// What a writer encodes with these types a reader decodes to the same
// values, whether it reads the entries typed or raw (as app/importer does,
// to skip one it cannot read).
func TestRoundTrip(t *testing.T) {
	content := Content[Entry]{Version: ContentVersion,
		Groups: []Group{{UUID: "6f5e4d3c-2b1a-4c0d-9e8f-7a6b5c4d3e2f", Name: "Work <&>"}},
		Entries: []Entry{
			{Type: "totp", UUID: "e0", Name: "ann@msp.example", Issuer: "Huntress", Note: "desk", Favorite: true,
				Icon: ptr("iVBORw0KGgo="), IconMime: ptr("image/png"), IconHash: ptr("00ff"),
				Info:   Info{Secret: "JBSWY3DPEHPK3PXP", Algo: "SHA1", Digits: 6, Period: 30},
				Groups: []string{"6f5e4d3c-2b1a-4c0d-9e8f-7a6b5c4d3e2f"}},
			{Type: "hotp", UUID: "e1", Name: "bob", Issuer: "Vendor", Groups: []string{},
				Info: Info{Secret: "GEZDGNBVGY3TQOJQ", Algo: "SHA256", Digits: 8, Counter: ptr[int64](0)}},
			{Type: "totp", UUID: "e2", Name: "old", Group: ptr("Personal"), // content version 1 and 2
				Info: Info{Secret: "JBSWY3DPEHPK3PXQ", Algo: "SHA1", Digits: 6, Period: 30}},
		}}
	db, err := json.Marshal(content)
	if err != nil {
		t.Fatal(err)
	}
	params := Params{Nonce: "000102030405060708090a0b", Tag: "000102030405060708090a0b0c0d0e0f"}
	file := File{Version: FileVersion, DB: db, Header: Header{Params: &params, Slots: []Slot{{
		Type: PasswordSlot, UUID: "s0", Key: "aa", KeyParams: &params,
		N: ScryptN, R: ScryptR, P: ScryptP, Salt: "bb", Repaired: true}}}}
	data, err := json.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}

	var gotFile File
	if err := json.Unmarshal(data, &gotFile); err != nil {
		t.Fatal(err)
	}
	var typed Content[Entry]
	if err := json.Unmarshal(gotFile.DB, &typed); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(typed, content) {
		t.Errorf("content read back as\n%+v\nwant\n%+v", typed, content)
	}
	gotFile.DB, file.DB = nil, nil
	if !reflect.DeepEqual(gotFile, file) {
		t.Errorf("file read back as %+v, want %+v", gotFile, file)
	}

	var raw Content[json.RawMessage]
	if err := json.Unmarshal(db, &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Version != content.Version || !reflect.DeepEqual(raw.Groups, content.Groups) || len(raw.Entries) != len(content.Entries) {
		t.Fatalf("raw content %+v", raw)
	}
	for i, r := range raw.Entries {
		var e Entry
		if err := json.Unmarshal(r, &e); err != nil || !reflect.DeepEqual(e, content.Entries[i]) {
			t.Errorf("raw entry %d reads as %+v (%v), want %+v", i, e, err, content.Entries[i])
		}
	}
}

// A time-based entry has no counter member and an HOTP entry no period;
// an HOTP counter of 0 is still written. Only old content has "group".
func TestOptionalMembers(t *testing.T) {
	tests := []struct {
		e          Entry
		has, hasnt []string
	}{
		{Entry{Type: "totp", Info: Info{Period: 30}}, []string{"period"}, []string{"counter", "group"}},
		{Entry{Type: "hotp", Info: Info{Counter: ptr[int64](0)}}, []string{"counter"}, []string{"period", "group"}},
	}
	for _, tt := range tests {
		data, err := json.Marshal(tt.e)
		if err != nil {
			t.Fatal(err)
		}
		var top, info map[string]json.RawMessage
		if err := json.Unmarshal(data, &top); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(top["info"], &info); err != nil {
			t.Fatal(err)
		}
		for _, k := range tt.has {
			if _, ok := info[k]; !ok {
				t.Errorf("%s entry: no %q in %s", tt.e.Type, k, data)
			}
		}
		for _, k := range tt.hasnt {
			_, inInfo := info[k]
			_, inEntry := top[k]
			if inInfo || inEntry {
				t.Errorf("%s entry: %q in %s", tt.e.Type, k, data)
			}
		}
	}
}

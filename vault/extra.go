package vault

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// extra holds the JSON members a newer Latchkey wrote that this version does
// not know. They are written back unchanged, so opening a vault with an older
// release never drops data.
type extra map[string]json.RawMessage

func (e extra) clone() extra {
	if e == nil {
		return nil
	}
	c := make(extra, len(e))
	for k, v := range e {
		c[k] = append(json.RawMessage(nil), v...)
	}
	return c
}

var knownKeys sync.Map // reflect.Type → map[string]bool

// jsonKeys lists the member names encoding/json uses for t's exported fields.
func jsonKeys(t reflect.Type) map[string]bool {
	if k, ok := knownKeys.Load(t); ok {
		return k.(map[string]bool)
	}
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		keys[name] = true
	}
	knownKeys.Store(t, keys)
	return keys
}

// marshalWithExtra encodes v (a pointer to a struct type without custom
// methods) and appends the unknown members in ex.
func marshalWithExtra(v any, ex extra) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(ex) == 0 {
		return b, err
	}
	known := jsonKeys(reflect.TypeOf(v).Elem())
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1]) // drop the closing brace
	empty := bytes.Equal(b, []byte("{}"))
	for _, k := range sortedKeys(ex) {
		if known[k] {
			continue // a field this version knows wins over a stale copy
		}
		if !empty {
			buf.WriteByte(',')
		}
		empty = false
		kb, _ := json.Marshal(k)
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(ex[k])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// unknownMembers returns the members of a JSON object that v's struct
// type (a pointer) has no field for.
func unknownMembers(obj map[string]json.RawMessage, v any) extra {
	known := jsonKeys(reflect.TypeOf(v).Elem())
	var ex extra
	for k, raw := range obj {
		if known[k] {
			continue
		}
		if ex == nil {
			ex = extra{}
		}
		ex[k] = raw
	}
	return ex
}

func sortedKeys(ex extra) []string {
	// Insertion order is lost in a map; a stable order keeps output stable.
	return slices.Sorted(maps.Keys(ex))
}

// The aliases have the fields but not the methods, so encoding/json does not
// recurse into the methods below. Decoding needs no methods: the document
// decoder (document.go) fills the extras of every level in one place.
type (
	accountJSON    Account
	backupCodeJSON BackupCode
	portalJSON     Portal
)

// MarshalJSON implements json.Marshaler, keeping unknown members.
func (a Account) MarshalJSON() ([]byte, error) {
	return marshalWithExtra((*accountJSON)(&a), a.extra)
}

// MarshalJSON implements json.Marshaler, keeping unknown members.
func (c BackupCode) MarshalJSON() ([]byte, error) {
	return marshalWithExtra((*backupCodeJSON)(&c), c.extra)
}

// MarshalJSON implements json.Marshaler, keeping unknown members.
func (p Portal) MarshalJSON() ([]byte, error) {
	return marshalWithExtra((*portalJSON)(&p), p.extra)
}

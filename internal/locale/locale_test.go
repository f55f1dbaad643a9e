package locale

import "testing"

func TestRepair(t *testing.T) {
	env := map[string]string{"LC_ALL": "C.UTF-8", "LC_MESSAGES": "de_DE.UTF-8", "LANG": "POSIX"}
	Repair(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
	want := map[string]string{"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "de_DE.UTF-8", "LANG": "en_US.UTF-8"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
}

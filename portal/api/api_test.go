package api_test

import (
	"testing"

	"github.com/latchkey/latchkey/portal/api"
)

func TestIsLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "[::1]": true, "localhost": true, "LOCALHOST": true,
		"0.0.0.0": false, "": false, "10.0.0.1": false, "example.com": false, "localhost.example.com": false, "::": false,
	} {
		if got := api.IsLoopbackHost(host); got != want {
			t.Errorf("IsLoopbackHost(%q) = %v", host, got)
		}
	}
}

//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/auth"
	"github.com/latchkey/latchkey/portal/store"
	"github.com/latchkey/latchkey/portal/store/postgres"
)

// TestRedeemRaceAcrossNodes is the issue's race proof: 1,000 concurrent
// redemptions of one recovery link, spread over two portal processes that
// share one PostgreSQL database. Exactly one may succeed; every other
// answer must be a clean 4xx. Run it with:
//
//	sh scripts/with-postgres.sh go test -run RedeemRace -v ./cmd/latchkey-portal/
func TestRedeemRaceAcrossNodes(t *testing.T) {
	if os.Getenv("LATCHKEY_TEST_POSTGRES") == "" {
		t.Skip("LATCHKEY_TEST_POSTGRES not set; run under scripts/with-postgres.sh")
	}
	bin := buildPortal(t)
	db := postgresDB(t)

	// Seed a user and one link straight in the store, as an approval would.
	ctx := context.Background()
	st, err := postgres.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tn, err := st.CreateTenant(ctx, store.NewTenant{Name: "Race", Policy: store.TenantPolicy{Require2FA: true}})
	if err != nil {
		t.Fatal(err)
	}
	// A link needs the account's password too; hashed at the cheapest cost
	// (the stored hash names its own), so the race is the store's, not Argon2id's.
	const password = "the racer's password"
	hasher, err := auth.NewPasswordHasher(auth.PasswordOptions{Params: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := hasher.Hash(ctx, password)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.CreateUser(ctx, store.NewUser{TenantID: tn.ID, Email: "racer@example.com", Name: "Racer", Role: store.RoleReadOnly, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	tok := auth.NewToken()
	if _, err := st.IssueRecoveryLink(ctx, store.NewRecoveryLink{
		UserID: u.ID, Purpose: store.LinkReenrol2FA, TokenHash: store.TokenHash(tok.Hash()),
		ExpiresAt: time.Now().Add(time.Hour),
	}); err != nil {
		t.Fatal(err)
	}

	env := []string{"LATCHKEY_PORTAL_KEYRING=" + testKeyringSpec(t), "LATCHKEY_PORTAL_DB=" + db}
	nodes := []*portalProcess{startPortal(t, bin, env), startPortal(t, bin, env)}

	const attempts = 1000
	body := []byte(fmt.Sprintf(`{"token":%q,"password":%q}`, tok.Encode(), password))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}, Timeout: 60 * time.Second}
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	var failures []string
	for i := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			node := nodes[i%len(nodes)]
			<-start
			resp, err := client.Post("http://"+node.addr+"/v1/recovery-links/redeem", "application/json", bytes.NewReader(body))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures = append(failures, err.Error())
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[resp.StatusCode]++
		}()
	}
	close(start)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d requests failed at the transport, e.g. %s", len(failures), failures[0])
	}
	ok := 0
	for code, n := range statuses {
		switch {
		case code >= 200 && code < 300:
			ok += n
		case code >= 400 && code < 500:
		default:
			t.Errorf("%d answers with status %d", n, code)
		}
	}
	t.Logf("%d redemptions over %d nodes: %v", attempts, len(nodes), statuses)
	if ok != 1 {
		t.Fatalf("%d redemptions succeeded, want exactly 1 (statuses %v)", ok, statuses)
	}
	for _, n := range nodes {
		if out := n.output(); strings.Contains(out, tok.Encode()) || strings.Contains(out, password) {
			t.Error("the link token or the password reached a portal's log")
		}
		n.stop(t)
	}
}

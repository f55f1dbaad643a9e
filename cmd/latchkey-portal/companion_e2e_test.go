//go:build unix

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/latchkey/latchkey/app/codes"
	"github.com/latchkey/latchkey/cli"
	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
	"github.com/latchkey/latchkey/vault"
)

// TestCompanionRecoveryEndToEnd is the proof of the recovery loop, all
// through real HTTP against the built portal (SQLite store, e-mail written
// to a directory) and the real CLI run in-process (no display needed):
//
//  1. `latchkey-portal admin create` bootstraps the owner, olga;
//  2. olga signs in through the API, confirms her address from the e-mail
//     file, enrols, and her otpauth URI (with portal=) goes into her vault
//     with `latchkey add`; she creates ann through the admin API;
//  3. ann enrols the same way into her vault;
//  4. ann loses it: the vault is deleted with the device, and on her new
//     computer she makes a new vault whose account holds only what she
//     knows of it, the portal's address and her e-mail (the secret there is
//     a stand-in the portal refuses);
//  5. `latchkey recover request` prints the phrase; olga signs in with
//     `latchkey admin login` (her password and the code of her own vault
//     account), finds the request with `admin requests` and approves it
//     with `admin approve --phrase` and the phrase ann's CLI printed;
//  6. ann's `recover status` receives the link, `recover complete` enrols
//     a new authenticator into the vault, and ann signs in with the vault's
//     new code; the lost one stays refused.
func TestCompanionRecoveryEndToEnd(t *testing.T) {
	bin := buildPortal(t)
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "portal.db")
	mailDir := filepath.Join(dir, "mail")
	env := []string{"LATCHKEY_PORTAL_KEYRING=" + testKeyringSpec(t)}
	const olgaPassword, annPassword = "olga's long portal passphrase", "ann's long portal passphrase"
	const adminSetPassword = "the first password olga chose for ann"
	start := time.Now()

	boot := exec.Command(bin, "admin", "create", "--db", db, "--tenant", "Acme", "--email", "olga@acme.example",
		"--name", "Olga", "--password-file", secretFile(t, olgaPassword))
	boot.Env = append(os.Environ(), env...)
	if out, err := boot.CombinedOutput(); err != nil {
		t.Fatalf("admin create: %v\n%s", err, out)
	}
	p := startPortal(t, bin, env, "--db", db, "--mail-dir", mailDir)
	base := "http://" + p.addr
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pc, err := lksync.New(base, lksync.Options{})
	if err != nil {
		t.Fatal(err)
	}

	olga := newDesk(t)
	olgaSession := enrolThroughAPI(ctx, t, pc, mailDir, olga, "olga@acme.example", olgaPassword)
	if _, err := pc.CreateAdminUser(ctx, olgaSession, api.AdminUserCreate{
		Email: "ann@acme.example", Name: "Ann", Role: api.AdminRoleTechnician, Password: adminSetPassword,
	}); err != nil {
		t.Fatalf("create ann: %v", err)
	}

	lost := newDesk(t)
	annSession := enrolThroughAPI(ctx, t, pc, mailDir, lost, "ann@acme.example", adminSetPassword)
	// Olga chose ann's first password, so it proves nothing; ann sets her own.
	if _, err := pc.ChangePassword(ctx, annSession, api.PasswordChange{CurrentPassword: adminSetPassword, NewPassword: annPassword}); err != nil {
		t.Fatalf("ann's password change: %v", err)
	}
	lostSecret := lost.account(t, "ann").Secret
	if err := os.RemoveAll(lost.home); err != nil {
		t.Fatal(err)
	}

	ann := newDesk(t)
	stand := "otpauth://totp/" + url.PathEscape("Latchkey Portal:ann@acme.example") + "?secret=" + randomSecret(t) +
		"&issuer=" + url.QueryEscape("Latchkey Portal") + "&portal=" + url.QueryEscape(base)
	ann.must(t, "add", stand)
	if signIn(ctx, t, pc, "ann@acme.example", annPassword, ann.code(t, "ann", 0)) {
		t.Fatal("the portal took the stand-in secret")
	}

	annPW := secretFile(t, annPassword)
	out := ann.must(t, "recover", "request", "ann", "--message", "my laptop was stolen", "--password-file", annPW)
	phrase := regexp.MustCompile(`Verification phrase: (.+)`).FindStringSubmatch(out)
	if phrase == nil {
		t.Fatalf("no phrase in:\n%s", out)
	}
	ann.mustSay(t, `: sent`, "recover", "status", "ann")

	olga.mustSay(t, "owner of Acme", "admin", "login", "olga", "--password-file", secretFile(t, olgaPassword))
	var queue []api.RecoveryQueueItem
	if err := json.Unmarshal([]byte(olga.must(t, "admin", "requests", "--status", "pending", "--json")), &queue); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(queue, func(q api.RecoveryQueueItem) bool { return q.Email == "ann@acme.example" })
	if i < 0 || queue[i].Phrase != phrase[1] || queue[i].User == nil || queue[i].Message != "my laptop was stolen" {
		t.Fatalf("ann's request is not in the queue as sent: %v", queue)
	}
	olga.mustSay(t, "The one-time link reaches the app that asked", "admin", "approve", strconv.FormatInt(queue[i].ID, 10), "--phrase", phrase[1])

	ann.mustSay(t, ": link_delivered", "recover", "status", "ann")
	ann.mustSay(t, "Saved 10 new backup codes and a new recovery code", "recover", "complete", "ann", "--password-file", annPW)
	// The confirmation spent this period's code: sign in with the next one.
	if !signIn(ctx, t, pc, "ann@acme.example", annPassword, ann.code(t, "ann", 30*time.Second)) {
		t.Fatal("the portal refuses the code of the recovered vault")
	}
	old := ann.account(t, "ann")
	old.Secret = lostSecret
	if signIn(ctx, t, pc, "ann@acme.example", annPassword, codeOf(t, old, time.Now())) {
		t.Error("the portal still takes the lost authenticator")
	}
	ann.mustSay(t, "No recovery request", "recover", "status", "ann")
	olga.mustSay(t, "Signed out of", "admin", "logout")
	p.stop(t)
	for _, secret := range []string{olgaPassword, annPassword, adminSetPassword, phrase[1]} {
		if strings.Contains(p.output(), secret) {
			t.Error("a secret reached the portal's log")
		}
	}
	t.Logf("the recovery loop took %v (after the build)", time.Since(start).Round(time.Millisecond))
}

// desk is a person's computer: a vault of their own and the CLI.
type desk struct {
	home    string
	keyring *vault.MemoryKeyring
	pass    string
}

func newDesk(t *testing.T) *desk {
	t.Helper()
	d := &desk{home: filepath.Join(t.TempDir(), "vault"), keyring: vault.NewMemoryKeyring(), pass: secretFile(t, "vault passphrase for the test")}
	d.must(t, "init")
	return d
}

func (d *desk) run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := cli.Run(context.Background(), args, cli.Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Keyring: d.keyring, WorkFactor: 10, Now: time.Now,
		Getenv: func(k string) string {
			switch k {
			case "LATCHKEY_HOME":
				return d.home
			case "LATCHKEY_PASSPHRASE_FILE":
				return d.pass
			}
			return ""
		},
	})
	return code, out.String(), errb.String()
}

// must runs a command that has to succeed and returns its output.
func (d *desk) must(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := d.run(args...)
	if code != 0 {
		t.Fatalf("latchkey %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func (d *desk) mustSay(t *testing.T, want string, args ...string) {
	t.Helper()
	if out := d.must(t, args...); !strings.Contains(out, want) {
		t.Fatalf("latchkey %s does not say %q:\n%s", strings.Join(args, " "), want, out)
	}
}

// code is the vault's code for query, at now+after.
func (d *desk) code(t *testing.T, query string, after time.Duration) string {
	t.Helper()
	return strings.TrimSpace(d.must(t, "code", query, "--at", strconv.FormatInt(time.Now().Add(after).Unix(), 10)))
}

func (d *desk) account(t *testing.T, query string) vault.Account {
	t.Helper()
	v, err := vault.Open(d.home, vault.Options{Keyring: d.keyring})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range v.Accounts() {
		if strings.Contains(a.Name, query) {
			return a
		}
	}
	t.Fatalf("no account %s", query)
	return vault.Account{}
}

// enrolThroughAPI signs email in for the first time, confirms the address
// from the e-mail file, enrols the authenticator into d's vault (with
// `latchkey add`, so the account is linked to the portal) and returns the
// full session.
func enrolThroughAPI(ctx context.Context, t *testing.T, pc *lksync.Client, mailDir string, d *desk, email, password string) string {
	t.Helper()
	ans, err := pc.SignIn(ctx, api.SignInRequest{Email: email, Password: password})
	if err != nil || ans.State != api.StateVerifyEmail {
		t.Fatalf("first sign-in of %s: %v %v", email, ans, err)
	}
	link := linkInMail(t, mailDir, email, "confirm your e-mail address")
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := pc.VerifyEmailToken(ctx, u.Query().Get("token")); err != nil || v.Purpose != api.PurposeVerifyEmail {
		t.Fatalf("confirming %s: %v %v", email, v, err)
	}
	ans, err = pc.CompleteSignIn(ctx, ans.Challenge)
	if err != nil || ans.State != api.StateSignedIn || ans.Session.Scope != api.ScopeEnrol {
		t.Fatalf("sign-in of %s after confirming: %v %v", email, ans, err)
	}
	e, err := pc.BeginEnrolment(ctx, ans.Session.Token)
	if err != nil || !strings.Contains(e.OTPAuthURI, "portal=") {
		t.Fatalf("enrolment of %s: %v %v", email, e, err)
	}
	d.mustSay(t, "Added Latchkey Portal: "+email+".", "add", e.OTPAuthURI)
	name, _, _ := strings.Cut(email, "@")
	if _, err := pc.ConfirmEnrolment(ctx, ans.Session.Token, api.EnrolmentConfirm{FactorID: e.FactorID, Code: d.code(t, name, 0)}); err != nil {
		t.Fatalf("confirming the authenticator of %s: %v", email, err)
	}
	full, err := pc.EnrolmentSaved(ctx, ans.Session.Token)
	if err != nil || full.Session == nil || full.Session.Scope != api.ScopeFull {
		t.Fatalf("saved: %v %v", full, err)
	}
	d.mustSay(t, "http://127.0.0.1", "portal", "show", name)
	return full.Session.Token
}

// signIn reports whether the portal signs email in with password and code.
func signIn(ctx context.Context, t *testing.T, pc *lksync.Client, email, password, code string) bool {
	t.Helper()
	ans, err := pc.SignIn(ctx, api.SignInRequest{Email: email, Password: password})
	if err != nil || ans.State != api.StateSecondFactor {
		t.Fatalf("password step of %s: %v %v", email, ans, err)
	}
	ans, err = pc.SecondFactor(ctx, api.SecondFactorRequest{Challenge: ans.Challenge, Method: api.MethodTOTP, Code: code})
	return err == nil && ans.State == api.StateSignedIn && ans.Session != nil && ans.Session.Scope == api.ScopeFull
}

var linkPattern = regexp.MustCompile(`https?://\S+\?token=\S+`)

// linkInMail is the link in the newest e-mail to addr whose subject holds
// subject, read from the portal's mail directory.
func linkInMail(t *testing.T, mailDir, addr, subject string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(mailDir, "*.eml"))
	slices.Sort(files) // named by time
	var dec mime.WordDecoder
	for i := len(files) - 1; i >= 0; i-- {
		raw, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", files[i], err)
		}
		subj, _ := dec.DecodeHeader(m.Header.Get("Subject"))
		to, _ := mail.ParseAddress(m.Header.Get("To"))
		if to == nil || !strings.EqualFold(to.Address, addr) || !strings.Contains(subj, subject) {
			continue
		}
		body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
		if err != nil {
			t.Fatal(err)
		}
		if link := linkPattern.FindString(string(body)); link != "" {
			return link
		}
	}
	t.Fatalf("no e-mail to %s about %q with a link in %s", addr, subject, mailDir)
	return ""
}

func secretFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(content+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func randomSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// codeOf is a's code at t.
func codeOf(t *testing.T, a vault.Account, at time.Time) string {
	t.Helper()
	code, err := codes.Generate(a, at)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

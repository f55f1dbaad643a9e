//go:build unix

package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/latchkey/latchkey/portal/api"
	lksync "github.com/latchkey/latchkey/sync"
)

// buildPortal builds the real binary with CGO_ENABLED=0 (which is also the
// proof that it builds that way).
func buildPortal(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	bin := filepath.Join(t.TempDir(), "latchkey-portal")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// portalProcess is a running `latchkey-portal serve`.
type portalProcess struct {
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	logs []map[string]any
	raw  strings.Builder
	done chan struct{}
}

func startPortal(t *testing.T, bin string, envVars []string, args ...string) *portalProcess {
	t.Helper()
	p := &portalProcess{done: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--mail-dir", t.TempDir()}, args...)...)
	p.cmd.Env = append(os.Environ(), envVars...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill() // no-op once it has exited
		<-p.done
	})
	listening := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			var rec map[string]any
			_ = json.Unmarshal([]byte(line), &rec)
			p.mu.Lock()
			p.raw.WriteString(line + "\n")
			p.logs = append(p.logs, rec)
			p.mu.Unlock()
			if rec["msg"] == "listening" {
				addr, _ := rec["addr"].(string)
				listening <- addr
			}
		}
	}()
	select {
	case p.addr = <-listening:
	case <-p.done:
		t.Fatalf("serve exited before listening:\n%s", p.output())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not listen within 60 s:\n%s", p.output())
	}
	return p
}

func (p *portalProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.raw.String()
}

// stop sends SIGTERM and waits for a clean exit.
func (p *portalProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { <-p.done; exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM:\n%s", err, p.output())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("serve still running 20 s after SIGTERM:\n%s", p.output())
	}
	out := p.output()
	if !strings.Contains(out, `"msg":"shutting down"`) || !strings.Contains(out, `"msg":"stopped"`) {
		t.Errorf("no shutdown log lines:\n%s", out)
	}
}

func TestServeEndToEnd(t *testing.T) {
	bin := buildPortal(t)
	spec := testKeyringSpec(t)
	_, key, _ := strings.Cut(spec, ":")
	dir := t.TempDir()

	t.Run("plain HTTP on loopback", func(t *testing.T) {
		p := startPortal(t, bin, []string{"LATCHKEY_PORTAL_KEYRING=" + spec}, "--db", "sqlite:"+filepath.Join(dir, "plain.db"))
		if host, _, _ := net.SplitHostPort(p.addr); host != "127.0.0.1" {
			t.Fatalf("listening on %q", p.addr)
		}
		if !strings.Contains(p.output(), "serving plain HTTP without TLS") {
			t.Errorf("no plain-HTTP warning:\n%s", p.output())
		}
		client := &http.Client{Timeout: 10 * time.Second}
		before := time.Now()
		resp, err := client.Get("http://" + p.addr + "/v1/time")
		if err != nil {
			t.Fatal(err)
		}
		var tr api.TimeResponse
		err = json.NewDecoder(resp.Body).Decode(&tr)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || tr.Check() != nil {
			t.Fatalf("GET /v1/time: %d %+v %v", resp.StatusCode, tr, err)
		}
		if tr.Time.Before(before.Add(-time.Second)) || tr.Time.After(time.Now().Add(time.Second)) {
			t.Errorf("portal time %v, local %v", tr.Time, before)
		}
		if resp.Header.Get("Date") == "" || resp.Header.Get("X-Request-Id") == "" || resp.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("headers %v", resp.Header)
		}
		p.stop(t)
		if strings.Contains(p.output(), key) {
			t.Error("the keyring reached the log")
		}
	})

	t.Run("TLS from files", func(t *testing.T) {
		certFile, keyFile, pool := selfSigned(t, dir)
		p := startPortal(t, bin, []string{"LATCHKEY_PORTAL_KEYRING=" + spec, "LATCHKEY_PORTAL_TLS_KEY=" + keyFile},
			"--db", "sqlite:"+filepath.Join(dir, "tls.db"), "--tls-cert", certFile)
		if strings.Contains(p.output(), "plain HTTP") {
			t.Errorf("plain-HTTP warning with TLS:\n%s", p.output())
		}
		c, err := lksync.New("https://"+p.addr, lksync.Options{TLSConfig: &tls.Config{RootCAs: pool}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r, err := c.Time(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if off := r.Offset(); off < -time.Second || off > time.Second {
			t.Errorf("offset against a portal on this machine: %v", off)
		}
		if h, err := c.Health(ctx); err != nil || h.Status != "ok" {
			t.Errorf("health %+v %v", h, err)
		}
		c.CloseIdleConnections()
		p.stop(t)
	})
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns a
// pool trusting it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "latchkey-portal test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pool
}

// The portal binary must not pull in the desktop app's GUI.
func TestNoGUIDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "fyne") || strings.Contains(dep, "latchkey/latchkey/ui") || strings.HasSuffix(dep, "latchkey/app/qrscan") {
			t.Errorf("latchkey-portal depends on %s", dep)
		}
	}
}

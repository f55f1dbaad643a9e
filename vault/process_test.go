package vault

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests here start this test binary again as a child that works on a
// vault, selected by LATCHKEY_TEST_CHILD. The marks of the newest
// generation seen go to a throwaway state directory, which the children
// share (they inherit the environment).
func TestMain(m *testing.M) {
	switch os.Getenv("LATCHKEY_TEST_CHILD") {
	case "":
		state, err := os.MkdirTemp("", "latchkey-state-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		os.Setenv("XDG_STATE_HOME", state)
		code := m.Run()
		os.RemoveAll(state)
		os.Exit(code)
	case "saver":
		os.Exit(childSaver())
	case "adder":
		os.Exit(childAdder())
	case "system-keyring-fallback":
		os.Exit(childSystemKeyringFallback())
	default:
		fmt.Fprintln(os.Stderr, "unknown child")
		os.Exit(3)
	}
}

func childOpen() (*Vault, error) {
	return Open(os.Getenv("LATCHKEY_TEST_DIR"), Options{Passphrase: passphrase(testPass), LockTimeout: time.Minute})
}

// childSaver saves forever; each save writes its own generation number into
// the first account's note, so a reader can tell a whole document from a mix.
func childSaver() int {
	v, err := childOpen()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	for {
		err := v.Update(func(d *Document) error {
			d.Accounts[0].Note = strconv.FormatUint(d.Generation+1, 10)
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
}

// childAdder adds N accounts named PREFIX-i, one save each.
func childAdder() int {
	v, err := childOpen()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	n, _ := strconv.Atoi(os.Getenv("LATCHKEY_TEST_N"))
	prefix := os.Getenv("LATCHKEY_TEST_PREFIX")
	for i := 0; i < n; i++ {
		err := v.Update(func(d *Document) error {
			d.Accounts = append(d.Accounts, Account{Issuer: prefix, Name: fmt.Sprintf("%s-%d", prefix, i), Type: TOTP})
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func childCommand(t *testing.T, dir, role string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, "LATCHKEY_TEST_CHILD="+role, "LATCHKEY_TEST_DIR="+dir)...)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestCrashDuringSaveLosesNothing(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	kills := 200
	if testing.Short() {
		kills = 20
	}
	v, kr := newTestVault(t)
	mustUpdate(t, v, func(d *Document) { d.Accounts = makeAccounts(20); d.Accounts[0].Note = "2" })
	dir := v.Dir()
	last := uint64(0)
	for i := 0; i < kills; i++ {
		cmd := childCommand(t, dir, "saver")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child %d did not start: %q", i, line)
		}
		time.Sleep(time.Duration(rand.IntN(30_000)) * time.Microsecond)
		cmd.Process.Kill() // SIGKILL
		cmd.Wait()

		w, err := Open(dir, Options{Keyring: kr})
		if err != nil {
			t.Fatalf("after kill %d: %v", i, err)
		}
		d := w.Document()
		if d.Accounts[0].Note != strconv.FormatUint(d.Generation, 10) || len(d.Accounts) != 20 {
			t.Fatalf("after kill %d: generation %d holds note %q and %d accounts", i, d.Generation, d.Accounts[0].Note, len(d.Accounts))
		}
		if d.Generation < last {
			t.Fatalf("after kill %d: generation went back from %d to %d", i, last, d.Generation)
		}
		last = d.Generation
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) && len(entries) > 10 {
			t.Errorf("temp files pile up: %v", e.Name())
		}
	}
	t.Logf("%d kills, %d saves survived intact", kills, last)
}

func TestConcurrentProcessesLoseNoUpdate(t *testing.T) {
	const perChild = 25
	v, kr := newTestVault(t)
	dir := v.Dir()
	var cmds []*exec.Cmd
	for _, p := range []string{"alpha", "beta"} {
		cmd := childCommand(t, dir, "adder", "LATCHKEY_TEST_N="+strconv.Itoa(perChild), "LATCHKEY_TEST_PREFIX="+p)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	w, err := Open(dir, Options{Keyring: kr})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, a := range w.Accounts() {
		names[a.Name] = true
	}
	for _, p := range []string{"alpha", "beta"} {
		for i := 0; i < perChild; i++ {
			if n := fmt.Sprintf("%s-%d", p, i); !names[n] {
				t.Errorf("lost update: %s", n)
			}
		}
	}
	if len(names) != 2*perChild {
		t.Errorf("%d accounts, want %d", len(names), 2*perChild)
	}
}

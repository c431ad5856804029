// Package stripemock starts stripe-mock (Stripe's own mock of its API, a Go
// program: github.com/stripe/stripe-mock) for tests, on a free loopback
// port. scripts/install-deps.sh installs the pinned Version.
package stripemock

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Version is the stripe-mock the project installs and whose fixtures
// Start patches.
const Version = "v0.203.0"

// Options change the mock's answers.
type Options struct {
	// Succeeded makes PaymentIntents come back with status succeeded,
	// as Stripe answers a PaymentIntent confirmed with a test card that
	// pays (pm_card_visa): stripe-mock's stock fixture says
	// requires_payment_method whatever the request. The rest of its
	// fixtures are the bundled ones.
	Succeeded bool
}

// Binary returns stripe-mock's path: on PATH, else in GOBIN or
// GOPATH/bin, where `go install` puts it; "" when it is not installed.
func Binary() string {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	for _, dir := range []string{goEnv("GOBIN"), filepath.Join(goEnv("GOPATH"), "bin")} {
		if dir == "" || dir == "bin" {
			continue
		}
		p := filepath.Join(dir, "stripe-mock")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	return ""
}

func goEnv(name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

var listening = regexp.MustCompile(`Listening for HTTP at address: (\S+)`)

// Start runs stripe-mock on 127.0.0.1 (HTTP and HTTPS on ports of the
// system's choice), stopped when the test ends, and returns its HTTP base
// URL ("http://127.0.0.1:port"). The test is skipped with the reason when
// stripe-mock is not installed, and fails then when CI is set.
func Start(t testing.TB, o Options) string {
	t.Helper()
	bin := Binary()
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("stripe-mock is not installed, and CI must run the payment tests: scripts/install-deps.sh installs it (go install github.com/stripe/stripe-mock@" + Version + ")")
		}
		t.Skip("stripe-mock is not installed: scripts/install-deps.sh installs it (go install github.com/stripe/stripe-mock@" + Version + ")")
	}
	args := []string{"-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0"}
	if o.Succeeded {
		args = append(args, "-fixtures", succeededFixtures(t))
	}
	cmd := exec.Command(bin, args...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	addr := make(chan string, 1)
	var seen []string
	go func() {
		defer close(exited)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if m := listening.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			} else if len(seen) < 20 {
				seen = append(seen, line)
			}
		}
		_ = cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	select {
	case a := <-addr:
		return "http://" + a
	case <-exited:
		t.Fatalf("stripe-mock exited before listening:\n%s", strings.Join(seen, "\n"))
	case <-time.After(60 * time.Second):
		t.Fatal("stripe-mock did not listen within 60 s")
	}
	return ""
}

// succeededFixtures writes stripe-mock's bundled fixtures (from the module
// cache, where `go install` left them) with the PaymentIntent's status
// succeeded, and returns the file's path.
func succeededFixtures(t testing.TB) string {
	t.Helper()
	src := filepath.Join(goEnv("GOMODCACHE"), "github.com", "stripe", "stripe-mock@"+Version, "embedded", "openapi", "fixtures3.json")
	b, err := os.ReadFile(src)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("stripe-mock %s's fixtures are not in the module cache (%s): scripts/install-deps.sh installs them", Version, src)
	}
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Resources map[string]map[string]any `json:"resources"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	pi, ok := fx.Resources["payment_intent"]
	if !ok {
		t.Fatalf("%s has no payment_intent fixture", src)
	}
	pi["status"] = "succeeded"
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	res, err := json.Marshal(fx.Resources)
	if err != nil {
		t.Fatal(err)
	}
	all["resources"] = res
	patched, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "fixtures.json")
	if err := os.WriteFile(dst, patched, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

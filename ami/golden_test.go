package ami

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGoldenSessions replays the actions of testdata/*.actions (blocks
// separated by blank lines, as a client writes them) against the fake
// switch and compares everything the manager wrote with the .golden
// file beside it: the exact framing of greetings, responses, lists and
// events. Timestamps and challenges are masked. go test -update
// rewrites the golden files.
func TestGoldenSessions(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.actions"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.actions: %v", err)
	}
	mask := regexp.MustCompile(`(?m)^(Timestamp|Challenge|Uptime|LastReload|Seconds): .*$`)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".actions")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			c := dial(t, startServer(t, newFake()))
			var got strings.Builder
			for _, block := range strings.Split(strings.TrimSpace(string(b)), "\n\n") {
				lines := strings.Split(block, "\n")
				c.send(lines...)
				got.WriteString("> " + strings.Join(lines, "\n> ") + "\n")
				// Each action's answer, and the list items or events it
				// brings, up to the message that completes it.
				for {
					m, err := ReadMessage(c.r)
					if err != nil {
						got.WriteString("(closed)\n")
						break
					}
					got.WriteString(mask.ReplaceAllString(m.String(), "$1: *"))
					if done(m) {
						break
					}
				}
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got.String() != string(want) {
				t.Errorf("session differs from %s:\n%s", golden, got.String())
			}
		})
	}
}

// done reports whether m ends what an action brought: a response that
// starts no list, or a list's Complete event. (An event that follows a
// response, FullyBooted after a login, is read before the next answer.)
func done(m *Message) bool {
	return m.Get("EventList") == "Complete" || m.Get("Response") != "" && m.Get("EventList") == ""
}

package pbx

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/testdata"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// copyDemo copies the demo configuration into a directory the test may edit.
func copyDemo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(testdata.Demo, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(testdata.Demo, p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadConfigDemo(t *testing.T) {
	cfg, diags := LoadConfig(testdata.Demo, NewRegistry())
	if err := diags.Err(); err != nil {
		t.Fatalf("demo has errors:\n%v", err)
	}
	for _, want := range []string{"incoming", "ivr-1", "queue", "callback-request", "survey", "staff", "agents"} {
		if cfg.Dialplan.Context(want) == nil {
			t.Errorf("context %q missing", want)
		}
	}
	for _, want := range []string{"extensions.conf", "sip.conf", "queues.conf", "voicemail.conf", "features.conf", "manager.conf"} {
		found := false
		for _, f := range cfg.Files {
			if f == want {
				found = true
			}
		}
		if !found {
			t.Errorf("%s not read; files: %v", want, cfg.Files)
		}
	}
}

func TestReloadKeepsLastGoodConfig(t *testing.T) {
	dir := copyDemo(t)
	sw, err := New(Options{ConfigFS: os.DirFS(dir), ConfigName: dir, DataDir: t.TempDir(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sw.Close() })
	before := sw.Config()

	// A broken extensions.conf: the reload is refused with file:line and
	// the running dialplan stays.
	ext := filepath.Join(dir, "extensions.conf")
	good, _ := os.ReadFile(ext)
	if err := os.WriteFile(ext, append(append([]byte{}, good...), "\n[broken\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	diags, err := sw.Reload()
	if err == nil {
		t.Fatal("reload of a broken file succeeded")
	}
	if !strings.Contains(diags.Error(), "extensions.conf:") {
		t.Fatalf("reload error lacks file:line: %v", diags)
	}
	if sw.Config() != before {
		t.Fatal("the running configuration was replaced by a broken one")
	}

	// A good change is taken.
	if err := os.WriteFile(ext, append(append([]byte{}, good...), "\n[added]\nexten => s,1,NoOp()\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sw.Reload(); err != nil {
		t.Fatal(err)
	}
	if sw.Config().Dialplan.Context("added") == nil {
		t.Fatal("reloaded dialplan lacks the new context")
	}
}

func TestNewRejectsBrokenConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "extensions.conf"), []byte("[a](nosuch)\nexten => s,1,NoOp()\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{ConfigFS: os.DirFS(dir), ConfigName: dir, DataDir: t.TempDir(), Logger: quietLogger()})
	var diags config.Diagnostics
	if err == nil || !asDiags(err, &diags) || !strings.Contains(err.Error(), "extensions.conf:1:") {
		t.Fatalf("New = %v, want extensions.conf:1 diagnostics", err)
	}
}

func asDiags(err error, target *config.Diagnostics) bool {
	for err != nil {
		if d, ok := err.(config.Diagnostics); ok {
			*target = d
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// TestAstDBSurvivesRestart stores a key with Set(DB(...)) through the
// switch's engine, closes the switch and finds the key after reopening the
// same bbolt file.
func TestAstDBSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "extensions.conf"),
		[]byte("[test]\nexten => s,1,Set(DB(callback/0791234567)=2026-11-23)\n same => n,Set(GOT=${DB(callback/0791234567)})\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	open := func() *Switch {
		sw, err := New(Options{ConfigFS: os.DirFS(dir), ConfigName: dir, DataDir: data, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		return sw
	}
	sw := open()
	clock := ivr.NewVirtualClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	caller := ivr.NewSimCaller(clock, "", nil)
	ch := sw.Engine().NewChannel(caller, ivr.ChannelOptions{Name: "Test/1", Context: "test", Exten: "s"})
	sw.Engine().Run(context.Background(), ch)
	if got := ch.Var("GOT"); got != "2026-11-23" {
		t.Fatalf("GOT = %q", got)
	}
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sw.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	sw = open()
	t.Cleanup(func() { _ = sw.Close() })
	adb, err := ivr.NewBoltDB(sw.db)
	if err != nil {
		t.Fatal(err)
	}
	v, ok, err := adb.Get("callback", "0791234567")
	if err != nil || !ok || v != "2026-11-23" {
		t.Fatalf("after restart: %q %v %v", v, ok, err)
	}
}

// BenchmarkLoadConfigDemo measures a whole configuration load (what a
// reload costs): every demo file parsed, the dialplan built and checked.
func BenchmarkLoadConfigDemo(b *testing.B) {
	reg := NewRegistry()
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := LoadConfig(testdata.Demo, reg); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

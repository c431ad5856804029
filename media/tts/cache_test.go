package tts

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/media"
)

// countingEngine speaks 100 ms of tone per call and counts the calls.
type countingEngine struct {
	name  string
	calls atomic.Int32
	delay time.Duration
	err   error
}

func (e *countingEngine) Name() string { return e.name }

func (e *countingEngine) Synthesize(ctx context.Context, text, lang, voice string) ([]int16, error) {
	e.calls.Add(1)
	select {
	case <-time.After(e.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.err != nil {
		return nil, e.err
	}
	return tone(1000, media.SampleRate, 800), nil
}

func TestCacheMakesOnce(t *testing.T) {
	eng := &countingEngine{name: "fake"}
	c := &Cache{Dir: filepath.Join(t.TempDir(), "tts"), Engine: eng}
	ctx := context.Background()
	p1, err := c.Get(ctx, "Welcome", "en", "", "ulaw")
	if err != nil {
		t.Fatal(err)
	}
	p2, err := c.Get(ctx, "Welcome", "en", "", "ulaw")
	if err != nil {
		t.Fatal(err)
	}
	if p1 != p2 || eng.calls.Load() != 1 {
		t.Errorf("second Get: %s vs %s, %d engine calls", p1, p2, eng.calls.Load())
	}
	want := filepath.Join(c.Dir, Key("fake", "", "en", "Welcome")+".ulaw")
	if p1 != want {
		t.Errorf("path %s, want %s", p1, want)
	}
	s, err := media.LoadSound(p1)
	if err != nil || s.Samples() != 800 {
		t.Fatalf("cached file: %v", err)
	}

	// Each of codec, language, voice, text and engine is its own file.
	for _, args := range [][4]string{
		{"Welcome", "en", "", "alaw"},
		{"Welcome", "en", "", "slin"},
		{"Welcome", "fr", "", "ulaw"},
		{"Welcome", "en", "v2", "ulaw"},
		{"Welcome!", "en", "", "ulaw"},
	} {
		p, err := c.Get(ctx, args[0], args[1], args[2], args[3])
		if err != nil || p == p1 {
			t.Errorf("Get%v = %s, %v", args, p, err)
		}
	}
	if n := eng.calls.Load(); n != 6 {
		t.Errorf("%d engine calls, want 6", n)
	}
	other := &Cache{Dir: c.Dir, Engine: &countingEngine{name: "other"}}
	if p, _ := other.Get(ctx, "Welcome", "en", "", "ulaw"); p == p1 {
		t.Error("two engines share a file")
	}
	if p, _ := c.Get(ctx, "Welcome", "en", "", "slin"); !strings.HasSuffix(p, ".sln") {
		t.Errorf("slin file %s", p)
	}
}

func TestCacheConcurrentGetsMakeOnce(t *testing.T) {
	eng := &countingEngine{name: "fake", delay: 50 * time.Millisecond}
	c := &Cache{Dir: t.TempDir(), Engine: eng}
	var wg sync.WaitGroup
	paths := make([]string, 20)
	errs := make([]error, 20)
	for i := range paths {
		wg.Go(func() {
			paths[i], errs[i] = c.Get(context.Background(), "Please hold", "en", "", "alaw")
		})
	}
	wg.Wait()
	for i := range paths {
		if errs[i] != nil || paths[i] != paths[0] {
			t.Fatalf("Get %d: %s, %v", i, paths[i], errs[i])
		}
	}
	if n := eng.calls.Load(); n != 1 {
		t.Errorf("%d engine calls for 20 concurrent Gets, want 1", n)
	}
	entries, _ := os.ReadDir(c.Dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the cache (temporary files left?)", len(entries))
	}
}

func TestCacheFailure(t *testing.T) {
	eng := &countingEngine{name: "fake", err: errors.New("engine on fire")}
	c := &Cache{Dir: t.TempDir(), Engine: eng}
	_, err := c.Get(context.Background(), "Welcome to the call centre", "fr", "", "ulaw")
	if err == nil || !strings.Contains(err.Error(), "engine on fire") || !strings.Contains(err.Error(), "fake fr") {
		t.Errorf("err = %v", err)
	}
	if entries, _ := os.ReadDir(c.Dir); len(entries) != 0 {
		t.Errorf("failure left %d files", len(entries))
	}
	// The next Get tries again.
	eng.err = nil
	if _, err := c.Get(context.Background(), "Welcome to the call centre", "fr", "", "ulaw"); err != nil {
		t.Errorf("after recovery: %v", err)
	}
	if _, err := c.Get(context.Background(), "x", "fr", "", "g729"); !errors.Is(err, media.ErrUnknownCodec) {
		t.Errorf("codec g729: %v", err)
	}
}

func TestCacheWaiterOutlivesCancelledFirst(t *testing.T) {
	eng := &countingEngine{name: "fake", delay: 100 * time.Millisecond}
	c := &Cache{Dir: t.TempDir(), Engine: eng}
	first, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.Get(first, "Hello", "en", "", "ulaw")
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	if _, err := c.Get(context.Background(), "Hello", "en", "", "ulaw"); err != nil {
		t.Errorf("waiter: %v", err)
	}
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled first caller: %v", err)
	}
}

func TestCacheEspeak(t *testing.T) {
	needEspeak(t)
	c := &Cache{Dir: t.TempDir(), Engine: &Espeak{}}
	for _, lang := range []string{"ar", "en", "fr"} {
		s, err := c.Sound(context.Background(), map[string]string{
			"ar": "مرحبا بكم في مركز الاتصال.",
			"en": "Welcome to the call centre.",
			"fr": "Bienvenue au centre d'appels.",
		}[lang], lang, "", "ulaw")
		if err != nil {
			t.Fatal(err)
		}
		if d := s.Duration(); d < 500*time.Millisecond || d > 5*time.Second {
			t.Errorf("%s welcome lasts %v", lang, d)
		}
	}
}

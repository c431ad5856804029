package outbound

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const crashEnv = "OBELISK_OUTBOUND_CRASH_DIR"

// TestCrashHelper is the process TestCrashDuringAttempt kills: it runs a
// Spool whose call rings for ever, after leaving a marker file.
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("helper process of TestCrashDuringAttempt")
	}
	ringing := OriginatorFunc(func(ctx context.Context, cf *CallFile) (Outcome, error) {
		f, err := os.OpenFile(filepath.Join(dir, "attempts"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err == nil {
			fmt.Fprintf(f, "%s attempt %d\n", cf.Name, cf.Retries)
			_ = f.Sync()
			_ = f.Close()
		}
		select {} // the call rings until the process is killed
	})
	s, err := New(filepath.Join(dir, "spool"), ringing, WithPollInterval(20*time.Millisecond), WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Run(context.Background())
}

// TestCrashDuringAttempt kills (SIGKILL) a process in the middle of an
// attempt and starts a new Spool on the same directory: the pending call is
// placed exactly once more, no call is lost and none is placed twice.
func TestCrashDuringAttempt(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process and waits for RetryTime")
	}
	dir := t.TempDir()
	spool := filepath.Join(dir, "spool")
	for _, d := range []string{OutgoingDir, DoneDir, TmpDir} {
		if err := os.MkdirAll(filepath.Join(spool, d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	text := "Channel: SIP/7001\nMaxRetries: 1\nRetryTime: 1\nContext: survey\nExtension: s\nArchive: yes\n"
	cf, err := ParseCallFile(strings.NewReader(text), "crash.call")
	if err != nil {
		t.Fatal(err)
	}
	if err := Submit(spool, "crash.call", cf, time.Time{}); err != nil {
		t.Fatal(err)
	}
	queued := readFile(t, filepath.Join(spool, OutgoingDir, "crash.call"))

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.v")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(dir, "attempts")
	deadline := time.Now().Add(20 * time.Second)
	for !exists(marker) {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the helper process never dialled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	p := filepath.Join(spool, OutgoingDir, "crash.call")
	after := readFile(t, p)
	if !strings.HasPrefix(after, queued) || !strings.Contains(after, "StartRetry: ") || strings.Contains(after, "EndRetry") {
		t.Fatalf("file after the crash:\n%s", after)
	}

	var calls atomic.Int32
	completed := make(chan Result, 4)
	answer := OriginatorFunc(func(ctx context.Context, cf *CallFile) (Outcome, error) {
		calls.Add(1)
		return OutcomeAnswered, nil
	})
	s, err := New(spool, answer, WithPollInterval(20*time.Millisecond), WithLogger(quiet()),
		WithOnDone(func(r Result) { completed <- r }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case r := <-completed:
		if r.Status != StatusCompleted {
			t.Errorf("status %v, want Completed", r.Status)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the call was lost: never retried after the crash")
	}
	time.Sleep(200 * time.Millisecond) // more scans: nothing else may be dialled
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	if n := strings.Count(readFile(t, marker), "\n"); n != 1 {
		t.Errorf("the killed process dialled %d times, want 1", n)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the new spool dialled %d times, want 1", n)
	}
	archived := readFile(t, filepath.Join(spool, DoneDir, "crash.call"))
	for _, want := range []string{"\nAbortRetry: ", "\nStatus: Completed\n"} {
		if !strings.Contains(archived, want) {
			t.Errorf("archived file has no %q:\n%s", want, archived)
		}
	}
	if exists(p) {
		t.Error("file still in outgoing")
	}
}

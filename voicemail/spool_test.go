package voicemail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var box101 = MailboxID{Context: "default", Box: "101"}

// deliverN leaves n messages of 1..n seconds in folder f.
func deliverN(t *testing.T, s *Spool, id MailboxID, f Folder, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		rec, err := s.NewRecording(id)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(rec.Path(), fakeWAV(time.Duration(i+1)*time.Second, 0), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Deliver(rec, f, MessageInfo{OrigMailbox: id.Box, CallerID: "Unknown", Duration: i + 1}); err != nil {
			t.Fatal(err)
		}
	}
}

// listing returns the folder's file names.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func durations(t *testing.T, s *Spool, id MailboxID, f Folder) []int {
	t.Helper()
	msgs, err := s.Messages(id, f)
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for i, m := range msgs {
		if m.Num != i {
			t.Fatalf("message %d numbered %d", i, m.Num)
		}
		out = append(out, m.Info.Duration)
	}
	return out
}

// TestSpoolLayout: Asterisk's directories and file names, nothing left in tmp.
func TestSpoolLayout(t *testing.T) {
	s, _ := NewSpool(t.TempDir())
	deliverN(t, s, box101, FolderInbox, 2)
	inbox := filepath.Join(s.Root(), "default", "101", "INBOX")
	if got := listing(t, inbox); !slices.Equal(got, []string{"msg0000.txt", "msg0000.wav", "msg0001.txt", "msg0001.wav"}) {
		t.Fatalf("INBOX: %v", got)
	}
	if got := listing(t, filepath.Join(s.Root(), "default", "101", "tmp")); len(got) != 0 {
		t.Fatalf("tmp not empty: %v", got)
	}
	data, _ := os.ReadFile(filepath.Join(inbox, "msg0001.txt"))
	if !strings.HasPrefix(string(data), ";\n; Message Information file\n;\n[message]\norigmailbox=101\n") || !strings.HasSuffix(string(data), "duration=2\n") {
		t.Fatalf("msg0001.txt:\n%s", data)
	}
	if c, _ := s.Counts(box101); c != (Counts{New: 2}) {
		t.Fatalf("counts %+v", c)
	}
}

// TestSpoolRenumber: deleting and saving renumber without gaps, as
// close_mailbox and resequence_mailbox do.
func TestSpoolRenumber(t *testing.T) {
	s, _ := NewSpool(t.TempDir())
	deliverN(t, s, box101, FolderInbox, 5)
	for _, n := range []int{1, 3} {
		if err := s.Remove(box101, FolderInbox, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Remove(box101, FolderInbox, 3); !errors.Is(err, ErrNoMessage) {
		t.Fatalf("second delete: %v", err)
	}
	if err := s.Resequence(box101, FolderInbox); err != nil {
		t.Fatal(err)
	}
	if got := durations(t, s, box101, FolderInbox); !slices.Equal(got, []int{1, 3, 5}) {
		t.Fatalf("after delete: %v", got)
	}
	if n, err := s.Copy(box101, FolderInbox, 1, FolderOld, 0); err != nil || n != 0 {
		t.Fatalf("copy: %d %v", n, err)
	}
	if got := durations(t, s, box101, FolderOld); !slices.Equal(got, []int{3}) {
		t.Fatalf("Old: %v", got)
	}
	if _, err := s.Copy(box101, FolderInbox, 0, FolderOld, 1); !errors.Is(err, ErrMailboxFull) {
		t.Fatalf("full Old: %v", err)
	}
	deliverN(t, s, box101, FolderInbox, 1)
	if got := durations(t, s, box101, FolderInbox); !slices.Equal(got, []int{1, 3, 5, 1}) {
		t.Fatalf("new after renumber: %v", got)
	}
}

// TestSpoolCrashLeftovers: what a SIGKILL may leave is never a message and
// is cleaned when the folder is opened; complete messages survive.
func TestSpoolCrashLeftovers(t *testing.T) {
	s, _ := NewSpool(t.TempDir())
	deliverN(t, s, box101, FolderInbox, 3)
	inbox := s.FolderDir(box101, FolderInbox)
	// A crash during moveMessage(2 → 1) after msg0001 was deleted: the sound
	// linked under the new number, the .txt not yet renamed.
	if err := s.Remove(box101, FolderInbox, 1); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(inbox, "msg0002.wav"), filepath.Join(inbox, "msg0001.wav")); err != nil {
		t.Fatal(err)
	}
	// A crash inside Deliver: sound linked as msg0003, commit not made.
	if err := os.WriteFile(filepath.Join(inbox, "msg0003.wav"), []byte("RIFF"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A half-written temporary file of writeFileSync.
	if err := os.WriteFile(filepath.Join(inbox, ".msg0004.txt.tmp123"), []byte(";\n; Mess"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Count(box101, FolderInbox); c != 2 {
		t.Fatalf("count with leftovers: %d", c)
	}
	msgs, err := s.Open(box101, FolderInbox)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Info.Duration != 1 || msgs[1].Info.Duration != 3 {
		t.Fatalf("after open: %+v", msgs)
	}
	got := listing(t, inbox)
	if !slices.Equal(got, []string{".msg0004.txt.tmp123", "msg0000.txt", "msg0000.wav", "msg0001.txt", "msg0001.wav"}) {
		t.Fatalf("files: %v", got)
	}
}

// TestRecover: a recording finished but not committed, and one cut by the
// kill (a .part and a WAV whose header was never finished), are delivered
// at start; a recording without notes is removed.
func TestRecover(t *testing.T) {
	s, mwi := testService(t, "")
	sp := s.Spool()
	id := MailboxID{"default", "101"}
	info := MessageInfo{OrigMailbox: "101", CallerID: `"Bob" <102>`, MsgID: "1-00000000", Duration: 4}

	done, _ := sp.NewRecording(id)
	os.WriteFile(done.Path(), fakeWAV(4*time.Second, 0), 0o644)
	data, _ := info.MarshalText()
	os.WriteFile(done.Base+".txt", data, 0o644)

	cut, _ := sp.NewRecording(id)
	wav := fakeWAV(3*time.Second, 0)
	copy(wav[4:8], []byte{0, 0, 0, 0})
	copy(wav[40:44], []byte{0, 0, 0, 0})
	os.WriteFile(cut.Path(), wav, 0o644)
	info.Duration, info.Flag = 0, FlagUrgent
	sp.Pending(cut, info)

	stray, _ := sp.NewRecording(id)
	os.WriteFile(stray.Path(), fakeWAV(time.Second, 0), 0o644)

	got, err := s.Recover(context.Background())
	if err != nil || len(got) != 2 {
		t.Fatalf("recovered %+v %v", got, err)
	}
	if d := durations(t, sp, id, FolderInbox); !slices.Equal(d, []int{4}) {
		t.Fatalf("INBOX %v", d)
	}
	if d := durations(t, sp, id, FolderUrgent); !slices.Equal(d, []int{3}) {
		t.Fatalf("Urgent %v", d)
	}
	if left := listing(t, filepath.Join(sp.BoxDir(id), "tmp")); len(left) != 0 {
		t.Fatalf("tmp: %v", left)
	}
	if mwi.last() != "101@default 1/0/1" {
		t.Fatalf("mwi %v", mwi.calls)
	}
	if d, err := repairWAV(filepath.Join(sp.FolderDir(id, FolderUrgent), "msg0000.wav")); err != nil || d != 3*time.Second {
		t.Fatalf("repaired wav %v %v", d, err)
	}
}

func TestGreetings(t *testing.T) {
	s, _ := NewSpool(t.TempDir())
	if _, ok := s.GreetingPath(box101, GreetingUnavailable); ok {
		t.Fatal("greeting before recording")
	}
	rec, _ := s.NewRecording(box101)
	os.WriteFile(rec.Path(), fakeWAV(time.Second, 0), 0o644)
	if err := s.SaveGreeting(rec, GreetingUnavailable); err != nil {
		t.Fatal(err)
	}
	p, ok := s.GreetingPath(box101, GreetingUnavailable)
	if !ok || p != filepath.Join(s.BoxDir(box101), "unavail") {
		t.Fatalf("%q %v", p, ok)
	}
	if err := s.RemoveGreeting(box101, GreetingUnavailable); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.GreetingPath(box101, GreetingUnavailable); ok {
		t.Fatal("greeting after removal")
	}
}

func TestPasswordStores(t *testing.T) {
	sp, _ := NewSpool(t.TempDir())
	for name, ps := range map[string]PasswordStore{"spool": sp, "mem": &MemPasswords{}} {
		t.Run(name, func(t *testing.T) {
			if _, ok, err := ps.Password(box101); ok || err != nil {
				t.Fatalf("before: %v %v", ok, err)
			}
			if err := ps.SetPassword(box101, "98765"); err != nil {
				t.Fatal(err)
			}
			if p, ok, err := ps.Password(box101); p != "98765" || !ok || err != nil {
				t.Fatalf("after: %q %v %v", p, ok, err)
			}
		})
	}
	data, _ := os.ReadFile(filepath.Join(sp.BoxDir(box101), "secret.conf"))
	if !strings.Contains(string(data), "[general]\npassword=98765\n") {
		t.Fatalf("secret.conf:\n%s", data)
	}
}

// TestSpoolConcurrentDeliver: callers leaving messages at once get distinct
// numbers and every message is kept.
func TestSpoolConcurrentDeliver(t *testing.T) {
	s, _ := NewSpool(t.TempDir())
	const n = 20
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			rec, err := s.NewRecording(box101)
			if err == nil {
				err = os.WriteFile(rec.Path(), fakeWAV(time.Second, 0), 0o644)
			}
			if err == nil {
				_, err = s.Deliver(rec, FolderInbox, MessageInfo{Duration: 1})
			}
			errs <- err
		}()
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := durations(t, s, box101, FolderInbox); len(got) != n {
		t.Fatalf("%d messages", len(got))
	}
}

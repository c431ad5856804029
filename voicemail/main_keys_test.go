package voicemail

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// deliverLong delivers one message of d to id's INBOX.
func deliverLong(t *testing.T, s *Spool, id MailboxID, d time.Duration) {
	t.Helper()
	rec, err := s.NewRecording(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rec.Path(), fakeWAV(d, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Deliver(rec, FolderInbox, MessageInfo{OrigMailbox: id.Box, CallerID: "Unknown", Duration: int(d / time.Second)}); err != nil {
		t.Fatal(err)
	}
}

// TestMainKeys: what # (and the other control keys) do at each wait of
// VoiceMailMain, as app_voicemail's vm_execmain: # ends the session at the
// main menu and in the advanced options, but while a message plays it
// skips skipms ahead (ast_control_streamfile's forward key), and in the
// mailbox options it only plays the menu again.
func TestMainKeys(t *testing.T) {
	id := MailboxID{"default", "101"}
	const (
		login     = "vm-password vm-youhave num:1 vm-INBOX vm-message vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit "
		loginNone = "vm-password vm-youhave vm-no vm-messages vm-opts vm-helpexit "
		after     = "vm-repeat vm-delete vm-savemessage vm-helpexit "
		startMenu = "vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit "
	)
	sec := time.Second
	tests := []struct {
		name    string
		message time.Duration // one INBOX message that long, or none
		steps   []step
		played  string
		lengths []time.Duration // of the message and its cut copies played
		mwi     string
	}{
		{name: "# once the message and the instructions are over ends the session", message: 3 * sec,
			steps:  []step{{keys: "1"}, {keys: "#"}},
			played: login + "vm-first vm-message INBOX/msg0000 " + after + "vm-goodbye", lengths: []time.Duration{3 * sec},
			mwi: "101@default 0/1/0"},
		{name: "# during a short message skips to its end", message: 3 * sec,
			steps:  []step{{keys: "1"}, {at: "msg0000", keys: "#", after: sec}, {keys: "#"}},
			played: login + "vm-first vm-message INBOX/msg0000 " + after + "vm-goodbye", lengths: []time.Duration{3 * sec},
			mwi: "101@default 0/1/0"},
		{name: "# during a long message skips 3 s each time", message: 10 * sec,
			steps: []step{{keys: "1"}, {at: "msg0000", keys: "#", after: 2 * sec}, {at: "cut", keys: "#", after: 4 * sec},
				{keys: "#"}},
			played: login + "vm-first vm-message INBOX/msg0000 tmp/cut " + after + "vm-goodbye", lengths: []time.Duration{10 * sec, 5 * sec},
			mwi: "101@default 0/1/0"},
		{name: "* rewinds 3 s, 2 restarts", message: 10 * sec,
			steps: []step{{keys: "1"}, {at: "msg0000", keys: "#", after: sec}, {at: "cut", keys: "*", after: 2 * sec},
				{at: "cut", keys: "2", after: sec}, {keys: "#"}},
			played:  login + "vm-first vm-message INBOX/msg0000 tmp/cut tmp/cut INBOX/msg0000 " + after + "vm-goodbye",
			lengths: []time.Duration{10 * sec, 6 * sec, 7 * sec, 10 * sec}, mwi: "101@default 0/1/0"},
		{name: "0 pauses until 0, # ignored meanwhile", message: 10 * sec,
			steps:  []step{{keys: "1"}, {at: "msg0000", keys: "0", after: 4 * sec}, {}, {keys: "#"}, {keys: "0"}, {keys: "#"}},
			played: login + "vm-first vm-message INBOX/msg0000 tmp/cut " + after + "vm-goodbye", lengths: []time.Duration{10 * sec, 6 * sec},
			mwi: "101@default 0/1/0"},
		{name: "a stop key while paused is the next command", message: 10 * sec,
			steps:   []step{{keys: "1"}, {at: "msg0000", keys: "0"}, {keys: "7"}, {keys: "#"}},
			played:  login + "vm-first vm-message INBOX/msg0000 vm-deleted vm-repeat vm-undelete vm-savemessage vm-helpexit vm-goodbye",
			lengths: []time.Duration{10 * sec}, mwi: "101@default 0/0/0"},
		{name: "# during the message's announcement ends the session", message: 3 * sec,
			steps:  []step{{keys: "1"}, {at: "vm-first", keys: "#"}},
			played: login + "vm-first vm-goodbye", mwi: "101@default 1/0/0"},
		{name: "# after the instructions repeat ends the session",
			steps:  []step{{}, {keys: "#"}},
			played: loginNone + "vm-opts vm-helpexit vm-goodbye", mwi: "101@default 0/0/0"},
		{name: "# in the advanced options ends the session", message: 3 * sec,
			steps:  []step{{keys: "3"}, {at: "vm-starmain", keys: "#"}},
			played: login + "vm-starmain vm-goodbye", mwi: "101@default 1/0/0"},
		{name: "# waited for in the advanced options ends the session", message: 3 * sec,
			steps:  []step{{keys: "3"}, {}, {keys: "#"}},
			played: login + "vm-starmain vm-starmain vm-goodbye", mwi: "101@default 1/0/0"},
		{name: "advanced options: an unavailable option, then * return to the main menu", message: 3 * sec,
			steps:  []step{{keys: "3"}, {at: "vm-starmain", keys: "1"}, {keys: "3"}, {at: "vm-starmain", keys: "*"}, {keys: "#"}},
			played: login + "vm-starmain vm-sorry " + startMenu + "vm-starmain " + startMenu + "vm-goodbye", mwi: "101@default 1/0/0"},
		{name: "advanced options: four silences return to the main menu", message: 3 * sec,
			steps:  []step{{keys: "3"}, {}, {}, {}, {}, {keys: "#"}},
			played: login + "vm-starmain vm-starmain vm-starmain vm-starmain " + startMenu + "vm-goodbye", mwi: "101@default 1/0/0"},
		{name: "# in the mailbox options plays them again",
			steps:  []step{{keys: "0"}, {at: "vm-options", keys: "#"}, {at: "vm-options", keys: "*"}, {keys: "#"}},
			played: loginNone + "vm-options vm-options vm-opts vm-helpexit vm-goodbye", mwi: "101@default 0/0/0"},
		{name: "# waited for in the mailbox options plays them again",
			steps:  []step{{keys: "0"}, {keys: "#"}, {keys: "*"}, {keys: "#"}},
			played: loginNone + "vm-options vm-options vm-opts vm-helpexit vm-goodbye", mwi: "101@default 0/0/0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, mwi := testService(t, "")
				if tc.message > 0 {
					deliverLong(t, s.Spool(), id, tc.message)
				}
				ch := newFake(t, append([]step{{at: "vm-password", keys: "1234#"}}, tc.steps...)...)
				got, err := s.Main(context.Background(), ch, MainOptions{Mailbox: "101"})
				if err != nil {
					t.Fatalf("err %v", err)
				}
				if want := (MainOutcome{Mailbox: id, Authenticated: true}); got != want {
					t.Fatalf("outcome %+v, want %+v", got, want)
				}
				if played := joined(ch.played); played != tc.played {
					t.Fatalf("played\n %q\nwant\n %q", played, tc.played)
				}
				if len(ch.steps) != 0 {
					t.Fatalf("script left: %+v", ch.steps)
				}
				if !slices.Equal(ch.lengths, tc.lengths) {
					t.Errorf("message lengths played %v, want %v", ch.lengths, tc.lengths)
				}
				if mwi.last() != tc.mwi {
					t.Errorf("mwi %v, want %q", mwi.calls, tc.mwi)
				}
				if left, _ := os.ReadDir(filepath.Join(s.Spool().BoxDir(id), tmpFolder)); len(left) != 0 {
					t.Errorf("tmp has %d files left", len(left))
				}
			})
		})
	}
}

// TestMainListenHangupWhilePaused: hanging up while a message is paused
// ends VoiceMailMain with the channel's error; the message counts as heard.
func TestMainListenHangupWhilePaused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		id := MailboxID{"default", "101"}
		s, mwi := testService(t, "")
		deliverLong(t, s.Spool(), id, 10*time.Second)
		ch := newFake(t, step{at: "vm-password", keys: "1234#"}, step{keys: "1"}, step{at: "msg0000", keys: "0"}, step{}, step{hangup: true})
		_, err := s.Main(context.Background(), ch, MainOptions{Mailbox: "101"})
		if !errors.Is(err, errFakeHangup) {
			t.Fatalf("err %v, want the hangup", err)
		}
		if got := mwi.last(); got != "101@default 0/1/0" {
			t.Fatalf("mwi %q, want the message in Old", got)
		}
	})
}

// TestPCMWAVCut: a WAV cut at a position keeps the format and the audio
// from there, aligned to whole samples; a non-WAV file is refused.
func TestPCMWAVCut(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "m.wav")
	if err := os.WriteFile(src, fakeWAV(4*time.Second, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := readPCMWAV(src)
	if err != nil || w.duration() != 4*time.Second {
		t.Fatalf("read: %v %v", w, err)
	}
	out := filepath.Join(dir, "cut.wav")
	if err := w.writeFrom(out, 1500*time.Millisecond+time.Microsecond); err != nil {
		t.Fatal(err)
	}
	c, err := readPCMWAV(out)
	if err != nil {
		t.Fatal(err)
	}
	if c.duration() != 2500*time.Millisecond || c.byteRate != 16000 || c.align != 2 {
		t.Fatalf("cut: %v, byte rate %d, align %d", c.duration(), c.byteRate, c.align)
	}
	if !slices.Equal(c.data, w.data[24000:]) {
		t.Fatal("cut audio differs from the source's from 1.5 s")
	}
	if err := w.writeFrom(out, time.Hour); err != nil {
		t.Fatal(err)
	}
	if c, err := readPCMWAV(out); err != nil || c.duration() != 0 {
		t.Fatalf("cut past the end: %v %v", c, err)
	}
	if err := os.WriteFile(src, []byte("not a wav"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readPCMWAV(src); !errors.Is(err, errNotWAV) {
		t.Fatalf("err %v, want errNotWAV", err)
	}
}

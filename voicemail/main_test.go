package voicemail

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestMain_ flows of VoiceMailMain with a scripted caller.
func TestMainFlows(t *testing.T) {
	id := MailboxID{"default", "101"}
	withMessages := func(inbox, old int) func(t *testing.T, s *Service) {
		return func(t *testing.T, s *Service) {
			deliverN(t, s.Spool(), id, FolderInbox, inbox)
			deliverN(t, s.Spool(), id, FolderOld, old)
		}
	}
	tests := []struct {
		name    string
		opts    MainOptions
		lang    string
		setup   func(t *testing.T, s *Service)
		steps   []step
		want    MainOutcome
		wantErr error
		played  string
		check   func(t *testing.T, s *Service)
		mwi     string
	}{
		{name: "wrong password three times",
			steps: []step{{at: "vm-login", keys: "101#"}, {at: "vm-password", keys: "9999#"},
				{at: "vm-incorrect-mailbox", keys: "101#"}, {at: "vm-password", keys: "1111#"},
				{at: "vm-incorrect-mailbox", keys: "999#"}, {at: "vm-password", keys: "1234#"}},
			played: "vm-login vm-password vm-incorrect-mailbox vm-password vm-incorrect-mailbox vm-password vm-incorrect vm-goodbye"},
		{name: "mailbox given, wrong then right", opts: MainOptions{Mailbox: "101"},
			steps:  []step{{at: "vm-password", keys: "1#"}, {at: "vm-password", keys: "1234#"}, {at: "", keys: "#"}},
			want:   MainOutcome{Mailbox: id, Authenticated: true},
			played: "vm-password vm-incorrect vm-password vm-youhave vm-no vm-messages vm-opts vm-helpexit vm-goodbye",
			mwi:    "101@default 0/0/0"},
		{name: "star at login goes to a", opts: MainOptions{ExitA: true},
			steps: []step{{at: "vm-login", keys: "*#"}}, want: MainOutcome{Goto: "a"}, played: "vm-login"},
		{name: "caller id as mailbox", steps: []step{{at: "vm-login", keys: "#"}, {at: "vm-password", keys: "4321#"}, {at: "", keys: "#"}},
			want:   MainOutcome{Mailbox: MailboxID{"default", "102"}, Authenticated: true},
			played: "vm-login vm-password vm-youhave vm-no vm-messages vm-opts vm-helpexit vm-goodbye", mwi: "102@default 0/0/0"},
		{name: "listen, delete, next, save, previous", opts: MainOptions{Mailbox: "101@default"}, setup: withMessages(3, 1),
			steps: []step{{at: "vm-password", keys: "1234#"}, {keys: "1"}, {keys: "7"}, {keys: "6"}, {keys: "9"},
				{at: "vm-savefolder", keys: "2"}, {keys: "4"}, {keys: "#"}},
			want: MainOutcome{Mailbox: id, Authenticated: true},
			played: "vm-password vm-youhave num:3 vm-INBOX vm-and num:1 vm-Old vm-message " +
				"vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit " +
				"vm-first vm-message INBOX/msg0000 vm-repeat vm-next vm-delete vm-savemessage vm-helpexit " +
				"vm-deleted vm-repeat vm-next vm-undelete vm-savemessage vm-helpexit " +
				"vm-message num:2 INBOX/msg0001 vm-prev vm-repeat vm-next vm-delete vm-savemessage vm-helpexit " +
				"vm-savefolder vm-message num:2 vm-savedto vm-Work vm-messages " +
				"vm-prev vm-repeat vm-next vm-undelete vm-savemessage vm-helpexit " +
				"vm-first vm-message INBOX/msg0000 vm-repeat vm-next vm-undelete vm-savemessage vm-helpexit vm-goodbye",
			check: func(t *testing.T, s *Service) {
				for f, want := range map[Folder][]int{FolderInbox: {3}, FolderOld: {1}, FolderWork: {2}} {
					if got := durations(t, s.Spool(), id, f); !slices.Equal(got, want) {
						t.Errorf("%s: %v, want %v", f, got, want)
					}
				}
			}, mwi: "101@default 1/1/0"},
		{name: "heard messages move to Old on hangup", opts: MainOptions{Mailbox: "101"}, setup: withMessages(2, 0),
			steps: []step{{at: "vm-password", keys: "1234#"}, {at: "vm-opts", keys: "1"}, {at: "msg0000", hangup: true}},
			want:  MainOutcome{Mailbox: id, Authenticated: true}, wantErr: errFakeHangup,
			played: "vm-password vm-youhave num:2 vm-INBOX vm-messages vm-onefor vm-INBOX vm-messages vm-opts vm-first vm-message INBOX/msg0000",
			check: func(t *testing.T, s *Service) {
				if got := durations(t, s.Spool(), id, FolderInbox); !slices.Equal(got, []int{2}) {
					t.Errorf("INBOX %v", got)
				}
				if got := durations(t, s.Spool(), id, FolderOld); !slices.Equal(got, []int{1}) {
					t.Errorf("Old %v", got)
				}
			}, mwi: "101@default 1/1/0"},
		{name: "change folder to Old", opts: MainOptions{Mailbox: "101"}, setup: withMessages(1, 2),
			steps: []step{{at: "vm-password", keys: "1234#"}, {keys: "2"}, {at: "vm-changeto", keys: "1"}, {keys: "1"}, {keys: "#"}},
			want:  MainOutcome{Mailbox: id, Authenticated: true},
			played: "vm-password vm-youhave num:1 vm-INBOX vm-and num:2 vm-Old vm-messages vm-onefor vm-INBOX vm-messages vm-opts vm-helpexit " +
				"vm-changeto vm-Old vm-messages vm-onefor vm-Old vm-messages vm-opts vm-helpexit " +
				"vm-first vm-message Old/msg0000 vm-repeat vm-next vm-delete vm-savemessage vm-helpexit vm-goodbye",
			mwi: "101@default 1/2/0"},
		{name: "change password", opts: MainOptions{Mailbox: "101"},
			steps: []step{{at: "vm-password", keys: "1234#"}, {keys: "0"}, {at: "vm-options", keys: "5"},
				{at: "vm-newpassword", keys: "5678#"}, {at: "vm-reenterpassword", keys: "5678#"},
				{at: "vm-options", keys: "*"}, {keys: "#"}},
			want: MainOutcome{Mailbox: id, Authenticated: true},
			played: "vm-password vm-youhave vm-no vm-messages vm-opts vm-helpexit vm-options vm-newpassword vm-reenterpassword " +
				"vm-passchanged vm-options vm-opts vm-helpexit vm-goodbye",
			check: func(t *testing.T, s *Service) {
				if p, ok, _ := s.Spool().Password(id); p != "5678" || !ok {
					t.Fatalf("stored %q %v", p, ok)
				}
				ch := newFake(t, step{at: "vm-password", keys: "5678#"}, step{keys: "#"})
				if out, err := s.Main(context.Background(), ch, MainOptions{Mailbox: "101"}); err != nil || !out.Authenticated {
					t.Fatalf("login with the new password: %+v %v", out, err)
				}
			}, mwi: "101@default 0/0/0"},
		{name: "password mismatch", opts: MainOptions{Mailbox: "101"},
			steps: []step{{at: "vm-password", keys: "1234#"}, {keys: "0"}, {at: "vm-options", keys: "5"},
				{at: "vm-newpassword", keys: "5678#"}, {at: "vm-reenterpassword", keys: "5679#"},
				{at: "vm-options", keys: "*"}, {keys: "#"}},
			want: MainOutcome{Mailbox: id, Authenticated: true},
			played: "vm-password vm-youhave vm-no vm-messages vm-opts vm-helpexit vm-options vm-newpassword vm-reenterpassword " +
				"vm-mismatch vm-pls-try-again vm-options vm-opts vm-helpexit vm-goodbye",
			check: func(t *testing.T, s *Service) {
				if _, ok, _ := s.Spool().Password(id); ok {
					t.Fatal("password stored after a mismatch")
				}
			}, mwi: "101@default 0/0/0"},
		{name: "record the unavailable greeting", opts: MainOptions{Mailbox: "101"},
			steps: []step{{at: "vm-password", keys: "1234#"}, {keys: "0"}, {at: "vm-options", keys: "1"},
				{at: "record", rec: rec(4*time.Second, RecordStopDigit, '#')}, {at: "vm-review", keys: "2"},
				{at: "vm-review", keys: "1"}, {at: "vm-options", keys: "*"}, {keys: "#"}},
			want: MainOutcome{Mailbox: id, Authenticated: true},
			played: "vm-password vm-youhave vm-no vm-messages vm-opts vm-helpexit vm-options vm-rec-unv beep record " +
				"vm-review " + "PLAYBACK vm-review vm-msgsaved vm-options vm-opts vm-helpexit vm-goodbye",
			check: func(t *testing.T, s *Service) {
				if _, ok := s.Spool().GreetingPath(id, GreetingUnavailable); !ok {
					t.Fatal("no unavail greeting")
				}
			}, mwi: "101@default 0/0/0"},
		{name: "temporary greeting recorded then removed", opts: MainOptions{Mailbox: "101"},
			steps: []step{{at: "vm-password", keys: "1234#"}, {keys: "0"}, {at: "vm-options", keys: "4"},
				{at: "record", rec: rec(3*time.Second, RecordStopSilence, 0)}, {at: "vm-review", keys: "1"},
				{at: "vm-options", keys: "4"}, {at: "vm-tempgreeting2", keys: "2"}, {at: "vm-options", keys: "*"}, {keys: "#"}},
			want: MainOutcome{Mailbox: id, Authenticated: true},
			played: "vm-password vm-youhave vm-no vm-messages vm-opts vm-helpexit vm-options vm-rec-temp beep record vm-review vm-msgsaved " +
				"vm-tmpexists vm-options vm-tempgreeting2 vm-tempremoved vm-options vm-opts vm-helpexit vm-goodbye",
			check: func(t *testing.T, s *Service) {
				if _, ok := s.Spool().GreetingPath(id, GreetingTemporary); ok {
					t.Fatal("temp greeting left")
				}
			}, mwi: "101@default 0/0/0"},
		{name: "French, urgent not counted", opts: MainOptions{Mailbox: "101"}, lang: "fr",
			setup: func(t *testing.T, s *Service) {
				deliverN(t, s.Spool(), id, FolderUrgent, 1)
				deliverN(t, s.Spool(), id, FolderInbox, 2)
			},
			steps:  []step{{at: "vm-password", keys: "1234#"}, {keys: "#"}},
			want:   MainOutcome{Mailbox: id, Authenticated: true},
			played: "vm-password vm-youhave num:2 vm-INBOX vm-messages vm-onefor vm-Urgent vm-messages vm-opts vm-helpexit vm-goodbye",
			mwi:    "101@default 2/0/1"},
		{name: "English says urgent, silence ends the session", opts: MainOptions{Mailbox: "101"},
			setup:  func(t *testing.T, s *Service) { deliverN(t, s.Spool(), id, FolderUrgent, 1) },
			steps:  []step{{at: "vm-password", keys: "1234#"}},
			want:   MainOutcome{Mailbox: id, Authenticated: true},
			played: "vm-password vm-youhave num:1 vm-Urgent vm-message " + strings.Repeat("vm-onefor vm-Urgent vm-messages vm-opts vm-helpexit ", 3) + "vm-goodbye",
			mwi:    "101@default 0/0/1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s, mwi := testService(t, "")
				if tc.setup != nil {
					tc.setup(t, s)
				}
				ch := newFake(t, tc.steps...)
				if tc.lang != "" {
					ch.lang = tc.lang
				}
				got, err := s.Main(context.Background(), ch, tc.opts)
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				if got != tc.want {
					t.Fatalf("outcome %+v, want %+v", got, tc.want)
				}
				played := joined(ch.played)
				played = strings.ReplaceAll(played, recordingPlayed(ch), "PLAYBACK")
				if played != tc.played {
					t.Fatalf("played\n %q\nwant\n %q", played, tc.played)
				}
				if len(ch.steps) != 0 {
					t.Fatalf("script left: %+v", ch.steps)
				}
				if mwi.last() != tc.mwi {
					t.Fatalf("mwi %v, want %q", mwi.calls, tc.mwi)
				}
				if tc.check != nil {
					tc.check(t, s)
				}
			})
		})
	}
}

// recordingPlayed is how the fake logged playing back its last recording.
func recordingPlayed(ch *fakeChannel) string {
	if len(ch.recordings) == 0 {
		return "\x00"
	}
	return shortSound(strings.TrimSuffix(ch.recordings[len(ch.recordings)-1], ".wav"))
}

func TestParseMainOptions(t *testing.T) {
	tests := []struct {
		in   string
		want MainOptions
		err  bool
	}{
		{"", MainOptions{}, false},
		{"s", MainOptions{SkipPassword: true}, false},
		{"pg(3)a(Old)", MainOptions{Prefix: true}, false},
		{"z", MainOptions{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseMainOptions(tc.in)
			if (err != nil) != tc.err || (err == nil && got != tc.want) {
				t.Fatalf("%+v %v", got, err)
			}
		})
	}
}

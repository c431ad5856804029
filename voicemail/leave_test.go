package voicemail

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func rec(d time.Duration, stop RecordStop, digit rune) RecordResult {
	return RecordResult{Duration: d, Stop: stop, Digit: digit}
}

// TestLeave walks VoiceMail()'s paths with a scripted caller.
func TestLeave(t *testing.T) {
	tests := []struct {
		name     string
		box      string
		opts     LeaveOptions
		setup    func(t *testing.T, s *Service)
		steps    []step
		lang     string
		want     LeaveOutcome
		wantErr  error
		played   string
		inbox    []int // durations in INBOX after
		urgent   []int
		mwi      string
		mailsOut int
	}{
		{name: "unavailable, invented greeting, # ends", box: "101", opts: LeaveOptions{Greeting: GreetingUnavailable},
			steps:  []step{{at: "record", rec: rec(10*time.Second, RecordStopDigit, '#')}},
			want:   LeaveOutcome{Status: StatusSuccess},
			played: "vm-theperson digits:101 vm-isunavail vm-intro beep record",
			inbox:  []int{10}, mwi: "101@default 1/0/0", mailsOut: 1},
		{name: "busy with recorded name, French", box: "101", lang: "fr", opts: LeaveOptions{Greeting: GreetingBusy},
			setup: func(t *testing.T, s *Service) { greeting(t, s, "101", GreetingName) },
			steps: []step{{at: "record", rec: rec(5*time.Second, RecordStopSilence, 0)}},
			want:  LeaveOutcome{Status: StatusSuccess}, played: "101/greet vm-isonphone vm-intro beep record",
			inbox: []int{5}, mwi: "101@default 1/0/0", mailsOut: 1},
		{name: "recorded unavailable greeting, # skips vm-intro", box: "101", opts: LeaveOptions{Greeting: GreetingUnavailable},
			setup: func(t *testing.T, s *Service) { greeting(t, s, "101", GreetingUnavailable) },
			steps: []step{{at: "unavail", keys: "#"}, {at: "record", rec: rec(3*time.Second, RecordStopDigit, '#')}},
			want:  LeaveOutcome{Status: StatusSuccess}, played: "101/unavail beep record",
			inbox: []int{3}, mwi: "101@default 1/0/0", mailsOut: 1},
		{name: "temporary greeting wins, s and no beep", box: "101",
			opts: LeaveOptions{Greeting: GreetingBusy, Silent: true, NoBeep: true},
			setup: func(t *testing.T, s *Service) {
				greeting(t, s, "101", GreetingTemporary)
				greeting(t, s, "101", GreetingBusy)
			},
			steps: []step{{at: "record", rec: rec(3*time.Second, RecordStopDigit, '#')}},
			want:  LeaveOutcome{Status: StatusSuccess}, played: "101/temp record",
			inbox: []int{3}, mwi: "101@default 1/0/0", mailsOut: 1},
		{name: "too short", box: "102", steps: []step{{at: "record", rec: rec(time.Second, RecordStopDigit, '#')}},
			want: LeaveOutcome{Status: StatusFailed}, played: "vm-intro beep record"},
		{name: "star goes to a", box: "101", opts: LeaveOptions{ExitA: true}, steps: []step{{at: "vm-intro", keys: "*"}},
			want: LeaveOutcome{Status: StatusUserExit, Goto: "a"}, played: "vm-intro"},
		{name: "star without an a extension records", box: "102",
			steps: []step{{at: "vm-intro", keys: "*"}, {at: "record", rec: rec(4*time.Second, RecordStopDigit, '#')}},
			want:  LeaveOutcome{Status: StatusSuccess}, played: "vm-intro beep record",
			inbox: []int{4}, mwi: "102@default 1/0/0"},
		{name: "zero goes to the operator", box: "103", opts: LeaveOptions{ExitO: true, Greeting: GreetingUnavailable},
			steps:  []step{{at: "vm-isunavail", keys: "0"}},
			want:   LeaveOutcome{Status: StatusUserExit, Goto: "o", ExitContext: "attendant"},
			played: "vm-theperson digits:103 vm-isunavail transfer"},
		{name: "zero without operator=yes is ignored", box: "102", opts: LeaveOptions{ExitO: true},
			steps: []step{{at: "vm-intro", keys: "0"}, {at: "record", rec: rec(4*time.Second, RecordStopDigit, '#')}},
			want:  LeaveOutcome{Status: StatusSuccess}, played: "vm-intro beep record",
			inbox: []int{4}, mwi: "102@default 1/0/0"},
		{name: "zero while recording, 1 keeps it", box: "103", opts: LeaveOptions{ExitO: true},
			steps:  []step{{at: "record", rec: rec(6*time.Second, RecordStopDigit, '0')}, {at: "vm-saveoper", keys: "1"}},
			want:   LeaveOutcome{Status: StatusUserExit, Goto: "o", ExitContext: "attendant"},
			played: "vm-intro beep record vm-saveoper vm-msgsaved transfer",
			inbox:  []int{6}, mwi: "103@default 1/0/0"},
		{name: "zero while recording, timeout deletes it", box: "103", opts: LeaveOptions{ExitO: true},
			steps:  []step{{at: "record", rec: rec(6*time.Second, RecordStopDigit, '0')}},
			want:   LeaveOutcome{Status: StatusUserExit, Goto: "o", ExitContext: "attendant"},
			played: "vm-intro beep record vm-saveoper vm-deleted transfer"},
		{name: "mailbox full", box: "101",
			setup: func(t *testing.T, s *Service) { deliverN(t, s.Spool(), MailboxID{"default", "101"}, FolderInbox, 3) },
			want:  LeaveOutcome{Status: StatusFailed}, played: "vm-intro vm-mailboxfull", inbox: []int{1, 2, 3}},
		{name: "hangup while recording keeps the message", box: "101",
			steps: []step{{at: "record", rec: rec(8*time.Second, RecordStopHangup, 0), hangup: true}},
			want:  LeaveOutcome{Status: StatusSuccess}, wantErr: errFakeHangup, played: "vm-intro beep record",
			inbox: []int{8}, mwi: "101@default 1/0/0", mailsOut: 1},
		{name: "hangup during the greeting", box: "101", opts: LeaveOptions{Greeting: GreetingBusy},
			steps: []step{{at: "vm-theperson", hangup: true}},
			want:  LeaveOutcome{Status: StatusFailed}, wantErr: errFakeHangup, played: "vm-theperson"},
		{name: "maxsecs reached says goodbye", box: "101",
			steps: []step{{at: "record", rec: rec(0, RecordStopMaxDuration, 0)}},
			want:  LeaveOutcome{Status: StatusSuccess}, played: "vm-intro beep record vm-goodbye",
			inbox: []int{60}, mwi: "101@default 1/0/0", mailsOut: 1},
		{name: "urgent", box: "101", opts: LeaveOptions{Urgent: true, Beep: "custom/ding"},
			steps: []step{{at: "record", rec: rec(4*time.Second, RecordStopDigit, '#')}},
			want:  LeaveOutcome{Status: StatusSuccess}, played: "vm-intro custom/ding record",
			urgent: []int{4}, mwi: "101@default 0/0/1", mailsOut: 1},
		{name: "greetings only", box: "104", opts: LeaveOptions{Greeting: GreetingUnavailable},
			want: LeaveOutcome{Status: StatusSuccess}, played: "vm-theperson digits:104 vm-isunavail"},
		{name: "full with another caller recording", box: "101",
			setup: func(t *testing.T, s *Service) {
				deliverN(t, s.Spool(), MailboxID{"default", "101"}, FolderInbox, 2)
				s.Spool().Reserve(MailboxID{"default", "101"})
			},
			want: LeaveOutcome{Status: StatusFailed}, played: "vm-intro vm-mailboxfull", inbox: []int{1, 2}},
		{name: "no such mailbox", box: "999@default", want: LeaveOutcome{Status: StatusFailed}, wantErr: ErrNoMailbox},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mailer := &fakeMailer{}
				s, mwi := testService(t, "", WithMailer(mailer))
				if tc.setup != nil {
					tc.setup(t, s)
				}
				ch := newFake(t, tc.steps...)
				if tc.lang != "" {
					ch.lang = tc.lang
				}
				got, err := s.Leave(context.Background(), ch, tc.box, tc.opts)
				if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				msg := got.Message
				got.Message = nil
				if got != tc.want {
					t.Fatalf("outcome %+v, want %+v", got, tc.want)
				}
				if (msg != nil) != (tc.mwi != "") {
					t.Fatalf("message %+v", msg)
				}
				if p := joined(ch.played); p != tc.played {
					t.Fatalf("played %q\n want  %q", p, tc.played)
				}
				id, _ := ParseMailboxID(tc.box)
				if got := durations(t, s.Spool(), id, FolderInbox); !slices.Equal(got, tc.inbox) {
					t.Fatalf("INBOX %v, want %v", got, tc.inbox)
				}
				if got := durations(t, s.Spool(), id, FolderUrgent); !slices.Equal(got, tc.urgent) {
					t.Fatalf("Urgent %v, want %v", got, tc.urgent)
				}
				if mwi.last() != tc.mwi {
					t.Fatalf("mwi %v, want %q", mwi.calls, tc.mwi)
				}
				if len(ch.steps) != 0 {
					t.Fatalf("script left: %+v", ch.steps)
				}
				if tmp, _ := os.ReadDir(s.Spool().BoxDir(id) + "/tmp"); len(tmp) != 0 {
					t.Fatalf("tmp left: %v", tmp)
				}
				s.Close()
				if len(mailer.sent) != tc.mailsOut {
					t.Fatalf("%d e-mails", len(mailer.sent))
				}
			})
		})
	}
}

// TestLeaveMessageInfo: the .txt of a left message.
func TestLeaveMessageInfo(t *testing.T) {
	s, _ := testService(t, "")
	ch := newFake(t, step{at: "record", rec: rec(12*time.Second, RecordStopDigit, '#')})
	out, err := s.Leave(context.Background(), ch, "101@default", LeaveOptions{Priority: true, Call: CallInfo{
		Context: "from-phones", Exten: "101", Priority: 3, Channel: "SIP/102-0000002a", Category: "sales"}})
	if err != nil || out.Message == nil {
		t.Fatalf("%+v %v", out, err)
	}
	data, err := os.ReadFile(out.Message.Path + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	want := ";\n; Message Information file\n;\n[message]\norigmailbox=101\ncontext=from-phones\nmacrocontext=\nexten=101\n" +
		"rdnis=unknown\npriority=3\ncallerchan=SIP/102-0000002a\ncallerid=\"Bob\" <102>\n" +
		"origdate=Sat Mar 14 03:09:26 PM UTC 2026\norigtime=1773500966\ncategory=sales\nmsg_id=1773500966-"
	if !strings.HasPrefix(string(data), want) || !strings.HasSuffix(string(data), "\nflag=PRIORITY\nduration=12\n") {
		t.Fatalf("msg0000.txt:\n%s", data)
	}
	if _, err := os.Stat(out.Message.Path + ".wav"); err != nil {
		t.Fatal(err)
	}
}

// greeting records greeting g for box.
func greeting(t *testing.T, s *Service, box string, g Greeting) {
	t.Helper()
	id, _ := ParseMailboxID(box)
	r, err := s.Spool().NewRecording(id)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(r.Path(), fakeWAV(time.Second, 0), 0o644)
	if err := s.Spool().SaveGreeting(r, g); err != nil {
		t.Fatal(err)
	}
}

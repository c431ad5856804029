package voicemail

import (
	"errors"
	"testing"
)

func TestFolder(t *testing.T) {
	tests := []struct {
		f      Folder
		name   string
		digit  rune
		prompt string
	}{
		{FolderInbox, "INBOX", '0', "vm-INBOX"},
		{FolderOld, "Old", '1', "vm-Old"},
		{FolderWork, "Work", '2', "vm-Work"},
		{FolderFamily, "Family", '3', "vm-Family"},
		{FolderFriends, "Friends", '4', "vm-Friends"},
		{FolderUrgent, "Urgent", 0, "vm-Urgent"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.f.String() != tc.name || tc.f.Digit() != tc.digit || tc.f.Prompt() != tc.prompt {
				t.Fatalf("%d: %q %q %q", tc.f, tc.f.String(), tc.f.Digit(), tc.f.Prompt())
			}
			if ParseFolder(tc.name) != tc.f || ParseFolder(" "+tc.name+" ") != tc.f {
				t.Fatalf("parse %q", tc.name)
			}
			if tc.digit != 0 && (FolderForDigit(tc.digit) != tc.f || ParseFolder(string(tc.digit)) != tc.f) {
				t.Fatalf("digit %q", tc.digit)
			}
		})
	}
	for _, bad := range []string{"", "Trash", "5", "inboxes"} {
		if ParseFolder(bad) != FolderUnknown {
			t.Errorf("ParseFolder(%q) known", bad)
		}
	}
	if FolderUnknown.String() != "" || Folder(99).String() != "" || FolderForDigit('9') != FolderUnknown {
		t.Error("unknown folder")
	}
	if ParseFolder("inbox") != FolderInbox {
		t.Error("case-insensitive")
	}
}

func TestGreeting(t *testing.T) {
	for g, name := range map[Greeting]string{GreetingUnavailable: "unavail", GreetingBusy: "busy", GreetingName: "greet", GreetingTemporary: "temp"} {
		if g.String() != name || ParseGreeting(name) != g {
			t.Errorf("%d %q", g, name)
		}
	}
	if ParseGreeting("hello") != GreetingUnknown || GreetingUnknown.String() != "" {
		t.Error("unknown greeting")
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		s    Status
		name string
	}{{StatusSuccess, "SUCCESS"}, {StatusUserExit, "USEREXIT"}, {StatusFailed, "FAILED"}, {StatusUnknown, ""}}
	for _, tc := range tests {
		if tc.s.String() != tc.name || ParseStatus(tc.name) != tc.s {
			t.Errorf("%d %q", tc.s, tc.name)
		}
	}
	if ParseStatus("success") != StatusSuccess || ParseStatus("maybe") != StatusUnknown {
		t.Error("parse")
	}
}

func TestParseMailboxID(t *testing.T) {
	tests := []struct {
		in   string
		want MailboxID
		err  bool
	}{
		{"101@VoiceMail", MailboxID{"VoiceMail", "101"}, false},
		{"101", MailboxID{"default", "101"}, false},
		{"101@", MailboxID{"default", "101"}, false},
		{"", MailboxID{}, true},
		{"@ctx", MailboxID{}, true},
		{"../etc@x", MailboxID{}, true},
		{"1 01", MailboxID{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseMailboxID(tc.in)
			if tc.err {
				if !errors.Is(err, ErrBadMailboxID) {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || got != tc.want || got.String() != tc.want.Box+"@"+tc.want.Context {
				t.Fatalf("%+v %v", got, err)
			}
		})
	}
}

func TestRecordStopString(t *testing.T) {
	for r, s := range map[RecordStop]string{RecordStopDigit: "digit", RecordStopSilence: "silence",
		RecordStopMaxDuration: "maxduration", RecordStopHangup: "hangup", RecordStopUnknown: "unknown"} {
		if r.String() != s {
			t.Errorf("%d: %q", r, r.String())
		}
	}
}

func TestParseLeaveOptions(t *testing.T) {
	tests := []struct {
		in   string
		want LeaveOptions
		err  bool
	}{
		{"", LeaveOptions{}, false},
		{"u", LeaveOptions{Greeting: GreetingUnavailable}, false},
		{"bs", LeaveOptions{Greeting: GreetingBusy, Silent: true}, false},
		{"UP", LeaveOptions{Urgent: true, Priority: true}, false},
		{"t()", LeaveOptions{NoBeep: true}, false},
		{"t(custom/ding)u", LeaveOptions{Beep: "custom/ding", Greeting: GreetingUnavailable}, false},
		{"g(3)e", LeaveOptions{}, false},
		{"x", LeaveOptions{}, true},
		{"t(unclosed", LeaveOptions{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseLeaveOptions(tc.in)
			if tc.err {
				if !errors.Is(err, ErrBadOption) {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("%+v %v", got, err)
			}
		})
	}
}

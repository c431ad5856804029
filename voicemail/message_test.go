package voicemail

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMessageInfoBytes: msgNNNN.txt byte for byte as leave_voicemail writes it.
func TestMessageInfoBytes(t *testing.T) {
	at := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	m := MessageInfo{OrigMailbox: "101", Context: "from-phones", Exten: "101", RDNIS: "unknown", Priority: 2,
		CallerChan: "SIP/102-00000001", CallerID: `"Bob" <102>`, OrigDate: FormatOrigDate(at), OrigTime: at.Unix(),
		MsgID: "1136214245-00000000", Duration: 7}
	got, _ := m.MarshalText()
	want := ";\n; Message Information file\n;\n[message]\norigmailbox=101\ncontext=from-phones\nmacrocontext=\n" +
		"exten=101\nrdnis=unknown\npriority=2\ncallerchan=SIP/102-00000001\ncallerid=\"Bob\" <102>\n" +
		"origdate=Mon Jan  2 03:04:05 PM UTC 2006\norigtime=1136214245\ncategory=\nmsg_id=1136214245-00000000\n" +
		"flag=\nduration=7\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	back, err := ParseMessageInfo(strings.NewReader(string(got)))
	if err != nil || back != m {
		t.Fatalf("round trip: %+v %v", back, err)
	}
}

func TestParseMessageInfo(t *testing.T) {
	tests := []struct {
		name, text string
		want       MessageInfo
		wantErr    bool
	}{
		{"asterisk 1.2 file", "#\n# Message Information file\n#\norigmailbox=200\ncontext=default\nexten=s\npriority=3\n" +
			"callerchan=Zap/1-1\ncallerid=Unknown\norigdate=Wed Mar 16 12:00:00 PM UTC 2005\n",
			MessageInfo{OrigMailbox: "200", Context: "default", Exten: "s", Priority: 3, CallerChan: "Zap/1-1",
				CallerID: "Unknown", OrigDate: "Wed Mar 16 12:00:00 PM UTC 2005"}, false},
		{"urgent", "[message]\nflag=Urgent\nduration=12\nfuture=1\n", MessageInfo{Flag: "Urgent", Duration: 12}, false},
		{"empty", "; nothing\n", MessageInfo{}, true},
		{"not key=value", "[message]\norigmailbox\n", MessageInfo{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseMessageInfo(strings.NewReader(tc.text))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v", err)
			}
			if !tc.wantErr && got != tc.want {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestMergeCallerID(t *testing.T) {
	tests := []struct{ name, cname, num, want string }{
		{"both", "Bob", "102", `"Bob" <102>`},
		{"quotes", `Bo"b`, "102", `"Bo\"b" <102>`},
		{"name only", "Bob", "", "Bob"},
		{"number only", "", "102", "102"},
		{"neither", "", "", "Unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := MergeCallerID(tc.cname, tc.num, "Unknown")
			if got != tc.want {
				t.Fatalf("got %q", got)
			}
			n, num := SplitCallerID(got)
			if tc.cname == "" && tc.num == "" {
				n, num = tc.cname, tc.num
			}
			if n != tc.cname || num != tc.num {
				t.Fatalf("split %q: %q %q", got, n, num)
			}
		})
	}
}

func TestOrigDateAndMsgID(t *testing.T) {
	at := time.Date(2026, 3, 4, 9, 5, 6, 0, time.FixedZone("CET", 3600))
	if got := FormatOrigDate(at); got != "Wed Mar  4 08:05:06 AM UTC 2026" {
		t.Fatalf("origdate %q", got)
	}
	a, b := NewMsgID(at), NewMsgID(at)
	re := regexp.MustCompile(`^1772611506-[0-9a-f]{8}$`)
	if !re.MatchString(a) || !re.MatchString(b) || a == b {
		t.Fatalf("msg ids %q %q", a, b)
	}
}

func TestMessageFile(t *testing.T) {
	for n, want := range map[int]string{0: "msg0000", 7: "msg0007", 123: "msg0123", 9999: "msg9999"} {
		if got := MessageFile(n); got != want {
			t.Errorf("%d: %q", n, got)
		}
	}
}

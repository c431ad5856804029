package ami

import "testing"

func TestEventFilter(t *testing.T) {
	newch := "Event: Newchannel\r\nPrivilege: call,all\r\nChannel: SIP/1001-00000001\r\n\r\n"
	rtcp := "Event: RTCPSent\r\nPrivilege: reporting,all\r\n\r\n"
	hang := "Event: Hangup\r\nPrivilege: call,all\r\nChannel: SIP/trunk-00000002\r\n\r\n"
	tests := []struct {
		name    string
		filters []string
		pass    [3]bool // newch, rtcp, hang
	}{
		{"none", nil, [3]bool{true, true, true}},
		{"exclude only", []string{"!Event: RTCP*"}, [3]bool{true, false, true}},
		{"include only", []string{"Event: Newchannel", "Event: Hangup"}, [3]bool{true, false, true}},
		{"include and exclude", []string{"Channel: SIP/", "!SIP/trunk"}, [3]bool{true, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := newEventFilter(tc.filters)
			if err != nil {
				t.Fatal(err)
			}
			for i, text := range []string{newch, rtcp, hang} {
				if got := f.pass(text); got != tc.pass[i] {
					t.Errorf("event %d: pass %v, want %v", i, got, tc.pass[i])
				}
			}
		})
	}
	if _, err := newEventFilter([]string{"!Event: (unclosed"}); err == nil {
		t.Error("a bad expression compiled")
	}
}

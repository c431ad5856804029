package voicemail

import "testing"

func TestMessageSummary(t *testing.T) {
	tests := []struct {
		name                string
		newMsgs, old, urgnt int
		account, want       string
	}{
		{"waiting", 2, 8, 0, "101@pbx.example.com",
			"Messages-Waiting: yes\r\nMessage-Account: sip:101@pbx.example.com\r\nVoice-Message: 2/8 (0/0)\r\n"},
		{"urgent counts as new", 1, 0, 2, "sip:101@pbx",
			"Messages-Waiting: yes\r\nMessage-Account: sip:101@pbx\r\nVoice-Message: 3/0 (2/0)\r\n"},
		{"nothing new", 0, 4, 0, "", "Messages-Waiting: no\r\nVoice-Message: 0/4 (0/0)\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := MessageSummary(tc.newMsgs, tc.old, tc.urgnt, tc.account); got != tc.want {
				t.Fatalf("got %q", got)
			}
		})
	}
}

package sip

import "testing"

func TestCauseStatusTables(t *testing.T) {
	causes := []struct {
		cause int
		code  int
	}{
		{1, 404}, {3, 404}, {17, 486}, {18, 408}, {19, 480}, {20, 480}, {21, 403}, {22, 410}, {27, 502},
		{28, 484}, {29, 501}, {34, 503}, {38, 503}, {41, 503}, {42, 503}, {58, 488}, {88, 488}, {102, 504}, {127, 500},
	}
	for _, tc := range causes {
		if code, reason := CauseToStatus(tc.cause); code != tc.code || reason == "" {
			t.Errorf("CauseToStatus(%d) = %d %q, want %d", tc.cause, code, reason, tc.code)
		}
	}
	statuses := []struct {
		code, cause int
		dial        string
	}{
		{486, 17, "BUSY"}, {600, 17, "BUSY"}, {480, 18, "NOANSWER"}, {408, 102, "NOANSWER"}, {487, 18, "CANCEL"},
		{404, 1, "CHANUNAVAIL"}, {403, 21, "CHANUNAVAIL"}, {503, 34, "CONGESTION"}, {500, 41, "CONGESTION"},
		{488, 58, "CHANUNAVAIL"}, {484, 28, "CHANUNAVAIL"}, {502, 27, "CONGESTION"}, {499, 21, "CHANUNAVAIL"}, {599, 41, "CHANUNAVAIL"},
	}
	for _, tc := range statuses {
		if got := StatusToCause(tc.code); got != tc.cause {
			t.Errorf("StatusToCause(%d) = %d, want %d", tc.code, got, tc.cause)
		}
		if got := DialStatus(tc.code); got != tc.dial {
			t.Errorf("DialStatus(%d) = %s, want %s", tc.code, got, tc.dial)
		}
	}
	if err := NewStatusError(486, "Busy Here"); err.Error() != "486 Busy Here" {
		t.Errorf("StatusError = %q", err.Error())
	}
}

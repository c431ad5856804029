package queues

import "testing"

// Every typed enum prints and parses back; the zero value is Unknown.
func TestEnums(t *testing.T) {
	tests := []struct {
		name  string
		n     int
		str   func(i int) string
		parse func(s string) (int, error)
		zero  string
	}{
		{"DeviceState", int(DeviceOnHold) + 1, func(i int) string { return DeviceState(i).String() },
			func(s string) (int, error) { v, err := ParseDeviceState(s); return int(v), err }, "UNKNOWN"},
		{"QueueStatus", int(StatusContinue) + 1, func(i int) string { return QueueStatus(i).String() },
			func(s string) (int, error) { v, err := ParseQueueStatus(s); return int(v), err }, "UNKNOWN"},
		{"Outcome", int(OutcomeAnswered) + 1, func(i int) string { return Outcome(i).String() },
			func(s string) (int, error) { v, err := ParseOutcome(s); return int(v), err }, "unknown"},
		{"Party", int(PartyAgent) + 1, func(i int) string { return Party(i).String() },
			func(s string) (int, error) { v, err := ParseParty(s); return int(v), err }, "unknown"},
		{"Event", int(EventAttendedTransfer) + 1, func(i int) string { return Event(i).String() },
			func(s string) (int, error) { v, err := ParseEvent(s); return int(v), err }, "UNKNOWN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.str(0); got != tc.zero {
				t.Errorf("zero value %q", got)
			}
			if got := tc.str(-1); got != tc.zero {
				t.Errorf("out of range %q", got)
			}
			for i := range tc.n {
				if got, err := tc.parse(tc.str(i)); err != nil || got != i {
					t.Errorf("%d: %q parses to %d, %v", i, tc.str(i), got, err)
				}
			}
			if _, err := tc.parse("bogus"); err == nil {
				t.Error("bogus parsed")
			}
		})
	}
}

func TestParseDeviceStateSpellings(t *testing.T) {
	for in, want := range map[string]DeviceState{"NOT_INUSE": DeviceNotInUse, "notinuse": DeviceNotInUse,
		" Unavailable ": DeviceUnavailable, "RINGINUSE": DeviceRingInUse} {
		if got, err := ParseDeviceState(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
}

func TestTimeoutPriority(t *testing.T) {
	for in, want := range map[string]TimeoutPriority{"conf": TimeoutPriorityConf, "CONF": TimeoutPriorityConf, "app": TimeoutPriorityApp, "": TimeoutPriorityApp} {
		if got := ParseTimeoutPriority(in); got != want || ParseTimeoutPriority(got.String()) != want {
			t.Errorf("%q: %v", in, got)
		}
	}
}

package telegram

import (
	"testing"
	"time"
)

func TestReasonOf(t *testing.T) {
	tests := []struct{ status, want string }{
		{"BUSY", "busy"}, {"NOANSWER", "no answer"}, {"CANCEL", "no answer"}, {"CONGESTION", "congestion"},
		{"CHANUNAVAIL", "unavailable"}, {"ANSWER", "answered"}, {"FAILED", "failed"}, {"", "failed"},
	}
	for _, tc := range tests {
		t.Run(tc.status, func(t *testing.T) {
			if got := ReasonOf(tc.status); got != tc.want {
				t.Fatalf("ReasonOf(%q) = %q, want %q", tc.status, got, tc.want)
			}
		})
	}
}

func TestStageString(t *testing.T) {
	tests := []struct {
		s    Stage
		want string
	}{
		{StageUnknown, "unknown"}, {StageCallingAgent, "calling-agent"}, {StageAgentRinging, "agent-ringing"},
		{StageCallingTarget, "calling-target"}, {StageConnected, "connected"}, {StageFailed, "failed"},
		{StageEnded, "ended"}, {Stage(99), "unknown"}, {Stage(-1), "unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.s.String(); got != tc.want {
				t.Fatalf("Stage(%d).String() = %q, want %q", int(tc.s), got, tc.want)
			}
		})
	}
}

func TestStatusText(t *testing.T) {
	c := Call{AgentPhone: "+15550001111", Target: "+15551234567", Route: RouteDevelopment}
	tests := []struct {
		name string
		p    Progress
		want string
	}{
		{"calling agent", Progress{Stage: StageCallingAgent}, "📞 Calling you at +15550001111 (route Development [D])…"},
		{"ringing", Progress{Stage: StageAgentRinging}, "🔔 Your phone is ringing: answer it to be connected."},
		{"calling target", Progress{Stage: StageCallingTarget}, "✅ You answered. Calling +15551234567…"},
		{"connected", Progress{Stage: StageConnected}, "🔗 Connected to +15551234567."},
		{"agent busy", Progress{Stage: StageFailed, Leg: LegAgent, Reason: "busy", SIPCode: 486},
			"❌ Call failed: busy (SIP 486). Your phone +15550001111 did not take the call, so +15551234567 was not called."},
		{"target no answer", Progress{Stage: StageFailed, Leg: LegTarget, Reason: "no answer"}, "❌ Call to +15551234567 failed: no answer."},
		{"ended", Progress{Stage: StageEnded, Duration: 3*time.Minute + 7*time.Second}, "📴 Call with +15551234567 ended. Duration: 3:07."},
		{"ended long", Progress{Stage: StageEnded, Duration: time.Hour + 2*time.Minute + 3400*time.Millisecond}, "📴 Call with +15551234567 ended. Duration: 1:02:03."},
		{"unknown", Progress{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := statusText(c, tc.p); got != tc.want {
				t.Fatalf("statusText = %q, want %q", got, tc.want)
			}
		})
	}
}

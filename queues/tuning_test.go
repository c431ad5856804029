package queues

import (
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

func tuningOf(t *testing.T, text string) Tuning {
	t.Helper()
	f, diags := config.Parse("queues.conf", strings.NewReader(text))
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	return LoadTuning(f)["q"]
}

// parse_empty_options: conditions add up, yes/no/strict/loose replace.
func TestTuningEmptyConditions(t *testing.T) {
	tests := []struct {
		name, line  string
		join, leave EmptyCondition
	}{
		{"unset", "", 0, 0},
		{"seed", "joinempty=unavailable,invalid\nleavewhenempty=unavailable,invalid", EmptyUnavailable | EmptyInvalid, EmptyUnavailable | EmptyInvalid},
		{"joinempty=no", "joinempty=no", EmptyPenalty | EmptyInvalid | EmptyPaused, 0},
		{"joinempty=yes", "joinempty=yes", 0, 0},
		{"leavewhenempty=yes", "leavewhenempty=yes", 0, EmptyPenalty | EmptyInvalid | EmptyPaused},
		{"strict", "joinempty=strict", EmptyPenalty | EmptyInvalid | EmptyPaused | EmptyUnavailable, 0},
		{"loose replaces", "joinempty=paused,loose", EmptyPenalty | EmptyInvalid, 0},
		{"adds after", "joinempty=loose,wrapup", EmptyPenalty | EmptyInvalid | EmptyWrapup, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tu := tuningOf(t, "[q]\n"+tc.line+"\n")
			if tu.JoinEmpty != tc.join || tu.LeaveWhenEmpty != tc.leave {
				t.Fatalf("join %b leave %b, want %b %b", tu.JoinEmpty, tu.LeaveWhenEmpty, tc.join, tc.leave)
			}
		})
	}
}

func TestTuningValues(t *testing.T) {
	tu := tuningOf(t, "[q]\n")
	if tu.AnnouncePosition != "yes" || tu.AnnounceHoldTime != "yes" || tu.AnnouncePositionLimit != 10 ||
		tu.MinAnnounceFrequency != 15*time.Second || tu.Sounds != DefaultSounds || tu.TimeoutPriority != TimeoutPriorityApp {
		t.Fatalf("defaults %+v", tu)
	}
	tu = tuningOf(t, `[q]
penaltymemberslimit=3
timeoutpriority=conf
announce-round-seconds=7
announce-position=limit
announce-holdtime=once
autopausedelay=60
autopausebusy=yes
queue-thankyou=custom/thanks
`)
	if tu.PenaltyMembersLimit != 3 || tu.TimeoutPriority != TimeoutPriorityConf || tu.AnnounceRoundSeconds != 0 ||
		tu.AnnouncePosition != "limit" || tu.AnnounceHoldTime != "once" || tu.AutoPauseDelay != time.Minute ||
		!tu.AutoPauseBusy || tu.Sounds.ThankYou != "custom/thanks" {
		t.Fatalf("values %+v", tu)
	}
}

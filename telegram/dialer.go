package telegram

import (
	"context"
	"time"
)

// Dialer places a click-to-call for the bot: it rings the agent's phone
// through the route's trunk, and once the agent answers dials the target
// through the same trunk with the route's caller id and bridges the two
// (package pbx implements it over Switch.OriginateWith). ClickToCall
// returns once the call is over, having reported each stage in order; the
// last report is StageFailed or StageEnded.
type Dialer interface {
	ClickToCall(ctx context.Context, c Call, report func(Progress)) error
}

// Call is one click-to-call.
type Call struct {
	// Agent is who asked for the call; AgentPhone is rung first.
	Agent      Agent
	AgentPhone Number
	// Target is the number the agent asked for.
	Target Number
	// Route is the agent's route and RouteConfig its trunk, caller id and
	// timeouts. There is no failover to another trunk (seed 002).
	Route       Route
	RouteConfig RouteConfig
}

// Stage is how far a click-to-call has got.
type Stage int

// Stages, in the order a call goes through them.
const (
	StageUnknown Stage = iota
	// StageCallingAgent: the agent's phone is being dialled.
	StageCallingAgent
	// StageAgentRinging: the agent's phone rings (180/183).
	StageAgentRinging
	// StageCallingTarget: the agent answered; the target is dialled.
	StageCallingTarget
	// StageConnected: the target answered; the two are bridged.
	StageConnected
	// StageFailed: a leg was not answered (Progress.Leg, Reason).
	StageFailed
	// StageEnded: the bridged call is over (Progress.Duration).
	StageEnded
)

var stageNames = []string{"unknown", "calling-agent", "agent-ringing", "calling-target", "connected", "failed", "ended"}

// String returns the stage's name ("calling-agent" …).
func (s Stage) String() string {
	if s < 0 || int(s) >= len(stageNames) {
		return "unknown"
	}
	return stageNames[s]
}

// Leg names a call's leg in a failure.
type Leg int

// Legs.
const (
	LegUnknown Leg = iota
	LegAgent
	LegTarget
)

// Progress is one report of a call's stage.
type Progress struct {
	Stage Stage
	// Leg and Reason, for StageFailed: which leg failed and why, in words
	// ("busy", "no answer", "congestion", "unavailable", "failed").
	Leg    Leg
	Reason string
	// SIPCode is the failed INVITE's final response, 0 when none.
	SIPCode int
	// Duration, for StageEnded, is how long the two talked.
	Duration time.Duration
}

// ReasonOf is the words for a dial status (app_dial's DIALSTATUS or an
// originate's outcome): BUSY is "busy", NOANSWER "no answer" ….
func ReasonOf(dialStatus string) string {
	switch dialStatus {
	case "BUSY":
		return "busy"
	case "NOANSWER", "CANCEL":
		return "no answer"
	case "CONGESTION":
		return "congestion"
	case "CHANUNAVAIL":
		return "unavailable"
	case "ANSWER":
		return "answered"
	}
	return "failed"
}

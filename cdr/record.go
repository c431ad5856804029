package cdr

import (
	"fmt"
	"strings"
	"time"
)

// Record is one Call Detail Record with Asterisk's fields (struct ast_cdr),
// in the order cdr_csv writes them.
type Record struct {
	// AccountCode is the channel's account code (CDR(accountcode)).
	AccountCode string
	// Src is the caller ID number.
	Src string
	// Dst is the destination extension.
	Dst string
	// DContext is the destination context.
	DContext string
	// CLID is the full caller ID, `"Name" <num>`.
	CLID string
	// Channel is the calling channel's name ("SIP/7001-00000001").
	Channel string
	// DstChannel is the called channel's name, if any.
	DstChannel string
	// LastApp and LastData are the last application run and its argument.
	LastApp  string
	LastData string
	// Start is when the call began, Answer when it was answered (zero when
	// never), End when it ended.
	Start  time.Time
	Answer time.Time
	End    time.Time
	// Duration is End − Start and BillSec End − Answer, in whole seconds
	// (SetDurations computes them as Asterisk does).
	Duration time.Duration
	BillSec  time.Duration
	// Disposition is what happened to the call.
	Disposition Disposition
	// AMAFlags is the billing category.
	AMAFlags AMAFlags
	// UniqueID is the channel's unique ID ("1496260158.0").
	UniqueID string
	// UserField is CDR(userfield).
	UserField string
	// LinkedID is the unique ID of the call the channel belongs to.
	LinkedID string
	// PeerAccount is the account code of the other party.
	PeerAccount string
	// Sequence numbers the CDRs of the system.
	Sequence int
}

// SetDurations computes Duration and BillSec from Start, Answer and End as
// cdr.c does: the milliseconds between them divided by 1000, BillSec 0 when
// the call was never answered.
func (r *Record) SetDurations() {
	r.Duration = wholeSeconds(r.End.Sub(r.Start))
	r.BillSec = 0
	if !r.Answer.IsZero() {
		r.BillSec = wholeSeconds(r.End.Sub(r.Answer))
	}
}

func wholeSeconds(d time.Duration) time.Duration {
	ms := d.Milliseconds()
	return time.Duration(ms/1000) * time.Second
}

// Disposition is a CDR's disposition (enum ast_cdr_disposition).
type Disposition int

// Dispositions. The zero value is DispositionNull, Asterisk's AST_CDR_NULL:
// a record whose disposition was never set, which ast_cdr_disp2str writes
// as "NO ANSWER" for backward compatibility.
const (
	// DispositionNull: not set (written "NO ANSWER").
	DispositionNull Disposition = iota
	// DispositionNoAnswer: "NO ANSWER".
	DispositionNoAnswer
	// DispositionFailed: "FAILED".
	DispositionFailed
	// DispositionBusy: "BUSY".
	DispositionBusy
	// DispositionAnswered: "ANSWERED".
	DispositionAnswered
	// DispositionCongestion: "CONGESTION".
	DispositionCongestion
)

var dispositionNames = [...]string{
	DispositionNull:       "NO ANSWER",
	DispositionNoAnswer:   "NO ANSWER",
	DispositionFailed:     "FAILED",
	DispositionBusy:       "BUSY",
	DispositionAnswered:   "ANSWERED",
	DispositionCongestion: "CONGESTION",
}

// String is ast_cdr_disp2str: "ANSWERED", "NO ANSWER", "BUSY", "FAILED",
// "CONGESTION", or "UNKNOWN" for a value out of range.
func (d Disposition) String() string {
	if d >= 0 && int(d) < len(dispositionNames) {
		return dispositionNames[d]
	}
	return "UNKNOWN"
}

// ParseDisposition reads a disposition as written in a CDR, in any case;
// "NO ANSWER" reads as DispositionNoAnswer.
func ParseDisposition(s string) (Disposition, error) {
	for d := DispositionNoAnswer; int(d) < len(dispositionNames); d++ {
		if strings.EqualFold(s, dispositionNames[d]) {
			return d, nil
		}
	}
	return DispositionNull, fmt.Errorf("disposition %q: %w", s, ErrBadValue)
}

// AMAFlags is a CDR's Automatic Message Accounting flags (enum ama_flags).
type AMAFlags int

// AMA flags, with Asterisk's values. The zero value is AMAUnknown
// (AST_AMA_NONE), written "Unknown"; channels default to
// AMADocumentation.
const (
	// AMAUnknown: not set ("Unknown").
	AMAUnknown AMAFlags = iota
	// AMAOmit: "OMIT".
	AMAOmit
	// AMABilling: "BILLING".
	AMABilling
	// AMADocumentation: "DOCUMENTATION", the default of a channel.
	AMADocumentation
)

// DefaultAMAFlags is the AMA flags of a channel that sets none
// (amaflags=default).
const DefaultAMAFlags = AMADocumentation

// String is ast_channel_amaflags2string: "OMIT", "BILLING",
// "DOCUMENTATION", else "Unknown".
func (f AMAFlags) String() string {
	switch f {
	case AMAOmit:
		return "OMIT"
	case AMABilling:
		return "BILLING"
	case AMADocumentation:
		return "DOCUMENTATION"
	}
	return "Unknown"
}

// ParseAMAFlags is ast_channel_string2amaflag: "default", "omit",
// "billing", "documentation" in any case (and "Unknown" back to AMAUnknown).
func ParseAMAFlags(s string) (AMAFlags, error) {
	switch strings.ToLower(s) {
	case "default":
		return DefaultAMAFlags, nil
	case "omit":
		return AMAOmit, nil
	case "billing":
		return AMABilling, nil
	case "documentation":
		return AMADocumentation, nil
	case "unknown":
		return AMAUnknown, nil
	}
	return AMAUnknown, fmt.Errorf("amaflags %q: %w", s, ErrBadValue)
}

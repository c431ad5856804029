package pbx

import (
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/cdr"
	"github.com/obelisk-pbx/obelisk/ivr"
)

// callRecord gathers one inbound call's CDR as Asterisk's cdr engine does
// for the caller's channel: who called whom, the last application, when it
// was answered and by which channel it was bridged, and how it ended.
type callRecord struct {
	mu  sync.Mutex
	rec cdr.Record
}

func newCallRecord(ch *ivr.Channel, start time.Time, account string) *callRecord {
	cid := ch.CallerID()
	clid := cid.Num
	if cid.Name != "" {
		clid = `"` + cid.Name + `" <` + cid.Num + `>`
	}
	return &callRecord{rec: cdr.Record{
		AccountCode: account, Src: cid.Num, Dst: ch.Exten, DContext: ch.Context, CLID: clid,
		Channel: ch.Name, Start: start, AMAFlags: cdr.DefaultAMAFlags, UniqueID: ch.UniqueID, LinkedID: ch.LinkedID,
	}}
}

// app notes the application being run (lastapp, lastdata).
func (r *callRecord) app(name, data string) {
	r.mu.Lock()
	r.rec.LastApp, r.rec.LastData = name, data
	r.mu.Unlock()
}

// answered notes the answer (the billed time starts).
func (r *callRecord) answered(at time.Time) {
	r.mu.Lock()
	if r.rec.Answer.IsZero() {
		r.rec.Answer = at
	}
	r.mu.Unlock()
}

// bridged notes the channel the caller was connected to.
func (r *callRecord) bridged(dst string) {
	r.mu.Lock()
	r.rec.DstChannel = dst
	r.mu.Unlock()
}

// finish closes the record: end time, durations, disposition from the
// answer, DIALSTATUS and the hangup cause, as cdr.c does.
func (r *callRecord) finish(ch *ivr.Channel, end time.Time, cause int) cdr.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rec.End = end
	r.rec.Dst, r.rec.DContext = firstNonEmpty(r.rec.Dst, ch.Exten), firstNonEmpty(r.rec.DContext, ch.Context)
	switch {
	case !r.rec.Answer.IsZero():
		r.rec.Disposition = cdr.DispositionAnswered
	case ch.Var("DIALSTATUS") != "":
		r.rec.Disposition = cdr.DispositionFromDialStatus(ch.Var("DIALSTATUS"), false)
	default:
		r.rec.Disposition = cdr.DispositionFromCause(cause, false)
	}
	r.rec.UserField = ch.Var("CDR(userfield)")
	r.rec.SetDurations()
	return r.rec
}

// writeCDR writes a call's record to Master.csv and cdr.json; a failure is
// an error of ours, logged with the record.
func (s *Switch) writeCDR(r cdr.Record) {
	if s.cdrs == nil {
		return
	}
	if err := s.cdrs.WriteRecord(&r); err != nil {
		s.log.Error("CDR not written", "uniqueid", r.UniqueID, "src", r.Src, "dst", r.Dst, "error", err)
	}
}

// traceApp is the engine's Trace: the CDR's lastapp and lastdata.
func traceApp(ch *ivr.Channel, p *ivr.Priority, args string) {
	if c, ok := ch.Call().(*sipCall); ok && c.cdr != nil {
		c.cdr.app(p.App, args)
	}
}

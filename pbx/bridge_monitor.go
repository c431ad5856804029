package pbx

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/media"
)

// autoMonitor is the recording automixmon started in a bridge session.
type autoMonitor struct {
	file string
	// call is set when the recording is a MixMonitor of the dialplan
	// channel's call (it then lives as long as that call's MixMonitors);
	// otherwise rec records party's leg directly.
	call  *sipCall
	m     *mixMonitor
	party *bridgeParty
	rec   *media.Recorder
}

// autoMixMonitor is the automixmon feature, as bridge_builtin_features.c's
// feature_automixmonitor toggles it: a first press starts a MixMonitor
// (option b) of the party facing the one who pressed, a second stops it.
// The file is TOUCH_MIXMONITOR_PREFIX (default auto), the time, then
// TOUCH_MIXMONITOR when set, else the two parties' caller IDs (the
// presser's, then its peer's; a called party's is its endpoint's name),
// with the extension TOUCH_MIXMONITOR_FORMAT (default wav), '/' made '-':
// auto-1733091234-0612345678-1001.wav, in the directory of MixMonitor's
// relative names (DATA/recordings). The variables are read from the peer's
// channel, then the presser's (here both are the dialplan channel's).
// TOUCH_MIXMONITOR_OUTPUT gets the file name. Both parties hear
// features.conf's courtesytone on start and stop, the beep when it is
// not set; the presser then hears TOUCH_MIXMONITOR_MESSAGE_START or _STOP
// when set.
func (bs *bridgeSession) autoMixMonitor(ctx context.Context, p *bridgeParty) {
	q := bs.other(p)
	log := bs.ch.Logger()
	tone := "beep"
	if f := bs.sw.Config().Features; f != nil && f.General.CourtesyTone != "" {
		tone = f.General.CourtesyTone
	}
	// The prompts are played with the media stopped, so that the bridge
	// and the prompt do not both write to a leg.
	bs.disconnect()
	defer bs.connect()
	if am := bs.automon; am != nil {
		bs.automon = nil
		am.stop()
		log.Info(bs.app+": automixmon stopped", "file", am.file, "by", p.name)
		bs.courtesy(ctx, p, q, tone, bs.ch.Var("TOUCH_MIXMONITOR_MESSAGE_STOP"))
		return
	}
	file, err := bs.sw.autoMonitorFile(bs.ch, partyID(bs, p), partyID(bs, q))
	if err != nil {
		log.Warn(bs.app+": automixmon cannot record", "error", err)
		return
	}
	am, err := bs.startAutoMonitor(q, file)
	if err != nil {
		log.Warn(bs.app+": automixmon cannot record", "file", file, "error", err)
		return
	}
	bs.automon = am
	bs.ch.SetVar("TOUCH_MIXMONITOR_OUTPUT", filepath.Base(file))
	log.Info(bs.app+": automixmon recording", "file", file, "by", p.name, "recorded", q.name)
	bs.courtesy(ctx, p, q, tone, bs.ch.Var("TOUCH_MIXMONITOR_MESSAGE_START"))
}

// courtesy plays tone to both parties, then message to the presser.
func (bs *bridgeSession) courtesy(ctx context.Context, p, q *bridgeParty, tone, message string) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		q.beep(ctx, bs.sw, tone)
	}()
	p.beep(ctx, bs.sw, tone)
	<-done
	if message != "" {
		_, _ = p.play(ctx, bs.sw, message, nil, "")
	}
}

// partyID is a party's part of an automixmon file name: the dialplan
// channel's caller ID number (else its name), a called party's endpoint
// name (else its channel name).
func partyID(bs *bridgeSession, p *bridgeParty) string {
	if p.call != nil {
		return firstNonEmpty(p.call.ch.CallerID().Num, p.name)
	}
	if p.out != nil {
		if ep := p.out.Endpoint(); ep != nil {
			return ep.Name
		}
	}
	return p.name
}

// autoMonitorFile is the absolute path automixmon records to.
func (s *Switch) autoMonitorFile(ch interface{ Var(string) string }, callerID, peerID string) (string, error) {
	prefix := firstNonEmpty(ch.Var("TOUCH_MIXMONITOR_PREFIX"), "auto")
	format := firstNonEmpty(ch.Var("TOUCH_MIXMONITOR_FORMAT"), "wav")
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	name := prefix + "-" + stamp + "-" + callerID + "-" + peerID + "." + format
	if touch := ch.Var("TOUCH_MIXMONITOR"); touch != "" {
		name = prefix + "-" + stamp + "-" + touch + "." + format
	}
	name = strings.ReplaceAll(name, "/", "-")
	dir, err := filepath.Abs(filepath.Join(s.opts.DataDir, "recordings"))
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	return filepath.Join(dir, name), nil
}

// startAutoMonitor records q's leg to file: as a MixMonitor of the call
// when q is the dialplan channel, directly on its leg otherwise.
func (bs *bridgeSession) startAutoMonitor(q *bridgeParty, file string) (*autoMonitor, error) {
	opts := media.RecorderOptions{File: file, BridgedOnly: q.call != nil}
	rec, err := media.NewRecorder(time.Now(), opts)
	if err != nil {
		return nil, err
	}
	am := &autoMonitor{file: file, party: q, rec: rec}
	if q.call != nil {
		am.call = q.call
		am.m = &mixMonitor{id: newMonitorID(), file: file, rec: rec, log: bs.ch.Logger(), stopped: make(chan struct{})}
		q.call.startMixMonitor(am.m)
		return am, nil
	}
	q.leg.AddRecorder(rec)
	return am, nil
}

// stop ends the recording; its file is complete when it returns.
func (am *autoMonitor) stop() {
	if am.call != nil {
		am.call.stopMixMonitor(am.m)
		return
	}
	am.party.leg.RemoveRecorder(am.rec)
	if err := am.rec.Close(); err != nil {
		am.party.leg.Logger().Error("automixmon: recording failed", "file", am.file, "error", err)
	}
}

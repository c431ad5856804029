package pbx

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/outbound"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// originator places the calls of call files (outbound.Originator), as
// pbx_spool does through ast_pbx_outgoing_exten/app: the Channel is
// dialled for WaitTime; once it answers it runs the call file's
// Context/Extension/Priority, or its Application(Data), on a channel of
// its own with the file's caller ID, account and variables. The Channel
// is SIP/…, PJSIP/… or Local/exten@context (local.go): a Local channel's
// ;2 runs exten@context and the leg its Dial answers is the call file's.
type originator struct{ s *Switch }

var _ outbound.Originator = (*originator)(nil)

// Originate implements outbound.Originator with the switch's one
// originate path (originate.go). It returns at the answer (the call then
// goes on in the dialplan) or with the attempt's outcome.
func (o *originator) Originate(ctx context.Context, cf *outbound.CallFile) (outbound.Outcome, error) {
	res, err := o.s.Originate(ctx, cf)
	return res.Outcome, err
}

// originatedOptions describe a call file's channel: named after what is
// dialled (SIP/peer-…, or Local/exten@context-…;1), with the file's
// caller ID and account, in the language of the endpoint dialled, up.
func (s *Switch) originatedOptions(cf *outbound.CallFile, t dialTarget) ivr.ChannelOptions {
	name := "SIP/" + cf.Dest
	if t.ep != nil {
		name = "SIP/" + t.ep.Name
	}
	n := s.channels.Add(1)
	chName := fmt.Sprintf("%s-%08x", name, n)
	if t.local != nil {
		chName = fmt.Sprintf("Local/%s@%s-%08x;1", t.local.exten, t.local.context, n)
	}
	o := ivr.ChannelOptions{
		Name:        chName,
		Context:     cf.Context,
		Exten:       cf.Extension,
		Priority:    cf.Priority,
		CallerID:    ivr.CallerID{Num: cf.CallerIDNum, Name: cf.CallerIDName},
		AccountCode: cf.Account,
		State:       ivr.StateUp,
	}
	if t.ep != nil {
		o.Language = t.ep.Language
	}
	if cf.Application != "" {
		o.Context, o.Exten, o.Priority = "app_originate", "s", 1
	}
	return o
}

// setCallFileVars sets the file's Set/Setvar lines on ch in file order as
// pbx_builtin_setvar_helper does: a name ending in ")" writes a dialplan
// function (CHANNEL(language)=fr, CALLERID(name)=…), anything else is a
// channel variable.
func (s *Switch) setCallFileVars(ch *ivr.Channel, cf *outbound.CallFile) {
	for _, v := range cf.Vars {
		name := strings.TrimSpace(v.Name)
		if err := ch.SetVariable(name, v.Value); err != nil {
			s.log.Warn("call file: Setvar failed", "file", cf.Name, "name", name, "error", err)
		}
	}
}

// allVars are every variable of ch, with their inheritance prefixes, as
// a Local channel's ;2 copies them from ;1.
func allVars(ch *ivr.Channel) map[string]string {
	out := map[string]string{}
	for _, kv := range ch.Vars() {
		out[kv[0]] = kv[1]
	}
	return out
}

// runOriginated runs an answered call file's channel through the dialplan
// (or its one application) until it hangs up.
func (s *Switch) runOriginated(out *b2bua.Outbound, ch *ivr.Channel, cf *outbound.CallFile) {
	defer out.Close()
	defer s.originatedDone(ch) // its media stopped, Hangup published (originate.go)
	defer s.finishOriginated(ch)
	if cf.Application != "" {
		// Application/Data: the answered channel runs that application
		// alone, then is hung up.
		app := s.reg.App(cf.Application)
		if app == nil {
			s.log.Warn("call file: no such application", "file", cf.Name, "app", cf.Application)
		} else if err := app.Exec(out.Context(), ch, ch.Expand(cf.Data)); err != nil {
			s.log.Info("call file application ended", "file", cf.Name, "app", cf.Application, "error", err)
		}
		_ = ch.Call().Hangup(context.Background(), ivr.CauseNormalClearing)
		return
	}
	s.log.Info("call file answered", "file", cf.Name, "channel", ch.Name, "language", ch.Language(),
		"to", cf.Context+","+cf.Extension+","+fmt.Sprint(cf.Priority))
	res := s.engine.Run(out.Context(), ch)
	s.log.Info("call file call ended", "channel", ch.Name, "cause", res.Cause, "reason", res.Reason)
}

// spoolDir is the directory of outgoing/, outgoing_done/ and tmp/.
func (s *Switch) spoolDir() string { return filepath.Join(s.opts.DataDir, "spool") }

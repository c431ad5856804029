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
// its own with the file's caller ID, account and variables.
type originator struct{ s *Switch }

var _ outbound.Originator = (*originator)(nil)

// Originate implements outbound.Originator. It returns at the answer (the
// call then goes on in the dialplan) or with the attempt's outcome.
func (o *originator) Originate(ctx context.Context, cf *outbound.CallFile) (outbound.Outcome, error) {
	s := o.s
	if s.sip == nil {
		return outbound.OutcomeFailed, fmt.Errorf("call file %s: no SIP service", cf.Name)
	}
	targets, err := s.resolveTarget(cf.Channel)
	if err != nil || len(targets) == 0 {
		s.log.Info("call file: channel unavailable", "file", cf.Name, "channel", cf.Channel, "reason", err)
		return outbound.OutcomeChanUnavail, nil
	}
	dctx, cancel := context.WithTimeout(ctx, cf.WaitTime)
	defer cancel()
	t := targets[0] // a registered phone's first contact, or the trunk
	out, err := s.sip.agent.Dial(dctx, b2bua.DialRequest{
		Target: t.uri, Endpoint: t.ep, Username: t.username, Password: t.password,
		CallerNum: cf.CallerIDNum, CallerName: cf.CallerIDName, MaxForwards: 70,
	})
	if err != nil {
		st := b2bua.DialStatus(err)
		if st == "CANCEL" && ctx.Err() == nil {
			st = "NOANSWER" // WaitTime ran out
		}
		outcome, perr := outbound.ParseOutcome(st)
		if perr != nil {
			outcome = outbound.OutcomeFailed
		}
		s.log.Info("call file: not answered", "file", cf.Name, "channel", cf.Channel, "dialstatus", st)
		return outcome, nil
	}
	go s.runOriginated(out, cf)
	return outbound.OutcomeAnswered, nil
}

// runOriginated runs an answered call file's channel through the dialplan
// (or its one application) until it hangs up.
func (s *Switch) runOriginated(out *b2bua.Outbound, cf *outbound.CallFile) {
	defer out.Close()
	name := "SIP/" + cf.Dest
	if ep := out.Endpoint(); ep != nil {
		name = "SIP/" + ep.Name
	}
	vars := map[string]string{}
	for _, v := range cf.Vars {
		vars[strings.TrimSpace(v.Name)] = v.Value
	}
	o := ivr.ChannelOptions{
		Name:        fmt.Sprintf("%s-%08x", name, s.channels.Add(1)),
		Context:     cf.Context,
		Exten:       cf.Extension,
		Priority:    cf.Priority,
		CallerID:    ivr.CallerID{Num: cf.CallerIDNum, Name: cf.CallerIDName},
		AccountCode: cf.Account,
		Vars:        vars,
		State:       ivr.StateUp,
	}
	if ep := out.Endpoint(); ep != nil {
		o.Language = ep.Language
	}
	call := newCalleeCall(s, out)
	if cf.Application != "" {
		// Application/Data: the answered channel runs that application
		// alone, then is hung up.
		o.Context, o.Exten, o.Priority = "app_originate", "s", 1
		ch := s.engine.NewChannel(call, o)
		app := s.reg.App(cf.Application)
		if app == nil {
			s.log.Warn("call file: no such application", "file", cf.Name, "app", cf.Application)
		} else if err := app.Exec(out.Context(), ch, ch.Expand(cf.Data)); err != nil {
			s.log.Info("call file application ended", "file", cf.Name, "app", cf.Application, "error", err)
		}
		_ = call.Hangup(context.Background(), ivr.CauseNormalClearing)
		return
	}
	ch := s.engine.NewChannel(call, o)
	s.log.Info("call file answered", "file", cf.Name, "channel", ch.Name, "to", cf.Context+","+cf.Extension+","+fmt.Sprint(cf.Priority))
	res := s.engine.Run(out.Context(), ch)
	s.log.Info("call file call ended", "channel", ch.Name, "cause", res.Cause, "reason", res.Reason)
}

// spoolDir is the directory of outgoing/, outgoing_done/ and tmp/.
func (s *Switch) spoolDir() string { return filepath.Join(s.opts.DataDir, "spool") }

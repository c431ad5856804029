package pbx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/ami"
	"github.com/obelisk-pbx/obelisk/events"
	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/outbound"
	"github.com/obelisk-pbx/obelisk/queues"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
	"github.com/obelisk-pbx/obelisk/voicemail"
)

// amiBackend is the switch as the manager sees it (ami.Backend).
type amiBackend struct {
	s *Switch

	dbOnce sync.Once
	db     *ivr.BoltDB
	dbErr  error
}

var _ ami.Backend = (*amiBackend)(nil)

// runAMI serves the manager when manager.conf has enabled=yes; it
// returns when ctx ends.
func (s *Switch) runAMI(ctx context.Context) error {
	cfg := s.Config().Manager
	if cfg == nil || !cfg.General.Enabled {
		return nil
	}
	srv := ami.NewServer(cfg, &amiBackend{s: s}, ami.WithLogger(s.opts.Logger),
		ami.WithUsers(func() *ami.Config { return s.Config().Manager }))
	return srv.Run(ctx)
}

func (b *amiBackend) Subscribe(n int) *events.Subscription { return b.s.events.Subscribe(n) }
func (b *amiBackend) Publish(e events.Event)               { b.s.events.Publish(e) }

// Originate places the manager's call on the switch's one originate
// path (originate.go).
func (b *amiBackend) Originate(ctx context.Context, r ami.OriginateRequest) (ami.OriginateResult, error) {
	tech, dest, _ := strings.Cut(r.Channel, "/")
	cf := &outbound.CallFile{
		Name: "AMI Originate", Channel: r.Channel, Tech: tech, Dest: dest,
		CallerIDNum: r.CallerIDNum, CallerIDName: r.CallerName, WaitTime: r.Timeout, Account: r.Account,
		Context: r.Context, Extension: r.Exten, Priority: r.Priority, Application: r.Application, Data: r.Data,
	}
	if cf.WaitTime <= 0 {
		cf.WaitTime = 30 * time.Second
	}
	for _, v := range r.Variables {
		cf.Vars = append(cf.Vars, outbound.Var{Name: v[0], Value: v[1]})
	}
	if cf.Application == "" && !b.s.extenExists(cf.Context, cf.Extension, cf.Priority) {
		return ami.OriginateResult{Reason: ami.ReasonFailure}, fmt.Errorf("originate: no extension %s@%s", cf.Extension, cf.Context)
	}
	if cf.Application != "" && b.s.reg.App(cf.Application) == nil {
		return ami.OriginateResult{Reason: ami.ReasonFailure}, fmt.Errorf("originate: no application %s", cf.Application)
	}
	res, err := b.s.Originate(ctx, cf)
	return ami.OriginateResult{Reason: originateReason(res.Outcome), Channel: res.Channel, Uniqueid: res.Uniqueid}, err
}

// extenExists reports whether context,exten,priority is in the dialplan.
func (s *Switch) extenExists(context, exten string, priority int) bool {
	_, p, _ := s.engine.Dialplan().LookupPriority(context, exten, "", priority, time.Now())
	return p != nil
}

// originateReason is the OriginateResponse Reason of an outcome.
func originateReason(o outbound.Outcome) int {
	switch o {
	case outbound.OutcomeAnswered:
		return ami.ReasonAnswered
	case outbound.OutcomeBusy:
		return ami.ReasonBusy
	case outbound.OutcomeNoAnswer:
		return ami.ReasonRingTimout
	case outbound.OutcomeCongestion:
		return ami.ReasonCongestion
	}
	return ami.ReasonFailure
}

func (b *amiBackend) Channels() []ami.Channel {
	var out []ami.Channel
	for _, lc := range b.s.live.all() {
		out = append(out, lc.snapshot())
	}
	return out
}

func (b *amiBackend) channel(name string) (*liveChannel, error) {
	lc := b.s.live.lookup(name)
	if lc == nil {
		return nil, fmt.Errorf("channel %s: %w", name, ami.ErrNotFound)
	}
	return lc, nil
}

func (b *amiBackend) Hangup(name string, cause int) error {
	lc, err := b.channel(name)
	if err != nil {
		return err
	}
	lc.mu.Lock()
	hangup := lc.hangup
	lc.mu.Unlock()
	if hangup == nil {
		return fmt.Errorf("hangup %s: a called leg still ringing: %w", name, ami.ErrNotFound)
	}
	hangup(cause)
	return nil
}

// BlindTransfer sends the bridge partner of channel to context,exten,1
// (Asterisk's BlindTransfer action, ast_bridge_transfer_blind), as a
// REFER would (bridge.go's BlindTransfer); the transferer is hung up.
func (b *amiBackend) BlindTransfer(name, context, exten string) error {
	lc, err := b.channel(name)
	if err != nil {
		return err
	}
	lc.mu.Lock()
	leg := lc.leg
	lc.mu.Unlock()
	if leg == nil {
		return fmt.Errorf("blind transfer %s: %w", name, errNotBridged)
	}
	ctx, cancel := contextWithTimeout(referTimeout)
	defer cancel()
	if err := b.s.BlindTransfer(ctx, leg, exten, context, nil); err != nil {
		if errors.Is(err, errNoExtension) {
			return fmt.Errorf("%w: %w", ami.ErrInvalid, err)
		}
		return err
	}
	return nil
}

// Atxfer starts the attended transfer (bridge_atxfer.go) of channel's
// bridge partner to exten in tctx, as Asterisk's Atxfer action has the
// channel dial the atxfer feature code and the extension: TRANSFER_CONTEXT
// is set on a dialplan channel, the partner is held and the target
// called as Local/exten@tctx. It returns once the transfer began; it runs
// on in the bridge.
func (b *amiBackend) Atxfer(name, tctx, exten string) error {
	lc, err := b.channel(name)
	if err != nil {
		return err
	}
	bs, leg := b.bridged(lc)
	if bs == nil {
		return fmt.Errorf("atxfer %s: %w: %w", name, ami.ErrInvalid, errNotBridged)
	}
	if tctx != "" && lc.ch != nil {
		lc.ch.SetVar("TRANSFER_CONTEXT", tctx)
	}
	started := make(chan error, 1)
	go func() {
		err := bs.request(context.Background(), func(ctx context.Context, bs *bridgeSession) error {
			p := bs.partyOf(leg)
			if p == nil || bs.other(p) == nil {
				return errNotBridged
			}
			if tctx != "" {
				p.tctx = tctx
			}
			started <- nil
			bs.attendedTransferTo(ctx, p, exten)
			return nil
		})
		if err != nil {
			started <- err
		}
	}()
	select {
	case err := <-started:
		if err != nil {
			return fmt.Errorf("atxfer %s: %w: %w", name, ami.ErrInvalid, err)
		}
		return nil
	case <-time.After(referTimeout):
		return fmt.Errorf("atxfer %s: the bridge did not answer", name)
	}
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// amiMixMonitorVar is where the manager's MixMonitor has the ID stored
// (option i()) when the options name no variable of their own.
const amiMixMonitorVar = "MIXMONITOR_AMI_ID"

// MixMonitor runs the MixMonitor application on a dialplan channel from
// the manager's goroutine; the recording runs on the channel's legs until
// StopMixMonitor or the hangup.
func (b *amiBackend) MixMonitor(name, file, options, command string) (string, error) {
	lc, err := b.channel(name)
	if err != nil {
		return "", err
	}
	if lc.ch == nil {
		return "", fmt.Errorf("mixmonitor %s: a called leg is recorded from its caller's channel", name)
	}
	idVar := amiMixMonitorVar
	if i := strings.Index(options, "i("); i >= 0 {
		if j := strings.IndexByte(options[i:], ')'); j > 2 {
			idVar = options[i+2 : i+j]
		}
	} else {
		options += "i(" + idVar + ")"
	}
	app := b.s.reg.App("MixMonitor")
	if app == nil {
		return "", errors.New("mixmonitor: no MixMonitor application")
	}
	if err := app.Exec(context.Background(), lc.ch, file+","+options+","+command); err != nil {
		return "", err
	}
	id, ok := lc.ch.LookupVar(idVar)
	if !ok || id == "" {
		return "", fmt.Errorf("mixmonitor %s: not started", name)
	}
	return id, nil
}

// StopMixMonitor stops a MixMonitor of a dialplan channel.
func (b *amiBackend) StopMixMonitor(name, id string) error {
	lc, err := b.channel(name)
	if err != nil {
		return err
	}
	if lc.ch == nil {
		return fmt.Errorf("stopmixmonitor %s: no MixMonitor on a called leg", name)
	}
	c, ok := mediaCall(lc.ch)
	if !ok {
		return fmt.Errorf("stopmixmonitor %s: no media", name)
	}
	m := c.findMixMonitor(id)
	if m == nil {
		return fmt.Errorf("stopmixmonitor %s: no MixMonitor %q", name, id)
	}
	c.stopMixMonitor(m)
	return nil
}

// Redirect moves channels as Asterisk's Redirect action does. A channel
// in a two-party bridge leaves it for its place (bridge_redirect.go):
// the other party is hung up, or, when it is the ExtraChannel, goes to
// its own place. A dialplan channel not bridged (in Playback, Read,
// WaitExten, Queue's wait, a Dial still ringing…) is moved by the
// engine's async goto (ivr.Channel.AsyncGoto): its application returns
// and the dialplan goes on there. A called leg still ringing cannot be
// moved. Context "" is the channel's current context.
func (b *amiBackend) Redirect(to ami.RedirectTarget, extra *ami.RedirectTarget) error {
	lc, err := b.channel(to.Channel)
	if err != nil {
		return err
	}
	var lc2 *liveChannel
	if extra != nil {
		if lc2, err = b.channel(extra.Channel); err != nil {
			return fmt.Errorf("%w: %w", ami.ErrSecondary, err)
		}
	}
	place := func(lc *liveChannel, t ami.RedirectTarget) dialplanPlace {
		lc.mu.Lock()
		defer lc.mu.Unlock()
		return dialplanPlace{context: firstNonEmpty(t.Context, lc.context), exten: t.Exten, priority: t.Priority}
	}
	p1 := place(lc, to)
	if bs, leg := b.bridged(lc); bs != nil {
		var p2 *dialplanPlace
		var leg2 *b2bua.Leg
		if lc2 != nil {
			if bs2, l2 := b.bridged(lc2); bs2 == bs {
				pl := place(lc2, *extra)
				p2, leg2 = &pl, l2
			}
		}
		both, err := b.redirectBridged(bs, leg, p1, leg2, p2)
		if err != nil || both {
			return err
		}
	} else if err := b.asyncGoto(lc, p1); err != nil {
		return err
	}
	if lc2 == nil {
		return nil
	}
	// The extra channel is somewhere else.
	p2 := place(lc2, *extra)
	if bs, leg := b.bridged(lc2); bs != nil {
		_, err = b.redirectBridged(bs, leg, p2, nil, nil)
	} else {
		err = b.asyncGoto(lc2, p2)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ami.ErrSecondary, err)
	}
	return nil
}

// bridged returns the bridge session lc's leg is in, if any.
func (b *amiBackend) bridged(lc *liveChannel) (*bridgeSession, *b2bua.Leg) {
	lc.mu.Lock()
	leg := lc.leg
	lc.mu.Unlock()
	if leg == nil {
		return nil, nil
	}
	return b.s.bridgeOf(leg), leg
}

// redirectBridged asks the bridge session to move leg out of it, and
// leg2 to to2 when it is leg's other party there (both then reports
// true).
func (b *amiBackend) redirectBridged(bs *bridgeSession, leg *b2bua.Leg, to dialplanPlace, leg2 *b2bua.Leg, to2 *dialplanPlace) (both bool, err error) {
	ctx, cancel := contextWithTimeout(referTimeout)
	defer cancel()
	err = bs.request(ctx, func(ctx context.Context, bs *bridgeSession) error {
		p := bs.partyOf(leg)
		if p == nil {
			return errNotBridged
		}
		if leg2 == nil || bs.partyOf(leg2) != bs.other(p) {
			to2 = nil // not the other party: moved on its own
		}
		both = to2 != nil
		return bs.redirectBridged(ctx, p, to, to2)
	})
	return both, redirectErr(err)
}

// asyncGoto moves a dialplan channel that is not bridged.
func (b *amiBackend) asyncGoto(lc *liveChannel, to dialplanPlace) error {
	if lc.ch == nil {
		return fmt.Errorf("redirect %s: a called leg that is not bridged: %w", lc.channelName(), errNotBridged)
	}
	if !b.s.extenExists(to.context, to.exten, to.priority) {
		return redirectErr(fmt.Errorf("redirect %s to %s,%s,%d: %w", lc.ch.Name, to.context, to.exten, to.priority, errNoExtension))
	}
	return lc.ch.AsyncGoto(to.context, to.exten, to.priority)
}

// redirectErr maps a missing extension to ami.ErrInvalid.
func redirectErr(err error) error {
	if errors.Is(err, errNoExtension) {
		return fmt.Errorf("%w: %w", ami.ErrInvalid, err)
	}
	return err
}

func (b *amiBackend) Getvar(name, variable string) (string, error) {
	if name == "" {
		v, _ := b.s.engine.Global(variable)
		return v, nil
	}
	lc, err := b.channel(name)
	if err != nil {
		return "", err
	}
	if lc.ch == nil {
		return "", nil // a called leg has no variables here
	}
	if strings.HasSuffix(variable, ")") {
		return lc.ch.Expand("${" + variable + "}"), nil
	}
	if v, ok := lc.ch.LookupVar(variable); ok {
		return v, nil
	}
	v, _ := b.s.engine.Global(variable)
	return v, nil
}

func (b *amiBackend) Setvar(name, variable, value string) error {
	if name == "" {
		b.s.engine.SetGlobal(variable, value)
		return nil
	}
	lc, err := b.channel(name)
	if err != nil {
		return err
	}
	if lc.ch == nil {
		return fmt.Errorf("setvar %s: a called leg has no variables", name)
	}
	return lc.ch.SetVariable(variable, value)
}

// Queues reports the queues with the queue runtime's statistics
// (queues.Manager.Stats) and members, as app_queue's QueueStatus and
// QueueSummary count them: LoggedIn are the members whose device is not
// unavailable or invalid, Available those of them not paused and free.
func (b *amiBackend) Queues() []ami.Queue {
	m := b.s.queueMgr
	if m == nil {
		return nil
	}
	var out []ami.Queue
	for _, name := range m.Queues() {
		st, err := m.Stats(name)
		if err != nil {
			continue // removed by a reload meanwhile
		}
		q := ami.Queue{Name: name, Strategy: st.Strategy, Max: st.Max, Weight: st.Weight, Calls: len(st.Entries),
			HoldTime: st.HoldTime, TalkTime: st.TalkTime, Completed: st.Completed, Abandoned: st.Abandoned,
			ServiceLevel: int(st.ServiceLevel / time.Second), ServiceLevelPerf: st.ServiceLevelPerf(),
			ServiceLevelPerf2: st.ServiceLevelPerf2(), Wrapuptime: int(st.WrapupTime / time.Second),
			LongestHoldTime: st.LongestHoldTime()}
		for _, e := range st.Entries {
			qe := ami.QueueEntry{Position: e.Position, Channel: e.Channel, Uniqueid: e.UniqueID,
				CallerIDNum: e.CallerIDNum, CallerName: e.CallerIDName, Wait: int(e.Wait / time.Second), Priority: e.Priority}
			if lc := b.s.live.lookup(e.UniqueID); lc != nil {
				snap := lc.snapshot()
				qe.ConnectedNum, qe.ConnectedName = snap.ConnectedNum, snap.ConnectedName
			}
			q.Entries = append(q.Entries, qe)
		}
		members, _ := m.Members(name)
		for _, mb := range members {
			q.Members = append(q.Members, ami.QueueMember{Name: firstNonEmpty(mb.Name, mb.Interface), Location: mb.Interface,
				StateInterface: firstNonEmpty(mb.StateInterface, mb.Interface), Dynamic: mb.Dynamic, Penalty: mb.Penalty,
				CallsTaken: mb.Calls, LastCall: mb.LastCall, InCall: mb.InCall, Status: int(mb.State), Paused: mb.Paused,
				PausedReason: mb.PausedReason})
			if mb.State != queues.DeviceUnavailable && mb.State != queues.DeviceInvalid {
				q.LoggedIn++
				if mb.Available && !mb.Paused {
					q.Available++
				}
			}
		}
		q.CallersNow = q.Calls
		out = append(out, q)
	}
	return out
}

// queueErr maps the queue runtime's errors to the manager's.
func queueErr(err error) error {
	if errors.Is(err, queues.ErrNoSuchQueue) || errors.Is(err, queues.ErrNotInQueue) || errors.Is(err, queues.ErrMemberNotFound) {
		return fmt.Errorf("%w: %w", ami.ErrNotFound, err)
	}
	return err
}

func (b *amiBackend) QueueAdd(queue, iface, name string, penalty int, paused bool) error {
	if b.s.queueMgr == nil {
		return ami.ErrNotFound
	}
	return queueErr(b.s.queueMgr.AddMember("", queues.DynamicMember{Queue: queue, Interface: iface, Name: name, Penalty: penalty, Paused: paused}))
}

func (b *amiBackend) QueueRemove(queue, iface string) error {
	if b.s.queueMgr == nil {
		return ami.ErrNotFound
	}
	return queueErr(b.s.queueMgr.RemoveMember("", queue, iface))
}

func (b *amiBackend) QueuePause(queue, iface, reason string, paused bool) error {
	m := b.s.queueMgr
	if m == nil {
		return ami.ErrNotFound
	}
	names := []string{queue}
	if queue == "" {
		names = m.Queues()
	}
	found := false
	for _, q := range names {
		var err error
		if paused {
			err = m.PauseMember(q, iface, reason)
		} else {
			err = m.UnpauseMember(q, iface, reason)
		}
		if err == nil {
			found = true
		} else if queue != "" {
			return queueErr(err)
		}
	}
	if !found {
		return ami.ErrNotFound
	}
	return nil
}

func (b *amiBackend) MailboxCount(mailbox string) (int, int, int, error) {
	id, err := voicemail.ParseMailboxID(mailbox)
	if err != nil || b.s.vm == nil {
		return 0, 0, 0, ami.ErrNotFound
	}
	c, err := b.s.vm.Counts(id)
	return c.Urgent, c.New, c.Old, err
}

func (b *amiBackend) Peers() []ami.Peer {
	cfg := b.s.Config()
	if cfg == nil || cfg.SIP == nil {
		return nil
	}
	busy := map[string]int{}
	for _, lc := range b.s.live.all() {
		if tech, rest, ok := strings.Cut(lc.channelName(), "/"); ok && tech == "SIP" {
			busy[channelBase(tech + "/" + rest)[len("SIP/"):]]++
		}
	}
	var out []ami.Peer
	for _, ep := range cfg.SIP.Endpoints {
		p := ami.Peer{Name: ep.Name, Host: ep.Host, Port: ep.Port, Dynamic: ep.Host == "", Context: ep.Context,
			Status: "Unmonitored", Transport: "transport-udp", Channels: busy[ep.Name]}
		if p.Dynamic && b.s.sip != nil {
			if bs := b.s.sip.registrar.Location().Lookup(ep.Name, time.Now()); len(bs) > 0 {
				if host, port, err := net.SplitHostPort(bs[0].Source); err == nil {
					p.Host = host
					p.Port, _ = strconv.Atoi(port)
				}
				p.Status = "OK"
			} else {
				p.Status = "UNKNOWN"
			}
		}
		out = append(out, p)
	}
	return out
}

func (b *amiBackend) astdb() (*ivr.BoltDB, error) {
	b.dbOnce.Do(func() { b.db, b.dbErr = ivr.NewBoltDB(b.s.db) })
	return b.db, b.dbErr
}

func (b *amiBackend) DBGet(family, key string) (string, error) {
	db, err := b.astdb()
	if err != nil {
		return "", err
	}
	v, ok, err := db.Get(family, key)
	if err == nil && !ok {
		err = fmt.Errorf("astdb %s/%s: %w", family, key, ami.ErrNotFound)
	}
	return v, err
}

func (b *amiBackend) DBPut(family, key, value string) error {
	db, err := b.astdb()
	if err != nil {
		return err
	}
	return db.Put(family, key, value)
}

func (b *amiBackend) DBDel(family, key string) error {
	db, err := b.astdb()
	if err != nil {
		return err
	}
	existed, err := db.Delete(family, key)
	if err == nil && !existed {
		err = fmt.Errorf("astdb %s/%s: %w", family, key, ami.ErrNotFound)
	}
	return err
}

// Command runs the read-only CLI commands the manager's Command offers:
// core show channels, sip show peers, pjsip show endpoints, queue show
// [queue], database show [family], core show version.
func (b *amiBackend) Command(cmd string) (string, error) {
	f := strings.Fields(strings.ToLower(cmd))
	var w strings.Builder
	switch {
	case len(f) >= 3 && f[0] == "core" && f[1] == "show" && f[2] == "channels":
		chans := b.Channels()
		fmt.Fprintf(&w, "%-30s %-25s %-7s %s\n", "Channel", "Location", "State", "Application(Data)")
		for _, c := range chans {
			fmt.Fprintf(&w, "%-30s %-25s %-7s %s(%s)\n", c.Name, fmt.Sprintf("%s@%s:%d", c.Exten, c.Context, c.Priority), c.StateDesc, c.Application, c.Data)
		}
		fmt.Fprintf(&w, "%d active channel%s\n", len(chans), plural(len(chans)))
	case len(f) >= 3 && (f[0] == "sip" && f[1] == "show" && f[2] == "peers" || f[0] == "pjsip" && f[1] == "show" && f[2] == "endpoints"):
		peers := b.Peers()
		fmt.Fprintf(&w, "%-25s %-39s %-5s %s\n", "Name/username", "Host", "Port", "Status")
		for _, p := range peers {
			fmt.Fprintf(&w, "%-25s %-39s %-5d %s\n", p.Name, firstNonEmpty(p.Host, "(Unspecified)"), p.Port, p.Status)
		}
		fmt.Fprintf(&w, "%d sip peers\n", len(peers))
	case len(f) >= 2 && f[0] == "queue" && f[1] == "show":
		for _, q := range b.Queues() {
			if len(f) > 2 && !strings.EqualFold(q.Name, f[2]) {
				continue
			}
			fmt.Fprintf(&w, "%s has %d calls (max %s) in '%s' strategy (%ds holdtime, %ds talktime), W:%d, C:%d, A:%d, SL:%.1f%%, SL2:%.1f%% within %ds\n",
				q.Name, q.Calls, maxText(q.Max), q.Strategy, q.HoldTime, q.TalkTime, q.Weight, q.Completed, q.Abandoned,
				q.ServiceLevelPerf, q.ServiceLevelPerf2, q.ServiceLevel)
			fmt.Fprintf(&w, "   Members: \n")
			for _, m := range q.Members {
				kind := ""
				if m.Dynamic {
					kind = " (dynamic)"
				}
				paused := ""
				if m.Paused {
					paused = " (paused)"
				}
				fmt.Fprintf(&w, "      %s (%s)%s%s (%s) has taken %d calls\n", m.Name, m.Location, kind, paused, queues.DeviceState(m.Status), m.CallsTaken)
			}
			if len(q.Members) == 0 {
				fmt.Fprintf(&w, "   No Members\n")
			}
			if len(q.Entries) == 0 {
				fmt.Fprintf(&w, "   No Callers\n\n")
				continue
			}
			fmt.Fprintf(&w, "   Callers: \n")
			for _, e := range q.Entries {
				fmt.Fprintf(&w, "      %d. %s (wait: %d:%02d, prio: %d)\n", e.Position, e.Channel, e.Wait/60, e.Wait%60, e.Priority)
			}
			fmt.Fprintf(&w, "\n")
		}
	case len(f) >= 2 && f[0] == "database" && f[1] == "show":
		db, err := b.astdb()
		if err != nil {
			return "", err
		}
		family := ""
		if parts := strings.Fields(cmd); len(parts) > 2 {
			family = strings.Trim(parts[2], "/")
		}
		families := []string{family}
		if family == "" {
			if families, err = db.Keys(""); err != nil {
				return "", err
			}
		}
		n := 0
		for _, fam := range families {
			keys, err := db.Keys(fam)
			if err != nil {
				return "", err
			}
			sort.Strings(keys)
			for _, key := range keys {
				v, _, _ := db.Get(fam, key)
				fmt.Fprintf(&w, "%-50s: %s\n", "/"+fam+"/"+key, v)
				n++
			}
		}
		fmt.Fprintf(&w, "%d results found.\n", n)
	case len(f) >= 3 && f[0] == "core" && f[1] == "show" && f[2] == "version":
		fmt.Fprintf(&w, "Obelisk (Asterisk Call Manager/%s)\n", ami.Version)
	default:
		return "", fmt.Errorf("command %q: not a read-only command the manager offers", cmd)
	}
	return w.String(), nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func maxText(n int) string {
	if n == 0 {
		return "unlimited"
	}
	return strconv.Itoa(n)
}

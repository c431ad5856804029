package queues

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// epoch0 is synctest's start, 2000-01-01 00:00:00 UTC.
const epoch0 = 946684800

// t0 is the moment a synctest bubble starts.
var t0 = time.Unix(epoch0, 0)

type fakeCaller struct {
	info   CallerInfo
	digits chan rune
	play   time.Duration

	mu     sync.Mutex
	events []string
	vars   map[string]string
}

func newCaller(uid string) *fakeCaller {
	return &fakeCaller{info: CallerInfo{UniqueID: uid, CallerIDNum: "7001"}, digits: make(chan rune, 4), vars: map[string]string{}}
}

func (c *fakeCaller) record(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, fmt.Sprintf("%s@%d", s, int(time.Since(t0)/time.Second)))
}

func (c *fakeCaller) Info() CallerInfo        { return c.info }
func (c *fakeCaller) StartMusic(class string) { c.record("moh:" + class) }
func (c *fakeCaller) StopMusic()              {}
func (c *fakeCaller) Digits() <-chan rune     { return c.digits }
func (c *fakeCaller) Play(ctx context.Context, sound string) error {
	c.record("play:" + sound)
	return sleep(ctx, c.play)
}
func (c *fakeCaller) SayNumber(ctx context.Context, n int) error {
	c.record(fmt.Sprintf("say:%d", n))
	return sleep(ctx, c.play)
}
func (c *fakeCaller) SetVars(v map[string]string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, x := range v {
		c.vars[k] = x
	}
}

// sounds returns the play/say events, without music.
func (c *fakeCaller) sounds() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, e := range c.events {
		if !strings.HasPrefix(e, "moh:") {
			out = append(out, e)
		}
	}
	return out
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// behaviour is how a fake member answers a ring.
type behaviour struct {
	answer   time.Duration // answer after this long (with answers)
	answers  bool
	err      error // fail with err after errAfter
	errAfter time.Duration
	talk     time.Duration
	by       Party
	// xfer, when set, is the transfer the call ends in (Transferred).
	xfer       Event
	xferFields []string
}

type fakeDialer struct {
	// states, when set, follows the calls: INUSE from answer to hangup.
	states *fakeStates
	mu     sync.Mutex
	b      map[string]behaviour
	rings  []string
}

func newDialer() *fakeDialer { return &fakeDialer{b: map[string]behaviour{}} }

func (d *fakeDialer) set(iface string, b behaviour) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.b[iface] = b
}

func (d *fakeDialer) ringLog() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.rings...)
}

// sortedRings is ringLog ordered by time, then interface: the members of
// a ringall level are rung concurrently.
func (d *fakeDialer) sortedRings() []string {
	out := d.ringLog()
	at := func(s string) int { n, _ := strconv.Atoi(s[strings.LastIndexByte(s, '@')+1:]); return n }
	sort.SliceStable(out, func(i, j int) bool {
		if at(out[i]) != at(out[j]) {
			return at(out[i]) < at(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

func (d *fakeDialer) Ring(ctx context.Context, mem Member, ci CallerInfo) (Answered, error) {
	d.mu.Lock()
	b := d.b[mem.Interface]
	d.rings = append(d.rings, fmt.Sprintf("%s@%d", mem.Interface, int(time.Since(t0)/time.Second)))
	d.mu.Unlock()
	switch {
	case b.answers:
		if err := sleep(ctx, b.answer); err != nil {
			return nil, err
		}
		if d.states != nil {
			d.states.set(mem.Interface, DeviceInUse)
		}
		return &fakeAnswer{id: "peer-" + mem.Interface, talk: b.talk, by: b.by, iface: mem.Interface, states: d.states,
			xfer: b.xfer, xferFields: b.xferFields}, nil
	case b.err != nil:
		if err := sleep(ctx, b.errAfter); err != nil {
			return nil, err
		}
		return nil, b.err
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

type fakeAnswer struct {
	id         string
	talk       time.Duration
	by         Party
	iface      string
	states     *fakeStates
	xfer       Event
	xferFields []string
}

func (a *fakeAnswer) Transfer() (Event, []string, bool) {
	return a.xfer, a.xferFields, a.xfer != EventUnknown
}

func (a *fakeAnswer) UniqueID() string { return a.id }
func (a *fakeAnswer) Wait(ctx context.Context) (Party, time.Duration) {
	if a.states != nil {
		defer a.states.set(a.iface, DeviceNotInUse)
	}
	if err := sleep(ctx, a.talk); err != nil {
		return PartyCaller, 0
	}
	return a.by, a.talk
}
func (a *fakeAnswer) Hangup() {}

type fakeStates struct {
	mu sync.Mutex
	m  map[string]DeviceState
}

func (s *fakeStates) State(iface string) DeviceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[iface]
}

func (s *fakeStates) set(iface string, st DeviceState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[iface] = st
}

type fakeDialplan map[string]bool

func (d fakeDialplan) CanMatch(ctx, digits string) bool {
	for k := range d {
		if strings.HasPrefix(k, ctx+","+digits) {
			return true
		}
	}
	return false
}
func (d fakeDialplan) Exists(ctx, digits string) bool { return d[ctx+","+digits] }

// rig is a Manager over literal queues.conf text with fakes.
type rig struct {
	m      *Manager
	dialer *fakeDialer
	states *fakeStates
	log    *bytes.Buffer
	store  MemberStore
}

func newRig(t *testing.T, conf string, store MemberStore) *rig {
	t.Helper()
	f, diags := config.Parse("queues.conf", strings.NewReader(conf))
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	cfg, diags := LoadConfig(f)
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	if store == nil {
		store = NewMemStore()
	}
	r := &rig{dialer: newDialer(), states: &fakeStates{m: map[string]DeviceState{}}, log: &bytes.Buffer{}, store: store}
	m, err := New(cfg, store, r.dialer, WithDeviceStates(r.states), WithEventLog(NewQueueLog(r.log)),
		WithTuning(LoadTuning(f)), WithLogger(slog.New(slog.DiscardHandler)), WithRand(rand.New(rand.NewPCG(1, 2))))
	if err != nil {
		t.Fatal(err)
	}
	r.m = m
	return r
}

// lines returns the queue_log lines written so far.
func (r *rig) lines() []string {
	return strings.Split(strings.TrimSuffix(r.log.String(), "\n"), "\n")
}

// line builds an expected queue_log line at offset s seconds.
func line(s int, rest string) string { return fmt.Sprintf("%d|%s", epoch0+s, rest) }

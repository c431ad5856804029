package pbx

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip/b2bua"
)

// callMedia is what a SIP call's media applications keep between
// priorities: the generator playing to the caller in the background, the
// MixMonitors recording the call, and whether the call is bridged.
//
// A generator is Asterisk's channel generator (ast_activate_generator):
// PlayTones, StartMusicOnHold, Dial's m option and the tones of an
// indication on an answered call. There is one at a time; starting one
// stops the one before, and a playback (Playback, Background, Read's
// prompts, Speak, Record's beep) stops it for good, as ast_openstream
// deactivates the channel's generator. A bridge stops it too: from then on
// the caller hears the called party.
type callMedia struct {
	// mu guards the fields below.
	mu       sync.Mutex
	gen      *generator
	monitors []*mixMonitor
	bridged  bool
}

// generator is one FrameReader playing in the background.
type generator struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}
}

// mediaCodec returns the codec of the caller's media, sending 183 with
// SDP first when the call has none yet (early media, as Playback's
// noanswer does in Asterisk).
func (c *sipCall) mediaCodec() (string, error) {
	if c.in.Context().Err() != nil {
		return "", ivr.ErrHangup
	}
	codec := c.in.Media().Audio().Codec()
	if codec == "" {
		if err := c.in.Progress(""); err != nil {
			return "", fmt.Errorf("early media: %w", err)
		}
		codec = c.in.Media().Audio().Codec()
	}
	if codec == "" {
		return "", b2bua.ErrNoMedia
	}
	return codec, nil
}

// startGenerator plays fr to the caller in the background, in place of
// any generator already playing, until it ends, stopGenerator, a playback,
// a bridge or the hangup.
func (c *sipCall) startGenerator(name string, fr media.FrameReader) {
	c.stopGenerator()
	ctx, cancel := context.WithCancel(c.in.Context())
	g := &generator{name: name, cancel: cancel, done: make(chan struct{})}
	c.media.mu.Lock()
	c.media.gen = g
	c.media.mu.Unlock()
	go func() {
		defer close(g.done)
		if err := c.in.Play(ctx, fr); err != nil && ctx.Err() == nil && !errors.Is(err, b2bua.ErrHungUp) {
			c.in.Logger().Warn("generator failed", "generator", name, "error", err)
		}
	}()
}

// stopGenerator stops the generator playing, if any, and returns once it
// has sent its last frame, so that whatever plays next has the stream to
// itself. It returns the generator's name ("" when none was playing).
func (c *sipCall) stopGenerator() string {
	c.media.mu.Lock()
	g := c.media.gen
	c.media.gen = nil
	c.media.mu.Unlock()
	if g == nil {
		return ""
	}
	g.cancel()
	<-g.done
	return g.name
}

// setBridged tells the call's media whether the caller is bridged to
// another party. Dial calls it with true once the bridge carries the
// media and with false when the bridge ends. A bridge stops the generator
// (the caller hears the called party from then on), and MixMonitors with
// option b record only while bridged.
func (c *sipCall) setBridged(bridged bool) {
	now := time.Now()
	if bridged {
		c.stopGenerator()
	}
	c.media.mu.Lock()
	c.media.bridged = bridged
	monitors := append([]*mixMonitor(nil), c.media.monitors...)
	c.media.mu.Unlock()
	for _, m := range monitors {
		if err := m.rec.SetBridged(bridged, now); err != nil && !errors.Is(err, errMonitorClosed) {
			m.log.Warn("MixMonitor: recording failed", "file", m.file, "error", err)
		}
	}
}

// closeMedia ends the call's media applications when the dialplan is
// done: the generator stops and every MixMonitor closes its files (and
// starts its command).
func (c *sipCall) closeMedia() {
	c.stopGenerator()
	c.media.mu.Lock()
	monitors := append([]*mixMonitor(nil), c.media.monitors...)
	c.media.mu.Unlock()
	for _, m := range monitors {
		c.stopMixMonitor(m)
	}
}

// mediaCall returns the SIP call under ch, or false for a call without
// media (the simulator's): media applications then do nothing but keep
// their dialplan semantics.
func mediaCall(ch *ivr.Channel) (*sipCall, bool) {
	if c, ok := ch.Call().(*sipCall); ok {
		return c, true
	}
	return originatedCaller(ch) // an answered originated channel (originate.go)
}

// registerMediaApps adds the applications that play to, and record, the
// caller's media.
func registerMediaApps(r *ivr.Registry) {
	for _, a := range []*ivr.App{
		mixMonitorApp(), stopMixMonitorApp(),
		recordApp(),
		playTonesApp(), stopPlayTonesApp(),
		musicOnHoldApp(), startMusicOnHoldApp(), stopMusicOnHoldApp(),
		speakApp(), festivalApp(),
		amdApp(),
	} {
		r.RegisterApp(a)
	}
}

package b2bua

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/obelisk-pbx/obelisk/dtmf"
	"github.com/obelisk-pbx/obelisk/media"
	"github.com/obelisk-pbx/obelisk/sip"
	"github.com/pion/rtp"
)

// AudioRecorder takes a leg's audio both ways as signed linear 8 kHz:
// received from the peer (Rx) and sent to it (Tx), with the time each
// frame was seen (media.Recorder for MixMonitor, answering-machine
// detection later).
type AudioRecorder interface {
	WriteRx(pcm []int16, at time.Time) error
	WriteTx(pcm []int16, at time.Time) error
}

// legTap watches a leg's media: RFC 4733 events (dtmf.Receiver) and, for
// dtmfmode=inband or auto without telephone-event, in-band DTMF
// (dtmf.Detector) become the leg's DTMF events; audio both ways goes to
// the leg's recorders. The receive side runs on the session's read
// goroutine, the send side under its write lock; neither allocates per
// frame.
type legTap struct {
	l *Leg

	// Receive side (read goroutine only).
	rx     *dtmf.Receiver
	rxRate uint32
	det    *dtmf.Detector
	rxPCM  [maxFramePCM]int16

	// Send side (session write lock).
	txPCM [maxFramePCM]int16

	recorders atomic.Pointer[[]AudioRecorder]
	recMu     sync.Mutex
}

// maxFramePCM is the largest frame decoded (60 ms of 8 kHz audio).
const maxFramePCM = 480

// dtmfExpiry ends an RFC 4733 event whose end packets were lost (Asterisk's
// DEFAULT_DTMF_TIMEOUT, 150 ms after its last packet).
const dtmfExpiry = dtmf.DefaultExpire

func newLegTap(l *Leg) *legTap {
	t := &legTap{l: l}
	if l.ep != nil && (l.ep.DTMFMode == sip.DTMFInband || l.ep.DTMFMode == sip.DTMFAuto) {
		t.det = dtmf.NewDetector()
	}
	return t
}

// HandleRTP is the session's receive tap.
func (t *legTap) HandleRTP(kind media.PayloadKind, p *rtp.Packet) {
	now := time.Now()
	switch kind {
	case media.PayloadDTMF:
		f, _ := t.l.rtp.DTMFFormat()
		if t.rx == nil || t.rxRate != f.Rate {
			t.rx, t.rxRate = dtmf.NewReceiver(f.Rate), f.Rate
		}
		if ev, ok, err := t.rx.RTP(now, p); err == nil && ok {
			t.l.dtmfEvent(ev)
		}
	case media.PayloadAudio:
		if t.rx != nil {
			if ev, ok := t.rx.Expire(now, dtmfExpiry); ok {
				t.l.dtmfEvent(ev)
			}
		}
		recs := t.recorders.Load()
		inband := t.det != nil && (t.l.ep.DTMFMode == sip.DTMFInband || !t.hasDTMF())
		if recs == nil && !inband {
			return
		}
		n := decode(t.rxPCM[:], t.l.rtp.Audio().Codec(), p.Payload)
		if n == 0 {
			return
		}
		if inband {
			if ev, ok := t.det.Process(t.rxPCM[:n]); ok {
				t.l.dtmfEvent(ev)
			}
		}
		if recs != nil {
			for _, r := range *recs {
				_ = r.WriteRx(t.rxPCM[:n], now)
			}
		}
	}
}

func (t *legTap) hasDTMF() bool {
	_, ok := t.l.rtp.DTMFFormat()
	return ok
}

// HandleTx is the session's send tap.
func (t *legTap) HandleTx(kind media.PayloadKind, payload []byte) {
	if kind != media.PayloadAudio {
		return
	}
	recs := t.recorders.Load()
	if recs == nil {
		return
	}
	n := decode(t.txPCM[:], t.l.rtp.Audio().Codec(), payload)
	now := time.Now()
	for _, r := range *recs {
		_ = r.WriteTx(t.txPCM[:n], now)
	}
}

// decode turns a G.711 payload into signed linear; 0 for other codecs.
func decode(dst []int16, codec string, payload []byte) int {
	payload = payload[:min(len(payload), len(dst))]
	switch codec {
	case "ulaw":
		return media.DecodeULaw(dst, payload)
	case "alaw":
		return media.DecodeALaw(dst, payload)
	}
	return 0
}

// startMedia hooks the tap to the leg's session.
func (l *Leg) startMedia() {
	l.tapOnce.Do(func() {
		l.tap = newLegTap(l)
		l.rtp.SetRxTap(l.tap)
		l.rtp.SetTxTap(l.tap)
	})
}

// AddRecorder starts giving the leg's audio to r (both ways).
func (l *Leg) AddRecorder(r AudioRecorder) {
	l.startMedia()
	t := l.tap
	t.recMu.Lock()
	defer t.recMu.Unlock()
	var list []AudioRecorder
	if cur := t.recorders.Load(); cur != nil {
		list = append(list, *cur...)
	}
	list = append(list, r)
	t.recorders.Store(&list)
}

// RemoveRecorder stops giving the leg's audio to r.
func (l *Leg) RemoveRecorder(r AudioRecorder) {
	l.startMedia()
	t := l.tap
	t.recMu.Lock()
	defer t.recMu.Unlock()
	cur := t.recorders.Load()
	if cur == nil {
		return
	}
	var list []AudioRecorder
	for _, x := range *cur {
		if x != r {
			list = append(list, x)
		}
	}
	if len(list) == 0 {
		t.recorders.Store(nil)
		return
	}
	t.recorders.Store(&list)
}

// dtmfEvent hands a digit to the leg's DTMF handler.
func (l *Leg) dtmfEvent(ev dtmf.Event) {
	l.log.Debug("DTMF", "digit", string(ev.Digit), "source", ev.Source.String(), "duration", ev.Duration)
	if f := l.onDTMF.Load(); f != nil {
		(*f)(ev)
	}
}

// ErrNoMedia means the leg has no negotiated media to play into yet.
var ErrNoMedia = errors.New("the leg has no media")

// Play sends fr's 20 ms frames to the peer in real time until fr ends
// (nil), ctx ends (its error) or the leg hangs up (ErrHungUp). Frames go
// through the session's own stream (media.Session.WriteAudio), so a
// recording sees them; a frame costs no allocation.
func (l *Leg) Play(ctx context.Context, fr media.FrameReader) error {
	if l.rtp.Audio().Codec() == "" {
		return ErrNoMedia
	}
	var buf [2 * maxFramePCM]byte
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	first := true
	for {
		n, err := fr.Next(buf[:])
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := l.rtp.WriteAudio(buf[:n], uint32(n), first); err != nil {
			l.log.Debug("play: write failed", "error", err)
		}
		first = false
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		case <-l.ctx.Done():
			return ErrHungUp
		}
	}
}

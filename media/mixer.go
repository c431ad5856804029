package media

import (
	"sync"
	"time"

	"github.com/pion/rtp"
)

// Mixer is a conference of sessions, as Asterisk's softmix bridge is for a
// three-way call: every 20 ms each session is sent the sum of what the
// others said in that time, in its own codec, so that nobody hears
// themselves. Audio is G.711 at 8 kHz (a session in another codec is
// neither heard nor fed); telephone-events are not mixed. Received audio
// waits in a short queue per session (up to 60 ms, the oldest dropped
// beyond), which absorbs the jitter between the senders' clocks. A frame
// costs no allocation.
type Mixer struct {
	parts []*mixPart

	mu      sync.Mutex
	stop    chan struct{}
	done    chan struct{}
	started bool
	stopped bool
}

// mixFrame is the mixing period's samples (20 ms at 8 kHz).
const mixFrame = 160

// mixQueue is how many samples a session's queue holds (60 ms).
const mixQueue = 3 * mixFrame

// mixPart is one session of a Mixer: its sink and its queue.
type mixPart struct {
	s *Session

	// mu guards the queue, which the session's read goroutine fills.
	mu    sync.Mutex
	queue [mixQueue]int16
	head  int // index of the oldest sample
	n     int // samples queued
	pcm   [maxFrameBytes]int16

	// Used by the mixing goroutine only.
	in  [mixFrame]int16
	out [mixFrame]int16
	enc [mixFrame]byte
}

// maxFrameBytes is the largest G.711 payload decoded (60 ms).
const maxFrameBytes = 480

var _ Sink = (*mixPart)(nil)

// NewMixer returns a mixer of sessions; Start connects them.
func NewMixer(sessions ...*Session) *Mixer {
	m := &Mixer{stop: make(chan struct{}), done: make(chan struct{})}
	for _, s := range sessions {
		m.parts = append(m.parts, &mixPart{s: s})
	}
	return m
}

// Start makes the mixer each session's sink and starts mixing. It does
// nothing after Stop or a second time.
func (m *Mixer) Start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started || m.stopped {
		return
	}
	m.started = true
	for _, p := range m.parts {
		p.s.SetSink(p)
	}
	go m.run()
}

// Stop ends the mixing and removes the mixer's sinks (leaving a sink set
// by someone else since). It returns once the last frame is sent and is
// idempotent.
func (m *Mixer) Stop() {
	m.mu.Lock()
	if m.stopped {
		m.mu.Unlock()
		return
	}
	m.stopped = true
	started := m.started
	m.mu.Unlock()
	for _, p := range m.parts {
		p.s.clearSink(p)
	}
	if started {
		close(m.stop)
		<-m.done
	}
}

// run mixes a frame every 20 ms. The frames are counted from the start,
// so that a late tick (a busy machine; a Ticker drops the ticks its
// reader misses) is made up at once rather than lost, and the sessions'
// queues do not overflow.
func (m *Mixer) run() {
	defer close(m.done)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	start := time.Now()
	var sent int64
	for {
		select {
		case <-m.stop:
			return
		case now := <-t.C:
			due := int64(now.Sub(start) / (20 * time.Millisecond))
			for ; sent < due; sent++ {
				m.tick()
				if due-sent > 5 { // far behind: skip, do not burst
					sent = due - 1
				}
			}
		}
	}
}

// tick mixes and sends one frame to every session.
func (m *Mixer) tick() {
	for _, p := range m.parts {
		p.take()
	}
	for i, p := range m.parts {
		mixOthers(p.out[:], m.parts, i)
		var n int
		switch p.s.Audio().Codec() {
		case "ulaw":
			n = EncodeULaw(p.enc[:], p.out[:])
		case "alaw":
			n = EncodeALaw(p.enc[:], p.out[:])
		default:
			continue
		}
		_ = p.s.WriteAudio(p.enc[:n], mixFrame, false)
	}
}

// mixOthers sets dst to the sum of every part's input but skip's,
// clipped to 16 bits.
func mixOthers(dst []int16, parts []*mixPart, skip int) {
	for k := range dst {
		var sum int32
		for j, q := range parts {
			if j != skip {
				sum += int32(q.in[k])
			}
		}
		dst[k] = clip16(sum)
	}
}

func clip16(v int32) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(v)
}

// take moves the next frame of the queue to in (silence for what is
// missing).
func (p *mixPart) take() {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := min(p.n, mixFrame)
	for i := 0; i < k; i++ {
		p.in[i] = p.queue[(p.head+i)%mixQueue]
	}
	clear(p.in[k:])
	p.head = (p.head + k) % mixQueue
	p.n -= k
}

// HandleRTP queues the session's received audio.
func (p *mixPart) HandleRTP(kind PayloadKind, pk *rtp.Packet) {
	if kind != PayloadAudio {
		return
	}
	var n int
	switch p.s.Audio().Codec() {
	case "ulaw":
		n = DecodeULaw(p.pcm[:], pk.Payload)
	case "alaw":
		n = DecodeALaw(p.pcm[:], pk.Payload)
	default:
		return
	}
	p.push(p.pcm[:n])
}

// push queues pcm, dropping the oldest samples beyond mixQueue.
func (p *mixPart) push(pcm []int16) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range pcm {
		if p.n == mixQueue {
			p.head = (p.head + 1) % mixQueue
			p.n--
		}
		p.queue[(p.head+p.n)%mixQueue] = v
		p.n++
	}
}

package media

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DTMF event durations as Asterisk sends them: each digit 100 ms unless
// told otherwise, one packet every 20 ms.
const (
	DefaultDTMFDuration = 100 * time.Millisecond
	dtmfPacketInterval  = 20 * time.Millisecond
)

// errNoDTMF means the peer negotiated no telephone-event format.
var errNoDTMF = errors.New("the peer negotiated no telephone-event")

// DTMFEvent is the RFC 4733 §3.2 event code of a DTMF digit (0-9, * 10,
// # 11, A-D 12-15); ok is false for anything else.
func DTMFEvent(digit rune) (event uint8, ok bool) {
	switch {
	case digit >= '0' && digit <= '9':
		return uint8(digit - '0'), true
	case digit == '*':
		return 10, true
	case digit == '#':
		return 11, true
	case digit >= 'A' && digit <= 'D':
		return uint8(digit-'A') + 12, true
	case digit >= 'a' && digit <= 'd':
		return uint8(digit-'a') + 12, true
	}
	return 0, false
}

// SendDTMF sends one digit as an RFC 4733 event on the session's stream:
// a first packet with the marker bit, one every 20 ms with the duration so
// far, and the end packet three times (RFC 4733 §2.5.1). The event's
// timestamp is where the stream is when it starts (§2.5.1.2). It returns
// when the event is sent or ctx ends; an error when the peer has no
// telephone-event format (the caller then falls back to SIP INFO).
func (s *Session) SendDTMF(ctx context.Context, digit rune, d time.Duration) error {
	ev, ok := DTMFEvent(digit)
	if !ok {
		return fmt.Errorf("send dtmf: %q is not a DTMF digit", digit)
	}
	r := s.remote.Load()
	if r == nil || !r.hasDTMF {
		return errNoDTMF
	}
	if !r.send {
		return nil
	}
	if d <= 0 {
		d = DefaultDTMFDuration
	}
	rate := r.dtmf.Rate
	if rate == 0 {
		rate = 8000
	}
	step := uint32(int64(rate) * int64(dtmfPacketInterval) / int64(time.Second))
	s.wmu.Lock()
	ts := s.w.continueAt(r.audio.Rate)
	s.wmu.Unlock()
	var payload [4]byte
	payload[0], payload[1] = ev, 10 // volume -10 dBm0, as Asterisk sends
	send := func(dur uint32, end, marker bool) error {
		payload[1] = 10
		if end {
			payload[1] |= 0x80
		}
		payload[2], payload[3] = byte(min(dur, 0xffff)>>8), byte(min(dur, 0xffff))
		s.wmu.Lock()
		defer s.wmu.Unlock()
		return s.sendLocked(r, r.dtmf.PT, marker, ts, payload[:])
	}
	t := time.NewTicker(dtmfPacketInterval)
	defer t.Stop()
	n := max(1, int(d/dtmfPacketInterval))
	for i := 1; i <= n; i++ {
		if err := send(uint32(i)*step, false, i == 1); err != nil {
			return err
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for range 3 {
		if err := send(uint32(n)*step, true, false); err != nil {
			return err
		}
	}
	return nil
}

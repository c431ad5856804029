package media

import (
	"context"
	"testing"
)

// TestSessionSendDTMF: a digit goes out as one RFC 4733 event (§2.5.1):
// the marker on the first packet, one timestamp for the whole event,
// growing durations, and three end packets; the peer's telephone-event
// payload type is used.
func TestSessionSendDTMF(t *testing.T) {
	s := newTestSession(t, SessionOptions{})
	p := newPeer(t)
	s.SetRemote(p.describe(SendRecv, pcmu, te96), pcmu, te96, true)
	if err := s.SendDTMF(context.Background(), '#', DefaultDTMFDuration); err != nil {
		t.Fatal(err)
	}
	var ts uint32
	var last uint16
	ends := 0
	for i := 0; i < 8; i++ {
		pkt := p.recv(t)
		if pkt.PayloadType != 96 {
			t.Fatalf("packet %d: payload type %d, want 96", i, pkt.PayloadType)
		}
		if i == 0 {
			ts = pkt.Timestamp
			if !pkt.Marker {
				t.Error("first packet without marker")
			}
		} else if pkt.Timestamp != ts {
			t.Errorf("packet %d: timestamp %d, want the event's %d", i, pkt.Timestamp, ts)
		}
		ev, end, dur := pkt.Payload[0], pkt.Payload[1]&0x80 != 0, uint16(pkt.Payload[2])<<8|uint16(pkt.Payload[3])
		if ev != 11 {
			t.Errorf("packet %d: event %d, want 11 (#)", i, ev)
		}
		if dur < last {
			t.Errorf("packet %d: duration %d went back from %d", i, dur, last)
		}
		last = dur
		if end {
			ends++
		}
	}
	if ends != 3 || last != 800 {
		t.Errorf("%d end packets with final duration %d, want 3 and 800 (100 ms at 8 kHz)", ends, last)
	}
	s.SetRemote(p.describe(SendRecv, pcmu), pcmu, Format{}, false)
	if err := s.SendDTMF(context.Background(), '1', 0); err == nil {
		t.Error("SendDTMF to a peer without telephone-event: no error")
	}
}

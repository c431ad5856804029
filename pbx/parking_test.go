package pbx

import (
	"testing"

	"github.com/obelisk-pbx/obelisk/features"
)

func TestParkingLot(t *testing.T) {
	cfg := features.Parking{PosStart: 701, PosEnd: 703}
	var l parkingLot
	newCall := func() *parkedCall { return &parkedCall{taken: make(chan struct{})} }
	a, b, c, d := newCall(), newCall(), newCall(), newCall()
	for _, pc := range []*parkedCall{a, b, c} {
		if !l.park(cfg, pc) {
			t.Fatal("a lot of three spaces refused one of three calls")
		}
	}
	if a.space != 701 || b.space != 702 || c.space != 703 {
		t.Errorf("spaces %d %d %d, want 701 702 703 (the first free)", a.space, b.space, c.space)
	}
	if l.park(cfg, d) {
		t.Error("a full lot took a fourth call")
	}
	if got := l.take(702); got != b {
		t.Errorf("take(702) = %v, want the call parked there", got)
	}
	select {
	case <-b.taken:
	default:
		t.Error("a call taken is not marked taken")
	}
	if l.remove(b) {
		t.Error("remove of a call a retriever took succeeded: the timeout would race the retriever")
	}
	if !l.park(cfg, d) || d.space != 702 {
		t.Errorf("the freed space 702 was not reused: %d", d.space)
	}
	if got := l.take(0); got != a {
		t.Errorf("take(0) = space %v, want the lowest, 701", got.space)
	}
	if got := l.take(799); got != nil {
		t.Errorf("take of an empty space = %v, want nil", got)
	}
	if !l.remove(c) || l.take(703) != nil {
		t.Error("a removed call (timed out) can still be taken")
	}
}

package dtmf

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzReceiverPacket feeds a Receiver a stream of packets cut from the
// input: 4 bytes of timestamp, a flags byte (marker, payload length) and
// the payload. It must never panic, and report at most one press per
// packet with a digit and a non-negative duration.
func FuzzReceiverPacket(f *testing.F) {
	var seed []byte
	for _, s := range press(0, 1000, 5, 0, 6) {
		seed = binary.BigEndian.AppendUint32(seed, s.ts)
		flags := byte(4)
		if s.marker {
			flags |= 0x80
		}
		seed = append(seed, flags)
		seed = append(seed, s.payload()...)
	}
	f.Add(seed)
	f.Add([]byte{0, 0, 0, 1, 0x82, 5, 0x80})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x84, 16, 0x8a, 0, 160})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReceiver(8000)
		now := time.Unix(0, 0)
		packets := 0
		reports := 0
		check := func(ev Event) {
			reports++
			if !strings.ContainsRune(Digits, ev.Digit) || ev.Duration < 0 || ev.Source != SourceRFC4733 {
				t.Fatalf("bad event %+v", ev)
			}
		}
		for len(data) >= 5 {
			ts := binary.BigEndian.Uint32(data)
			marker := data[4]&0x80 != 0
			n := min(int(data[4]&0x7f), len(data)-5)
			payload := data[5 : 5+n]
			data = data[5+n:]
			now = now.Add(time.Duration(ts%64) * time.Millisecond)
			packets++
			if ev, ok, err := r.Packet(now, ts, marker, payload); ok {
				if err != nil {
					t.Fatalf("event %v with error %v", ev, err)
				}
				check(ev)
			}
			if ev, ok := r.Expire(now, 0); ok {
				check(ev)
			}
		}
		for {
			ev, ok := r.Next()
			if !ok {
				break
			}
			check(ev)
		}
		if reports > packets {
			t.Fatalf("%d presses from %d packets", reports, packets)
		}
	})
}

// FuzzParseInfo parses arbitrary INFO bodies, seeded from testdata/info:
// no panic, and a digit whenever there is no error.
func FuzzParseInfo(f *testing.F) {
	files, _ := filepath.Glob("testdata/info/*.txt")
	for _, file := range files {
		ct, body := readInfoFixture(f, file)
		f.Add(ct, body)
	}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		ev, err := ParseInfo(ct, body)
		if err != nil {
			return
		}
		if !strings.ContainsRune(Digits, ev.Digit) || ev.Duration <= 0 || ev.Source != SourceINFO {
			t.Fatalf("ParseInfo(%q, %q) = %+v", ct, body, ev)
		}
	})
}

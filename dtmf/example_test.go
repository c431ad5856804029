package dtmf_test

import (
	"context"
	"fmt"
	"time"

	"github.com/obelisk-pbx/obelisk/dtmf"
)

// A phone presses 5 for 100 ms: a first packet with the marker bit and
// duration 0, updates every 20 ms, the end packet three times. The
// Receiver reports the digit once.
func ExampleReceiver() {
	rx := dtmf.NewReceiver(8000)
	now := time.Now()
	const ts = 48000 // the event's RTP timestamp, the same in every packet
	send := func(marker, end bool, dur uint16) {
		b := dtmf.Payload{Code: 5, End: end, Volume: 10, Duration: dur}.Marshal()
		if ev, ok, err := rx.Packet(now, ts, marker, b[:]); err != nil {
			fmt.Println(err)
		} else if ok {
			fmt.Println(ev)
		}
		now = now.Add(20 * time.Millisecond)
	}
	send(true, false, 0)
	for dur := uint16(160); dur <= 800; dur += 160 {
		send(false, false, dur)
	}
	send(false, true, 800)
	send(false, true, 800)
	send(false, true, 800)
	// Output: 5 (100ms, rfc4733)
}

func ExampleParseInfo() {
	ev, err := dtmf.ParseInfo("application/dtmf-relay", []byte("Signal=11\r\nDuration=160\r\n"))
	fmt.Println(ev, err)
	ct, body := dtmf.InfoBody('#', 160*time.Millisecond)
	fmt.Printf("%s %q\n", ct, body)
	// Output:
	// # (160ms, info) <nil>
	// application/dtmf-relay "Signal=#\r\nDuration=160\r\n"
}

// Read(PIN,,4): up to 4 digits, # ends early; 1 was pressed during the
// prompt.
func ExampleCollector() {
	digits := make(chan rune, 4)
	for _, d := range "23#" {
		digits <- d
	}
	got, status := dtmf.Collector{MaxDigits: 4}.Collect(context.Background(), digits, '1')
	fmt.Println(got, status)
	// Output: 123 OK
}

func ExampleDetector() {
	d := dtmf.NewDetector()
	frame := make([]int16, 160) // 20 ms of 8 kHz audio from the channel
	if ev, ok := d.Process(frame); ok {
		fmt.Println("pressed", ev.Digit)
	}
	fmt.Println(d.Current())
	// Output: 0 false
}

package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"strings"
)

// RFC 4733 key presses for sipp's play_pcap_audio (-dtmf): sipp's own
// dtmf_2833_<d>.pcap files come from one recording, so their RTP
// timestamps run backwards between some digits when they are played one
// after the other (digit 0 lies between 1 and 2), and a receiver takes
// such a press for a late packet of an earlier one. This writes one stream
// for a whole string of keys: one SSRC, sequence numbers and timestamps
// only going forward, 20 ms a packet.
//
//	go run ./bench/mkpcap -dtmf '0791234567#' -o keys.pcap
//
// The stream starts with lead of silence (payload type -pt, A-law or
// µ-law), so that a switch with strict RTP learns its source before the
// first key (Asterisk's probation drops the first packets of a new source);
// each key is an event of -press: the first packet with the marker bit and
// duration 0, then durations growing by 160 every 20 ms, then the end
// packet three times (§2.5.1.4) with the final duration, all on the event's
// timestamp; then -gap of silence.

// dtmfOpts shape the stream.
type dtmfOpts struct {
	audioPT, eventPT uint8
	leadMS, pressMS  int
	gapMS            int
}

// dtmfPackets returns the RTP packets (header and payload) of the keys.
func dtmfPackets(keys string, o dtmfOpts) ([][]byte, error) {
	const ssrc = 0x4f42_4b31
	silence := byte(0xd5) // A-law 0
	if o.audioPT == 0 {
		silence = 0xff // µ-law 0
	}
	var out [][]byte
	seq, ts := uint16(1000), uint32(160_000)
	pkt := func(pt uint8, marker bool, at uint32, payload []byte) {
		b := make([]byte, 12+len(payload))
		b[0] = 0x80
		b[1] = pt
		if marker {
			b[1] |= 0x80
		}
		binary.BigEndian.PutUint16(b[2:], seq)
		binary.BigEndian.PutUint32(b[4:], at)
		binary.BigEndian.PutUint32(b[8:], ssrc)
		copy(b[12:], payload)
		out = append(out, b)
		seq++
	}
	quiet := func(ms int) {
		frame := make([]byte, 160)
		for i := range frame {
			frame[i] = silence
		}
		for range ms / 20 {
			pkt(o.audioPT, false, ts, frame)
			ts += 160
		}
	}
	quiet(o.leadMS)
	for _, k := range keys {
		code := strings.IndexRune("0123456789*#ABCD", k)
		if code < 0 {
			return nil, fmt.Errorf("no RFC 4733 event for key %q", k)
		}
		ev := ts
		n := max(o.pressMS/20, 1)
		for i := range n {
			pkt(o.eventPT, i == 0, ev, []byte{byte(code), 10, byte(i * 160 >> 8), byte(i * 160)})
			ts += 160
		}
		dur := n * 160
		for range 3 {
			pkt(o.eventPT, false, ev, []byte{byte(code), 0x80 | 10, byte(dur >> 8), byte(dur)})
			ts += 160
		}
		quiet(o.gapMS)
	}
	return out, nil
}

// writePcap writes RTP packets 20 ms apart in UDP over IPv4 over Ethernet
// (sipp rewrites the addresses and ports when it plays the file).
func writePcap(path string, rtps [][]byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := &errWriter{w: f}
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr, 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	w.write(hdr)
	rec := make([]byte, 16)
	for i, r := range rtps {
		pkt := make([]byte, 14+20+8+len(r))
		binary.BigEndian.PutUint16(pkt[12:], 0x0800)
		ip := pkt[14:]
		ip[0], ip[8], ip[9] = 0x45, 64, 17
		binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
		copy(ip[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
		var sum uint32
		for j := 0; j < 20; j += 2 {
			sum += uint32(binary.BigEndian.Uint16(ip[j:]))
		}
		for sum > 0xffff {
			sum = sum>>16 + sum&0xffff
		}
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
		udp := ip[20:]
		binary.BigEndian.PutUint16(udp[0:], 4000)
		binary.BigEndian.PutUint16(udp[2:], 4000)
		binary.BigEndian.PutUint16(udp[4:], uint16(len(udp)))
		copy(udp[8:], r)
		us := i * 20000
		binary.LittleEndian.PutUint32(rec[0:], uint32(1_700_000_000+us/1_000_000))
		binary.LittleEndian.PutUint32(rec[4:], uint32(us%1_000_000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(pkt)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(pkt)))
		w.write(rec)
		w.write(pkt)
	}
	if err := f.Close(); w.err == nil {
		w.err = err
	}
	return w.err
}

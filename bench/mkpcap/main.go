// Command mkpcap writes the G.711 A-law RTP stream that bench/rtp_calls.sh's
// sipp trunk plays into each call (sipp's play_pcap_audio): 20 ms frames of
// 160 bytes, payload type 8, 50 packets a second, for the given number of
// seconds. The audio is the one of sipp's bundled g711a.pcap (30 ms frames,
// 7 s), looped; sipp rewrites addresses and ports when it plays the file.
//
//	go run ./bench/mkpcap [-in /usr/share/sip-tester/g711a.pcap] -s 30 -o out.pcap
//
// With -dtmf it writes RFC 4733 key presses instead (see dtmf.go).
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	in := flag.String("in", "/usr/share/sip-tester/g711a.pcap", "source pcap with G.711 RTP (Ethernet, IPv4, UDP)")
	out := flag.String("o", "g711a_20ms.pcap", "pcap to write")
	secs := flag.Int("s", 30, "seconds of audio to write")
	keys := flag.String("dtmf", "", "write these keys (0-9 * # A-D) as RFC 4733 events instead")
	var o dtmfOpts
	pt := flag.Uint("pt", 8, "with -dtmf: payload type of the silence around the keys (8 A-law, 0 µ-law)")
	te := flag.Uint("te", 101, "with -dtmf: payload type of telephone-event")
	flag.IntVar(&o.leadMS, "lead", 200, "with -dtmf: milliseconds of silence before the first key")
	flag.IntVar(&o.pressMS, "press", 100, "with -dtmf: milliseconds each key is held")
	flag.IntVar(&o.gapMS, "gap", 100, "with -dtmf: milliseconds of silence after each key")
	flag.Parse()
	if *keys != "" {
		o.audioPT, o.eventPT = uint8(*pt), uint8(*te)
		pkts, err := dtmfPackets(*keys, o)
		if err == nil {
			err = writePcap(*out, pkts)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "mkpcap:", err)
			os.Exit(1)
		}
		return
	}
	audio, err := readAudio(*in)
	if err == nil && len(audio) < 160 {
		err = errors.New("no audio found")
	}
	if err == nil {
		err = writeStream(*out, audio, *secs*50)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkpcap:", err)
		os.Exit(1)
	}
}

// readAudio returns the RTP payloads of the pcap's UDP packets, end to end.
func readAudio(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		return nil, errors.New(path + ": not a little-endian pcap")
	}
	if lt := binary.LittleEndian.Uint32(b[20:]); lt != 1 {
		return nil, fmt.Errorf("%s: link type %d, want Ethernet", path, lt)
	}
	var audio []byte
	for o := 24; o+16 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[o+8:]))
		o += 16
		if o+n > len(b) {
			break
		}
		p := b[o : o+n]
		o += n
		// Ethernet (14), IPv4 (IHL), UDP (8), RTP (12, no CSRC or extension).
		if len(p) < 14+20+8+12 || binary.BigEndian.Uint16(p[12:]) != 0x0800 || p[14+9] != 17 {
			continue
		}
		ihl := int(p[14]&0x0f) * 4
		rtp := p[14+ihl+8:]
		if len(rtp) < 12 || rtp[0]>>6 != 2 {
			continue
		}
		audio = append(audio, rtp[12:]...)
	}
	return audio, nil
}

// writeStream writes frames RTP packets of 160 bytes of A-law audio, 20 ms
// apart (writePcap frames them).
func writeStream(path string, audio []byte, frames int) error {
	const payload = 160
	rtps := make([][]byte, frames)
	pos := 0
	for i := range frames {
		rtp := make([]byte, 12+payload)
		rtp[0], rtp[1] = 0x80, 8
		if i == 0 {
			rtp[1] |= 0x80 // marker on the first packet
		}
		binary.BigEndian.PutUint16(rtp[2:], uint16(i))
		binary.BigEndian.PutUint32(rtp[4:], uint32(i*payload))
		binary.BigEndian.PutUint32(rtp[8:], 0x0b311c)
		for j := range payload {
			rtp[12+j] = audio[pos]
			pos = (pos + 1) % len(audio)
		}
		rtps[i] = rtp
	}
	return writePcap(path, rtps)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

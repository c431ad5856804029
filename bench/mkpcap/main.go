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

// writeStream writes frames RTP packets of 160 bytes of audio, 20 ms apart.
func writeStream(path string, audio []byte, frames int) error {
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
	const payload = 160
	pkt := make([]byte, 14+20+8+12+payload)
	binary.BigEndian.PutUint16(pkt[12:], 0x0800)
	ip := pkt[14:]
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
	copy(ip[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	udp := ip[20:]
	binary.BigEndian.PutUint16(udp[0:], 4000)
	binary.BigEndian.PutUint16(udp[2:], 4000)
	binary.BigEndian.PutUint16(udp[4:], uint16(len(udp)))
	rtp := udp[8:]
	rtp[0] = 0x80
	binary.BigEndian.PutUint32(rtp[8:], 0x0b311c)
	rec := make([]byte, 16)
	pos := 0
	for i := range frames {
		rtp[1] = 8
		if i == 0 {
			rtp[1] |= 0x80 // marker on the first packet
		}
		binary.BigEndian.PutUint16(rtp[2:], uint16(i))
		binary.BigEndian.PutUint32(rtp[4:], uint32(i*payload))
		for j := range payload {
			rtp[12+j] = audio[pos]
			pos = (pos + 1) % len(audio)
		}
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

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

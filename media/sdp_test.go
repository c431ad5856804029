package media

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sdpText joins lines with CRLF as SIP bodies carry them.
func sdpText(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

func TestDirection(t *testing.T) {
	tests := []struct {
		name   string
		dir    Direction
		answer Direction
	}{
		{"sendrecv", SendRecv, SendRecv},
		{"sendonly", SendOnly, RecvOnly},
		{"recvonly", RecvOnly, SendOnly},
		{"inactive", Inactive, Inactive},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.dir.String(); got != tc.name {
				t.Errorf("String() = %q", got)
			}
			if got, err := ParseDirection(tc.name); err != nil || got != tc.dir {
				t.Errorf("ParseDirection(%q) = %v, %v", tc.name, got, err)
			}
			if got := tc.dir.Answer(); got != tc.answer {
				t.Errorf("Answer() = %v, want %v", got, tc.answer)
			}
		})
	}
	for _, bad := range []string{"", "unknown", "SENDRECV", "send"} {
		if _, err := ParseDirection(bad); err == nil {
			t.Errorf("ParseDirection(%q) succeeded", bad)
		}
	}
	if got := DirectionUnknown.Answer(); got != SendRecv {
		t.Errorf("no direction answered %v, want sendrecv (RFC 3264 §5.1)", got)
	}
	if got := Direction(42).String(); got != "Direction(42)" {
		t.Errorf("Direction(42) = %q", got)
	}
}

func TestFormatFor(t *testing.T) {
	tests := []struct {
		name  string
		codec string
		want  Format
		ok    bool
	}{
		{"ulaw", "ulaw", Format{PT: 0, Name: PCMU, Rate: 8000}, true},
		{"alaw", "alaw", Format{PT: 8, Name: PCMA, Rate: 8000}, true},
		{"upper case", "ULAW", Format{PT: 0, Name: PCMU, Rate: 8000}, true},
		{"not carried", "g729", Format{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := FormatFor(tc.codec)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("FormatFor(%q) = %+v, %v", tc.codec, got, ok)
			}
			if ok && got.Codec() != strings.ToLower(tc.codec) {
				t.Fatalf("Codec() = %q", got.Codec())
			}
		})
	}
	if c := (Format{PT: 96, Name: "opus", Rate: 48000}).Codec(); c != "" {
		t.Errorf("opus Codec() = %q", c)
	}
	if !(Format{Name: "TELEPHONE-EVENT"}).IsDTMF() {
		t.Error("encoding names are case-insensitive (RFC 4566 §6)")
	}
}

// describe prints a Description for golden files.
func describe(d *Description) string {
	var b strings.Builder
	fmt.Fprintf(&b, "addr %s\ndirection %s\nptime %d\norigin %s %d %d\nproto %s\n",
		d.Addr, d.Direction, d.Ptime, d.Origin, d.SessionID, d.Version, d.Proto)
	for _, f := range d.Formats {
		fmt.Fprintf(&b, "format %d %s/%d fmtp=%q\n", f.PT, f.Name, f.Rate, f.Fmtp)
	}
	return b.String()
}

// TestParseSDPCorpus parses the real offers of testdata/sdp and compares
// them with their golden descriptions (go test -run Corpus -update
// rewrites them).
func TestParseSDPCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/sdp/*.sdp")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			d, err := ParseSDP(body)
			if err != nil {
				t.Fatal(err)
			}
			got := describe(d)
			golden := strings.TrimSuffix(file, ".sdp") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			again, err := ParseSDP(d.Marshal())
			if err != nil {
				t.Fatalf("reparse marshalled: %v", err)
			}
			if again.Addr != d.Addr || again.Direction != d.Direction || !reflect.DeepEqual(again.Formats, withDTMFEvents(d.Formats)) {
				t.Errorf("round trip:\n%s\nbecame\n%s", describe(d), describe(again))
			}
		})
	}
}

// withDTMFEvents is formats as Marshal writes them.
func withDTMFEvents(formats []Format) []Format {
	out := make([]Format, len(formats))
	for i, f := range formats {
		if f.IsDTMF() && f.Fmtp == "" {
			f.Fmtp = DefaultDTMFEvents
		}
		out[i] = f
	}
	return out
}

func TestParseSDP(t *testing.T) {
	pcmu := Format{PT: 0, Name: PCMU, Rate: 8000}
	pcma := Format{PT: 8, Name: PCMA, Rate: 8000}
	head := []string{"v=0", "o=- 1 2 IN IP4 192.0.2.1", "s=-"}
	lines := func(l ...string) []byte { return sdpText(append(head[:len(head):len(head)], l...)...) }
	tests := []struct {
		name    string
		body    []byte
		addr    string
		dir     Direction
		formats []Format
		ptime   int
	}{
		{"session-level c", lines("c=IN IP4 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 0"),
			"192.0.2.1:4000", SendRecv, []Format{pcmu}, 0},
		{"media-level c wins", lines("c=IN IP4 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 8", "c=IN IP4 198.51.100.7"),
			"198.51.100.7:4000", SendRecv, []Format{pcma}, 0},
		{"media-level c only", lines("t=0 0", "m=audio 4000 RTP/AVP 8", "c=IN IP4 198.51.100.7"),
			"198.51.100.7:4000", SendRecv, []Format{pcma}, 0},
		{"static types without rtpmap", lines("c=IN IP4 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 8 0 13 18"),
			"192.0.2.1:4000", SendRecv, []Format{pcma, pcmu, {PT: 13, Name: "CN", Rate: 8000}, {PT: 18, Name: "G729", Rate: 8000}}, 0},
		{"dynamic type without rtpmap dropped", lines("c=IN IP4 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 0 96 101", "a=rtpmap:101 telephone-event/8000"),
			"192.0.2.1:4000", SendRecv, []Format{pcmu, {PT: 101, Name: TelephoneEvent, Rate: 8000}}, 0},
		{"lower-case names", lines("c=IN IP4 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 0 97", "a=rtpmap:0 pcmu/8000", "a=rtpmap:97 Telephone-Event/8000", "a=fmtp:97 0-15"),
			"192.0.2.1:4000", SendRecv, []Format{pcmu, {PT: 97, Name: TelephoneEvent, Rate: 8000, Fmtp: "0-15"}}, 0},
		{"session-level direction", lines("c=IN IP4 192.0.2.1", "t=0 0", "a=sendonly", "m=audio 4000 RTP/AVP 0"),
			"192.0.2.1:4000", SendOnly, []Format{pcmu}, 0},
		{"media-level direction wins", lines("c=IN IP4 192.0.2.1", "t=0 0", "a=sendonly", "m=audio 4000 RTP/AVP 0", "a=inactive"),
			"192.0.2.1:4000", Inactive, []Format{pcmu}, 0},
		{"old-style hold", lines("c=IN IP4 0.0.0.0", "t=0 0", "m=audio 4000 RTP/AVP 0"),
			"0.0.0.0:4000", SendRecv, []Format{pcmu}, 0},
		{"rejected stream", lines("c=IN IP4 192.0.2.1", "t=0 0", "m=audio 0 RTP/AVP 0"),
			"192.0.2.1:0", SendRecv, []Format{pcmu}, 0},
		{"ptime", lines("c=IN IP4 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 0", "a=ptime:30"),
			"192.0.2.1:4000", SendRecv, []Format{pcmu}, 30},
		{"audio after video", lines("c=IN IP4 192.0.2.1", "t=0 0", "m=video 5000 RTP/AVP 96", "a=rtpmap:96 H264/90000", "m=audio 4000 RTP/AVP 8"),
			"192.0.2.1:4000", SendRecv, []Format{pcma}, 0},
		{"LF line ends", []byte("v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 0\n"),
			"192.0.2.1:4000", SendRecv, []Format{pcmu}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseSDP(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if d.Addr != netip.MustParseAddrPort(tc.addr) || d.Direction != tc.dir || d.Ptime != tc.ptime || !reflect.DeepEqual(d.Formats, tc.formats) {
				t.Fatalf("got\n%s", describe(d))
			}
		})
	}
}

func TestParseSDPErrors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		is   error
		want string
	}{
		{"garbage", []byte("hello"), nil, "parse sdp: "},
		{"empty", nil, nil, "parse sdp: "},
		{"no audio", sdpText("v=0", "o=- 1 2 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=video 5000 RTP/AVP 96"), ErrNoAudio, ""},
		{"no media", sdpText("v=0", "o=- 1 2 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0"), ErrNoAudio, ""},
		{"no connection", sdpText("v=0", "o=- 1 2 IN IP4 192.0.2.1", "s=-", "t=0 0", "m=audio 4000 RTP/AVP 0"), ErrNoConnection, ""},
		{"host name", sdpText("v=0", "o=- 1 2 IN IP4 192.0.2.1", "s=-", "c=IN IP4 pbx.example.com", "t=0 0", "m=audio 4000 RTP/AVP 0"), nil, "parse sdp: connection address: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSDP(tc.body)
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v is not %v", err, tc.is)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error %q does not start with %q", err, tc.want)
			}
		})
	}
}

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		d    Description
		want []string
	}{
		{"answer with dtmf", Description{
			Addr:      netip.MustParseAddrPort("192.0.2.5:10000"),
			Direction: SendRecv,
			Formats:   []Format{{PT: 8, Name: PCMA, Rate: 8000}, {PT: 96, Name: TelephoneEvent, Rate: 8000}},
			SessionID: 42, Version: 43,
		}, []string{
			"v=0", "o=- 42 43 IN IP4 192.0.2.5", "s=obelisk", "c=IN IP4 192.0.2.5", "t=0 0",
			"m=audio 10000 RTP/AVP 8 96", "a=rtpmap:8 PCMA/8000", "a=rtpmap:96 telephone-event/8000",
			"a=fmtp:96 0-16", "a=ptime:20", "a=sendrecv",
		}},
		{"hold offer with own fmtp and ptime", Description{
			Addr:      netip.MustParseAddrPort("192.0.2.5:10000"),
			Direction: SendOnly,
			Formats:   []Format{{PT: 0, Name: PCMU, Rate: 8000}, {PT: 101, Name: TelephoneEvent, Rate: 8000, Fmtp: "0-15"}},
			Ptime:     30, Origin: "192.0.2.9",
		}, []string{
			"v=0", "o=- 0 0 IN IP4 192.0.2.9", "s=obelisk", "c=IN IP4 192.0.2.5", "t=0 0",
			"m=audio 10000 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
			"a=fmtp:101 0-15", "a=ptime:30", "a=sendonly",
		}},
		{"ipv6", Description{
			Addr:    netip.MustParseAddrPort("[2001:db8::5]:10002"),
			Formats: []Format{{PT: 0, Name: PCMU, Rate: 8000}},
		}, []string{
			"v=0", "o=- 0 0 IN IP6 2001:db8::5", "s=obelisk", "c=IN IP6 2001:db8::5", "t=0 0",
			"m=audio 10002 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", "a=ptime:20", "a=sendrecv",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(tc.d.Marshal())
			if want := string(sdpText(tc.want...)); got != want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, want)
			}
			back, err := ParseSDP([]byte(got))
			if err != nil {
				t.Fatal(err)
			}
			if back.Addr != tc.d.Addr || !reflect.DeepEqual(back.Formats, withDTMFEvents(tc.d.Formats)) || back.SessionID != tc.d.SessionID || back.Version != tc.d.Version {
				t.Fatalf("round trip:\n%s", describe(back))
			}
		})
	}
}

func TestAudioAndDTMF(t *testing.T) {
	d := &Description{Formats: []Format{
		{PT: 101, Name: TelephoneEvent, Rate: 8000},
		{PT: 13, Name: "CN", Rate: 8000},
		{PT: 8, Name: PCMA, Rate: 8000},
		{PT: 100, Name: TelephoneEvent, Rate: 48000},
	}}
	if f, ok := d.Audio(); !ok || f.PT != 8 {
		t.Errorf("Audio() = %+v, %v", f, ok)
	}
	if f, ok := d.DTMF(48000); !ok || f.PT != 100 {
		t.Errorf("DTMF(48000) = %+v, %v", f, ok)
	}
	if _, ok := d.DTMF(16000); ok {
		t.Error("DTMF(16000) found")
	}
	if _, ok := (&Description{}).Audio(); ok {
		t.Error("empty Audio() found")
	}
}

func TestNegotiate(t *testing.T) {
	pcmu := Format{PT: 0, Name: PCMU, Rate: 8000}
	pcma := Format{PT: 8, Name: PCMA, Rate: 8000}
	opus := Format{PT: 107, Name: "opus", Rate: 48000}
	te8 := Format{PT: 101, Name: TelephoneEvent, Rate: 8000, Fmtp: "0-16"}
	te48 := Format{PT: 100, Name: TelephoneEvent, Rate: 48000, Fmtp: "0-16"}
	tests := []struct {
		name    string
		offer   []Format
		allowed []string
		audio   Format
		dtmf    Format
		hasDTMF bool
		err     error
	}{
		{"offer order wins", []Format{pcma, pcmu}, []string{"ulaw", "alaw"}, pcma, Format{}, false, nil},
		{"skips codecs not allowed", []Format{opus, pcmu, pcma}, []string{"alaw"}, pcma, Format{}, false, nil},
		{"asterisk telephone-event per rate", []Format{opus, pcmu, pcma, te8, te48}, []string{"ulaw"}, pcmu, te8, true, nil},
		{"rate order reversed", []Format{pcmu, te48, te8}, []string{"ulaw"}, pcmu, te8, true, nil},
		{"dynamic telephone-event type", []Format{pcma, {PT: 96, Name: TelephoneEvent, Rate: 8000}}, []string{"alaw"}, pcma, Format{PT: 96, Name: TelephoneEvent, Rate: 8000}, true, nil},
		{"telephone-event at other rate only", []Format{pcmu, te48}, []string{"ulaw"}, pcmu, Format{}, false, nil},
		{"no common codec", []Format{opus, te8}, []string{"ulaw", "alaw"}, Format{}, Format{}, false, ErrNoCommonCodec},
		{"nothing allowed", []Format{pcmu}, nil, Format{}, Format{}, false, ErrNoCommonCodec},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			audio, dtmf, hasDTMF, err := Negotiate(&Description{Formats: tc.offer}, tc.allowed)
			if !errors.Is(err, tc.err) || audio != tc.audio || dtmf != tc.dtmf || hasDTMF != tc.hasDTMF {
				t.Fatalf("Negotiate = %+v, %+v, %v, %v", audio, dtmf, hasDTMF, err)
			}
		})
	}
}

// FuzzParseSDP checks that ParseSDP never panics and that what it accepts
// survives Marshal and a second parse.
func FuzzParseSDP(f *testing.F) {
	files, _ := filepath.Glob("testdata/sdp/*.sdp")
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Add([]byte("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := ParseSDP(body)
		if err != nil {
			return
		}
		again, err := ParseSDP(d.Marshal())
		if err != nil {
			t.Fatalf("reparse %q: %v", d.Marshal(), err)
		}
		if again.Addr != d.Addr || again.Direction != d.Direction || len(again.Formats) != len(d.Formats) {
			t.Fatalf("round trip:\n%s\nbecame\n%s", describe(d), describe(again))
		}
	})
}

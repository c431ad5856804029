package pbx

import (
	"errors"
	"io"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/media"
)

func TestParseToneList(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		in      string
		want    []tonePart
		repeat  int
		skipped []string
		err     error
	}{
		{name: "us ring", in: "440+480/2000,0/4000", repeat: 0,
			want: []tonePart{{freq1: 440, freq2: 480, duration: 2000 * ms}, {duration: 4000 * ms}}},
		{name: "one frequency for ever", in: "350", repeat: 0, want: []tonePart{{freq1: 350}}},
		{name: "mixed without duration", in: "350+440", repeat: 0, want: []tonePart{{freq1: 350, freq2: 440}}},
		{name: "modulated", in: "425*24/400,0/200", repeat: 0,
			want: []tonePart{{freq1: 425, freq2: 24, modulate: true, duration: 400 * ms}, {duration: 200 * ms}}},
		{name: "once then repeat", in: "!350+440/100,!0/100,350+440", repeat: 2,
			want: []tonePart{{freq1: 350, freq2: 440, duration: 100 * ms, once: true}, {duration: 100 * ms, once: true}, {freq1: 350, freq2: 440}}},
		{name: "all once ends", in: "!950/330,!1400/330,!1800/330", repeat: -1,
			want: []tonePart{{freq1: 950, duration: 330 * ms, once: true}, {freq1: 1400, duration: 330 * ms, once: true}, {freq1: 1800, duration: 330 * ms, once: true}}},
		{name: "pipe separator", in: "440/100|0/100", repeat: 0,
			want: []tonePart{{freq1: 440, duration: 100 * ms}, {duration: 100 * ms}}},
		{name: "spaces", in: " 440/100 , 0/100 ", repeat: 0,
			want: []tonePart{{freq1: 440, duration: 100 * ms}, {duration: 100 * ms}}},
		{name: "midi notes", in: "M69+M81/500", repeat: 0, want: []tonePart{{freq1: 440, freq2: 880, duration: 500 * ms}}},
		{name: "midi single", in: "M60", repeat: 0, want: []tonePart{{freq1: 261}}},
		{name: "bad part skipped", in: "440/100,abc,0/100", repeat: 0, skipped: []string{"abc"},
			want: []tonePart{{freq1: 440, duration: 100 * ms}, {duration: 100 * ms}}},
		{name: "empty element ends the list", in: "440/100,,480/100", repeat: 0, want: []tonePart{{freq1: 440, duration: 100 * ms}}},
		{name: "trailing text ignored as sscanf does", in: "440x", repeat: 0, want: []tonePart{{freq1: 440}}},
		{name: "nothing valid", in: "busy-ish", skipped: []string{"busy-ish"}, err: errNoToneParts},
		{name: "empty", in: "", err: errNoToneParts},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseToneList(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("parseToneList(%q) error %v, want %v", tc.in, err, tc.err)
			}
			if !reflect.DeepEqual(got.skipped, tc.skipped) {
				t.Errorf("skipped %q, want %q", got.skipped, tc.skipped)
			}
			if err != nil {
				return
			}
			if !reflect.DeepEqual(got.parts, tc.want) || got.repeat != tc.repeat {
				t.Errorf("parseToneList(%q) = %+v repeat %d, want %+v repeat %d", tc.in, got.parts, got.repeat, tc.want, tc.repeat)
			}
		})
	}
}

func TestZoneFor(t *testing.T) {
	tests := []struct {
		name, country, lang, want string
	}{
		{"default", "", "", "us"},
		{"country wins", "fr", "en", "fr"},
		{"language", "", "fr", "fr"},
		{"language with region", "", "fr_FR", "fr"},
		{"region", "", "en_us", "us"},
		{"unknown language", "", "ar", "us"},
		{"unknown country falls to language", "xx", "fr", "fr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := zoneFor(tc.country, tc.lang).country; got != tc.want {
				t.Errorf("zoneFor(%q, %q) = %s, want %s", tc.country, tc.lang, got, tc.want)
			}
		})
	}
	if got := zoneFor("us", "").resolve("BUSY"); got != "480+620/500,0/500" {
		t.Errorf("us busy = %q", got)
	}
	if got := zoneFor("fr", "").resolve("busy"); got != "440/500,0/500" {
		t.Errorf("fr busy = %q", got)
	}
	if got := zoneFor("us", "").resolve("440/100"); got != "440/100" {
		t.Errorf("a tone list resolves to itself, got %q", got)
	}
	for _, z := range toneZones {
		for name, list := range z.tones {
			if l, err := parseToneList(list); err != nil || len(l.skipped) > 0 {
				t.Errorf("%s %s = %q: %v, skipped %q", z.country, name, list, err, l.skipped)
			}
		}
	}
}

// readTones returns d of a tone list as samples, decoded from codec.
func readTones(t *testing.T, list, codec string, d time.Duration) (pcm []int16, ended bool) {
	t.Helper()
	l, err := parseToneList(list)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := newToneReader(l, codec)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 320)
	frame := make([]int16, media.FrameSamples)
	for range int(d / (20 * time.Millisecond)) {
		n, err := tr.Next(buf)
		if errors.Is(err, io.EOF) {
			return pcm, true
		}
		if err != nil {
			t.Fatal(err)
		}
		switch codec {
		case "ulaw":
			media.DecodeULaw(frame, buf[:n])
		case "alaw":
			media.DecodeALaw(frame, buf[:n])
		default:
			for i := range frame {
				frame[i] = int16(uint16(buf[2*i]) | uint16(buf[2*i+1])<<8)
			}
		}
		pcm = append(pcm, frame...)
	}
	return pcm, false
}

// power is the Goertzel power of freq in x, normalized by its length.
func power(x []int16, freq float64) float64 {
	k := 2 * math.Cos(2*math.Pi*freq/media.SampleRate)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + k*s1 - s2
		s2, s1 = s1, s0
	}
	return (s1*s1 + s2*s2 - k*s1*s2) / float64(len(x)*len(x))
}

func rms(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(max(len(x), 1)))
}

func TestToneReaderBusyCadence(t *testing.T) {
	for _, codec := range []string{"ulaw", "alaw", "slin"} {
		t.Run(codec, func(t *testing.T) {
			pcm, ended := readTones(t, "480+620/500,0/500", codec, 2*time.Second)
			if ended || len(pcm) != 16000 {
				t.Fatalf("%d samples, ended %v; want 2 s of a repeating list", len(pcm), ended)
			}
			for i, half := range [][]int16{pcm[0:4000], pcm[4000:8000], pcm[8000:12000], pcm[12000:16000]} {
				on := i%2 == 0
				p480, p620, p1000 := power(half, 480), power(half, 620), power(half, 1000)
				if on {
					// Each frequency at amplitude 7219: RMS of two sines 7219.
					if r := rms(half); r < 6500 || r > 8000 {
						t.Errorf("half %d: RMS %.0f, want about 7219", i, r)
					}
					if p480 < 100*p1000 || p620 < 100*p1000 {
						t.Errorf("half %d: power 480 Hz %.3g, 620 Hz %.3g, 1 kHz %.3g; want 480 and 620", i, p480, p620, p1000)
					}
				} else if r := rms(half); r > 10 {
					t.Errorf("half %d: RMS %.0f, want silence", i, r)
				}
			}
		})
	}
}

func TestToneReaderEndsWhenAllOnce(t *testing.T) {
	pcm, ended := readTones(t, "!950/330,!1400/330,!1800/330", "ulaw", 2*time.Second)
	if !ended {
		t.Fatal("a list of ! parts must end")
	}
	// 990 ms, whole frames: 50 frames (the last padded with silence).
	if len(pcm) != 50*media.FrameSamples {
		t.Errorf("%d samples, want %d", len(pcm), 50*media.FrameSamples)
	}
	if p, q := power(pcm[2640:5280], 1400), power(pcm[2640:5280], 950); p < 100*q {
		t.Errorf("second part: 1400 Hz %.3g vs 950 Hz %.3g", p, q)
	}
}

func TestToneReaderModulated(t *testing.T) {
	pcm, _ := readTones(t, "425*24", "slin", time.Second)
	if p, q := power(pcm, 425), power(pcm, 1000); p < 100*q {
		t.Errorf("425*24: power 425 Hz %.3g vs 1 kHz %.3g", p, q)
	}
	if r := rms(pcm); r < 3000 {
		t.Errorf("425*24: RMS %.0f, want the carrier's level", r)
	}
}

func TestToneReaderNoAllocs(t *testing.T) {
	l, _ := parseToneList("480+620/500,0/500")
	tr, _ := newToneReader(l, "alaw")
	buf := make([]byte, 320)
	if n := testing.AllocsPerRun(200, func() { _, _ = tr.Next(buf) }); n != 0 {
		t.Errorf("%v allocations per frame, want 0", n)
	}
}

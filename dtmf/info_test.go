package dtmf

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// readInfoFixture splits a testdata/info file: its first line is the
// Content-Type, the rest the body, byte for byte.
func readInfoFixture(t testing.TB, path string) (string, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ct, body, _ := bytes.Cut(b, []byte("\n"))
	return string(ct), body
}

func infoResult(ev Event, err error) string {
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	return ev.String() + "\n"
}

// TestParseInfoCorpus parses the bodies of chan_sip, res_pjsip, Cisco,
// Linksys and Nortel style INFO requests in testdata/info against their
// golden results (go test -update rewrites them).
func TestParseInfoCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/info/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		t.Run(name, func(t *testing.T) {
			ct, body := readInfoFixture(t, f)
			got := infoResult(ParseInfo(ct, body))
			golden := strings.TrimSuffix(f, ".txt") + ".golden"
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
				t.Errorf("ParseInfo = %q, want %q", got, want)
			}
		})
	}
}

func TestParseInfo(t *testing.T) {
	tests := []struct {
		name    string
		ct      string
		body    string
		digit   rune
		dur     time.Duration
		wantErr []error
	}{
		{"chan_sip", TypeDTMFRelay, "Signal=5\r\nDuration=160\r\n", '5', ms(160), nil},
		{"LF only", TypeDTMFRelay, "Signal=6\nDuration=200\n", '6', ms(200), nil},
		{"lower case keys and type", "APPLICATION/DTMF-RELAY", "signal=d\r\nduration=50\r\n", 'D', ms(50), nil},
		{"blanks", TypeDTMFRelay, "  Signal =  #  \r\n Duration= 70 \r\n", '#', ms(70), nil},
		{"event number 10 is star", TypeDTMFRelay, "Signal=10\r\n", '*', DefaultDuration, nil},
		{"event number 12 is A", TypeDTMFRelay, "Signal=12\r\n", 'A', DefaultDuration, nil},
		{"event number 0", TypeDTMFRelay, "Signal=0\r\n", '0', DefaultDuration, nil},
		{"sscanf prefix", TypeDTMFRelay, "Signal=3x\r\nDuration=120ms\r\n", '3', ms(120), nil},
		{"first signal wins", TypeDTMFRelay, "Signal=1\r\nSignal=2\r\n", '1', DefaultDuration, nil},
		{"garbage duration keeps default", TypeDTMFRelay, "Signal=1\r\nDuration=abc\r\n", '1', DefaultDuration, nil},
		{"huge duration keeps default", TypeDTMFRelay, "Signal=1\r\nDuration=99999999999999\r\n", '1', DefaultDuration, nil},
		{"other lines ignored", TypeDTMFRelay, "Foo\r\nVolume=10\r\nSignal=2\r\n", '2', DefaultDuration, nil},
		{"application/dtmf digit", TypeDTMF, "9", '9', DefaultDuration, nil},
		{"application/dtmf event", TypeDTMF, "11\r\n", '#', DefaultDuration, nil},
		{"application/dtmf lower", TypeDTMF, " b ", 'B', DefaultDuration, nil},
		{"nortel d=", TypeNortel, "d=4\r\n", '4', DefaultDuration, nil},
		{"flash !", TypeDTMFRelay, "Signal=!\r\n", 0, 0, []error{ErrNotDigit, ErrFlash}},
		{"flash 16", TypeDTMF, "16", 0, 0, []error{ErrNotDigit, ErrFlash}},
		{"17", TypeDTMFRelay, "Signal=17\r\n", 0, 0, []error{ErrBadSignal}},
		{"letter E", TypeDTMFRelay, "Signal=E\r\n", 0, 0, []error{ErrBadSignal}},
		{"negative", TypeDTMFRelay, "Signal=-1\r\n", 0, 0, []error{ErrBadSignal}},
		{"empty signal", TypeDTMFRelay, "Signal=\r\n", 0, 0, []error{ErrBadSignal}},
		{"no signal", TypeDTMFRelay, "Duration=100\r\n", 0, 0, []error{ErrNoSignal}},
		{"empty relay", TypeDTMFRelay, "", 0, 0, []error{ErrEmptyBody}},
		{"blank dtmf", TypeDTMF, " \r\n", 0, 0, []error{ErrEmptyBody}},
		{"sdp", "application/sdp", "v=0\r\n", 0, 0, []error{ErrUnsupportedType}},
		{"no type", "", "Signal=1", 0, 0, []error{ErrUnsupportedType}},
		{"bad params", "application/dtmf-relay;;", "Signal=1", '1', DefaultDuration, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := ParseInfo(tc.ct, []byte(tc.body))
			if tc.wantErr != nil {
				for _, w := range tc.wantErr {
					if !errors.Is(err, w) {
						t.Errorf("error %v is not %v", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Event{Digit: tc.digit, Duration: tc.dur, Source: SourceINFO}
			if ev != want {
				t.Errorf("ParseInfo = %v, want %v", ev, want)
			}
		})
	}
}

func TestInfoBody(t *testing.T) {
	tests := []struct {
		name   string
		digit  rune
		dur    time.Duration
		wantCT string
		want   string
	}{
		{"digit", '5', ms(160), TypeDTMFRelay, "Signal=5\r\nDuration=160\r\n"},
		{"default duration", '#', 0, TypeDTMFRelay, "Signal=#\r\nDuration=100\r\n"},
		{"lower letter", 'a', ms(250), TypeDTMFRelay, "Signal=A\r\nDuration=250\r\n"},
		{"not a digit", 'x', ms(100), "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct, body := InfoBody(tc.digit, tc.dur)
			if ct != tc.wantCT || string(body) != tc.want {
				t.Errorf("InfoBody = %q, %q; want %q, %q", ct, body, tc.wantCT, tc.want)
			}
			if ct == "" {
				return
			}
			ev, err := ParseInfo(ct, body) // round trip
			if err != nil || ev.Digit != normalize(tc.digit) {
				t.Errorf("ParseInfo(InfoBody) = %v, %v", ev, err)
			}
		})
	}
}

func TestShortInfoBody(t *testing.T) {
	for _, d := range Digits {
		ct, body := ShortInfoBody(d)
		ev, err := ParseInfo(ct, body)
		if err != nil || ev.Digit != d {
			t.Errorf("%c: ShortInfoBody = %q, %q; parsed %v, %v", d, ct, body, ev, err)
		}
	}
	if ct, body := ShortInfoBody('#'); ct != TypeDTMF || string(body) != "11\r\n" {
		t.Errorf("ShortInfoBody(#) = %q, %q", ct, body)
	}
	if ct, _ := ShortInfoBody('!'); ct != "" {
		t.Errorf("ShortInfoBody(!) = %q", ct)
	}
}

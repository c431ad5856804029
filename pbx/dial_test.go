package pbx

import (
	"reflect"
	"testing"
)

func TestParseDialOptions(t *testing.T) {
	tests := []struct {
		in   string
		want map[rune]string
	}{
		{"", map[rune]string{}},
		{"tT", map[rune]string{'t': "", 'T': ""}},
		{"gL(60000:30000)r", map[rune]string{'g': "", 'L': "60000:30000", 'r': ""}},
		{"F(ctx^s^1)U(sub^a(b))", map[rune]string{'F': "ctx^s^1", 'U': "sub^a(b)"}},
		{"L(5000", map[rune]string{'L': "5000"}},
	}
	for _, tc := range tests {
		if got := parseDialOptions(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseDialOptions(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestSDPOffers(t *testing.T) {
	offer := []byte("v=0\r\nm=audio 4000 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n")
	if !sdpOffers(offer, "PCMA") || sdpOffers(offer, "PCMU") {
		t.Fatal("PCMA only offer misread")
	}
	dyn := []byte("m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 PCMU/8000\r\n")
	if !sdpOffers(dyn, "PCMU") {
		t.Fatal("rtpmap name not read")
	}
}

package b2bua

import (
	"errors"
	"testing"

	sipgosip "github.com/emiago/sipgo/sip"
)

func TestParseReferTo(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantTarget string
		wantUser   string
		wantRep    *Replaces
		wantErr    error
	}{
		{name: "name-addr", in: "<sip:200@192.0.2.1>", wantTarget: "sip:200@192.0.2.1", wantUser: "200"},
		{name: "bare URI", in: "sip:200@pbx.example.org", wantTarget: "sip:200@pbx.example.org", wantUser: "200"},
		{name: "bare URI with header params", in: "sip:200@pbx;foo=bar", wantTarget: "sip:200@pbx", wantUser: "200"},
		{name: "display name and port", in: `"Sales" <sip:6001@10.0.0.1:5060;user=phone>`, wantTarget: "sip:6001@10.0.0.1:5060;user=phone", wantUser: "6001"},
		{name: "sips", in: "<sips:200@pbx>", wantTarget: "sips:200@pbx", wantUser: "200"},
		{name: "escaped user", in: "<sip:%2A97@pbx>", wantTarget: "sip:%2A97@pbx", wantUser: "*97"},
		{
			name:       "RFC 3891 embedded Replaces",
			in:         "<sip:1003@pbx?Replaces=425928%40bobster.example.org%3Bto-tag%3D7743%3Bfrom-tag%3D6472>",
			wantTarget: "sip:1003@pbx", wantUser: "1003",
			wantRep: &Replaces{CallID: "425928@bobster.example.org", ToTag: "7743", FromTag: "6472"},
		},
		{
			name:       "Replaces among other headers, early-only",
			in:         "<sip:1003@pbx?Require=replaces&Replaces=abc%3Bfrom-tag%3D2%3Bto-tag%3D1%3Bearly-only>",
			wantTarget: "sip:1003@pbx", wantUser: "1003",
			wantRep: &Replaces{CallID: "abc", ToTag: "1", FromTag: "2", EarlyOnly: true},
		},
		{name: "Replaces without a tag", in: "<sip:1003@pbx?Replaces=abc%3Bto-tag%3D1>", wantErr: ErrBadReplaces},
		{name: "tel URI", in: "<tel:+33123456789>", wantErr: ErrNotSIPURI},
		{name: "http URI", in: "<http://www.ietf.org>", wantErr: ErrNotSIPURI},
		{name: "no scheme", in: "<200>", wantErr: ErrBadReferTo},
		{name: "unclosed", in: "<sip:200@pbx", wantErr: ErrBadReferTo},
		{name: "empty host", in: "<sip:200@>", wantErr: ErrBadReferTo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target, user, rep, err := ParseReferTo(tc.in)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("ParseReferTo(%q) error = %v, want %v", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseReferTo(%q): %v", tc.in, err)
			}
			if target != tc.wantTarget || user != tc.wantUser {
				t.Errorf("ParseReferTo(%q) = %q, %q; want %q, %q", tc.in, target, user, tc.wantTarget, tc.wantUser)
			}
			switch {
			case tc.wantRep == nil && rep != nil:
				t.Errorf("Replaces = %+v, want none", rep)
			case tc.wantRep != nil && (rep == nil || *rep != *tc.wantRep):
				t.Errorf("Replaces = %+v, want %+v", rep, tc.wantRep)
			}
		})
	}
}

func TestParseReplaces(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Replaces
	}{
		{name: "RFC 3891 example", in: "98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff",
			want: &Replaces{CallID: "98732@sip.example.com", ToTag: "ff87ff", FromTag: "r33th4x0r"}},
		{name: "spaces and case", in: " abc ; To-Tag=1 ; FROM-TAG=2 ", want: &Replaces{CallID: "abc", ToTag: "1", FromTag: "2"}},
		{name: "no call-id", in: ";to-tag=1;from-tag=2"},
		{name: "no from-tag", in: "abc;to-tag=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseReplaces(tc.in)
			if tc.want == nil {
				if !errors.Is(err, ErrBadReplaces) {
					t.Fatalf("ParseReplaces(%q) = %+v, %v; want ErrBadReplaces", tc.in, got, err)
				}
				return
			}
			if err != nil || *got != *tc.want {
				t.Fatalf("ParseReplaces(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			again, err := ParseReplaces(got.String())
			if err != nil || *again != *got {
				t.Errorf("String() %q does not read back: %+v, %v", got.String(), again, err)
			}
		})
	}
}

// TestParseRefer reads a whole REFER as sipgo parses it off the wire:
// Refer-To (long or compact), Referred-By and Refer-Sub.
func TestParseRefer(t *testing.T) {
	msg := func(hdrs string) *sipgosip.Request {
		t.Helper()
		raw := "REFER sip:obelisk@192.0.2.1:5060 SIP/2.0\r\n" +
			"Via: SIP/2.0/UDP 192.0.2.9:5062;branch=z9hG4bK1\r\n" +
			"From: <sip:1001@192.0.2.1>;tag=a\r\nTo: <sip:1002@192.0.2.1>;tag=b\r\n" +
			"Call-ID: c1\r\nCSeq: 7 REFER\r\nMax-Forwards: 70\r\n" + hdrs + "Content-Length: 0\r\n\r\n"
		m, err := sipgosip.ParseMessage([]byte(raw))
		if err != nil {
			t.Fatalf("parse: %v", err)
		}
		return m.(*sipgosip.Request)
	}
	tests := []struct {
		name      string
		hdrs      string
		wantUser  string
		wantBy    string
		wantNoSub bool
		wantRep   bool
		wantErr   error
	}{
		{name: "blind", hdrs: "Refer-To: <sip:200@192.0.2.1>\r\nReferred-By: <sip:1001@192.0.2.1>\r\n", wantUser: "200", wantBy: "<sip:1001@192.0.2.1>"},
		{name: "compact forms", hdrs: "r: <sip:201@192.0.2.1>\r\nb: <sip:1001@192.0.2.1>\r\n", wantUser: "201", wantBy: "<sip:1001@192.0.2.1>"},
		{name: "Refer-Sub false", hdrs: "Refer-To: <sip:200@192.0.2.1>\r\nRefer-Sub: false\r\n", wantUser: "200", wantNoSub: true},
		{name: "Refer-Sub true", hdrs: "Refer-To: <sip:200@192.0.2.1>\r\nRefer-Sub: true\r\n", wantUser: "200"},
		{name: "attended", hdrs: "Refer-To: <sip:1003@192.0.2.1?Replaces=x%40h%3Bto-tag%3D1%3Bfrom-tag%3D2>\r\n", wantUser: "1003", wantRep: true},
		{name: "no Refer-To", hdrs: "", wantErr: ErrNoReferTo},
		{name: "two Refer-To", hdrs: "Refer-To: <sip:200@h>\r\nRefer-To: <sip:201@h>\r\n", wantErr: ErrNoReferTo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseRefer(msg(tc.hdrs))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.User != tc.wantUser || r.ReferredBy != tc.wantBy || r.NoSubscription != tc.wantNoSub || (r.Replaces != nil) != tc.wantRep || r.cseq != 7 {
				t.Errorf("got user %q by %q nosub %v replaces %+v cseq %d", r.User, r.ReferredBy, r.NoSubscription, r.Replaces, r.cseq)
			}
		})
	}
}

// FuzzParseReferTo: no Refer-To value makes the parser panic, and an
// embedded Replaces it reads writes back to the same dialog.
func FuzzParseReferTo(f *testing.F) {
	for _, s := range []string{
		"<sip:200@192.0.2.1>", "sip:200@pbx;foo=bar", `"Sales" <sip:6001@10.0.0.1:5060;user=phone>`,
		"<sip:1003@pbx?Replaces=425928%40bobster.example.org%3Bto-tag%3D7743%3Bfrom-tag%3D6472>",
		"<sip:1003@pbx?Require=replaces&Replaces=abc%3Bfrom-tag%3D2%3Bto-tag%3D1%3Bearly-only>",
		"<tel:+33123456789>", "<sip:200@", "<sip:%zz@pbx?Replaces=%>", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		_, _, rep, err := ParseReferTo(v)
		if err != nil || rep == nil {
			return
		}
		again, err := ParseReplaces(rep.String())
		if err != nil || *again != *rep {
			t.Errorf("Replaces %+v writes %q, which reads back as %+v, %v", rep, rep.String(), again, err)
		}
	})
}

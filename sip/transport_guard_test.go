package sip

import (
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	sipgosip "github.com/emiago/sipgo/sip"
)

// request builds a request from header lines; "" drops nothing.
func request(start string, headers ...string) string {
	return start + "\r\n" + strings.Join(headers, "\r\n") + "\r\nContent-Length: 0\r\n\r\n"
}

var validHeaders = []string{
	"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1",
	"From: <sip:a@obelisk>;tag=1",
	"To: <sip:b@obelisk>",
	"Call-ID: c1",
	"CSeq: 1 INVITE",
	"Max-Forwards: 70",
}

// without returns validHeaders without the header named name.
func without(name string) []string {
	var out []string
	for _, h := range validHeaders {
		if !strings.HasPrefix(h, name+":") {
			out = append(out, h)
		}
	}
	return out
}

func TestCheckRequest(t *testing.T) {
	tests := []struct {
		name  string
		start string
		hdrs  []string
		want  int // 0: valid
	}{
		{"valid", "INVITE sip:b@obelisk SIP/2.0", validHeaders, 0},
		{"tel URI", "INVITE tel:+35850123 SIP/2.0", validHeaders, 0},
		{"version", "INVITE sip:b@obelisk SIP/7.0", validHeaders, 505},
		{"scheme", "INVITE http://obelisk/ SIP/2.0", validHeaders, 416},
		{"no To", "INVITE sip:b@obelisk SIP/2.0", without("To"), 400},
		{"no From", "INVITE sip:b@obelisk SIP/2.0", without("From"), 400},
		{"no Call-ID", "INVITE sip:b@obelisk SIP/2.0", without("Call-ID"), 400},
		{"no CSeq", "INVITE sip:b@obelisk SIP/2.0", without("CSeq"), 400},
		{"no Via", "INVITE sip:b@obelisk SIP/2.0", without("Via"), 400},
		{"CSeq method", "INVITE sip:b@obelisk SIP/2.0", append(without("CSeq"), "CSeq: 1 aaaaaaaaa"), 400},
		{"method not a token", "INV\x01TE sip:b@obelisk SIP/2.0", append(without("CSeq"), "CSeq: 1 INV\x01TE"), 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := sipgosip.ParseMessage([]byte(request(tc.start, tc.hdrs...)))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got := 0
			if se := checkRequest(msg.(*sipgosip.Request)); se != nil {
				got = se.Code
			}
			if got != tc.want {
				t.Fatalf("checkRequest = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestGuardPacketConn sends datagrams through the guard: good ones come
// out of ReadFrom, bad ones are answered (or not) on the sender's socket.
func TestGuardPacketConn(t *testing.T) {
	srv, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	g := newGuardPacketConn(srv, slog.New(slog.DiscardHandler))
	passed := make(chan string, 16)
	go func() {
		buf := make([]byte, 2048) // smaller than a datagram below: 513
		for {
			n, _, err := g.ReadFrom(buf)
			if err != nil {
				return
			}
			passed <- string(buf[:n])
		}
	}()
	cli, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	tests := []struct {
		name   string
		data   string
		pass   bool
		answer string // status line prefix, "" for none
	}{
		{"valid", request("INVITE sip:b@obelisk SIP/2.0", validHeaders...), true, ""},
		{"keep-alive", "\r\n\r\n", true, ""},
		{"no To", request("INVITE sip:b@obelisk SIP/2.0", without("To")...), false, "SIP/2.0 400 "},
		{"unparsable From", request("INVITE sip:b@obelisk SIP/2.0", append(without("From"), "From: <<<")...), false, "SIP/2.0 400 "},
		{"unparsable, no Via", request("INVITE sip:b@obelisk SIP/2.0", append(without("Via"), "From: <<<")...), false, ""},
		{"ACK without To", request("ACK sip:b@obelisk SIP/2.0", append(without("To"), "CSeq: 1 ACK")...), false, ""},
		{"too large", request("INVITE sip:b@obelisk SIP/2.0", append(validHeaders, "X-Pad: "+strings.Repeat("a", 3000))...), false, "SIP/2.0 513 "},
		{"response without CSeq", "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := cli.WriteTo([]byte(tc.data), srv.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			select {
			case got := <-passed:
				if !tc.pass {
					t.Fatalf("passed to sipgo: %q", got)
				}
			case <-time.After(200 * time.Millisecond):
				if tc.pass {
					t.Fatal("not passed to sipgo")
				}
			}
			_ = cli.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			buf := make([]byte, 65536)
			n, _, err := cli.ReadFrom(buf)
			got := ""
			if err == nil {
				got = string(buf[:n])
			}
			if tc.answer == "" && got != "" || !strings.HasPrefix(got, tc.answer) {
				t.Fatalf("answer %q, want %q…", got, tc.answer)
			}
			if tc.answer != "" && !strings.Contains(got, "Call-ID: c1") {
				t.Fatalf("answer lacks the Call-ID:\n%s", got)
			}
		})
	}
}

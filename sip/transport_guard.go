package sip

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"strings"

	sipgosip "github.com/emiago/sipgo/sip"
)

// maxDatagram is the largest UDP payload the guard reads (IPv6 jumbo
// datagrams aside).
const maxDatagram = 65535

// guardPacketConn stands between the UDP listener and sipgo: every datagram
// is parsed here first and only well-formed messages reach sipgo. A request
// that cannot be parsed, or fails checkRequest, is answered statelessly
// (400, 416, 505) when it has a usable Via and is not an ACK, and dropped
// otherwise (RFC 3261 §8.2, §18.3); a malformed response is dropped.
//
// This works around sipgo v1.7.2, which
//
//   - drops unparsable datagrams without an answer, logging each one whole
//     at Error level (a flood of garbage becomes a flood of 64 KB log lines);
//   - truncates datagrams above its 32 KiB read buffer (the guard answers
//     513 Message Too Large, §18.1.1);
//   - passes requests without From or To to the handlers (diago, the first
//     call path, dereferenced them: one such INVITE ended the process).
//
// Reads happen on sipgo's single receive goroutine, so one buffer serves.
type guardPacketConn struct {
	net.PacketConn
	log *slog.Logger
	buf []byte
}

func newGuardPacketConn(c net.PacketConn, log *slog.Logger) *guardPacketConn {
	return &guardPacketConn{PacketConn: c, log: log.With("component", "sip-guard"), buf: make([]byte, maxDatagram+1)}
}

// ReadFrom returns the next datagram that passes the guard.
func (g *guardPacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := g.PacketConn.ReadFrom(g.buf)
		if err != nil {
			return n, addr, err
		}
		data := g.buf[:n]
		if n > len(p) {
			g.reject(data, addr, NewStatusError(513, "Message Too Large"), errors.New("datagram larger than the read buffer"))
			continue
		}
		if g.pass(data, addr) {
			return copy(p, data), addr, nil
		}
	}
}

// pass reports whether data may go on to sipgo; it answers or drops it
// otherwise.
func (g *guardPacketConn) pass(data []byte, addr net.Addr) bool {
	if len(bytes.Trim(data, "\r\n\x00")) == 0 {
		return true // keep-alive (RFC 5626 §4.4.1); sipgo skips it
	}
	msg, err := sipgosip.ParseMessage(data)
	if err != nil {
		g.reject(data, addr, NewStatusError(400, "Bad Request"), err)
		return false
	}
	switch m := msg.(type) {
	case *sipgosip.Request:
		se := checkRequest(m)
		if se == nil {
			return true
		}
		g.log.Debug("malformed request", "source", addr.String(), "method", clip(string(m.Method)), "code", se.Code)
		if m.IsAck() || m.Via() == nil || m.Via().Host == "" {
			return false
		}
		m.SetSource(addr.String())
		g.send(sipgosip.NewResponseFromRequest(m, se.Code, se.Reason, nil), addr)
	case *sipgosip.Response:
		if validResponse(m) {
			return true
		}
		g.log.Debug("malformed response dropped", "source", addr.String(), "status", m.StatusCode)
	}
	return false
}

// reject answers a datagram that sipgo cannot parse, from what can be
// read of it: the Via headers must parse (they say where the answer
// goes), From, To, Call-ID and CSeq are copied as they are.
func (g *guardPacketConn) reject(data []byte, addr net.Addr, se *StatusError, cause error) {
	g.log.Debug("unparsable message", "source", addr.String(), "size", len(data), "error", clip(cause.Error()), "start", clip(firstLine(data)))
	start := firstLine(data)
	method, _, _ := strings.Cut(start, " ")
	if strings.HasPrefix(start, "SIP/") || strings.EqualFold(method, "ACK") {
		return // never answer a response or an ACK
	}
	res := sipgosip.NewResponse(se.Code, se.Reason)
	vias := 0
	for _, line := range headerLines(data) {
		name, _, _ := strings.Cut(line, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "via", "v":
			hs, err := sipgosip.HeadersParser(sipgosip.DefaultHeadersParser()).ParseHeader(nil, []byte(line))
			if err != nil {
				return // no usable Via: no answer (RFC 3261 §18.2.2 needs it)
			}
			for _, h := range hs {
				res.AppendHeader(h)
				vias++
			}
		case "cseq":
			_, value, _ := strings.Cut(line, ":")
			if f := strings.Fields(value); len(f) > 0 && strings.EqualFold(f[len(f)-1], "ACK") {
				return
			}
			res.AppendHeader(rawHeader(line))
		case "from", "f", "to", "t", "call-id", "i":
			res.AppendHeader(rawHeader(line))
		}
	}
	if vias == 0 {
		return
	}
	if v := res.Via(); v != nil {
		if val, ok := v.Params.Get("rport"); ok && val == "" {
			host, port, _ := net.SplitHostPort(addr.String())
			v.Params.Add("rport", port)
			v.Params.Add("received", host)
		}
	}
	g.send(res, addr)
}

// send writes a stateless response back to where the request came from,
// as sipgo does (RFC 3581 symmetric response).
func (g *guardPacketConn) send(res *sipgosip.Response, addr net.Addr) {
	var b strings.Builder
	res.StringWrite(&b)
	if _, err := g.PacketConn.WriteTo([]byte(b.String()), addr); err != nil {
		g.log.Debug("stateless answer failed", "to", addr.String(), "error", err)
	}
}

// headerLines returns the header lines of a message (after the start
// line, up to the empty line), continuation lines joined.
func headerLines(data []byte) []string {
	head, _, _ := bytes.Cut(data, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	var out []string
	for _, l := range lines[min(1, len(lines)):] {
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(out) > 0 {
			out[len(out)-1] += " " + strings.TrimSpace(l)
			continue
		}
		out = append(out, l)
	}
	return out
}

// rawHeader keeps a header line as it came.
func rawHeader(line string) sipgosip.Header {
	name, value, _ := strings.Cut(line, ":")
	return sipgosip.NewHeader(strings.TrimSpace(name), strings.TrimSpace(value))
}

func firstLine(data []byte) string {
	line, _, _ := bytes.Cut(data, []byte("\r\n"))
	return string(line)
}

// clip shortens what goes into a log line.
func clip(s string) string {
	const max = 120
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

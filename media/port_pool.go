package media

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
)

// Default RTP port range of Asterisk's rtp.conf (rtpstart, rtpend).
const (
	DefaultRTPStart = 10000
	DefaultRTPEnd   = 20000
)

// kernelPortTries bounds the attempts to find an RTCP port next to a port the
// kernel chose.
const kernelPortTries = 64

// PortPool hands out RTP ports: even ports in [Start, End], each with RTCP on
// the next odd port (RFC 3550 §11), as Asterisk's rtpstart and rtpend do
// (RTCP of End may be End+1). Ports held by a session are never handed out
// again until it closes, and the pool moves on round-robin from a random
// start so that a port just freed is not reused at once (late packets of an
// old call would reach the new one). Start = End = 0 lets the kernel choose
// (tests); any other range without an even port yields ErrNoPort. Each
// switch has its own pool. A PortPool is safe for concurrent
// use.
type PortPool struct {
	start, end int

	mu sync.Mutex
	// next is the port the next search starts at.
	next int
	// inUse holds the RTP ports of open sessions.
	inUse map[int]bool
}

// NewPortPool returns a pool of the RTP ports in [start, end]; start is
// rounded up to even. Asterisk's defaults are DefaultRTPStart and
// DefaultRTPEnd. NewPortPool(0, 0) lets the kernel choose.
func NewPortPool(start, end int) *PortPool {
	p := &PortPool{start: start + start%2, end: min(end, 65534), inUse: map[int]bool{}}
	if p.start > 0 && p.start <= p.end {
		p.next = p.start + 2*rand.IntN((p.end-p.start)/2+1)
	}
	return p
}

// kernel reports whether the kernel chooses the ports.
func (p *PortPool) kernel() bool { return p.start == 0 && p.end == 0 }

// listen binds an RTP socket on an even port of the pool and its RTCP socket
// on the next port, both on ip (all addresses when ip is unspecified or
// invalid). It binds both or neither, and tries further ports when one is
// taken by another program. release gives the port back.
func (p *PortPool) listen(ip netip.Addr) (rtp, rtcp *net.UDPConn, err error) {
	network := "udp"
	switch {
	case ip.Is4() || ip.Is4In6():
		network, ip = "udp4", ip.Unmap()
	case ip.Is6():
		network = "udp6"
	default:
		ip = netip.IPv4Unspecified()
		network = "udp4"
	}
	if p.kernel() {
		for range kernelPortTries {
			rtp, err = net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
			if err != nil {
				return nil, nil, fmt.Errorf("listen rtp on %s: %w", ip, err)
			}
			port := rtp.LocalAddr().(*net.UDPAddr).Port
			if port < 65535 {
				if rtcp, err = net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port+1)))); err == nil {
					return rtp, rtcp, nil
				}
			}
			rtp.Close()
		}
		return nil, nil, fmt.Errorf("listen rtp on %s: %w", ip, ErrNoPort)
	}
	var lastErr error
	for range (p.end-p.start)/2 + 1 {
		port, ok := p.take()
		if !ok {
			break
		}
		rtp, rtcp, err = bindPair(network, ip, port)
		if err == nil {
			return rtp, rtcp, nil
		}
		p.release(port)
		lastErr = err
	}
	return nil, nil, fmt.Errorf("listen rtp on %s in %d-%d: %w", ip, p.start, p.end, errors.Join(ErrNoPort, lastErr))
}

// take reserves the next port that no session holds.
func (p *PortPool) take() (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.start <= 0 || p.start > p.end {
		return 0, false
	}
	for range (p.end-p.start)/2 + 1 {
		port := p.next
		p.next += 2
		if p.next > p.end {
			p.next = p.start
		}
		if !p.inUse[port] {
			p.inUse[port] = true
			return port, true
		}
	}
	return 0, false
}

// release gives back a port listen returned.
func (p *PortPool) release(port int) {
	if p.kernel() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.inUse, port)
}

// bindPair binds port and port+1 on ip, or neither.
func bindPair(network string, ip netip.Addr, port int) (rtp, rtcp *net.UDPConn, err error) {
	rtp, err = net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
	if err != nil {
		return nil, nil, err
	}
	rtcp, err = net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port+1))))
	if err != nil {
		rtp.Close()
		return nil, nil, err
	}
	return rtp, rtcp, nil
}

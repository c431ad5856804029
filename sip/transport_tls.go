package sip

import (
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/obelisk-pbx/obelisk/config"
)

// DefaultTLSPort is where SIP over TLS listens when tlsbindaddr names no
// port (RFC 3261 §26.2: sips: defaults to 5061), as chan_sip does.
const DefaultTLSPort = 5061

// tlsBindAddr returns the host:port of the TLS listener: TLSBindAddr
// (tlsbindaddr, pjsip's bind of a protocol=tls transport), its port
// defaulting to 5061, or BindAddr:5061.
func tlsBindAddr(g General) string {
	a := strings.TrimSpace(g.TLSBindAddr)
	if a == "" {
		return net.JoinHostPort(g.BindAddr, strconv.Itoa(DefaultTLSPort))
	}
	if _, _, err := net.SplitHostPort(a); err == nil {
		return a
	}
	return net.JoinHostPort(strings.Trim(a, "[]"), strconv.Itoa(DefaultTLSPort))
}

// tlsKeyFile is the private key file: TLSPrivateKey, or the certificate
// file when it holds both (chan_sip's tlsprivatekey default).
func tlsKeyFile(g General) string {
	if g.TLSPrivateKey != "" {
		return g.TLSPrivateKey
	}
	return g.TLSCertFile
}

// loadTLSConfig reads the certificate and key of the TLS listener.
func loadTLSConfig(g General) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(g.TLSCertFile, tlsKeyFile(g))
	if err != nil {
		return nil, fmt.Errorf("tls certificate %s, key %s: %w", g.TLSCertFile, tlsKeyFile(g), err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// listenTLS binds the TLS listener (the TCP socket with the TLS layer on
// top, which sipgo's ServeTLS expects).
func listenTLS(g General) (net.Listener, error) {
	conf, err := loadTLSConfig(g)
	if err != nil {
		return nil, err
	}
	addr := tlsBindAddr(g)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sip listen tls %s: %w", addr, err)
	}
	return tls.NewListener(ln, conf), nil
}

// checkTLSFiles reports, at configuration time, a certificate or key that
// cannot be loaded, at the line that names it.
func checkTLSFiles(r *config.SectionReader, g *General, certKey, keyKey string) {
	if g.TLSCertFile == "" {
		return
	}
	if _, err := tls.LoadX509KeyPair(g.TLSCertFile, tlsKeyFile(*g)); err != nil {
		pos := r.Section().Pos
		if e, ok := r.Lookup(keyKey); ok && g.TLSPrivateKey != "" && !strings.Contains(err.Error(), g.TLSCertFile) {
			pos = e.Pos
		} else if e, ok := r.Lookup(certKey); ok {
			pos = e.Pos
		}
		r.Errorf(pos, "%s/%s: %v", certKey, keyKey, err)
	}
}

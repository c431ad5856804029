package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/sip"
)

// selfSigned writes a self-signed ECDSA certificate for ip to dir and
// returns the certificate and key files and a pool that trusts it.
func selfSigned(t *testing.T, dir, ip string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "obelisk-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP(ip)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "obelisk.crt"), filepath.Join(dir, "obelisk.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return certFile, keyFile, pool
}

// sipConn is a SIP client on a stream connection.
type sipConn struct {
	c net.Conn
	r *bufio.Reader
}

// do writes a request and reads its final response, skipping 1xx.
func (s *sipConn) do(t *testing.T, req string) (code int, hdr textproto.MIMEHeader) {
	t.Helper()
	_ = s.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(s.c, req); err != nil {
		t.Fatal(err)
	}
	for {
		tp := textproto.NewReader(s.r)
		line, err := tp.ReadLine()
		if err != nil {
			t.Fatalf("reading the answer to:\n%s\n%v", req, err)
		}
		h, err := tp.ReadMIMEHeader()
		if err != nil {
			t.Fatalf("answer headers: %v", err)
		}
		if n, _ := strconv.Atoi(h.Get("Content-Length")); n > 0 {
			if _, err := io.CopyN(io.Discard, s.r, int64(n)); err != nil {
				t.Fatal(err)
			}
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			t.Fatalf("status line %q", line)
		}
		code, _ = strconv.Atoi(f[1])
		if code >= 200 {
			return code, h
		}
	}
}

// TestSIPOverTLS: with tlsenable=yes (or a pjsip protocol=tls transport)
// the switch listens for SIP over TLS, on port 0 the kernel's choice shows
// in the "sip listening" line, and a client that trusts the certificate
// gets 200 to OPTIONS and registers with digest over the connection.
func TestSIPOverTLS(t *testing.T) {
	tests := []struct {
		name string
		n    int
		conf func(certFile, keyFile string) map[string]string
	}{
		{"sip.conf", 210, func(certFile, keyFile string) map[string]string {
			return map[string]string{"sip.conf": `[general]
bindaddr={{IP}}
bindport=0
tlsenable=yes
tlsbindaddr={{IP}}:0
tlscertfile=` + certFile + `
tlsprivatekey=` + keyFile + `
realm=obelisk-test

[1001]
type=friend
host=dynamic
secret=s3cret-1001
context=phones
`}
		}},
		{"pjsip.conf", 212, func(certFile, keyFile string) map[string]string {
			return map[string]string{"pjsip.conf": `[udp]
type=transport
protocol=udp
bind={{IP}}:0

[tls]
type=transport
protocol=tls
bind={{IP}}:0
cert_file=` + certFile + `
priv_key_file=` + keyFile + `

[1001]
type=endpoint
context=phones
disallow=all
allow=ulaw
auth=1001-auth
aors=1001

[1001-auth]
type=auth
auth_type=userpass
username=1001
password=s3cret-1001

[1001]
type=aor
max_contacts=1
`}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ip, phoneIP := loopbackIP(t, tc.n), loopbackIP(t, tc.n+1)
			certFile, keyFile, pool := selfSigned(t, t.TempDir(), ip)
			files := tc.conf(certFile, keyFile)
			files["extensions.conf"] = "[phones]\n"
			sw := startSwitch(t, ip, files)
			waitLog(t, sw, "transport=tls")
			m := regexp.MustCompile(`msg="sip listening" .*transport=tls addr=(\S+)`).FindStringSubmatch(sw.logs.String())
			if m == nil || strings.HasSuffix(m[1], ":0") {
				t.Fatalf("no TLS listener with a real port logged:\n%s", sw.logs.String())
			}
			addr := m[1]
			d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(phoneIP)}, Timeout: 5 * time.Second}
			c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{RootCAs: pool, ServerName: ip, MinVersion: tls.VersionTLS12})
			if err != nil {
				t.Fatalf("TLS dial %s: %v", addr, err)
			}
			defer c.Close()
			s := &sipConn{c: c, r: bufio.NewReader(c)}
			local := c.LocalAddr().String()
			req := func(method, callID string, cseq int, extra string) string {
				return method + " sip:" + addr + " SIP/2.0\r\n" +
					"Via: SIP/2.0/TLS " + local + ";branch=z9hG4bK-tls-" + callID + strconv.Itoa(cseq) + "\r\n" +
					"Max-Forwards: 70\r\n" +
					"From: <sip:1001@" + ip + ">;tag=tls1\r\n" +
					"To: <sip:1001@" + ip + ">\r\n" +
					"Call-ID: " + callID + "\r\n" +
					fmt.Sprintf("CSeq: %d %s\r\n", cseq, method) +
					"Contact: <sip:1001@" + local + ";transport=tls>\r\n" +
					extra + "Content-Length: 0\r\n\r\n"
			}
			if code, _ := s.do(t, req("OPTIONS", "tls-options", 1, "")); code != 200 {
				t.Fatalf("OPTIONS over TLS: %d", code)
			}
			code, h := s.do(t, req("REGISTER", "tls-register", 1, "Expires: 300\r\n"))
			if code != 401 {
				t.Fatalf("REGISTER over TLS: %d, want 401", code)
			}
			ch := h.Get("WWW-Authenticate")
			realm, nonce := digestParam(ch, "realm"), digestParam(ch, "nonce")
			uri := "sip:" + addr
			resp := sip.DigestResponse("MD5", "1001", realm, "s3cret-1001", "REGISTER", uri, nonce, "00000001", "0a4f113b", "auth")
			auth := fmt.Sprintf("Authorization: Digest username=\"1001\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", response=\"%s\", algorithm=MD5, qop=auth, nc=00000001, cnonce=\"0a4f113b\", opaque=\"%s\"\r\n",
				realm, nonce, uri, resp, digestParam(ch, "opaque"))
			if code, _ := s.do(t, req("REGISTER", "tls-register", 2, "Expires: 300\r\n"+auth)); code != 200 {
				t.Fatalf("authenticated REGISTER over TLS: %d, want 200", code)
			}
			waitLog(t, sw, "aor=1001")
		})
	}
}

// digestParam returns a parameter of a Digest challenge.
func digestParam(challenge, name string) string {
	m := regexp.MustCompile(name + `="?([^",]*)"?`).FindStringSubmatch(challenge)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestSIPTLSBadCertificate: a certificate that cannot be read is an error
// of `obelisk check` at the line that names it.
func TestSIPTLSBadCertificate(t *testing.T) {
	dir := t.TempDir()
	conf := "[general]\nbindaddr=127.0.0.1\ntlsenable=yes\ntlscertfile=" + filepath.Join(dir, "missing.crt") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "sip.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "extensions.conf"), []byte("[default]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := obelisk(t, "check", "--config", dir)
	want := "sip.conf:4: tlscertfile/tlsprivatekey: open " + filepath.Join(dir, "missing.crt")
	if code == 0 || !strings.Contains(stdout+stderr, want) {
		t.Fatalf("check: exit %d, want an error containing %q:\n%s%s", code, want, stdout, stderr)
	}
}

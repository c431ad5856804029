package ami

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// selfSigned writes a certificate and key for 127.0.0.1 and returns the
// files.
func selfSigned(t *testing.T) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "obelisk-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestRunTLS: with tlsenable=yes, Run serves the manager on tlsbindaddr
// over TLS beside the plain port.
func TestRunTLS(t *testing.T) {
	cert, key := selfSigned(t)
	cfg, _ := load(t, testConf)
	cfg.General.Port = freePort(t)
	tlsAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	cfg.General.TLSEnable, cfg.General.TLSBindAddr, cfg.General.TLSCertFile, cfg.General.TLSKeyFile = true, tlsAddr, cert, key
	srv := NewServer(cfg, newFake(), WithLoginDelay(0), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() { cancel(); <-done }()
	var c *tls.Conn
	var err error
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if c, err = tls.Dial("tcp", tlsAddr, &tls.Config{InsecureSkipVerify: true}); err == nil { //nolint:gosec // a test's self-signed certificate
			break
		}
	}
	if err != nil {
		t.Fatalf("tls dial: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	cl := &client{t: t, conn: c, r: bufio.NewReader(c)}
	if greet, _ := cl.r.ReadString('\n'); greet != "Asterisk Call Manager/"+Version+"\r\n" {
		t.Fatalf("greeting %q", greet)
	}
	cl.login("admin", "s3cret")
	if m := cl.do("Action: Ping"); m.Get("Ping") != "Pong" {
		t.Fatalf("ping over TLS: %s", m)
	}
}

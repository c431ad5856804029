package api

import (
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
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPrefixAndMounts: http.conf's prefix= is put before every route, and
// a handler another part of the switch mounts is served behind the same
// authentication.
func TestPrefixAndMounts(t *testing.T) {
	dc, _ := loadDialout(t, testDialout)
	srv := NewServer(NewMemStore(), newFakeBackend(), WithDialoutConfig(func() *DialoutConfig { return dc }),
		WithHTTPConfig(func() *Config { return &Config{Prefix: "asterisk"} }),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	srv.Handle("GET /api/v1/campaigns", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"campaigns":[]}`)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	defer func() {
		cancel()
		<-done
	}()
	base := "http://" + ln.Addr().String()
	tests := []struct {
		path, auth string
		want       int
	}{
		{"/asterisk/api/v1/calls", bearer, 200},
		{"/api/v1/calls", bearer, 404},
		{"/asterisk/api/v1/campaigns", bearer, 200},
		{"/asterisk/api/v1/campaigns", "", 401},
		{"/asterisk/api/v1/openapi.json", "", 200},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest("GET", base+tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s (auth %q): %d, want %d", tc.path, tc.auth, resp.StatusCode, tc.want)
		}
	}
	if r := srv.Routes(); r[len(r)-1] != "GET /api/v1/campaigns" {
		t.Errorf("Routes() = %v, want the mount listed", r)
	}
}

// TestTrunkLimit: two bots on one trunk limited to one call at a time:
// the second bot's call is refused for the trunk's limit.
func TestTrunkLimit(t *testing.T) {
	f := startAPI(t, testDialout+"[bot2]\ntype=bot\ntrunk=pstn2\ncontext=c\n[bot3]\ntype=bot\ntrunk=pstn2\ncontext=c\n[pstn2]\ntype=trunk\nconcurrent=1\n", nil)
	if code, _, body := f.do(t, "POST", "/api/v1/actions/dialout", bearer, map[string]any{"bot": "bot2", "target": "0612345678"}); code != 202 {
		t.Fatalf("first: %d %v", code, body)
	}
	code, hdr, body := f.do(t, "POST", "/api/v1/actions/dialout", bearer, map[string]any{"bot": "bot3", "target": "0612345678"})
	if code != 429 || hdr.Get("Retry-After") != "1" || !strings.Contains(body["error"].(string), "trunk pstn2 is at its limit (unlimited, 1 concurrent)") {
		t.Errorf("second bot on the full trunk: %d %v %v", code, hdr, body)
	}
	// bot3's own slot was given back: once the trunk is free it dials.
	f.be.end(t, "0612345678", time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, _, _ := f.do(t, "POST", "/api/v1/actions/dialout", bearer, map[string]any{"bot": "bot3", "target": "0612345679"})
		if code == 202 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bot3 still refused after the trunk's call ended: %d", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTLS: tlsenable=yes serves HTTPS with tlscertfile/tlsprivatekey on
// tlsbindaddr, beside plain HTTP on bindaddr:bindport.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := testCert(t, dir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	dc, _ := loadDialout(t, testDialout)
	srv := NewServer(NewMemStore(), newFakeBackend(), WithDialoutConfig(func() *DialoutConfig { return dc }),
		WithHTTPConfig(func() *Config {
			return &Config{Enabled: true, BindAddr: "127.0.0.1", BindPort: 0, TLSEnable: true, TLSBindAddr: addr, TLSCertFile: certFile, TLSPrivateKey: keyFile, SessionLimit: 4}
		}),
		WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	var resp *http.Response
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		req, _ := http.NewRequest("GET", "https://"+addr+"/api/v1/calls", nil)
		req.Header.Set("Authorization", bearer)
		if resp, err = client.Do(req); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil {
		t.Errorf("HTTPS: %d, TLS %v", resp.StatusCode, resp.TLS != nil)
	}
	// Plain HTTP goes on on bindaddr:bindport, as Asterisk serves both.
	req, _ := http.NewRequest("GET", "http://"+srv.Addr().String()+"/api/v1/calls", nil)
	req.Header.Set("Authorization", bearer)
	plain, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	plain.Body.Close()
	if plain.StatusCode != 200 || plain.TLS != nil {
		t.Errorf("HTTP beside HTTPS: %d", plain.StatusCode)
	}
}

func testCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "obelisk-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestQueueTimeout: with queuetimeout a request over the concurrent
// limit waits for a slot: it is accepted once the call up ends, and
// refused with 429 when none frees in time.
func TestQueueTimeout(t *testing.T) {
	f := startAPI(t, testDialout+"[queued]\ntype=bot\ntrunk=pstn\ncontext=c\nrate=0\nconcurrent=1\nqueuetimeout=1\n", nil)
	if code, _, body := f.do(t, "POST", "/api/v1/actions/dialout", bearer, map[string]any{"bot": "queued", "target": "0612345678"}); code != 202 {
		t.Fatalf("first: %d %v", code, body)
	}
	start := time.Now()
	code, hdr, body := f.do(t, "POST", "/api/v1/actions/dialout", bearer, map[string]any{"bot": "queued", "target": "0612345679"})
	if code != 429 || hdr.Get("Retry-After") == "" || !strings.Contains(body["error"].(string), "after waiting 1s") || time.Since(start) < time.Second {
		t.Fatalf("queued past the timeout: %d %v after %v", code, body, time.Since(start))
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		f.be.end(t, "0612345678", time.Second)
	}()
	if code, _, body := f.do(t, "POST", "/api/v1/actions/dialout", bearer, map[string]any{"bot": "queued", "target": "0612345670"}); code != 202 {
		t.Fatalf("queued while the first call ends: %d %v", code, body)
	}
	for deadline := time.Now().Add(5 * time.Second); len(f.be.dialsSnapshot()) != 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls dialled, want 2", len(f.be.dialsSnapshot()))
		}
	}
}

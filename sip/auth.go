package sip

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Digest authentication errors.
var (
	// ErrAuthMalformed is an Authorization header that cannot be read.
	ErrAuthMalformed = errors.New("malformed digest credentials")
	// ErrAuthStale is a correct answer to a nonce that has expired; the
	// client should retry with the new nonce (stale=true).
	ErrAuthStale = errors.New("stale nonce")
	// ErrAuthFailed is a wrong password, an unknown user or a nonce the
	// switch never issued: the three look alike on purpose.
	ErrAuthFailed = errors.New("authentication failed")
	// ErrAuthReplay is a nonce count that was already used.
	ErrAuthReplay = errors.New("nonce count replayed")
)

// DefaultNonceLifetime is how long a nonce is accepted (pjsip's
// nonce_lifetime default).
const DefaultNonceLifetime = 32 * time.Second

// DigestAuth issues digest challenges and checks answers (RFC 3261 §22.4,
// RFC 2617 with qop=auth, RFC 8760 for SHA-256). Nonces carry their time
// and an HMAC under a per-process key, so no nonce table is needed; a
// bounded table of nonce counts rejects replays.
type DigestAuth struct {
	realm    string
	lifetime time.Duration
	now      func() time.Time
	key      [32]byte
	opaque   string

	// algorithms offered, in order ("MD5", "SHA-256").
	algorithms []string

	mu      sync.Mutex
	counts  map[string]uint64 // nonce → highest nc seen
	countsQ []string          // insertion order, to bound counts
}

// maxTrackedNonces bounds the nonce-count table.
const maxTrackedNonces = 65536

// NewDigestAuth returns an authenticator for realm. now is the clock (nil
// for time.Now).
func NewDigestAuth(realm string, lifetime time.Duration, now func() time.Time) *DigestAuth {
	if now == nil {
		now = time.Now
	}
	if lifetime <= 0 {
		lifetime = DefaultNonceLifetime
	}
	a := &DigestAuth{realm: realm, lifetime: lifetime, now: now, counts: map[string]uint64{}, algorithms: []string{"MD5"}}
	if _, err := rand.Read(a.key[:]); err != nil {
		panic("crypto/rand: " + err.Error()) // never fails on Linux
	}
	a.opaque = hex.EncodeToString(a.key[:4])
	return a
}

// SetAlgorithms chooses the digest algorithms offered, most preferred
// first (RFC 8760 §2.4); only these are accepted. The default is MD5
// alone, as Asterisk's: phones that meet a challenge they cannot compute
// often give up instead of using the next one (baresip 1.0 does).
func (a *DigestAuth) SetAlgorithms(algs []string) error {
	var out []string
	for _, alg := range algs {
		if _, ok := hashFor(alg); !ok || alg == "" {
			return fmt.Errorf("unknown digest algorithm %q: want MD5 or SHA-256", alg)
		}
		out = append(out, strings.ToUpper(alg))
	}
	if len(out) == 0 {
		return fmt.Errorf("no digest algorithm")
	}
	a.algorithms = out
	return nil
}

// Realm returns the realm challenges carry.
func (a *DigestAuth) Realm() string { return a.realm }

func (a *DigestAuth) newNonce() string {
	// issue time, 8 random bytes, then an HMAC of both under the key
	var b [nonceLen]byte
	binary.BigEndian.PutUint64(b[:8], uint64(a.now().UnixNano()))
	_, _ = rand.Read(b[8:16])
	m := hmac.New(sha256.New, a.key[:])
	m.Write(b[:16])
	copy(b[16:], m.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

const nonceLen = 8 + 8 + 16

// checkNonce reports whether nonce was issued here, and whether it expired.
func (a *DigestAuth) checkNonce(nonce string) (ours, fresh bool) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != nonceLen {
		return false, false
	}
	m := hmac.New(sha256.New, a.key[:])
	m.Write(b[:16])
	if !hmac.Equal(m.Sum(nil)[:16], b[16:]) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	age := a.now().Sub(issued)
	return true, age >= 0 && age <= a.lifetime
}

// Challenges returns the WWW-Authenticate values to send, one per
// algorithm offered.
func (a *DigestAuth) Challenges(stale bool) []string {
	nonce := a.newNonce()
	extra := ""
	if stale {
		extra = ", stale=true"
	}
	out := make([]string, 0, len(a.algorithms))
	for _, alg := range a.algorithms {
		out = append(out, fmt.Sprintf(`Digest realm="%s", nonce="%s", opaque="%s", algorithm=%s, qop="auth"%s`,
			a.realm, nonce, a.opaque, alg, extra))
	}
	return out
}

// Credentials is a parsed Authorization header.
type Credentials struct {
	Username, Realm, Nonce, URI, Response, Algorithm, CNonce, QOP, NC, Opaque string
}

// ParseCredentials reads `Digest username="…", realm="…", …`.
func ParseCredentials(h string) (Credentials, error) {
	var c Credentials
	h = strings.TrimSpace(h)
	if len(h) < 7 || !strings.EqualFold(h[:6], "digest") || (h[6] != ' ' && h[6] != '\t') {
		return c, ErrAuthMalformed
	}
	rest := h[7:]
	for len(rest) > 0 {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" {
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return c, ErrAuthMalformed
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := 1
			var b strings.Builder
			for ; end < len(rest) && rest[end] != '"'; end++ {
				if rest[end] == '\\' && end+1 < len(rest) {
					end++
				}
				b.WriteByte(rest[end])
			}
			if end >= len(rest) {
				return c, ErrAuthMalformed
			}
			val, rest = b.String(), rest[end+1:]
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		switch name {
		case "username":
			c.Username = val
		case "realm":
			c.Realm = val
		case "nonce":
			c.Nonce = val
		case "uri":
			c.URI = val
		case "response":
			c.Response = strings.ToLower(val)
		case "algorithm":
			c.Algorithm = val
		case "cnonce":
			c.CNonce = val
		case "qop":
			c.QOP = strings.ToLower(val)
		case "nc":
			c.NC = val
		case "opaque":
			c.Opaque = val
		}
	}
	if c.Username == "" || c.Nonce == "" || c.Response == "" || c.URI == "" {
		return c, ErrAuthMalformed
	}
	return c, nil
}

func hashFor(alg string) (func() hash.Hash, bool) {
	switch strings.ToUpper(alg) {
	case "", "MD5":
		return md5.New, true
	case "SHA-256":
		return sha256.New, true
	}
	return nil, false
}

func hexHash(h func() hash.Hash, parts ...string) string {
	d := h()
	d.Write([]byte(strings.Join(parts, ":")))
	return hex.EncodeToString(d.Sum(nil))
}

// DigestResponse computes the response a client sends (RFC 2617 §3.2.2),
// for tests and for Obelisk's own client side.
func DigestResponse(alg, user, realm, password, method, uri, nonce, nc, cnonce, qop string) string {
	h, ok := hashFor(alg)
	if !ok {
		return ""
	}
	ha1 := hexHash(h, user, realm, password)
	ha2 := hexHash(h, method, uri)
	if qop == "" {
		return hexHash(h, ha1, nonce, ha2)
	}
	return hexHash(h, ha1, nonce, nc, cnonce, qop, ha2)
}

// Verify checks credentials for method against password. It returns nil,
// ErrAuthStale (right password, expired nonce: challenge again with
// stale=true), ErrAuthReplay or ErrAuthFailed.
func (a *DigestAuth) Verify(method string, c Credentials, password string) error {
	alg := strings.ToUpper(c.Algorithm)
	if alg == "" {
		alg = "MD5"
	}
	offered := false
	for _, o := range a.algorithms {
		offered = offered || o == alg
	}
	if !offered || (c.Realm != "" && c.Realm != a.realm) {
		return ErrAuthFailed
	}
	ours, fresh := a.checkNonce(c.Nonce)
	if !ours {
		return ErrAuthFailed
	}
	var want string
	switch c.QOP {
	case "":
		want = DigestResponse(c.Algorithm, c.Username, a.realm, password, method, c.URI, c.Nonce, "", "", "")
	case "auth":
		if c.NC == "" || c.CNonce == "" {
			return ErrAuthFailed
		}
		want = DigestResponse(c.Algorithm, c.Username, a.realm, password, method, c.URI, c.Nonce, c.NC, c.CNonce, "auth")
	default:
		return ErrAuthFailed
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(c.Response)) != 1 {
		return ErrAuthFailed
	}
	if !fresh {
		return ErrAuthStale
	}
	if c.QOP == "auth" {
		nc, err := strconv.ParseUint(c.NC, 16, 64)
		if err != nil {
			return ErrAuthFailed
		}
		if !a.useCount(c.Nonce, nc) {
			return ErrAuthReplay
		}
	}
	return nil
}

// useCount records nc for nonce; false when it is not above the last one.
func (a *DigestAuth) useCount(nonce string, nc uint64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if last, ok := a.counts[nonce]; ok {
		if nc <= last {
			return false
		}
		a.counts[nonce] = nc
		return true
	}
	if len(a.countsQ) >= maxTrackedNonces {
		delete(a.counts, a.countsQ[0])
		a.countsQ = a.countsQ[1:]
	}
	a.counts[nonce] = nc
	a.countsQ = append(a.countsQ, nonce)
	return true
}

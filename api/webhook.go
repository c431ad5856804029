package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SignatureHeader carries a webhook's signature, in Stripe's shape:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the bot's
// webhook secret>". The receiver recomputes it and checks t is recent.
const SignatureHeader = "X-Obelisk-Signature"

// Sign returns the SignatureHeader value of body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a SignatureHeader value against body and secret,
// refusing a timestamp further than tolerance from now.
func VerifySignature(header, secret string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("signature: bad timestamp %q", ts)
	}
	t := time.Unix(sec, 0)
	if d := now.Sub(t); d > tolerance || d < -tolerance {
		return fmt.Errorf("signature: timestamp %v is %v from now", t, d)
	}
	want := Sign(secret, t, body)
	for _, s := range sigs {
		if hmac.Equal([]byte("t="+ts+",v1="+s), []byte(want)) {
			return nil
		}
	}
	return fmt.Errorf("signature: no v1 matches")
}

// Doer sends an HTTP request (*http.Client; a fake in tests).
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// deliverer sends the outbox's webhooks: one goroutine per call with
// webhooks pending, sending them one at a time in Seq order (a call's
// "completed" never overtakes its "answered"), retrying a failure or a
// non-2xx answer after RetryInterval, doubling up to MaxRetryDelay, until
// WebhookRetries attempts.
type deliverer struct {
	store  Store
	client Doer
	cfg    func() *DialoutConfig
	log    *slog.Logger

	mu      sync.Mutex
	ctx     context.Context
	queues  map[CallID][]*Outgoing
	running map[CallID]bool
	wg      sync.WaitGroup
}

func newDeliverer(store Store, client Doer, cfg func() *DialoutConfig, log *slog.Logger) *deliverer {
	return &deliverer{store: store, client: client, cfg: cfg, log: log,
		queues: map[CallID][]*Outgoing{}, running: map[CallID]bool{}}
}

// start sends what the outbox holds (webhooks a restart left) and what
// is enqueued from now on, until ctx ends.
func (d *deliverer) start(ctx context.Context) error {
	d.mu.Lock()
	d.ctx = ctx
	d.mu.Unlock()
	pending, err := d.store.Pending()
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		d.log.Info("webhooks pending from before the start", "webhooks", len(pending))
	}
	for _, o := range pending {
		d.enqueue(o)
	}
	return nil
}

// wait waits for the delivery goroutines (after ctx ended).
func (d *deliverer) wait() { d.wg.Wait() }

// enqueue adds a webhook already in the outbox.
func (d *deliverer) enqueue(o *Outgoing) {
	if o == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queues[o.CallID] = append(d.queues[o.CallID], o)
	if d.running[o.CallID] || d.ctx == nil {
		return
	}
	d.running[o.CallID] = true
	d.wg.Add(1)
	go d.run(d.ctx, o.CallID)
}

// run delivers a call's webhooks until its queue is empty.
func (d *deliverer) run(ctx context.Context, id CallID) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.queues[id]
		if len(q) == 0 || ctx.Err() != nil {
			delete(d.queues, id)
			delete(d.running, id)
			d.mu.Unlock()
			return
		}
		o := q[0]
		d.mu.Unlock()
		d.deliver(ctx, o)
		if ctx.Err() != nil {
			d.mu.Lock()
			delete(d.running, id)
			d.mu.Unlock()
			return
		}
		d.mu.Lock()
		d.queues[id] = d.queues[id][1:]
		d.mu.Unlock()
	}
}

// deliver sends o until it is accepted or given up, or ctx ends (it then
// stays in the outbox for the next start).
func (d *deliverer) deliver(ctx context.Context, o *Outgoing) {
	for {
		cfg := d.cfg()
		err := d.post(ctx, o, cfg)
		if err == nil {
			if err := d.store.Done(o.Seq); err != nil {
				d.log.Error("webhook delivered but not removed from the outbox", "seq", o.Seq, "error", err)
			}
			d.log.Info("webhook delivered", "call", o.CallID, "event", o.Event, "seq", o.Seq, "attempts", o.Attempts+1)
			return
		}
		if ctx.Err() != nil {
			return
		}
		o.Attempts++
		if o.Attempts >= cfg.WebhookRetries {
			d.log.Error("webhook given up", "call", o.CallID, "event", o.Event, "url", o.URL, "attempts", o.Attempts, "error", err)
			_ = d.store.Done(o.Seq)
			return
		}
		if err := d.store.Attempted(o.Seq, o.Attempts); err != nil {
			d.log.Error("webhook attempt not recorded", "seq", o.Seq, "error", err)
		}
		delay := retryDelay(cfg, o.Attempts)
		d.log.Warn("webhook failed, retrying", "call", o.CallID, "event", o.Event, "url", o.URL, "attempt", o.Attempts, "in", delay, "error", err)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
}

// retryDelay is the wait after the n-th failed attempt: RetryInterval
// doubled n-1 times, at most MaxRetryDelay.
func retryDelay(cfg *DialoutConfig, n int) time.Duration {
	d := cfg.RetryInterval
	for i := 1; i < n && d < cfg.MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, cfg.MaxRetryDelay)
}

// post sends o once; an error for a transport failure or a non-2xx answer.
func (d *deliverer) post(ctx context.Context, o *Outgoing, cfg *DialoutConfig) error {
	rctx, cancel := context.WithTimeout(ctx, cfg.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, o.URL, bytes.NewReader(o.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Obelisk-Webhooks/1")
	req.Header.Set("X-Obelisk-Event", o.Event)
	req.Header.Set("X-Obelisk-Delivery", strconv.FormatUint(o.Seq, 10))
	secret := ""
	if b := cfg.Bot(o.Bot); b != nil {
		secret = b.WebhookSecret
	}
	req.Header.Set(SignatureHeader, Sign(secret, time.Now(), o.Body))
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s: %s", o.URL, resp.Status)
	}
	return nil
}

package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// flakyDoer fails the first fail requests, then answers 200; it records
// when each request came and for which event.
type flakyDoer struct {
	mu     sync.Mutex
	fail   int
	at     []time.Time
	events []string
	sigs   []string
}

func (d *flakyDoer) Do(r *http.Request) (*http.Response, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.at = append(d.at, time.Now())
	d.events = append(d.events, r.Header.Get("X-Obelisk-Event"))
	d.sigs = append(d.sigs, r.Header.Get(SignatureHeader))
	if d.fail > 0 {
		d.fail--
		if d.fail%2 == 0 {
			return nil, errors.New("connection refused")
		}
		return &http.Response{StatusCode: 503, Status: "503 Service Unavailable", Body: io.NopCloser(strings.NewReader(""))}, nil
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Body: io.NopCloser(strings.NewReader(""))}, nil
}

func testDeliverer(store Store, d Doer, retries int) *deliverer {
	cfg := DefaultDialoutConfig()
	cfg.WebhookRetries = retries
	cfg.Bots["bot1"] = &Bot{ID: "bot1", WebhookSecret: "s3"}
	return newDeliverer(store, d, func() *DialoutConfig { return cfg }, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// TestWebhookBackoff: a receiver that fails three times gets the first
// event again after 1 s, 2 s and 4 s; the call's second event waits
// behind it (order kept) and goes at once after; both leave the outbox.
func TestWebhookBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemStore()
		doer := &flakyDoer{fail: 3}
		d := testDeliverer(store, doer, 10)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := d.start(ctx); err != nil {
			t.Fatal(err)
		}
		c := &Call{ID: "c1", Bot: "bot1", NotifyURL: "http://hooks.example/x", Status: StatusInitiated}
		t0 := time.Now()
		for _, ev := range []string{EventInitiated, EventRinging} {
			o, err := store.Save(c, ev, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			d.enqueue(o)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		var offsets []time.Duration
		for _, at := range doer.at {
			offsets = append(offsets, at.Sub(t0))
		}
		want := []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second, 7 * time.Second}
		if len(offsets) != len(want) {
			t.Fatalf("attempts at %v, want %v", offsets, want)
		}
		for i := range want {
			if offsets[i] != want[i] {
				t.Fatalf("attempts at %v, want %v", offsets, want)
			}
		}
		if got := strings.Join(doer.events, ","); got != "initiated,initiated,initiated,initiated,ringing" {
			t.Errorf("events %s", got)
		}
		if !strings.HasPrefix(doer.sigs[0], "t=") || !strings.Contains(doer.sigs[0], ",v1=") {
			t.Errorf("signature %q", doer.sigs[0])
		}
		if p, _ := store.Pending(); len(p) != 0 {
			t.Errorf("outbox still holds %d", len(p))
		}
		cancel()
		d.wait()
	})
}

// TestWebhookGivenUp: after webhookretries attempts the webhook is dropped
// and the call's next one goes.
func TestWebhookGivenUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemStore()
		doer := &flakyDoer{fail: 3}
		d := testDeliverer(store, doer, 3)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_ = d.start(ctx)
		c := &Call{ID: "c1", Bot: "bot1", NotifyURL: "http://hooks.example/x"}
		for _, ev := range []string{EventInitiated, EventFailed} {
			o, _ := store.Save(c, ev, time.Now())
			d.enqueue(o)
		}
		time.Sleep(time.Hour)
		synctest.Wait()
		if got := strings.Join(doer.events, ","); got != "initiated,initiated,initiated,failed" {
			t.Errorf("events %s", got)
		}
		cancel()
		d.wait()
	})
}

// TestWebhookPendingAtStart: webhooks left in the outbox (a kill) are sent
// at start, in order, with their attempts kept.
func TestWebhookPendingAtStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := NewMemStore()
		c := &Call{ID: "c1", Bot: "bot1", NotifyURL: "http://hooks.example/x"}
		for _, ev := range []string{EventInitiated, EventRinging, EventFailed} {
			_, _ = store.Save(c, ev, time.Now())
		}
		_ = store.Attempted(1, 4)
		doer := &flakyDoer{}
		d := testDeliverer(store, doer, 10)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_ = d.start(ctx)
		time.Sleep(time.Second)
		synctest.Wait()
		if got := strings.Join(doer.events, ","); got != "initiated,ringing,failed" {
			t.Errorf("events %s", got)
		}
		cancel()
		d.wait()
	})
}

func TestSignature(t *testing.T) {
	now := time.Unix(1700000000, 0)
	body := []byte(`{"event":"answered"}`)
	h := Sign("whsec", now, body)
	// Stripe's scheme: HMAC-SHA256 over "<t>.<body>", hex.
	if h != "t=1700000000,v1=d4c1f1e0d7c0e4d2b0f2f6a3" && !strings.HasPrefix(h, "t=1700000000,v1=") {
		t.Fatal(h)
	}
	if err := VerifySignature(h, "whsec", body, now.Add(10*time.Second), time.Minute); err != nil {
		t.Error(err)
	}
	if err := VerifySignature(h, "other", body, now, time.Minute); err == nil {
		t.Error("wrong secret verified")
	}
	if err := VerifySignature(h, "whsec", []byte(`{}`), now, time.Minute); err == nil {
		t.Error("other body verified")
	}
	if err := VerifySignature(h, "whsec", body, now.Add(time.Hour), time.Minute); err == nil {
		t.Error("old timestamp verified")
	}
}

package payments

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/obelisk-pbx/obelisk/payments/stripemock"
)

// recorder is a proxy in front of stripe-mock that keeps each request's
// path and form, so tests see what the client sent.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	path        string
	form        url.Values
	idempotency string
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("no request reached Stripe")
	}
	return r.reqs[len(r.reqs)-1]
}

// mockStripe starts stripe-mock behind a recording proxy and returns the
// proxy's URL.
func mockStripe(t *testing.T, o stripemock.Options) (string, *recorder) {
	t.Helper()
	target, err := url.Parse(stripemock.Start(t, o))
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{path: r.URL.Path, form: form, idempotency: r.Header.Get("Idempotency-Key")})
		rec.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, rec
}

func quiet() Option { return WithLogger(slog.New(slog.DiscardHandler)) }

func newClient(t *testing.T, cfg Config, key string) *Client {
	t.Helper()
	c, err := New(cfg, key, quiet())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPayIntent(t *testing.T) {
	t.Parallel()
	base, rec := mockStripe(t, stripemock.Options{Succeeded: true})
	cfg := *DefaultConfig()
	cfg.BaseURL = base
	c := newClient(t, cfg, "sk_test_obelisk")
	res, err := c.Pay(context.Background(), Request{
		Amount: "120.00", Currency: "usd", Description: "Acme collections C-1001",
		Metadata: map[string]string{"customer_id": "C-1001"}, IdempotencyKey: "call-1-pay-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.ID, "pi_") || res.Status != "succeeded" || !res.Paid() || res.Amount != 12000 || res.Mode != ModePaymentIntent {
		t.Errorf("result %+v, want a pi_… PaymentIntent, succeeded, of 12000", res)
	}
	r := rec.last(t)
	want := map[string]string{
		"amount": "12000", "currency": "usd", "confirm": "true", "payment_method": "pm_card_visa",
		"payment_method_types[0]": "card", "description": "Acme collections C-1001", "metadata[customer_id]": "C-1001",
	}
	if r.path != "/v1/payment_intents" {
		t.Errorf("request to %s, want /v1/payment_intents", r.path)
	}
	for k, v := range want {
		if got := r.form.Get(k); got != v {
			t.Errorf("form %s = %q, want %q (form %v)", k, got, v, r.form)
		}
	}
	if r.idempotency != "call-1-pay-1" {
		t.Errorf("Idempotency-Key %q", r.idempotency)
	}

	// A zero-decimal currency: ¥5000 is amount=5000.
	if _, err := c.Pay(context.Background(), Request{Amount: "5000", Currency: "jpy"}); err != nil {
		t.Fatal(err)
	}
	if got := rec.last(t).form.Get("amount"); got != "5000" {
		t.Errorf("JPY amount %q, want 5000", got)
	}
}

// With stripe-mock's stock fixture the PaymentIntent comes back
// requires_payment_method: created, not paid.
func TestPayIntentNotPaid(t *testing.T) {
	t.Parallel()
	base, _ := mockStripe(t, stripemock.Options{})
	cfg := *DefaultConfig()
	cfg.BaseURL = base
	res, err := newClient(t, cfg, "sk_test_obelisk").Pay(context.Background(), Request{Amount: "10", Currency: "eur"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != "requires_payment_method" || res.Paid() {
		t.Errorf("result %+v, want requires_payment_method and not paid", res)
	}
}

func TestPayLink(t *testing.T) {
	t.Parallel()
	base, rec := mockStripe(t, stripemock.Options{})
	var mu sync.Mutex
	var got []LinkEvent
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev LinkEvent
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hook.Close()

	cfg := *DefaultConfig()
	cfg.BaseURL, cfg.Mode, cfg.LinkHook = base, ModePaymentLink, hook.URL
	c := newClient(t, cfg, "sk_test_obelisk")
	res, err := c.Pay(context.Background(), Request{Amount: "120.50", Currency: "usd", Description: "Acme balance",
		Recipient: "+15551230000", Metadata: map[string]string{"customer_id": "C-7"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(res.ID, "plink_") || !strings.HasPrefix(res.URL, "https://") || res.Status != LinkSent || res.Paid() || res.HookErr != nil {
		t.Errorf("result %+v, want a plink_… with an https URL, link-sent", res)
	}
	r := rec.last(t)
	for k, v := range map[string]string{
		"line_items[0][price_data][unit_amount]": "12050", "line_items[0][price_data][currency]": "usd",
		"line_items[0][price_data][product_data][name]": "Acme balance", "line_items[0][quantity]": "1",
	} {
		if r.path != "/v1/payment_links" || r.form.Get(k) != v {
			t.Errorf("%s form %s = %q, want %q", r.path, k, r.form.Get(k), v)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	want := LinkEvent{Event: "payment_link", ID: res.ID, URL: res.URL, Amount: "120.50", Currency: "usd", Recipient: "+15551230000", Metadata: map[string]string{"customer_id": "C-7"}}
	if len(got) != 1 || got[0].URL != want.URL || got[0].Amount != want.Amount || got[0].Recipient != want.Recipient || got[0].Metadata["customer_id"] != "C-7" || got[0].Event != want.Event {
		t.Errorf("hook got %+v, want %+v", got, want)
	}

	// A hook that fails leaves the link created, and says why.
	cfg.LinkHook = hook.URL + "/missing"
	hook.Config.Handler = http.NotFoundHandler()
	res, err = newClient(t, cfg, "sk_test_obelisk").Pay(context.Background(), Request{Amount: "1", Currency: "usd"})
	if err != nil || res.Status != LinkCreated || res.HookErr == nil || res.URL == "" {
		t.Errorf("with a failing hook: %+v, %v; want link-created with the hook's error", res, err)
	}
}

// stripeError answers every request with Stripe's error body.
func stripeError(status int, body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
}

func TestPayFailures(t *testing.T) {
	t.Parallel()
	mock, _ := mockStripe(t, stripemock.Options{})
	// Stripe's answer to a declined card (docs.stripe.com/declines/codes);
	// stripe-mock cannot decline, so this one is Stripe's body served here.
	declined := stripeError(http.StatusPaymentRequired, `{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds",
		"message":"Your card has insufficient funds.","payment_intent":{"id":"pi_declined","object":"payment_intent","status":"requires_payment_method"}}}`)
	defer declined.Close()
	invalid := stripeError(http.StatusBadRequest, `{"error":{"type":"invalid_request_error","code":"resource_missing","param":"payment_method",
		"message":"No such PaymentMethod: 'pm_gone'"}}`)
	defer invalid.Close()
	down := stripeError(http.StatusServiceUnavailable, `{"error":{"type":"api_error","message":"Stripe is down"}}`)
	defer down.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	_ = l.Close()

	tests := []struct {
		name     string
		base     string
		key      string
		amount   string
		want     FailureKind
		wantCode string
	}{
		{"stripe-mock refuses a key that is not a test secret key", mock, "rk_live_nope", "120.00", FailureAuth, ""},
		{"Stripe refuses a parameter", invalid.URL, "sk_test_obelisk", "120.00", FailureInvalid, "resource_missing"},
		{"a declined card", declined.URL, "sk_test_obelisk", "120.00", FailureDeclined, "card_declined"},
		{"Stripe unavailable", down.URL, "sk_test_obelisk", "120.00", FailureUnavailable, ""},
		{"nothing listening", closed, "sk_test_obelisk", "120.00", FailureUnavailable, ""},
		{"a bad amount never reaches Stripe", closed, "sk_test_obelisk", "12,00", FailureInvalid, ""},
		{"a bad currency never reaches Stripe", closed, "sk_test_obelisk", "12.00", FailureInvalid, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := *DefaultConfig()
			cfg.BaseURL, cfg.Retries = tc.base, 0
			cur := Currency("usd")
			if strings.Contains(tc.name, "currency") {
				cur = "dollars"
			}
			res, err := newClient(t, cfg, tc.key).Pay(context.Background(), Request{Amount: tc.amount, Currency: cur})
			var f *Failure
			if !errors.As(err, &f) {
				t.Fatalf("Pay = %+v, %v; want a *Failure", res, err)
			}
			if f.Kind != tc.want || f.Code != tc.wantCode || Classify(err) != f {
				t.Errorf("failure %v (kind %v, code %q), want kind %v code %q", f, f.Kind, f.Code, tc.want, tc.wantCode)
			}
			if tc.want == FailureDeclined && (f.DeclineCode != "insufficient_funds" || f.PaymentIntent != "pi_declined" || f.HTTPStatus != 402) {
				t.Errorf("declined failure %+v, want insufficient_funds on pi_declined (402)", f)
			}
		})
	}
	if _, err := New(*DefaultConfig(), " "); !errors.Is(err, ErrNoKey) {
		t.Errorf("New without a key: %v, want ErrNoKey", err)
	}
}

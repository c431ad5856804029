package pbx

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/payments"
	"github.com/obelisk-pbx/obelisk/payments/stripemock"
	"github.com/obelisk-pbx/obelisk/testdata"
)

// paymentChannel is a channel of a collections call: the campaign's
// variables set, as the campaign engine sets them.
func paymentChannel(t *testing.T) *ivr.Channel {
	t.Helper()
	clock := ivr.NewVirtualClock(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	e := ivr.New(nil, ivr.Options{})
	return e.NewChannel(ivr.NewSimCaller(clock, "", nil), ivr.ChannelOptions{
		Name: "SIP/pstn-00000001", UniqueID: "1764669600.1", Context: "collections", Exten: "s",
		CallerID: ivr.CallerID{Num: "+15551230000"}, State: ivr.StateUp,
		Vars: map[string]string{"CAMPAIGN": "november", "CUSTOMER_ID": "C-1001", "CUSTOMER_NAME": "Maria"},
	})
}

func paymentVars(ch *ivr.Channel) map[string]string {
	out := map[string]string{}
	for _, v := range []string{"PAYMENT_STATUS", "PAYMENT_ID", "PAYMENT_URL", "PAYMENT_ERROR", "PAYMENT_ERROR_CODE", "PAYMENT_ATTEMPT"} {
		out[v] = ch.Var(v)
	}
	return out
}

func TestStripePayment(t *testing.T) {
	t.Parallel()
	paid := stripemock.Start(t, stripemock.Options{Succeeded: true})
	stock := stripemock.Start(t, stripemock.Options{})
	declined := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusPaymentRequired)
		_, _ = io.WriteString(w, `{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds.","payment_intent":{"id":"pi_declined","object":"payment_intent"}}}`)
	}))
	defer declined.Close()
	var hookMu sync.Mutex
	var hooked []payments.LinkEvent
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev payments.LinkEvent
		_ = json.NewDecoder(r.Body).Decode(&ev)
		hookMu.Lock()
		hooked = append(hooked, ev)
		hookMu.Unlock()
	}))
	defer hook.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	_ = l.Close()
	env := func(k string) string {
		if k == payments.DefaultKeyEnv {
			return "sk_test_env"
		}
		return ""
	}

	tests := []struct {
		name   string
		base   string
		mode   payments.Mode
		getenv func(string) string
		amount string
		want   map[string]string // "*" is any non-empty value
	}{
		{"paid", paid, payments.ModePaymentIntent, env, "120.00",
			map[string]string{"PAYMENT_STATUS": "succeeded", "PAYMENT_ID": "pi_*", "PAYMENT_URL": "", "PAYMENT_ERROR": "", "PAYMENT_ATTEMPT": "1"}},
		{"created, not paid", stock, payments.ModePaymentIntent, env, "120.00",
			map[string]string{"PAYMENT_STATUS": "requires_payment_method", "PAYMENT_ID": "pi_*", "PAYMENT_ERROR": ""}},
		{"payment link", stock, payments.ModePaymentLink, env, "120.00",
			map[string]string{"PAYMENT_STATUS": "link-sent", "PAYMENT_ID": "plink_*", "PAYMENT_URL": "https://*", "PAYMENT_ERROR": ""}},
		{"declined", declined.URL, payments.ModePaymentIntent, env, "120.00",
			map[string]string{"PAYMENT_STATUS": "failed", "PAYMENT_ID": "pi_declined", "PAYMENT_ERROR": "declined", "PAYMENT_ERROR_CODE": "insufficient_funds"}},
		{"Stripe down", down, payments.ModePaymentIntent, env, "120.00",
			map[string]string{"PAYMENT_STATUS": "failed", "PAYMENT_ID": "", "PAYMENT_ERROR": "unavailable"}},
		{"no key", paid, payments.ModePaymentIntent, func(string) string { return "" }, "120.00",
			map[string]string{"PAYMENT_STATUS": "failed", "PAYMENT_ERROR": "auth", "PAYMENT_ATTEMPT": ""}},
		{"a bad amount", paid, payments.ModePaymentIntent, env, "lots",
			map[string]string{"PAYMENT_STATUS": "failed", "PAYMENT_ERROR": "invalid"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := payments.DefaultConfig()
			cfg.BaseURL, cfg.Mode, cfg.LinkHook, cfg.Retries = tc.base, tc.mode, hook.URL, 0
			ch := paymentChannel(t)
			if err := stripePayment(context.Background(), ch, cfg, tc.getenv, payments.Request{Amount: tc.amount, Currency: "usd", Description: "Acme"}); err != nil {
				t.Fatalf("StripePayment returned %v; it never fails the call", err)
			}
			got := paymentVars(ch)
			for k, want := range tc.want {
				if !matchWild(got[k], want) {
					t.Errorf("%s = %q, want %q (all: %v)", k, got[k], want, got)
				}
			}
		})
	}
	hookMu.Lock()
	defer hookMu.Unlock()
	if len(hooked) != 1 || hooked[0].Recipient != "+15551230000" || hooked[0].Metadata["customer_id"] != "C-1001" ||
		hooked[0].Metadata["campaign"] != "november" || hooked[0].Metadata["uniqueid"] != "1764669600.1" || hooked[0].Amount != "120.00" {
		t.Errorf("link hook got %+v, want one link for +15551230000 with the campaign's metadata", hooked)
	}
}

// matchWild matches "" exactly, "*" as any non-empty value and "x*" as a
// prefix.
func matchWild(got, want string) bool {
	if n := len(want); n > 0 && want[n-1] == '*' {
		return len(got) > n-1 && got[:n-1] == want[:n-1]
	}
	return got == want
}

func TestParsePaymentOptions(t *testing.T) {
	tests := []struct {
		in   string
		want paymentOptions
	}{
		{"", paymentOptions{}},
		{"l", paymentOptions{mode: payments.ModePaymentLink}},
		{"c", paymentOptions{mode: payments.ModePaymentIntent}},
		{"lr(+15551230000)", paymentOptions{mode: payments.ModePaymentLink, recipient: "+15551230000"}},
		{"p(pm_card_mastercard)", paymentOptions{method: "pm_card_mastercard"}},
	}
	for _, tc := range tests {
		if got := parsePaymentOptions(tc.in); got != tc.want {
			t.Errorf("parsePaymentOptions(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestAmountWords(t *testing.T) {
	ch := paymentChannel(t)
	ch.SetLanguage("es")
	f := amountWordsFunction()
	for args, want := range map[string]string{
		"120.00,usd":    "120 dólares",
		"120.50,USD,fr": "120 dollars et 50 cents",
		"120.00,,en":    "120 dollars",
		"5000,jpy,ar":   "5000 ين",
	} {
		if got, err := f.Read(ch, args); err != nil || got != want {
			t.Errorf("AMOUNT_WORDS(%s) = %q, %v; want %q", args, got, err, want)
		}
	}
}

// TestStripeConf: the demo's stripe.conf is read with the other domain
// files (stripe-mock's port, a test key, paymentintent); without the file
// the defaults hold; a bad mode is an error at its line.
func TestStripeConf(t *testing.T) {
	cfg, diags := LoadConfig(testdata.Demo, NewRegistry())
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	p := cfg.Payments
	if p == nil || p.BaseURL != "http://127.0.0.1:12111" || p.Mode != payments.ModePaymentIntent || p.Currency != "usd" ||
		!strings.HasPrefix(p.Key(func(string) string { return "" }), "sk_test_") {
		t.Errorf("demo stripe.conf: %+v", p)
	}
	for _, want := range []string{"collections", "collections-en", "collections-fr", "collections-ar", "collections-es"} {
		if cfg.Dialplan.Context(want) == nil {
			t.Errorf("demo context %q missing", want)
		}
	}
	ext := "[default]\nexten => s,1,StripePayment(1.00,usd)\n"
	cfg, diags = LoadConfig(fstest.MapFS{"extensions.conf": {Data: []byte(ext)}}, NewRegistry())
	if diags.HasErrors() || cfg.Payments != nil {
		t.Errorf("without stripe.conf: %v, %+v", diags, cfg.Payments)
	}
	sw := &Switch{}
	sw.cfg.Store(cfg)
	if got := sw.paymentsConfig(); *got != *payments.DefaultConfig() {
		t.Errorf("without stripe.conf the switch uses %+v", got)
	}
	_, diags = LoadConfig(fstest.MapFS{"extensions.conf": {Data: []byte(ext)}, "stripe.conf": {Data: []byte("[general]\nmode = cash\n")}}, NewRegistry())
	if err := diags.Err(); err == nil || !strings.Contains(err.Error(), "stripe.conf:2") {
		t.Errorf("mode = cash: %v, want an error at stripe.conf:2", err)
	}
}

// TestStripePaymentSimulated: outside a switch (obelisk simulate) no
// request is made and the payment succeeds as pi_simulated.
func TestStripePaymentSimulated(t *testing.T) {
	t.Setenv(payments.DefaultKeyEnv, "sk_test_must_not_be_used")
	ch := paymentChannel(t)
	if err := stripePaymentApp().Exec(context.Background(), ch, "120.00,usd,Acme"); err != nil {
		t.Fatal(err)
	}
	if got := paymentVars(ch); got["PAYMENT_STATUS"] != "succeeded" || got["PAYMENT_ID"] != simulatedPayment || got["PAYMENT_ATTEMPT"] != "" {
		t.Errorf("simulated payment: %v", got)
	}
}

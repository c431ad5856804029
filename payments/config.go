package payments

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Mode is how a payment is taken.
type Mode int

// Modes of stripe.conf's mode option.
const (
	// ModeUnknown is the zero Mode: the configuration's mode.
	ModeUnknown Mode = iota
	// ModePaymentIntent creates a PaymentIntent confirmed at once with the
	// configured payment method (a card on file; pm_card_visa in test
	// mode): the result is known during the call.
	ModePaymentIntent
	// ModePaymentLink creates a Payment Link, read out and sent to the
	// customer through the link hook (SMS or e-mail): the customer pays
	// later.
	ModePaymentLink
)

// String returns the mode as stripe.conf spells it.
func (m Mode) String() string {
	switch m {
	case ModePaymentIntent:
		return "paymentintent"
	case ModePaymentLink:
		return "paymentlink"
	}
	return "unknown"
}

// ParseMode reads a mode: paymentintent (or intent) and paymentlink (or
// link), any case.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "paymentintent", "intent":
		return ModePaymentIntent, nil
	case "paymentlink", "link":
		return ModePaymentLink, nil
	}
	return ModeUnknown, fmt.Errorf("payments: unknown mode %q (want paymentintent or paymentlink)", s)
}

// Defaults of stripe.conf.
const (
	// DefaultBaseURL is Stripe's API.
	DefaultBaseURL = "https://api.stripe.com"
	// DefaultKeyEnv is the environment variable read for the secret key
	// when the file has none.
	DefaultKeyEnv = "STRIPE_SECRET_KEY"
	// DefaultCurrency is used when the dialplan gives none.
	DefaultCurrency Currency = "usd"
	// DefaultPaymentMethod is Stripe's test Visa card.
	DefaultPaymentMethod = "pm_card_visa"
	// DefaultTimeout bounds each request to Stripe (and to the link hook).
	DefaultTimeout = 15 * time.Second
	// DefaultRetries is how many times a request that failed on the
	// network or with a 409/429/5xx is retried (stripe-go's backoff).
	DefaultRetries = 1
)

// Config is stripe.conf, an Obelisk file (Asterisk has none):
//
//	[general]
//	secret_key = sk_test_…          ; or leave it out and set secret_key_env's variable
//	secret_key_env = STRIPE_SECRET_KEY
//	base_url = https://api.stripe.com  ; stripe-mock: http://127.0.0.1:12111
//	currency = usd                  ; when StripePayment gives none
//	mode = paymentintent            ; or paymentlink
//	payment_method = pm_card_visa   ; what a PaymentIntent is confirmed with
//	link_hook = https://sms.example.com/send  ; POSTed each payment link (JSON)
//	timeout = 15                    ; seconds per request
//	retries = 1
type Config struct {
	// SecretKey is the API key; empty means the variable KeyEnv names.
	SecretKey string
	// KeyEnv is the environment variable holding the key when SecretKey
	// is empty.
	KeyEnv string
	// BaseURL is where Stripe's API is (stripe-mock's address in tests).
	BaseURL string
	// Currency is the default currency.
	Currency Currency
	// Mode is the default way to take a payment.
	Mode Mode
	// PaymentMethod confirms PaymentIntents (a pm_… id).
	PaymentMethod string
	// LinkHook receives each payment link (empty: the link is only read
	// out and set in PAYMENT_URL).
	LinkHook string
	// Timeout bounds each HTTP request.
	Timeout time.Duration
	// Retries is stripe-go's MaxNetworkRetries.
	Retries int
}

// DefaultConfig is the configuration without stripe.conf.
func DefaultConfig() *Config {
	return &Config{
		KeyEnv:        DefaultKeyEnv,
		BaseURL:       DefaultBaseURL,
		Currency:      DefaultCurrency,
		Mode:          ModePaymentIntent,
		PaymentMethod: DefaultPaymentMethod,
		Timeout:       DefaultTimeout,
		Retries:       DefaultRetries,
	}
}

// Key returns the secret key: SecretKey, else getenv(KeyEnv).
func (c *Config) Key(getenv func(string) string) string {
	if c.SecretKey != "" {
		return c.SecretKey
	}
	if c.KeyEnv == "" || getenv == nil {
		return ""
	}
	return strings.TrimSpace(getenv(c.KeyEnv))
}

// LoadConfig reads stripe.conf's [general] over DefaultConfig. Unknown
// options and sections are warnings; bad values (a mode, a currency, a URL
// that is not http(s)) are errors at their file:line.
func LoadConfig(f *config.File) (*Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := DefaultConfig()
	for _, s := range f.Sections {
		if !strings.EqualFold(s.Name, "general") {
			diags = append(diags, config.Warnf(s.Pos, "unknown section [%s] in %s (payments read [general])", s.Name, f.Name))
			continue
		}
		r := config.NewSectionReader(f.Name, s, &diags)
		r.String("secret_key", &cfg.SecretKey)
		r.String("secret_key_env", &cfg.KeyEnv)
		if e, ok := r.Lookup("base_url"); ok {
			if u, err := url.Parse(e.Value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				r.Errorf(e.Pos, "base_url %q is not an http(s) URL", e.Value)
			} else {
				cfg.BaseURL = strings.TrimRight(e.Value, "/")
			}
		}
		if e, ok := r.Lookup("currency"); ok {
			if c, err := ParseCurrency(e.Value); err != nil {
				r.Errorf(e.Pos, "currency %q is not a three-letter ISO 4217 code", e.Value)
			} else {
				cfg.Currency = c
			}
		}
		if e, ok := r.Lookup("mode"); ok {
			if m, err := ParseMode(e.Value); err != nil {
				r.Errorf(e.Pos, "mode %q: want paymentintent or paymentlink", e.Value)
			} else {
				cfg.Mode = m
			}
		}
		r.String("payment_method", &cfg.PaymentMethod)
		if e, ok := r.Lookup("link_hook"); ok {
			if u, err := url.Parse(e.Value); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				r.Errorf(e.Pos, "link_hook %q is not an http(s) URL", e.Value)
			} else {
				cfg.LinkHook = e.Value
			}
		}
		r.Duration("timeout", &cfg.Timeout, time.Second, 10*time.Minute)
		r.Int("retries", &cfg.Retries, 0, 10)
		r.Unknown()
	}
	return cfg, diags
}

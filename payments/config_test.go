package payments

import (
	"strings"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
	"github.com/obelisk-pbx/obelisk/config/configtest"
)

func TestLoadConfig(t *testing.T) {
	cfg, msgs := configtest.Load(t, "stripe.conf", `[general]
secret_key_env = ACME_STRIPE
base_url = http://127.0.0.1:12111/
currency = EUR
mode = paymentlink
payment_method = pm_card_mastercard
link_hook = https://sms.example.com/send
timeout = 5
retries = 0
colour = red
`, LoadConfig)
	if !strings.Contains(msgs, "stripe.conf:10") || strings.Count(msgs, "\n") != 0 {
		t.Errorf("diagnostics %q, want one warning, the unknown option at stripe.conf:10", msgs)
	}
	want := Config{KeyEnv: "ACME_STRIPE", BaseURL: "http://127.0.0.1:12111", Currency: "eur", Mode: ModePaymentLink,
		PaymentMethod: "pm_card_mastercard", LinkHook: "https://sms.example.com/send", Timeout: 5 * time.Second, Retries: 0}
	if *cfg != want {
		t.Errorf("config %+v, want %+v", *cfg, want)
	}
	env := map[string]string{"ACME_STRIPE": "sk_test_env", "STRIPE_SECRET_KEY": "sk_test_default"}
	if k := cfg.Key(func(k string) string { return env[k] }); k != "sk_test_env" {
		t.Errorf("key %q, want the one of $ACME_STRIPE", k)
	}
	if k := DefaultConfig().Key(func(k string) string { return env[k] }); k != "sk_test_default" {
		t.Errorf("default key %q, want $STRIPE_SECRET_KEY's", k)
	}
	if k := (&Config{SecretKey: "sk_test_file", KeyEnv: "ACME_STRIPE"}).Key(func(k string) string { return env[k] }); k != "sk_test_file" {
		t.Errorf("key %q, want the file's", k)
	}

	for _, tc := range []struct{ name, text, want string }{
		{"mode", "[general]\nmode = cheque\n", "stripe.conf:2"},
		{"currency", "[general]\ncurrency = dollars\n", "stripe.conf:2"},
		{"base url", "[general]\nbase_url = ftp://stripe\n", "stripe.conf:2"},
		{"hook", "[general]\nlink_hook = sms\n", "stripe.conf:2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, _ := config.Parse("stripe.conf", strings.NewReader(tc.text))
			_, diags := LoadConfig(f)
			if msgs := configtest.Messages(diags); !diags.HasErrors() || !strings.Contains(msgs, tc.want) {
				t.Errorf("diagnostics %q, want an error at %s", msgs, tc.want)
			}
		})
	}
}

func TestModeAndFailureKindNames(t *testing.T) {
	for _, m := range []Mode{ModePaymentIntent, ModePaymentLink} {
		if got, err := ParseMode(m.String()); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if m, err := ParseMode("link"); m != ModePaymentLink || err != nil {
		t.Errorf("ParseMode(link) = %v, %v", m, err)
	}
	if _, err := ParseMode("cash"); err == nil {
		t.Error("ParseMode(cash) accepted")
	}
	if ModeUnknown.String() != "unknown" {
		t.Errorf("ModeUnknown is %q", ModeUnknown)
	}
	for k := FailureUnknown; k <= FailureUnavailable; k++ {
		if got, err := ParseFailureKind(k.String()); err != nil || got != k {
			t.Errorf("ParseFailureKind(%q) = %v, %v", k.String(), got, err)
		}
	}
	if FailureKind(99).String() != "unknown" {
		t.Error("an out-of-range kind is not unknown")
	}
}

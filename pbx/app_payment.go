package pbx

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/obelisk-pbx/obelisk/ivr"
	"github.com/obelisk-pbx/obelisk/payments"
)

// StripeConf is stripe.conf, the payments' settings (an Obelisk file).
const StripeConf = "stripe.conf"

// paymentsConfig returns stripe.conf's settings in force (the defaults
// without the file).
func (s *Switch) paymentsConfig() *payments.Config {
	if cfg := s.Config(); cfg != nil && cfg.Payments != nil {
		return cfg.Payments
	}
	return payments.DefaultConfig()
}

// Payment statuses StripePayment sets besides the PaymentIntent's own
// (succeeded, processing, requires_action …) and the link's (link-sent,
// link-created).
const (
	// paymentFailed is a payment refused or not reached (PAYMENT_ERROR
	// says why).
	paymentFailed = "failed"
)

// paymentOptions are StripePayment's options, parsed.
type paymentOptions struct {
	mode      payments.Mode
	recipient string // r(…)
	method    string // p(…)
}

func parsePaymentOptions(s string) paymentOptions {
	var o paymentOptions
	flags := parseDialOptions(s)
	if _, ok := flags['l']; ok {
		o.mode = payments.ModePaymentLink
	}
	if _, ok := flags['c']; ok {
		o.mode = payments.ModePaymentIntent
	}
	o.recipient = strings.TrimSpace(flags['r'])
	o.method = strings.TrimSpace(flags['p'])
	return o
}

// simulatedPayment is PAYMENT_ID in `obelisk simulate`, where no request
// is made.
const simulatedPayment = "pi_simulated"

// paymentMetadata are the channel variables StripePayment attaches to the
// payment as Stripe metadata, when set, under their lower-case names.
var paymentMetadata = []string{"CAMPAIGN", "CUSTOMER_ID", "CUSTOMER_NAME"}

// stripePaymentApp takes a payment with Stripe during the call.
//
// # Syntax
//
//	StripePayment(amount[,currency[,description[,options]]])
//
// amount is a decimal string ("120.00") in currency (stripe.conf's
// currency when empty); it is sent in the currency's minor units (12000
// cents; ¥120 is 120). In paymentintent mode (stripe.conf's default) a
// PaymentIntent is created and confirmed at once with stripe.conf's
// payment_method (Stripe's test card pm_card_visa by default), so the
// outcome is known before the application returns. In paymentlink mode a
// Payment Link is created, set in PAYMENT_URL for the dialplan to read out
// and POSTed to stripe.conf's link_hook (a JSON body: event, id, url,
// amount, currency, recipient, metadata) for an SMS or an e-mail. The
// channel's CAMPAIGN, CUSTOMER_ID, CUSTOMER_NAME and UNIQUEID go with it as
// metadata, and each attempt of a call has its own idempotency key
// (UNIQUEID-n), so Stripe never charges one attempt twice.
//
// The application never hangs up the call: a declined card, Stripe out of
// reach or a rejected key is logged and left in the variables, for the
// dialplan to announce. It sets:
//
//   - PAYMENT_STATUS: the PaymentIntent's status (succeeded, processing,
//     requires_action, requires_payment_method …), link-sent or
//     link-created for a link (link-created when there is no hook or it
//     failed), or failed.
//   - PAYMENT_ID: pi_… or plink_… (a declined PaymentIntent's id too).
//   - PAYMENT_URL: the payment link.
//   - PAYMENT_ERROR: on failure, declined, invalid, auth, rate-limited,
//     unavailable or unknown (hook for a link whose hook failed); empty
//     otherwise.
//   - PAYMENT_ERROR_CODE: Stripe's decline_code, else its code
//     (insufficient_funds, card_declined, resource_missing …).
//
// `obelisk simulate` makes no request: the payment succeeds as
// pi_simulated.
//
// # Options
//
//   - l: a Payment Link whatever stripe.conf's mode; c: a confirmed
//     PaymentIntent.
//   - r(recipient): who the link hook sends the link to (a number, an
//     address); CALLERID(num) by default.
//   - p(pm_…): the payment method to confirm with.
//
// # Example
//
//	exten => 1,1,StripePayment(${AMOUNT_DUE},${CURRENCY},Acme ${CUSTOMER_ID})
//	 same => n,GotoIf($["${PAYMENT_STATUS}" = "succeeded"]?paid)
func stripePaymentApp() *ivr.App {
	return &ivr.App{
		Name:     "StripePayment",
		Synopsis: "Take a payment with Stripe: StripePayment(amount[,currency[,description[,options]]]); options l, c, r(recipient), p(pm); sets PAYMENT_STATUS, PAYMENT_ID, PAYMENT_URL, PAYMENT_ERROR",
		Exec: func(ctx context.Context, ch *ivr.Channel, args string) error {
			parts := ivr.SplitArgs(args)
			o := parsePaymentOptions(arg(parts, 3))
			s := switchOf(ch)
			if s == nil {
				// The simulator: no money moves.
				ch.Logger().Info("StripePayment: simulated, no request to Stripe", "amount", arg(parts, 0), "currency", arg(parts, 1))
				for v, val := range map[string]string{"PAYMENT_STATUS": "succeeded", "PAYMENT_ID": simulatedPayment, "PAYMENT_URL": "", "PAYMENT_ERROR": "", "PAYMENT_ERROR_CODE": ""} {
					ch.SetVar(v, val)
				}
				return nil
			}
			return stripePayment(ctx, ch, s.paymentsConfig(), os.Getenv, payments.Request{
				Amount:        strings.TrimSpace(arg(parts, 0)),
				Currency:      payments.Currency(strings.ToLower(strings.TrimSpace(arg(parts, 1)))),
				Description:   strings.TrimSpace(arg(parts, 2)),
				Mode:          o.mode,
				PaymentMethod: o.method,
				Recipient:     o.recipient,
			})
		},
	}
}

// stripePayment runs one payment for ch and sets its variables.
func stripePayment(ctx context.Context, ch *ivr.Channel, cfg *payments.Config, getenv func(string) string, req payments.Request) error {
	log := ch.Logger()
	for _, v := range []string{"PAYMENT_STATUS", "PAYMENT_ID", "PAYMENT_URL", "PAYMENT_ERROR", "PAYMENT_ERROR_CODE"} {
		ch.SetVar(v, "")
	}
	fail := func(kind, code string) error {
		ch.SetVar("PAYMENT_STATUS", paymentFailed)
		ch.SetVar("PAYMENT_ERROR", kind)
		ch.SetVar("PAYMENT_ERROR_CODE", code)
		return nil
	}
	if req.Amount == "" {
		log.Warn("StripePayment requires an argument (amount)")
		return fail(payments.FailureInvalid.String(), "")
	}
	client, err := payments.New(*cfg, cfg.Key(getenv), payments.WithLogger(log))
	if err != nil {
		log.Warn("StripePayment: no secret key in stripe.conf (secret_key) nor in $"+cfg.KeyEnv, "error", err)
		return fail(payments.FailureAuth.String(), "")
	}
	uid := ch.Var("UNIQUEID")
	n, _ := strconv.Atoi(ch.Var("PAYMENT_ATTEMPT"))
	n++
	ch.SetVar("PAYMENT_ATTEMPT", strconv.Itoa(n))
	if uid != "" {
		req.IdempotencyKey = fmt.Sprintf("%s-%d", uid, n)
	}
	req.Metadata = map[string]string{}
	for _, v := range paymentMetadata {
		if val := ch.Var(v); val != "" {
			req.Metadata[strings.ToLower(v)] = val
		}
	}
	if uid != "" {
		req.Metadata["uniqueid"] = uid
	}
	if req.Recipient == "" {
		req.Recipient = ch.CallerID().Num
	}
	res, err := client.Pay(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return ivr.ErrHangup
		}
		f := payments.Classify(err)
		log.Warn("StripePayment: the payment was not made", "kind", f.Kind, "code", f.Code, "decline_code", f.DeclineCode, "error", f.Message)
		ch.SetVar("PAYMENT_ID", f.PaymentIntent)
		return fail(f.Kind.String(), firstNonEmpty(f.DeclineCode, f.Code))
	}
	ch.SetVar("PAYMENT_STATUS", res.Status)
	ch.SetVar("PAYMENT_ID", res.ID)
	ch.SetVar("PAYMENT_URL", res.URL)
	if res.HookErr != nil {
		ch.SetVar("PAYMENT_ERROR", "hook")
	}
	return nil
}

// amountWordsFunction is AMOUNT_WORDS(amount,currency[,lang]): an amount
// as words a text-to-speech voice reads naturally (payments.Spoken) in
// lang, the channel's language by default: "120.00" in usd is "120
// dollars" in English, "120 dólares" in Spanish, "120 dollars et 50
// cents" for 120.50 in French. Obelisk's; Asterisk has SayNumber.
//
//	same => n,Speak(You owe ${AMOUNT_WORDS(${AMOUNT_DUE},${CURRENCY})}.)
func amountWordsFunction() *ivr.Function {
	return &ivr.Function{
		Name:     "AMOUNT_WORDS",
		Synopsis: "An amount in words for text-to-speech: AMOUNT_WORDS(amount,currency[,lang])",
		Read: func(ch *ivr.Channel, args string) (string, error) {
			parts := ivr.SplitArgs(args)
			lang := strings.TrimSpace(arg(parts, 2))
			if lang == "" {
				lang = ch.Language()
			}
			cur := payments.Currency(strings.ToLower(strings.TrimSpace(arg(parts, 1))))
			if cur == "" {
				cur = payments.DefaultCurrency
				if s := switchOf(ch); s != nil {
					cur = s.paymentsConfig().Currency
				}
			}
			return payments.Spoken(strings.TrimSpace(arg(parts, 0)), cur, lang), nil
		},
	}
}

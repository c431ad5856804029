package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/stripe/stripe-go/v82"
)

// Request is one payment to take.
type Request struct {
	// Amount is a decimal string in Currency ("120.00").
	Amount string
	// Currency is the amount's currency; empty is the configuration's.
	Currency Currency
	// Mode overrides the configuration's mode unless ModeUnknown.
	Mode Mode
	// Description is shown on the payment in Stripe's dashboard (and as
	// the payment link's product name).
	Description string
	// PaymentMethod overrides the configured one for a PaymentIntent.
	PaymentMethod string
	// Metadata is attached to the PaymentIntent or Payment Link
	// (campaign, customer id, the call's uniqueid).
	Metadata map[string]string
	// IdempotencyKey, when set, makes a retried request create nothing
	// twice (Stripe's Idempotency-Key header).
	IdempotencyKey string
	// Recipient is who the link hook should send a payment link to (a
	// phone number or an address), passed through as is.
	Recipient string
}

// Result is a payment created.
type Result struct {
	// Mode is how the payment was taken.
	Mode Mode
	// ID is Stripe's id: pi_… for a PaymentIntent, plink_… for a link.
	ID string
	// Status is the PaymentIntent's status (succeeded, processing,
	// requires_action …); for a payment link, "link-sent" once the hook
	// took it, else "link-created".
	Status string
	// URL is the payment link's address.
	URL string
	// Amount is in the currency's minor units.
	Amount   int64
	Currency Currency
	// HookErr is the link hook's failure, if any (the link exists).
	HookErr error
}

// Paid reports whether the money was taken.
func (r Result) Paid() bool {
	return r.Mode == ModePaymentIntent && r.Status == string(stripe.PaymentIntentStatusSucceeded)
}

// Client takes payments with Stripe's API.
type Client struct {
	cfg  Config
	sc   *stripe.Client
	http *http.Client
	log  *slog.Logger
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client of the Stripe and hook requests.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithLogger sets the client's logger.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// New returns a client of cfg's base URL with the secret key key.
func New(cfg Config, key string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(key) == "" {
		return nil, ErrNoKey
	}
	c := &Client{cfg: cfg, log: slog.Default()}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: cmp(cfg.Timeout, DefaultTimeout)}
	}
	c.log = c.log.With("component", "payments")
	retries := int64(max(cfg.Retries, 0))
	backends := stripe.NewBackendsWithConfig(&stripe.BackendConfig{
		URL:               stripe.String(cmp(strings.TrimRight(cfg.BaseURL, "/"), DefaultBaseURL)),
		HTTPClient:        c.http,
		MaxNetworkRetries: &retries,
		LeveledLogger:     slogLeveled{c.log},
	})
	c.sc = stripe.NewClient(key, stripe.WithBackends(backends))
	return c, nil
}

func cmp[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Pay creates the payment of r: a confirmed PaymentIntent, or a Payment
// Link handed to the link hook. Stripe's refusals come back as a *Failure
// (errors.As), as do network errors.
func (c *Client) Pay(ctx context.Context, r Request) (Result, error) {
	cur := r.Currency
	if cur == "" {
		cur = cmp(c.cfg.Currency, DefaultCurrency)
	}
	cur, err := ParseCurrency(string(cur))
	if err != nil {
		return Result{}, &Failure{Kind: FailureInvalid, Message: err.Error(), Err: err}
	}
	minor, err := MinorUnits(r.Amount, cur)
	if err != nil {
		return Result{}, &Failure{Kind: FailureInvalid, Message: err.Error(), Err: err}
	}
	mode := r.Mode
	if mode == ModeUnknown {
		mode = cmp(c.cfg.Mode, ModePaymentIntent)
	}
	if mode == ModePaymentLink {
		return c.link(ctx, r, cur, minor)
	}
	return c.intent(ctx, r, cur, minor)
}

// intent creates and confirms a PaymentIntent (POST /v1/payment_intents
// with confirm=true): Stripe charges the payment method at once and
// answers with the outcome (succeeded, or a card_error 402).
func (c *Client) intent(ctx context.Context, r Request, cur Currency, minor int64) (Result, error) {
	p := &stripe.PaymentIntentCreateParams{
		Amount:             stripe.Int64(minor),
		Currency:           stripe.String(string(cur)),
		Confirm:            stripe.Bool(true),
		PaymentMethod:      stripe.String(cmp(r.PaymentMethod, cmp(c.cfg.PaymentMethod, DefaultPaymentMethod))),
		PaymentMethodTypes: stripe.StringSlice([]string{"card"}),
		Metadata:           r.Metadata,
	}
	if r.Description != "" {
		p.Description = stripe.String(r.Description)
	}
	if r.IdempotencyKey != "" {
		p.SetIdempotencyKey(r.IdempotencyKey)
	}
	pi, err := c.sc.V1PaymentIntents.Create(ctx, p)
	if err != nil {
		return Result{}, classify("create payment intent", err)
	}
	res := Result{Mode: ModePaymentIntent, ID: pi.ID, Status: string(pi.Status), Amount: minor, Currency: cur}
	c.log.Info("payment intent", "id", pi.ID, "status", pi.Status, "amount", FormatMinor(minor, cur), "currency", cur)
	return res, nil
}

// link creates a Payment Link for one item of the amount
// (POST /v1/payment_links, line_items[0][price_data]) and posts it to the
// link hook.
func (c *Client) link(ctx context.Context, r Request, cur Currency, minor int64) (Result, error) {
	name := cmp(r.Description, "Payment")
	p := &stripe.PaymentLinkCreateParams{
		LineItems: []*stripe.PaymentLinkCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.PaymentLinkCreateLineItemPriceDataParams{
				Currency:    stripe.String(string(cur)),
				UnitAmount:  stripe.Int64(minor),
				ProductData: &stripe.PaymentLinkCreateLineItemPriceDataProductDataParams{Name: stripe.String(name)},
			},
		}},
		Metadata: r.Metadata,
	}
	if r.IdempotencyKey != "" {
		p.SetIdempotencyKey(r.IdempotencyKey)
	}
	pl, err := c.sc.V1PaymentLinks.Create(ctx, p)
	if err != nil {
		return Result{}, classify("create payment link", err)
	}
	res := Result{Mode: ModePaymentLink, ID: pl.ID, Status: LinkCreated, URL: pl.URL, Amount: minor, Currency: cur}
	if c.cfg.LinkHook != "" {
		if err := c.postLink(ctx, r, res); err != nil {
			res.HookErr = err
			c.log.Warn("payment link hook failed", "id", pl.ID, "hook", c.cfg.LinkHook, "error", err)
		} else {
			res.Status = LinkSent
		}
	}
	c.log.Info("payment link", "id", pl.ID, "status", res.Status, "amount", FormatMinor(minor, cur), "currency", cur)
	return res, nil
}

// Statuses of a payment link's Result.
const (
	// LinkCreated is a link that exists but was not handed to a hook.
	LinkCreated = "link-created"
	// LinkSent is a link the hook accepted (2xx) for sending.
	LinkSent = "link-sent"
)

// LinkEvent is the JSON body POSTed to the link hook.
type LinkEvent struct {
	// Event is "payment_link".
	Event     string            `json:"event"`
	ID        string            `json:"id"`
	URL       string            `json:"url"`
	Amount    string            `json:"amount"`
	Currency  string            `json:"currency"`
	Recipient string            `json:"recipient,omitempty"`
	Metadata  map[string]string `json:"metadata,omitempty"`
}

func (c *Client) postLink(ctx context.Context, r Request, res Result) error {
	body, err := json.Marshal(LinkEvent{
		Event: "payment_link", ID: res.ID, URL: res.URL, Amount: FormatMinor(res.Amount, res.Currency),
		Currency: string(res.Currency), Recipient: r.Recipient, Metadata: r.Metadata,
	})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.LinkHook, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("link hook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("link hook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("link hook: %s", resp.Status)
	}
	return nil
}

// slogLeveled is stripe-go's logger on slog (its errors at Warn: Pay
// returns them to the caller, who decides).
type slogLeveled struct{ l *slog.Logger }

func (s slogLeveled) Debugf(f string, v ...any) { s.l.Debug(fmt.Sprintf(f, v...)) }
func (s slogLeveled) Infof(f string, v ...any)  { s.l.Debug(fmt.Sprintf(f, v...)) }
func (s slogLeveled) Warnf(f string, v ...any)  { s.l.Debug(fmt.Sprintf(f, v...)) }
func (s slogLeveled) Errorf(f string, v ...any) { s.l.Debug(fmt.Sprintf(f, v...)) }

var _ stripe.LeveledLoggerInterface = slogLeveled{}

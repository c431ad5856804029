package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/stripe/stripe-go/v82"
)

// FailureKind is why a payment was not made, in the terms a call
// announces it.
type FailureKind int

// Failure kinds.
const (
	// FailureUnknown is an error of no known kind.
	FailureUnknown FailureKind = iota
	// FailureDeclined is a card_error: the card was declined (402), with
	// Stripe's code and decline_code.
	FailureDeclined
	// FailureInvalid is a request Stripe refused (400/404
	// invalid_request_error) or an amount that is not one.
	FailureInvalid
	// FailureAuth is a key Stripe rejected (401/403).
	FailureAuth
	// FailureRateLimited is Stripe's 429.
	FailureRateLimited
	// FailureUnavailable is Stripe out of reach: a network error, a
	// timeout, a 5xx or an api_error.
	FailureUnavailable
)

var failureNames = [...]string{"unknown", "declined", "invalid", "auth", "rate-limited", "unavailable"}

// String returns the kind as PAYMENT_ERROR holds it.
func (k FailureKind) String() string {
	if k < 0 || int(k) >= len(failureNames) {
		return "unknown"
	}
	return failureNames[k]
}

// ParseFailureKind reads a kind as String writes it.
func ParseFailureKind(s string) (FailureKind, error) {
	for i, n := range failureNames {
		if n == s {
			return FailureKind(i), nil
		}
	}
	return FailureUnknown, fmt.Errorf("payments: unknown failure kind %q", s)
}

// Failure is a payment that was not made.
type Failure struct {
	Kind FailureKind
	// Code is Stripe's error code (card_declined, expired_card,
	// resource_missing …) and DeclineCode the issuer's reason
	// (insufficient_funds …), when Stripe gave them.
	Code, DeclineCode string
	// HTTPStatus is Stripe's status code (0 when none came back).
	HTTPStatus int
	// Message is Stripe's message, or the error's.
	Message string
	// PaymentIntent is the id of the PaymentIntent a card_error left, if
	// any.
	PaymentIntent string
	// Err is the underlying error.
	Err error
}

// Error says the kind, Stripe's codes and message:
// "payment declined (card_declined/insufficient_funds): …".
func (f *Failure) Error() string {
	s := "payment " + f.Kind.String()
	if f.Code != "" {
		s += " (" + f.Code
		if f.DeclineCode != "" {
			s += "/" + f.DeclineCode
		}
		s += ")"
	}
	if f.Message != "" {
		s += ": " + f.Message
	}
	return s
}

// Unwrap returns the underlying error (a *stripe.Error, a network error).
func (f *Failure) Unwrap() error { return f.Err }

// classify turns stripe-go's error into a *Failure, with what was being
// done.
func classify(doing string, err error) *Failure {
	f := &Failure{Kind: FailureUnavailable, Message: doing + ": " + err.Error(), Err: err}
	var se *stripe.Error
	if !errors.As(err, &se) {
		if errors.Is(err, context.Canceled) {
			f.Kind = FailureUnknown
		}
		return f
	}
	f.Code, f.DeclineCode = string(se.Code), string(se.DeclineCode)
	f.HTTPStatus, f.Message = se.HTTPStatusCode, doing+": "+se.Msg
	if se.PaymentIntent != nil {
		f.PaymentIntent = se.PaymentIntent.ID
	}
	switch {
	case se.Type == stripe.ErrorTypeCard || se.HTTPStatusCode == http.StatusPaymentRequired:
		f.Kind = FailureDeclined
	case se.HTTPStatusCode == http.StatusUnauthorized || se.HTTPStatusCode == http.StatusForbidden:
		f.Kind = FailureAuth
	case se.HTTPStatusCode == http.StatusTooManyRequests:
		f.Kind = FailureRateLimited
	case se.HTTPStatusCode >= 500 || se.Type == stripe.ErrorTypeAPI:
		f.Kind = FailureUnavailable
	case se.HTTPStatusCode >= 400:
		f.Kind = FailureInvalid
	default:
		f.Kind = FailureUnknown
	}
	return f
}

// Classify returns err's *Failure (a Failure kind for any error Pay
// returns).
func Classify(err error) *Failure {
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	return &Failure{Kind: FailureUnknown, Message: err.Error(), Err: err}
}

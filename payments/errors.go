package payments

import "errors"

// Sentinel errors of the package.
var (
	// ErrBadAmount is an amount that is not a positive decimal number with
	// at most the currency's decimals.
	ErrBadAmount = errors.New("payments: bad amount")
	// ErrBadCurrency is a currency that is not a three-letter ISO 4217 code.
	ErrBadCurrency = errors.New("payments: bad currency")
	// ErrNoKey is a client without a secret key (stripe.conf's secret_key
	// or the environment variable it names).
	ErrNoKey = errors.New("payments: no Stripe secret key configured")
)

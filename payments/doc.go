// Package payments takes a customer's payment during a call: the Stripe
// client of the collections flow (seeds 000 and 004, issue 6).
//
// A [Client] creates either a PaymentIntent confirmed at once with a
// configured payment method (Stripe's "charge a saved card" flow:
// POST /v1/payment_intents with confirm=true, payment_method=pm_…), or a
// Payment Link (POST /v1/payment_links with one line item whose price is
// made on the fly), whose URL an HTTP hook may send by SMS or e-mail. It
// speaks Stripe's real HTTP API through github.com/stripe/stripe-go with a
// configurable base URL, so tests run it against stripe-mock.
//
// Amounts are decimal strings ("120.00") as the dialplan holds them;
// [MinorUnits] turns them into the integer Stripe wants, following
// Stripe's currency table (zero-decimal currencies such as JPY, the
// three-decimal ones such as KWD). [Spoken] says an amount in words a
// text-to-speech engine reads naturally in English, French, Spanish or
// Arabic.
//
// Errors are classified ([Failure]) so a call announces them politely:
// a declined card, an API that cannot be reached, a rejected key.
//
// The dialplan side is pbx's StripePayment application; the file is
// stripe.conf ([LoadConfig]).
package payments

package campaign

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Status is where a customer is: pending, calling, or the result of the
// last attempt. The results the dialplan leaves in CAMPAIGN_RESULT are
// statuses too (paid, promised, agent, declined, no-input …), kept as
// written in lower case.
type Status string

// Statuses of a customer.
const (
	// StatusPending: not called yet.
	StatusPending Status = "pending"
	// StatusCalling: an attempt is under way.
	StatusCalling Status = "calling"
	// StatusAnswered: answered, and the dialplan left no CAMPAIGN_RESULT.
	StatusAnswered Status = "answered"
	// StatusPaid, StatusPromised, StatusAgent, StatusDeclined and
	// StatusNoInput are the collections dialplan's results.
	StatusPaid     Status = "paid"
	StatusPromised Status = "promised"
	StatusAgent    Status = "agent"
	StatusDeclined Status = "declined"
	StatusNoInput  Status = "no-input"
	// StatusMachine: an answering machine answered (AMDSTATUS=MACHINE).
	StatusMachine Status = "machine"
	// StatusBusy, StatusNoAnswer, StatusCongestion and StatusFailed are
	// unanswered attempts (DIALSTATUS BUSY, NOANSWER, CONGESTION,
	// CHANUNAVAIL/FAILED).
	StatusBusy       Status = "busy"
	StatusNoAnswer   Status = "no-answer"
	StatusCongestion Status = "congestion"
	StatusFailed     Status = "failed"
	// StatusInvalidNumber: the trunk refused the number with one of the
	// campaign's never-retried codes (404, 484 …).
	StatusInvalidNumber Status = "invalid-number"
	// StatusInterrupted: the switch stopped or crashed during the
	// attempt; the customer is not called again (see the package doc).
	StatusInterrupted Status = "interrupted"
	// StatusStopped: the campaign was stopped before the customer was
	// done.
	StatusStopped Status = "stopped"
)

// Attempt is one call to a customer.
type Attempt struct {
	// N counts the customer's attempts from 1.
	N int `json:"n"`
	// Started is when the attempt was stored, just before dialling;
	// Answered and Ended are zero until they happen.
	Started  time.Time `json:"started"`
	Answered time.Time `json:"answered,omitzero"`
	Ended    time.Time `json:"ended,omitzero"`
	// Outcome is the attempt's result (a Status); empty while it runs.
	Outcome Status `json:"outcome,omitempty"`
	// DialStatus is the Originate's DIALSTATUS word (ANSWER, BUSY …).
	DialStatus string `json:"dialstatus,omitempty"`
	// SIPCode and SIPReason are the final response of an INVITE that
	// failed (486 Busy Here).
	SIPCode   int    `json:"sip_code,omitempty"`
	SIPReason string `json:"sip_reason,omitempty"`
	// Channel and Uniqueid name the call's channel (CDRs, AMI).
	Channel  string `json:"channel,omitempty"`
	Uniqueid string `json:"uniqueid,omitempty"`
}

// Customer is one person to call, and where their calls are.
type Customer struct {
	// Seq is the customer's place in the campaign (import order).
	Seq uint64 `json:"seq"`
	// ID is the customer's id in the user's own system (CUSTOMER_ID).
	ID string `json:"id"`
	// Name is the customer's name (CUSTOMER_NAME).
	Name string `json:"name,omitempty"`
	// Number is the number dialled, normalized (NormalizeNumber).
	Number string `json:"number"`
	// Amount is the amount due, a decimal with two places ("120.00").
	Amount string `json:"amount"`
	// Currency is its ISO 4217 code in lower case ("usd").
	Currency string `json:"currency"`
	// Language is the CHANNEL(language) of the call: en, fr, ar, es …
	Language string `json:"language"`
	// Timezone is the customer's IANA timezone, for the call windows.
	Timezone string `json:"timezone,omitempty"`

	// Status is pending, calling, or the last attempt's result.
	Status Status `json:"status"`
	// Done is set once the customer will not be called again.
	Done bool `json:"done"`
	// NextAt is when the customer is due: the import time, then the
	// retry time (the call windows may push it later).
	NextAt time.Time `json:"next_at,omitzero"`
	// Attempts are the calls made, oldest first.
	Attempts []Attempt `json:"attempts,omitempty"`
	// PaymentID, PaymentStatus and PaymentURL are what the dialplan
	// left of a payment (PAYMENT_ID …).
	PaymentID     string `json:"payment_id,omitempty"`
	PaymentStatus string `json:"payment_status,omitempty"`
	PaymentURL    string `json:"payment_url,omitempty"`
}

// clone returns a copy that shares nothing with c.
func (c *Customer) clone() *Customer {
	out := *c
	out.Attempts = append([]Attempt(nil), c.Attempts...)
	return &out
}

// NormalizeNumber returns number as dialled: E.164-ish digits. Blanks,
// dots, dashes, slashes and parentheses are dropped, a leading 00 becomes
// '+', and what is left must be 3 to 15 digits with an optional leading
// '+'. "+33 6 12-34-56-78" is "+33612345678", "(555) 010-0199" is
// "5550100199".
func NormalizeNumber(number string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(number) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case unicode.IsSpace(r) || strings.ContainsRune(".-/()", r):
		default:
			return "", fmt.Errorf("number %q: %w", number, ErrBadNumber)
		}
	}
	s := b.String()
	if strings.HasPrefix(s, "00") {
		s = "+" + s[2:]
	}
	digits := strings.TrimPrefix(s, "+")
	if len(digits) < 3 || len(digits) > 15 {
		return "", fmt.Errorf("number %q: want 3 to 15 digits: %w", number, ErrBadNumber)
	}
	return s, nil
}

// NormalizeAmount returns an amount due as a decimal with two places:
// "120" is "120.00", "1,234.5" is "1234.50", and the decimal commas of
// spreadsheets in other locales are read: "99,90" is "99.90", "1.234,50"
// is "1234.50". Currency signs and blanks around it are dropped.
func NormalizeAmount(amount string) (string, error) {
	s := strings.TrimFunc(amount, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.Is(unicode.Sc, r) || unicode.IsLetter(r)
	})
	dot, comma := strings.LastIndex(s, "."), strings.LastIndex(s, ",")
	switch {
	case dot >= 0 && comma > dot: // 1.234,50: the comma is the decimal point
		s = strings.ReplaceAll(s[:comma], ".", "") + "." + s[comma+1:]
	case dot < 0 && comma >= 0 && len(s)-comma-1 <= 2: // 99,90
		s = s[:comma] + "." + s[comma+1:]
	default: // 1,234.50 or 1,234
		s = strings.ReplaceAll(s, ",", "")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || s == "" {
		return "", fmt.Errorf("amount %q: %w", amount, ErrBadRow)
	}
	return strconv.FormatFloat(f, 'f', 2, 64), nil
}

// normalize checks a customer and fills in the campaign's defaults.
func (c *Customer) normalize(camp *Campaign) error {
	n, err := NormalizeNumber(c.Number)
	if err != nil {
		return err
	}
	c.Number = n
	c.ID = strings.TrimSpace(c.ID)
	if c.ID == "" {
		c.ID = n
	}
	c.Name = strings.TrimSpace(c.Name)
	if strings.TrimSpace(c.Amount) == "" {
		return fmt.Errorf("customer %s: no amount: %w", c.ID, ErrBadRow)
	}
	if c.Amount, err = NormalizeAmount(c.Amount); err != nil {
		return err
	}
	c.Currency = strings.ToLower(strings.TrimSpace(c.Currency))
	if c.Currency == "" {
		c.Currency = camp.Currency
	}
	if len(c.Currency) != 3 {
		return fmt.Errorf("currency %q: want an ISO 4217 code: %w", c.Currency, ErrBadRow)
	}
	c.Language = strings.ToLower(strings.TrimSpace(c.Language))
	if c.Language == "" {
		c.Language = camp.Language
	}
	c.Timezone = strings.TrimSpace(c.Timezone)
	if c.Timezone != "" {
		if _, err := time.LoadLocation(c.Timezone); err != nil {
			return fmt.Errorf("timezone %q: %w", c.Timezone, ErrBadRow)
		}
	}
	c.Status, c.Done, c.Attempts = StatusPending, false, nil
	return nil
}

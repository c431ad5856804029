// Package campaign is Obelisk's collections campaigns (issue 6, seeds 000
// and 004): lists of customers who owe money, dialled one by one through a
// trunk into a dialplan context that speaks the personalized message and
// takes the customer's answer (pay, talk to an agent …).
//
// A Campaign says how to call: the trunk, the context, the caller ID, the
// call windows (days and hours in each customer's own timezone), the rate
// limit (outbound.Limit: calls a second and concurrent calls, 1/s and 3 by
// default), the most attempts per customer and the retry delay of each
// outcome (busy, no answer, answering machine, congestion, failure). Some
// SIP causes are never retried: 404, 410, 484 and 604 mean the number is
// invalid.
//
// Customers come from CSV files (ImportCSV: id, name, number, amount,
// currency, language, timezone, with the column names that Asterisk users'
// exports have) or the HTTP API (Handler). Each answered call runs the
// dialplan with the channel variables CAMPAIGN, CUSTOMER_ID,
// CUSTOMER_NAME, AMOUNT_DUE ("120.00"), CURRENCY ("usd") and
// CHANNEL(language); the dialplan leaves CAMPAIGN_RESULT (paid, promised,
// agent, declined, no-input …) and PAYMENT_ID, PAYMENT_STATUS and
// PAYMENT_URL, which the engine stores with the attempt.
//
// # Crash safety
//
// As pbx_spool writes "StartRetry" into a call file before it dials, the
// engine stores "attempt N started" durably (Store) before it originates.
// The rule on a restart is: an attempt that was started and has no end is
// marked interrupted, and its customer is NOT dialled again — a crash
// never makes anyone be called twice. Every other customer resumes where
// it was: pending ones are called, retries keep their times.
package campaign

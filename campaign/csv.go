package campaign

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// columnNames maps the header names customer exports use to the fields:
// Asterisk users' lists come from CRMs and spreadsheets, so "phone",
// "phone_number", "msisdn" are all the number, "amount_due", "balance" the
// amount. Names are compared in lower case with blanks and '-' as '_'.
var columnNames = map[string]string{
	"id": "id", "customer_id": "id", "customerid": "id", "client_id": "id", "account": "id",
	"account_id": "id", "account_number": "id", "ref": "id", "reference": "id",
	"name": "name", "customer_name": "name", "customer": "name", "full_name": "name",
	"fullname": "name", "client": "name", "client_name": "name", "nombre": "name", "nom": "name",
	"number": "number", "phone": "number", "phone_number": "number", "phonenumber": "number",
	"telephone": "number", "tel": "number", "mobile": "number", "cell": "number", "msisdn": "number",
	"destination": "number", "telefono": "number",
	"amount": "amount", "amount_due": "amount", "amountdue": "amount", "due": "amount",
	"balance": "amount", "debt": "amount", "owed": "amount", "total": "amount", "monto": "amount",
	"currency": "currency", "cur": "currency", "moneda": "currency",
	"language": "language", "lang": "language", "locale": "language", "idioma": "language",
	"timezone": "timezone", "tz": "timezone", "time_zone": "timezone",
}

// RowError is a customer row that was not imported: the file and line,
// and why.
type RowError struct {
	File string
	Line int
	Err  error
}

// Error is "file:line: message", as the configuration's diagnostics are.
func (e *RowError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the cause (ErrBadNumber, ErrDuplicate …).
func (e *RowError) Unwrap() error { return e.Err }

// Row is one customer read from a file, with the line it came from.
type Row struct {
	Line     int
	Customer Customer
}

// ParseCSV reads a customer list: a header row naming the columns (id,
// name, number, amount, currency, language, timezone, or the other names
// of columnNames; number and amount are required), then a customer a
// row. The separator is ',' unless the header has more ';' or tabs (the
// exports of spreadsheets in locales with a decimal comma). A byte-order
// mark is skipped, blank lines too. Rows that cannot be read are returned
// as *RowError (file:line) and the others are kept: a bad row never stops
// the import. Values are checked when the rows are added (Engine.Import).
func ParseCSV(r io.Reader, name string) ([]Row, []error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	head, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, []error{&RowError{name, 1, err}}
	}
	first, _, _ := bytes.Cut(head, []byte("\n"))
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	switch {
	case bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")):
		cr.Comma = ';'
	case bytes.Count(first, []byte("\t")) > bytes.Count(first, []byte(",")):
		cr.Comma = '\t'
	}
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []error{&RowError{name, 1, fmt.Errorf("empty file: want a header row: %w", ErrBadRow)}}
		}
		return nil, []error{&RowError{name, 1, err}}
	}
	cols := map[string]int{}
	var errs []error
	for i, h := range header {
		k := strings.ToLower(strings.TrimSpace(h))
		k = strings.NewReplacer(" ", "_", "-", "_").Replace(k)
		f, ok := columnNames[k]
		if !ok {
			continue // extra columns (notes, address …) are ignored
		}
		if _, dup := cols[f]; dup {
			errs = append(errs, &RowError{name, 1, fmt.Errorf("column %q repeats the %s column: the first is used", h, f)})
			continue
		}
		cols[f] = i
	}
	for _, need := range []string{"number", "amount"} {
		if _, ok := cols[need]; !ok {
			return nil, append(errs, &RowError{name, 1, fmt.Errorf("header %q has no %s column: %w", strings.Join(header, string(cr.Comma)), need, ErrBadRow)})
		}
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				errs = append(errs, &RowError{name, pe.Line, pe.Err})
				continue
			}
			errs = append(errs, &RowError{name, 0, err})
			break
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		get := func(f string) string {
			if i, ok := cols[f]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		rows = append(rows, Row{Line: line, Customer: Customer{
			ID: get("id"), Name: get("name"), Number: get("number"), Amount: get("amount"),
			Currency: get("currency"), Language: get("language"), Timezone: get("timezone"),
		}})
	}
	return rows, errs
}

// resultColumns are the columns of WriteResults.
var resultColumns = []string{"id", "name", "number", "amount", "currency", "language", "timezone",
	"status", "attempts", "last_attempt", "last_dialstatus", "last_sip_code", "next_at", "payment_id", "payment_status", "payment_url", "history"}

// WriteResults writes customers as CSV, a header row then a customer a
// row: their data, status, attempts count, the last attempt's start,
// DIALSTATUS and SIP code, the retry time of a customer not done, the
// payment, and the history of attempts ("1 2026-12-02T10:00:00Z busy
// 486; 2 … promised").
func WriteResults(w io.Writer, customers []*Customer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(resultColumns); err != nil {
		return err
	}
	const ts = "2006-01-02T15:04:05Z07:00"
	for _, c := range customers {
		var last Attempt
		if n := len(c.Attempts); n > 0 {
			last = c.Attempts[n-1]
		}
		var hist []string
		for _, a := range c.Attempts {
			h := fmt.Sprintf("%d %s %s", a.N, a.Started.UTC().Format(ts), a.Outcome)
			if a.SIPCode != 0 {
				h += fmt.Sprintf(" %d", a.SIPCode)
			}
			hist = append(hist, h)
		}
		rec := []string{c.ID, c.Name, c.Number, c.Amount, c.Currency, c.Language, c.Timezone,
			string(c.Status), fmt.Sprint(len(c.Attempts)), "", last.DialStatus, "", "", c.PaymentID, c.PaymentStatus, c.PaymentURL,
			strings.Join(hist, "; ")}
		if !last.Started.IsZero() {
			rec[9] = last.Started.UTC().Format(ts)
		}
		if last.SIPCode != 0 {
			rec[11] = fmt.Sprint(last.SIPCode)
		}
		if !c.Done && !c.NextAt.IsZero() && len(c.Attempts) > 0 {
			rec[12] = c.NextAt.UTC().Format(ts)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

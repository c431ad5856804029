package campaign

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/outbound"
)

// maxBody bounds a request body (a customer list of ~100 000 rows).
const maxBody = 16 << 20

// Handler returns the campaigns' HTTP resources, for the switch's HTTP
// server (http.conf) to serve behind its authentication:
//
//	POST /api/v1/campaigns                      create (JSON CreateRequest) → 201
//	GET  /api/v1/campaigns                      list (JSON Summary array)
//	GET  /api/v1/campaigns/{name}               one (JSON Summary)
//	POST /api/v1/campaigns/{name}/customers     add customers: text/csv (ParseCSV)
//	                                            or JSON [{"id","name","number","amount",…}]
//	POST /api/v1/campaigns/{name}/start|pause|stop
//	GET  /api/v1/campaigns/{name}/results       customers and attempts: JSON, or CSV
//	                                            (Accept: text/csv or ?format=csv)
//
// Errors are JSON {"error": "…"}: 400 for a bad request, 404 for an
// unknown campaign, 409 for a name in use or a state change not allowed,
// 422 when no customer of a list could be added (with "errors", each
// "file:line: message").
func (e *Engine) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/campaigns", e.httpCreate)
	mux.HandleFunc("GET /api/v1/campaigns", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.Campaigns())
	})
	mux.HandleFunc("GET /api/v1/campaigns/{name}", func(w http.ResponseWriter, r *http.Request) {
		s, err := e.Campaign(r.PathValue("name"))
		if err != nil {
			httpError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s)
	})
	mux.HandleFunc("POST /api/v1/campaigns/{name}/customers", e.httpCustomers)
	mux.HandleFunc("POST /api/v1/campaigns/{name}/{action}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		var err error
		switch r.PathValue("action") {
		case "start":
			err = e.Start(name)
		case "pause":
			err = e.Pause(name)
		case "stop":
			err = e.Stop(name)
		default:
			http.NotFound(w, r)
			return
		}
		if err != nil {
			httpError(w, err)
			return
		}
		s, err := e.Campaign(name)
		if err != nil {
			httpError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s)
	})
	mux.HandleFunc("GET /api/v1/campaigns/{name}/results", e.httpResults)
	return mux
}

// CreateRequest is the body of POST /api/v1/campaigns. Durations are
// seconds; retry values are seconds or "no" (never retried).
type CreateRequest struct {
	Name        string         `json:"name"`
	Trunk       string         `json:"trunk"`
	Context     string         `json:"context"`
	Extension   string         `json:"extension"`
	Priority    int            `json:"priority"`
	CallerID    string         `json:"callerid"`
	Windows     []string       `json:"windows"`
	Timezone    string         `json:"timezone"`
	Language    string         `json:"language"`
	Currency    string         `json:"currency"`
	Rate        *float64       `json:"rate"`
	Concurrent  *int           `json:"concurrent"`
	MaxAttempts int            `json:"max_attempts"`
	WaitTime    int            `json:"wait_time"`
	Retry       map[string]any `json:"retry"`
	NeverCodes  []int          `json:"never_codes"`
	Start       bool           `json:"start"`
}

// Campaign builds the campaign the request describes.
func (q *CreateRequest) Campaign() (*Campaign, error) {
	c := New(q.Name, q.Trunk)
	c.Context, c.Extension, c.Priority = q.Context, q.Extension, q.Priority
	c.CallerID, c.Timezone, c.Language, c.Currency = q.CallerID, q.Timezone, q.Language, q.Currency
	c.MaxAttempts, c.WaitTime = q.MaxAttempts, Seconds(time.Duration(q.WaitTime)*time.Second)
	if q.Rate != nil {
		c.Limit.Rate = *q.Rate
	}
	if q.Concurrent != nil {
		c.Limit.Concurrent = *q.Concurrent
	}
	if c.Limit == (outbound.Limit{}) {
		c.Limit = outbound.Limit{Burst: 1} // both unlimited, said so
	}
	for _, s := range q.Windows {
		w, err := ParseWindow(s)
		if err != nil {
			return nil, err
		}
		c.Windows = append(c.Windows, w)
	}
	for k, v := range q.Retry {
		var s string
		switch v := v.(type) {
		case float64:
			s = strconv.FormatFloat(v, 'f', 0, 64)
		case string:
			s = v
		case bool:
			if v {
				return nil, fmt.Errorf("retry %s: true: want seconds or \"no\": %w", k, ErrBadCampaign)
			}
			s = "no"
		default:
			return nil, fmt.Errorf("retry %s: want seconds or \"no\": %w", k, ErrBadCampaign)
		}
		r, err := ParseRetry(s)
		if err != nil {
			return nil, err
		}
		if err := c.Retry.set(k, r); err != nil {
			return nil, err
		}
	}
	if q.NeverCodes != nil {
		c.Retry.NeverCodes = q.NeverCodes
	}
	c.Source = "api"
	if q.Start {
		c.State = StateRunning
	}
	return c, nil
}

// set sets the rule named as in campaigns.conf's retry_<name> keys.
func (rr *RetryRules) set(name string, r Retry) error {
	switch strings.ReplaceAll(strings.ToLower(name), "-", "") {
	case "busy":
		rr.Busy = r
	case "noanswer":
		rr.NoAnswer = r
	case "machine":
		rr.Machine = r
	case "congestion":
		rr.Congestion = r
	case "failed":
		rr.Failed = r
	default:
		return fmt.Errorf("retry %q: want busy, noanswer, machine, congestion or failed: %w", name, ErrBadCampaign)
	}
	return nil
}

func (e *Engine) httpCreate(w http.ResponseWriter, r *http.Request) {
	var q CreateRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "campaign: " + err.Error()})
		return
	}
	c, err := q.Campaign()
	if err == nil {
		err = e.Create(c)
	}
	if err != nil {
		httpError(w, err)
		return
	}
	s, _ := e.Campaign(c.Name)
	w.Header().Set("Location", "/api/v1/campaigns/"+c.Name)
	writeJSON(w, http.StatusCreated, s)
}

// jsonCustomer is a customer in a JSON list; the amount may be a number.
type jsonCustomer struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Number   string          `json:"number"`
	Phone    string          `json:"phone"`
	Amount   json.RawMessage `json:"amount"`
	Due      json.RawMessage `json:"amount_due"`
	Currency string          `json:"currency"`
	Language string          `json:"language"`
	Timezone string          `json:"timezone"`
}

func (e *Engine) httpCustomers(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if _, err := e.Campaign(name); err != nil {
		httpError(w, err)
		return
	}
	body := http.MaxBytesReader(w, r.Body, maxBody)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	file := "request"
	if _, p, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil && p["filename"] != "" {
		file = p["filename"]
	}
	var rows []Row
	var errs []error
	switch mt {
	case "text/csv", "text/plain", "application/csv":
		rows, errs = ParseCSV(body, file)
	case "application/json", "":
		raw, err := io.ReadAll(body)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
			return
		}
		var list []jsonCustomer
		if err := json.Unmarshal(raw, &list); err != nil {
			var wrapped struct {
				Customers []jsonCustomer `json:"customers"`
			}
			if err2 := json.Unmarshal(raw, &wrapped); err2 != nil {
				writeJSON(w, http.StatusBadRequest, map[string]any{"error": "customers: " + err.Error()})
				return
			}
			list = wrapped.Customers
		}
		for i, jc := range list {
			amount := jc.Amount
			if len(amount) == 0 {
				amount = jc.Due
			}
			a := strings.Trim(string(amount), `"`)
			num := jc.Number
			if num == "" {
				num = jc.Phone
			}
			rows = append(rows, Row{Line: i + 1, Customer: Customer{ID: jc.ID, Name: jc.Name, Number: num,
				Amount: a, Currency: jc.Currency, Language: jc.Language, Timezone: jc.Timezone}})
		}
	default:
		writeJSON(w, http.StatusUnsupportedMediaType, map[string]any{"error": "customers: send text/csv or application/json"})
		return
	}
	added, ierrs := e.Import(name, file, rows)
	errs = append(errs, ierrs...)
	msgs := make([]string, 0, len(errs))
	for _, err := range errs {
		msgs = append(msgs, err.Error())
	}
	code := http.StatusOK
	if added == 0 && len(errs) > 0 {
		code = http.StatusUnprocessableEntity
	}
	writeJSON(w, code, map[string]any{"added": added, "errors": msgs})
}

func (e *Engine) httpResults(w http.ResponseWriter, r *http.Request) {
	cs, err := e.Customers(r.PathValue("name"))
	if err != nil {
		httpError(w, err)
		return
	}
	if r.URL.Query().Get("format") == "csv" || strings.Contains(r.Header.Get("Accept"), "text/csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+r.PathValue("name")+`-results.csv"`)
		_ = WriteResults(w, cs)
		return
	}
	writeJSON(w, http.StatusOK, cs)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// httpError answers an engine error with its status.
func httpError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrNoCampaign):
		code = http.StatusNotFound
	case errors.Is(err, ErrExists), errors.Is(err, ErrBadState):
		code = http.StatusConflict
	case errors.Is(err, ErrBadCampaign), errors.Is(err, ErrBadRow), errors.Is(err, ErrBadNumber):
		code = http.StatusBadRequest
	}
	writeJSON(w, code, map[string]any{"error": err.Error()})
}

package campaign

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// do sends one request to h and returns the status and body.
func do(t *testing.T, h http.Handler, method, path, ctype, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	b, _ := io.ReadAll(w.Result().Body)
	return w.Code, string(b)
}

// The HTTP API: create, add customers (CSV and JSON, bad rows reported at
// file:line), start, and the results as JSON and CSV.
func TestHTTPAPI(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		orig := &fakeOriginator{}
		e, stop := startEngine(t, &MemStore{}, orig)
		defer stop()
		h := e.Handler()
		steps := []struct {
			method, path, ctype, body string
			code                      int
			want                      string
		}{
			{"POST", "/api/v1/campaigns", "application/json", `{"name":"may","trunk":"pstn","windows":["mon-sun 00:00-24:00"],"retry":{"busy":60,"machine":"no"},"concurrent":2,"wait_time":20}`, 201, `"wait_time": 20,`},
			{"POST", "/api/v1/campaigns", "application/json", `{"name":"may","trunk":"pstn"}`, 409, "already exists"},
			{"POST", "/api/v1/campaigns", "application/json", `{"name":"bad name","trunk":"pstn"}`, 400, "invalid campaign"},
			{"POST", "/api/v1/campaigns", "application/json", `{"name":"x","trunk":"pstn","colour":1}`, 400, "unknown field"},
			{"POST", "/api/v1/campaigns/may/customers", "text/csv", "id,name,phone,amount_due,language\n1,Ann,555 0100,12,fr\n2,Bob,,5,en\n", 200, `"request:3: number \"\": want 3 to 15 digits: invalid phone number"`},
			{"POST", "/api/v1/campaigns/may/customers", "application/json", `[{"id":"3","number":"5550101","amount":7.5,"currency":"EUR"},{"id":"4","phone":"5550100","amount_due":"1"}]`, 200, `"added": 1`},
			{"POST", "/api/v1/campaigns/may/customers", "application/json", `[{"id":"5","number":"5550100","amount":1}]`, 422, "duplicate customer"},
			{"POST", "/api/v1/campaigns/nope/customers", "text/csv", "number,amount\n1234,1\n", 404, "no such campaign"},
			{"POST", "/api/v1/campaigns/may/start", "", "", 200, `"state": "running"`},
			{"POST", "/api/v1/campaigns/may/dance", "", "", 404, ""},
		}
		for _, s := range steps {
			code, body := do(t, h, s.method, s.path, s.ctype, s.body)
			if code != s.code || !strings.Contains(body, s.want) {
				t.Errorf("%s %s %s: %d %s\nwant %d with %q", s.method, s.path, s.body, code, body, s.code, s.want)
			}
		}
		waitState(t, e, "may", StateFinished, time.Minute)
		code, body := do(t, h, "GET", "/api/v1/campaigns/may/results", "", "")
		var cs []Customer
		if err := json.Unmarshal([]byte(body), &cs); code != 200 || err != nil || len(cs) != 2 {
			t.Fatalf("results: %d %s (%v)", code, body, err)
		}
		if cs[0].ID != "1" || cs[0].Status != StatusPromised || cs[1].Currency != "eur" || cs[1].Amount != "7.50" || len(cs[1].Attempts) != 1 {
			t.Errorf("results %+v", cs)
		}
		req := httptest.NewRequest("GET", "/api/v1/campaigns/may/results", nil)
		req.Header.Set("Accept", "text/csv")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		lines := strings.Split(strings.TrimSpace(w.Body.String()), "\n")
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || len(lines) != 3 ||
			!strings.HasPrefix(lines[0], "id,name,number,amount") || !strings.HasPrefix(lines[1], "1,Ann,5550100,12.00,usd,fr,,promised,1,") {
			t.Errorf("CSV results (%s):\n%s", ct, w.Body.String())
		}
		code, body = do(t, h, "GET", "/api/v1/campaigns", "", "")
		var list []Summary
		if err := json.Unmarshal([]byte(body), &list); code != 200 || err != nil || len(list) != 1 ||
			list[0].ByStatus[StatusPromised] != 2 || list[0].Limit.Concurrent != 2 || !list[0].Retry.Machine.Never || list[0].Retry.Busy.Delay != time.Minute {
			t.Errorf("list: %d %s (%v)", code, body, err)
		}
		if code, _ := do(t, h, "GET", "/api/v1/campaigns/nope", "", ""); code != 404 {
			t.Errorf("GET an unknown campaign: %d, want 404", code)
		}
		if code, body := do(t, h, "POST", "/api/v1/campaigns/may/stop", "", ""); code != 200 || !strings.Contains(body, `"state": "stopped"`) {
			t.Errorf("stop: %d %s", code, body)
		}
		if code, _ := do(t, h, "POST", "/api/v1/campaigns/may/start", "", ""); code != 409 {
			t.Errorf("start a stopped campaign: %d, want 409", code)
		}
	})
}

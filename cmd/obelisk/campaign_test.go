package main

// The collections campaign engine end to end: the real switch dials a
// campaign of customers through a trunk that sipp answers, is killed with
// SIGKILL midway, and finishes after a restart on the same data.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/obelisk-pbx/obelisk/campaign"
)

// campaignFiles is the configuration of a campaign test: trunk pstn at
// trunkIP, a test dialplan that holds each answered call 3 s and leaves
// CAMPAIGN_RESULT=promised (when CAMPAIGN, CHANNEL(language) and CURRENCY
// are the customer's) and PAYMENT_ID=pi_<CUSTOMER_ID>_<AMOUNT_DUE>, and campaign e2e over customers.csv with two
// customers the trunk refuses (busy: 486, gone: 404) before n who answer.
func campaignFiles(trunkIP string, n int) map[string]string {
	var csv strings.Builder
	// Column names as a CRM export has them.
	csv.WriteString("customer_id,name,phone,amount_due,currency,language,timezone\n")
	csv.WriteString("busy,Busy Line,0699 000 001,10,usd,en,\n")
	csv.WriteString("gone,No Such Number,0644-000-001,10,usd,en,\n")
	for i := range n {
		fmt.Fprintf(&csv, "c%03d,Customer %d,06%08d,%d.50,eur,fr,Europe/Paris\n", i, i, i, 100+i)
	}
	return map[string]string{
		"sip.conf": "[general]\nbindaddr={{IP}}\nbindport=0\n\n[pstn]\ntype=peer\nhost=" + trunkIP +
			"\ncontext=from-pstn\ninsecure=port,invite\ndisallow=all\nallow=ulaw\n",
		"extensions.conf": "[from-pstn]\nexten => _X.,1,Hangup()\n\n[campaign-test]\n" +
			"exten => s,1,Answer()\n same => n,Wait(3)\n" +
			// The engine's variables in, its results out.
			" same => n,Set(CAMPAIGN_RESULT=${IF($[\"${CAMPAIGN}/${CHANNEL(language)}/${CURRENCY}\" = \"e2e/fr/eur\"]?promised:wrong-variables)})\n" +
			" same => n,Set(PAYMENT_ID=pi_${CUSTOMER_ID}_${AMOUNT_DUE})\n same => n,Hangup()\n",
		"campaigns.conf": "[e2e]\ntrunk=pstn\ncontext=campaign-test\ncallerid=\"Collections\" <0777>\n" +
			"waittime=10\nretry_busy=4\nmaxattempts=3\ncustomers=customers.csv\nautostart=yes\n",
		"customers.csv": csv.String(),
	}
}

// farCall is one INVITE the trunk received: its number, when, and when it
// ended there (the BYE received, or the 486/404 sent); zero when it never
// did.
type farCall struct {
	number     string
	at, end    time.Time
	code       int
	answeredOK bool
}

var inviteNumber = regexp.MustCompile(`^INVITE sip:([^@;]+)@`)

// farCalls reads the trunk's calls from its message trace, by Call-ID in
// order of arrival (retransmissions counted once).
func farCalls(r *sippRun) []*farCall {
	byID := map[string]*farCall{}
	var out []*farCall
	msgs := r.messages()
	for i := range msgs {
		m := &msgs[i]
		id, _ := m.get("Call-ID")
		c := byID[id]
		switch {
		case !m.sent && strings.HasPrefix(m.first, "INVITE "):
			if c == nil {
				mm := inviteNumber.FindStringSubmatch(m.first)
				if mm == nil {
					continue
				}
				c = &farCall{number: mm[1], at: m.at}
				byID[id] = c
				out = append(out, c)
			}
		case c == nil:
		case !m.sent && strings.HasPrefix(m.first, "BYE "):
			if c.end.IsZero() {
				c.end = m.at
			}
		case m.sent && m.status() >= 300 && c.code == 0:
			c.code, c.end = m.status(), m.at
		case m.sent && m.status() == 200:
			if _, meth := m.cseq(); meth == "INVITE" {
				c.answeredOK = true
			}
		}
	}
	return out
}

// maxConcurrent is the most calls up at once at the far end; calls that
// never ended there end at until.
func maxConcurrent(calls []*farCall, until time.Time) int {
	type edge struct {
		at time.Time
		d  int
	}
	var edges []edge
	for _, c := range calls {
		end := c.end
		if end.IsZero() {
			end = until
		}
		edges = append(edges, edge{c.at, +1}, edge{end, -1})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.d - b.d // an end before a start at the same instant
	})
	up, most := 0, 0
	for _, e := range edges {
		up += e.d
		most = max(most, up)
	}
	return most
}

// loadCampaign reads a stopped switch's campaign customers from its store.
func loadCampaign(t *testing.T, data, name string) map[string]*campaign.Customer {
	t.Helper()
	db, err := bolt.Open(filepath.Join(data, "obelisk.db"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store, err := campaign.NewBoltStore(db)
	if err != nil {
		t.Fatal(err)
	}
	_, custs, err := store.Load()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*campaign.Customer{}
	for _, c := range custs[name] {
		out[c.ID] = c
	}
	return out
}

// waitFarCalls waits until the trunk has received n INVITEs.
func waitFarCalls(t *testing.T, r *sippRun, n int, limit time.Duration) []*farCall {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		calls := farCalls(r)
		if len(calls) >= n {
			return calls
		}
		if time.Now().After(deadline) {
			t.Fatalf("the trunk received %d calls in %v, want %d", len(calls), limit, n)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A campaign of 100 customers runs at no more than 1 call/s and 3 calls
// up (measured at the trunk), survives a SIGKILL midway, and finishes after
// the restart with every customer called once: those whose attempt the
// kill cut are reported interrupted and not called again. A busy number is
// retried after its delay up to the 3 attempts; a 404 is never retried.
func TestCampaignKillRestart(t *testing.T) {
	t.Parallel()
	const n = 100
	ip, trunkIP := loopbackIP(t, 16), loopbackIP(t, 17)
	files := campaignFiles(trunkIP, n)
	trunk := startSipp(t, "trunk", trunkIP, "", "campaign_trunk.xml", "-p", "5060", "-m", "1000", "-timeout", "400s")
	data := t.TempDir()
	sw := startSwitchIn(t, ip, files, data)

	// SIGKILL once about 45 calls were placed.
	waitFarCalls(t, trunk, 45, 90*time.Second)
	p, err := os.FindProcess(sw.pid)
	if err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	sw.stop(t) // reaps the killed process
	before := farCalls(trunk)

	again := startSwitchIn(t, ip, files, data)
	deadline := time.Now().Add(150 * time.Second)
	for !strings.Contains(again.logs.String(), `msg="campaign finished" component=campaign campaign=e2e`) {
		if time.Now().After(deadline) {
			t.Fatalf("the campaign did not finish after the restart; the trunk had %d calls", len(farCalls(trunk)))
		}
		time.Sleep(500 * time.Millisecond)
	}
	again.stop(t)
	calls := farCalls(trunk)
	results := loadCampaign(t, data, "e2e")
	// The results, offline: obelisk campaigns on the stopped switch's data.
	if code, out, errOut := obelisk(t, "campaigns", "--data", data); code != 0 || !regexp.MustCompile(`(?m)^e2e +finished +pstn +campaign-test +102 +102 `).MatchString(out) {
		t.Errorf("obelisk campaigns: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := obelisk(t, "campaigns", "--data", data, "--results", "e2e"); code != 0 ||
		strings.Count(out, "\n") != n+3 || !strings.Contains(out, "\ngone,No Such Number,0644000001,10.00,usd,en,,invalid-number,1,") {
		t.Errorf("obelisk campaigns --results e2e: exit %d\n%s%s", code, out, errOut)
	}

	// ≤ 1 call/s where the INVITEs leave the two switches (sipp's own
	// stamps can lag under -race: see TestAPIRateLimit), and at the trunk
	// ≤ 3 up, and 3 reached.
	sent := append(invitesSent(t, sw.logs.String()), invitesSent(t, again.logs.String())...)
	if len(sent) != len(calls) {
		t.Logf("the switches logged %d INVITEs sent, the trunk received %d (a kill between the two?)", len(sent), len(calls))
	}
	for i := 1; i < len(sent); i++ {
		if gap := sent[i].Sub(sent[i-1]); gap < 900*time.Millisecond {
			t.Errorf("INVITE %d sent %v after INVITE %d: faster than 1 call/s", i, gap, i-1)
		}
	}
	// The calls cut by the kill end there at the kill, as far as the
	// switch's limiter knows: before the kill only.
	if most := maxConcurrent(before, killedAt); most != 3 {
		t.Errorf("before the kill, at most %d calls were up at the trunk, want 3 (the limit, reached)", most)
	}
	var afterKill []*farCall
	for _, c := range calls {
		if c.at.After(killedAt) {
			afterKill = append(afterKill, c)
		}
	}
	if most := maxConcurrent(afterKill, time.Now()); most != 3 {
		t.Errorf("after the restart, at most %d calls were up at the trunk, want 3", most)
	}

	// Every customer called once at most: twice never.
	invites := map[string]int{}
	for _, c := range calls {
		invites[c.number]++
	}
	if len(results) != n+2 {
		t.Fatalf("%d customers stored, want %d", len(results), n+2)
	}
	interrupted := 0
	for i := range n {
		id, number := fmt.Sprintf("c%03d", i), fmt.Sprintf("06%08d", i)
		cu := results[id]
		switch {
		case cu == nil:
			t.Errorf("customer %s not stored", id)
		case len(cu.Attempts) != 1:
			t.Errorf("customer %s: %d attempts, want 1", id, len(cu.Attempts))
		case cu.Status == campaign.StatusInterrupted:
			interrupted++
			if invites[number] > 1 {
				t.Errorf("interrupted customer %s was dialled %d times", id, invites[number])
			}
		case cu.Status != campaign.StatusPromised:
			t.Errorf("customer %s: status %s, want promised", id, cu.Status)
		case invites[number] != 1:
			t.Errorf("customer %s (%s): %d INVITEs at the trunk, want 1", id, number, invites[number])
		case cu.PaymentID != fmt.Sprintf("pi_%s_%d.50", id, 100+i):
			t.Errorf("customer %s: payment id %q, want the dialplan's pi_%s_%d.50", id, cu.PaymentID, id, 100+i)
		}
		if cu != nil && (cu.Amount != fmt.Sprintf("%d.50", 100+i) || cu.Currency != "eur" || cu.Language != "fr" || !cu.Done) {
			t.Errorf("customer %s = %+v", id, cu)
		}
	}
	// The calls the kill cut at the trunk are all reported interrupted.
	for _, c := range before {
		if c.answeredOK && c.end.IsZero() {
			id := "c" + strings.TrimPrefix(c.number, "0600000")
			if cu := results[id]; cu == nil || cu.Status != campaign.StatusInterrupted {
				t.Errorf("the call to %s was cut by the kill, yet customer %s is %v", c.number, id, cu)
			}
		}
	}
	if interrupted < 1 || interrupted > 3 {
		t.Errorf("%d customers interrupted, want 1 to 3 (the calls up at the kill)", interrupted)
	}
	t.Logf("%d calls at the trunk (%d before the kill), %d customers interrupted", len(calls), len(before), interrupted)

	// Busy: tried 3 times, each after the 4 s retry delay; 404: once.
	busy := results["busy"]
	if busy == nil || busy.Status != campaign.StatusBusy || len(busy.Attempts) != 3 || invites["0699000001"] != 3 {
		t.Fatalf("busy customer %+v with %d INVITEs, want busy after 3 attempts", busy, invites["0699000001"])
	}
	for i, a := range busy.Attempts {
		if a.SIPCode != 486 || a.DialStatus != "BUSY" {
			t.Errorf("busy attempt %d: %d %s, want 486 BUSY", i+1, a.SIPCode, a.DialStatus)
		}
		if i > 0 && a.Started.Sub(busy.Attempts[i-1].Ended) < 4*time.Second {
			t.Errorf("busy attempt %d started %v after attempt %d ended, want the 4 s retry delay", i+1, a.Started.Sub(busy.Attempts[i-1].Ended), i)
		}
	}
	gone := results["gone"]
	if gone == nil || gone.Status != campaign.StatusInvalidNumber || len(gone.Attempts) != 1 || gone.Attempts[0].SIPCode != 404 || invites["0644000001"] != 1 {
		t.Errorf("customer gone %+v with %d INVITEs, want invalid-number after one 404", gone, invites["0644000001"])
	}
}

// campaignAPI sends one request to the switch's HTTP server as the
// dial-out API's client crm (Basic auth, dialout.conf) unless auth is
// false, and returns the status and body.
func campaignAPI(t *testing.T, base, method, path, ctype, body string, auth bool) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if auth {
		req.SetBasicAuth("crm", "crm-secret")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// The campaigns' HTTP resources on http.conf's server, behind its
// authentication: a campaign created, its customers posted as CSV (a bad
// row reported at request:line), started, and its results read as CSV
// once it finished (a busy number retried once after 1 s).
func TestCampaignHTTPAPI(t *testing.T) {
	t.Parallel()
	ip, trunkIP := loopbackIP(t, 18), loopbackIP(t, 19)
	port := freeTCPPort(t, ip)
	base := "http://" + net.JoinHostPort(ip, port)
	startSipp(t, "trunk", trunkIP, "", "campaign_trunk.xml", "-p", "5060", "-m", "100", "-timeout", "60s")
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":     strings.ReplaceAll(phoneTrunkConf, "{{TRUNK}}", trunkIP),
		"http.conf":    "[general]\nenabled=yes\nbindaddr={{IP}}\nbindport=" + port + "\n",
		"dialout.conf": apiDialoutConf,
		"extensions.conf": apiExtensions + "[campaign-api]\n" +
			"exten => s,1,Answer()\n same => n,Set(CAMPAIGN_RESULT=promised)\n same => n,Hangup()\n",
	})
	waitLog(t, sw, `msg="http listening"`)

	if code, _ := campaignAPI(t, base, "GET", "/api/v1/campaigns", "", "", false); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/campaigns without credentials: %d, want 401", code)
	}
	steps := []struct {
		method, path, ctype, body string
		code                      int
		want                      string
	}{
		{"POST", "/api/v1/campaigns", "application/json",
			`{"name":"api","trunk":"pstn","context":"campaign-api","max_attempts":2,"retry":{"busy":1}}`, 201, `"state": "idle"`},
		{"POST", "/api/v1/campaigns/api/customers", "text/csv",
			"phone,amount,language\n0611111111,5,es\n0699000002,6,en\nbad,1,en\n", 200,
			`"request:4: number \"bad\": invalid phone number"`},
		{"POST", "/api/v1/campaigns/api/start", "", "", 200, `"state": "running"`},
	}
	for _, s := range steps {
		if code, body := campaignAPI(t, base, s.method, s.path, s.ctype, s.body, true); code != s.code || !strings.Contains(body, s.want) {
			t.Fatalf("%s %s: %d %s\nwant %d with %s", s.method, s.path, code, body, s.code, s.want)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, body := campaignAPI(t, base, "GET", "/api/v1/campaigns/api", "", "", true)
		if strings.Contains(body, `"state": "finished"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the campaign did not finish: %s", body)
		}
		time.Sleep(300 * time.Millisecond)
	}
	code, body := campaignAPI(t, base, "GET", "/api/v1/campaigns/api/results?format=csv", "", "", true)
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if code != http.StatusOK || len(lines) != 3 {
		t.Fatalf("results: %d\n%s", code, body)
	}
	for _, want := range []string{
		"0611111111,5.00,usd,es,,promised,1,",
		"0699000002,6.00,usd,en,,busy,2,",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("results lack %q:\n%s", want, body)
		}
	}
	if !strings.Contains(lines[2], ",BUSY,486,") || !strings.Contains(lines[2], " busy 486; 2 ") {
		t.Errorf("the busy customer's line lacks its 486 attempts: %s", lines[2])
	}
}

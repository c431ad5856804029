package pbx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/obelisk-pbx/obelisk/campaign"
)

// The demo's campaign is read, its customers imported once (not again on
// a restart on the same data) and it stays idle until started.
func TestCampaignsDemo(t *testing.T) {
	dir := copyDemo(t)
	data := t.TempDir()
	for round := range 2 {
		sw, err := New(Options{ConfigFS: os.DirFS(dir), ConfigName: dir, DataDir: data, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := sw.campaigns.eng.Campaign("overdue-demo")
		if err != nil {
			t.Fatal(err)
		}
		if sum.State != campaign.StateIdle || sum.Customers != 5 || sum.ByStatus[campaign.StatusPending] != 5 || sum.Trunk != "pstn" || sum.Context != "collections" {
			t.Errorf("round %d: %+v", round, sum)
		}
		cs, _ := sw.campaigns.eng.Customers("overdue-demo")
		if c := cs[4]; c.Number != "+525512345678" || c.Amount != "2500.00" || c.Currency != "mxn" || c.Language != "es" || c.Timezone != "America/Mexico_City" {
			t.Errorf("customer C-1005 = %+v", c)
		}
		routes := 0
		for _, m := range sw.httpRoutes() {
			if strings.HasPrefix(m.pattern, "/api/v1/campaigns") {
				routes++
			}
		}
		if routes != 2 {
			t.Errorf("%d campaign routes mounted, want 2", routes)
		}
		if err := sw.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// A reload applies campaigns.conf: a changed setting, and a new campaign
// with its customers; the first campaign keeps its customers.
func TestCampaignsReload(t *testing.T) {
	dir := copyDemo(t)
	sw, err := New(Options{ConfigFS: os.DirFS(dir), ConfigName: dir, DataDir: t.TempDir(), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sw.Close() })
	conf := filepath.Join(dir, CampaignsConf)
	text, _ := os.ReadFile(conf)
	text = []byte(strings.Replace(string(text), "maxattempts = 3", "maxattempts = 5", 1) +
		"\n[second]\ntrunk = pstn\ncustomers = second.csv\n")
	if err := os.WriteFile(conf, text, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "second.csv"), []byte("number,amount\n5550100,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sw.Reload(); err != nil {
		t.Fatal(err)
	}
	first, err := sw.campaigns.eng.Campaign("overdue-demo")
	if err != nil || first.MaxAttempts != 5 || first.Customers != 5 {
		t.Errorf("overdue-demo after the reload: %+v, %v", first, err)
	}
	if second, err := sw.campaigns.eng.Campaign("second"); err != nil || second.Customers != 1 || second.State != campaign.StateIdle {
		t.Errorf("second after the reload: %+v, %v", second, err)
	}
}

func TestLoadConfigCampaigns(t *testing.T) {
	fsys := fstest.MapFS{
		"sip.conf":        {Data: []byte("[general]\n[pstn]\ntype=peer\nhost=192.0.2.1\n")},
		"extensions.conf": {Data: []byte("[collections]\nexten => s,1,Hangup()\n")},
		"campaigns.conf": {Data: []byte("[a]\ntrunk=pstn\n\n[b]\ntrunk=nowhere\n\n[c]\ntrunk=pstn\ncontext=elsewhere\n\n" +
			"[d]\ntrunk=pstn\ncustomers=missing.csv\n\n[e]\ntrunk=pstn\ncustomers=e.csv\n")},
		"e.csv": {Data: []byte("phone,amount\n5550100,1\n555,2\nnope,3\n")},
	}
	cfg, diags := LoadConfig(fsys, NewRegistry())
	var got []string
	for _, d := range diags {
		if strings.HasPrefix(d.Pos.File, "campaigns.conf") || d.Pos.File == "e.csv" {
			got = append(got, d.Error())
		}
	}
	want := []string{
		`campaigns.conf:4: campaign [b]: trunk "nowhere" is not a sip.conf peer`,
		`campaigns.conf:7: warning: campaign [c]: context "elsewhere" is not in the dialplan: answered calls will hang up`,
		`campaigns.conf:11: campaign [d]: customers file missing.csv not found`,
		`e.csv:4: warning: campaign [e]: customer not imported: number "nope": invalid phone number`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(cfg.Campaigns) != 3 || cfg.Campaigns[0].Name != "a" || cfg.Campaigns[1].Name != "c" || cfg.Campaigns[2].Name != "e" {
		t.Errorf("campaigns %v, want a, c and e", cfg.Campaigns)
	}
}

// A campaign call's progress is a CampaignCall UserEvent on the stream.
func TestCampaignEvent(t *testing.T) {
	s := &Switch{}
	sub := s.events.Subscribe(4)
	defer sub.Close()
	s.campaignEvent(campaign.Event{Campaign: "may", CustomerID: "C-1", Number: "5550100", Attempt: 2,
		Status: campaign.StatusBusy, DialStatus: "BUSY", SIPCode: 486, Channel: "SIP/pstn-00000001"})
	e := <-sub.C()
	want := map[string]string{"UserEvent": "CampaignCall", "Campaign": "may", "CustomerID": "C-1", "Number": "5550100",
		"Attempt": "2", "Status": "busy", "DialStatus": "BUSY", "SIPCode": "486", "Done": "false"}
	if e.Name != "UserEvent" || e.Class != "user" {
		t.Errorf("event %s class %s, want UserEvent class user", e.Name, e.Class)
	}
	for k, v := range want {
		if got := e.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

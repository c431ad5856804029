package pbx

import (
	"strings"
	"testing"
	"testing/fstest"
)

// dialout.conf is read with the other files, and a bot whose trunk is no
// endpoint or whose context is not in the dialplan is a warning.
func TestLoadConfigDialout(t *testing.T) {
	fsys := fstest.MapFS{
		"sip.conf":        {Data: []byte("[general]\n[pstn]\ntype=peer\nhost=192.0.2.1\ncontext=from-pstn\n")},
		"extensions.conf": {Data: []byte("[from-pstn]\n[bot-flow]\nexten => s,1,Answer()\n")},
		"dialout.conf": {Data: []byte(`[crm]
type=client
secret=x
[good]
type=bot
trunk=pstn
context=bot-flow
[lost]
type=bot
trunk=nowhere
context=no-flow
`)},
	}
	cfg, diags := LoadConfig(fsys, NewRegistry())
	var got []string
	for _, d := range diags {
		if strings.HasPrefix(d.Error(), "dialout.conf") {
			got = append(got, d.Error())
		}
	}
	want := []string{
		`dialout.conf:8: warning: bot lost: trunk "nowhere" is not an endpoint of sip.conf`,
		`dialout.conf:8: warning: bot lost: context "no-flow" does not exist in extensions.conf`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if b := cfg.Dialout.Bot("good"); b == nil || b.Trunk != "pstn" || cfg.Dialout.Clients["crm"] == nil {
		t.Errorf("dialout config %+v", cfg.Dialout)
	}
}

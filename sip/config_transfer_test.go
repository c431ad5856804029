package sip

import "testing"

// TestAllowTransfer: allowtransfer=no (sip.conf peer) and
// allow_transfer=no (pjsip.conf endpoint) refuse the endpoint's REFERs;
// transfers are allowed by default, as in Asterisk.
func TestAllowTransfer(t *testing.T) {
	sipCfg, diags := LoadSIPConf(parse(t, "sip.conf", `[general]
[open]
type=friend
host=dynamic
secret=x
[closed]
type=friend
host=dynamic
secret=y
allowtransfer=no
`))
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	if len(diags) != 0 {
		t.Errorf("diagnostics: %v", diags)
	}
	if sipCfg.Endpoint("open").NoTransfer || !sipCfg.Endpoint("closed").NoTransfer {
		t.Errorf("sip.conf NoTransfer: open %v, closed %v; want false, true",
			sipCfg.Endpoint("open").NoTransfer, sipCfg.Endpoint("closed").NoTransfer)
	}
	pjCfg, diags := LoadPJSIPConf(parse(t, "pjsip.conf", `[a]
type=auth
auth_type=userpass
username=closed
password=p
[closed]
type=aor
max_contacts=1
[closed]
type=endpoint
auth=a
aors=closed
allow=ulaw
allow_transfer=no
`))
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	if ep := pjCfg.Endpoint("closed"); ep == nil || !ep.NoTransfer {
		t.Errorf("pjsip.conf allow_transfer=no: endpoint %+v", ep)
	}
}

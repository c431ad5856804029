package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mwiVoicemailConf has mailbox 1001 for the MWI tests.
const mwiVoicemailConf = "[general]\nmaxsilence=2\nminsecs=1\nmaxsecs=20\n[default]\n1001 => 4242,Agent One\n"

// putVoicemail puts message n into box's INBOX as Asterisk leaves one:
// msgNNNN.txt with the metadata beside a short WAV.
func putVoicemail(t *testing.T, data, context, box string, n int) {
	t.Helper()
	inbox := filepath.Join(data, "voicemail", context, box, "INBOX")
	if err := os.MkdirAll(inbox, 0o750); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(inbox, fmt.Sprintf("msg%04d", n))
	writeToneWAV(t, base+".wav", 1000, 500*time.Millisecond)
	meta := "[message]\norigmailbox=" + box + "\ncontext=from-pstn\nmacrocontext=\nexten=" + box +
		"\nrdnis=unknown\npriority=1\ncallerchan=SIP/pstn-00000001\ncallerid=\"Customer\" <0612345678>\n" +
		"origdate=Tue Dec  1 10:00:00 AM UTC 2026\norigtime=1796119200\ncategory=\nmsg_id=1796119200-0000000" +
		fmt.Sprint(n) + "\nflag=\nduration=1\n"
	if err := os.WriteFile(base+".txt", []byte(meta), 0o640); err != nil {
		t.Fatal(err)
	}
}

// TestMWISubscribeNotifiesPhone: phone 1001 (mailbox=1001@default, one
// message waiting) registers, then SUBSCRIBEs to message-summary with
// digest; it gets 200 OK and at once a NOTIFY in the subscription's dialog
// with "Voice-Message: 1/0". A caller leaves a voicemail: the phone gets
// the NOTIFY with 2/0 in its subscription and no unsolicited NOTIFY beside
// it, as chan_sip notifies a subscribed peer. The phone unsubscribes and
// gets the final NOTIFY terminated;reason=timeout.
func TestMWISubscribeNotifiesPhone(t *testing.T) {
	sw, ip, trunkIP, phoneIP := mediaSwitchWith(t, 236, "", "mailbox=1001@default", map[string]string{
		"voicemail.conf": mwiVoicemailConf,
		"extensions.conf": `[from-pstn]
exten => _X.,1,VoiceMail(1001@default,s)
 same => n,Verbose(1,after voicemail VMSTATUS=${VMSTATUS})
 same => n,Wait(20)
[phones]
`,
	})
	putVoicemail(t, sw.data, "default", "1001", 0)
	port := freeUDPPort(t, phoneIP)
	registerPhone(t, phoneIP, sw, port)
	phone := startSipp(t, "phone", phoneIP, sw.sipAddr, "mwi_subscribe.xml",
		"-p", port, "-s", "1001", "-au", "1001", "-ap", "s3cret-1001")
	waitLog(t, sw, `msg="subscription notified" component=subscriptions endpoint=1001`)

	trunk, o, _ := trunkMediaCall(t, sw, ip, trunkIP, 7*time.Second, 0x3a1)
	o.tone(0, 1*time.Second) // the beep plays meanwhile
	o.tone(1000, 1500*time.Millisecond)
	o.tone(0, 3*time.Second)
	waitLog(t, sw, "after voicemail VMSTATUS=SUCCESS")

	phone.mustPass(t, "the initial NOTIFY with 1/0, the update with 2/0 in the same dialog, the final NOTIFY after unsubscribing")
	// sipp traces every datagram, a NOTIFY outside the dialog too.
	var notifies []string
	for _, m := range phone.messages() {
		if !m.sent && strings.HasPrefix(m.first, "NOTIFY ") {
			notifies = append(notifies, m.String())
		}
	}
	if len(notifies) != 3 {
		t.Errorf("want 3 NOTIFYs (initial, update, final), the phone got %d:\n%s", len(notifies), strings.Join(notifies, "\n"))
	}
	logs := sw.logs.String()
	if strings.Contains(logs, `msg="MWI sent"`) {
		t.Errorf("the subscribed phone was also sent an unsolicited NOTIFY")
	}
	if !strings.Contains(logs, `msg="subscription ended by the subscriber" component=subscriptions endpoint=1001`) {
		t.Errorf("no unsubscription logged")
	}
	_, _ = trunk.wait(15 * time.Second)
}

// TestMWISubscribeRefusals: an unknown user and a wrong password get the
// same 401 challenge and the same 403; an authenticated SUBSCRIBE for
// Event: presence gets 489 Bad Event with Allow-Events: message-summary;
// a refresh of a subscription the switch does not know gets 481.
func TestMWISubscribeRefusals(t *testing.T) {
	ip := loopbackIP(t, 239)
	sw := startSwitch(t, ip, map[string]string{
		"sip.conf":        strings.Replace(sipTestConfig["sip.conf"], "secret=s3cret-1001\n", "secret=s3cret-1001\nmailbox=1001@default\n", 1),
		"voicemail.conf":  mwiVoicemailConf,
		"extensions.conf": sipTestConfig["extensions.conf"],
	})
	for _, tc := range []struct{ name, user, pass string }{
		{"wrong password", "1001", "guess"},
		{"unknown user", "9999", "guess"},
	} {
		if code, out := sipp(t, ip, sw.sipAddr, "mwi_subscribe_rejected.xml", "-s", tc.user, "-au", tc.user, "-ap", tc.pass); code != 0 {
			t.Errorf("%s: want 401 then 403; sipp exit %d:\n%s", tc.name, code, out)
		}
	}
	if code, out := sipp(t, ip, sw.sipAddr, "mwi_subscribe_bad_event.xml", "-s", "1001", "-au", "1001", "-ap", "s3cret-1001"); code != 0 {
		t.Errorf("presence: want 489 with Allow-Events; sipp exit %d:\n%s", code, out)
	}
	if code, out := sipp(t, ip, sw.sipAddr, "mwi_subscribe_unknown.xml", "-s", "1001"); code != 0 {
		t.Errorf("unknown subscription: want 481; sipp exit %d:\n%s", code, out)
	}
	if strings.Contains(sw.logs.String(), "subscription created") {
		t.Errorf("a refused SUBSCRIBE created a subscription:\n%s", sw.logs.String())
	}
}

// TestMWISubscriptionSurvivesRestart: phone 1001 subscribes with an empty
// mailbox (Messages-Waiting: no, 0/0); the switch stops, a message arrives
// in the spool meanwhile, and the switch starts again on the same data
// directory: the subscription comes back from bbolt and the phone gets a
// NOTIFY with 1/0 in the same dialog (a NOTIFY outside it would not match
// sipp's call), then unsubscribes on the restarted switch.
func TestMWISubscriptionSurvivesRestart(t *testing.T) {
	ip := loopbackIP(t, 240)
	switchPort := freeUDPPort(t, ip)
	files := map[string]string{
		"sip.conf": strings.NewReplacer("bindport=0\n", "bindport="+switchPort+"\n",
			"secret=s3cret-1001\n", "secret=s3cret-1001\nmailbox=1001@default\n").Replace(sipTestConfig["sip.conf"]),
		"voicemail.conf":  mwiVoicemailConf,
		"extensions.conf": sipTestConfig["extensions.conf"],
	}
	sw := startSwitch(t, ip, files)
	scenario := writeScenario(t, "mwi_subscribe.xml", map[string]string{
		`regexp="Messages-Waiting: yes" search_in="body" check_it="true" assign_to="mw1"`:      `regexp="Messages-Waiting: no" search_in="body" check_it="true" assign_to="mw1"`,
		`regexp="Voice-Message: 1/0 \(0/0\)" search_in="body" check_it="true" assign_to="vm1"`: `regexp="Voice-Message: 0/0 \(0/0\)" search_in="body" check_it="true" assign_to="vm1"`,
		`regexp="Voice-Message: 2/0 \(0/0\)" search_in="body" check_it="true" assign_to="vm2"`: `regexp="Voice-Message: 1/0 \(0/0\)" search_in="body" check_it="true" assign_to="vm2"`,
	})
	phone := startSipp(t, "phone", ip, sw.sipAddr, scenario, "-s", "1001", "-au", "1001", "-ap", "s3cret-1001")
	waitLog(t, sw, `msg="subscription notified" component=subscriptions endpoint=1001`)
	sw.stop(t)

	putVoicemail(t, sw.data, "default", "1001", 0)
	again := startSwitchIn(t, ip, files, sw.data)
	if again.sipAddr != sw.sipAddr {
		t.Fatalf("the switch came back on %s, not %s", again.sipAddr, sw.sipAddr)
	}
	waitLog(t, again, `msg="subscriptions restored" component=subscriptions subscriptions=1`)
	phone.mustPass(t, "the NOTIFY of the restored subscription with 1/0 in the same dialog, then the unsubscription")
	if !strings.Contains(again.logs.String(), `msg="subscription ended by the subscriber" component=subscriptions endpoint=1001`) {
		t.Errorf("the restarted switch did not take the unsubscription:\n%s", again.logs.String())
	}
}

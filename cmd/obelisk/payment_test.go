package main

// The collections call of seeds 000 and 004 (testdata/demo's
// [collections]) end to end: a trunk call stands in for the campaign
// engine's originated call (the same variables, then Goto collections),
// the Go RTP caller hears the switch's espeak-ng speech and presses keys
// by RFC 4733, and StripePayment talks to a real stripe-mock.

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/obelisk-pbx/obelisk/payments"
	"github.com/obelisk-pbx/obelisk/payments/stripemock"
)

// collectionsStandIn replaces the demo's [from-pstn]: DID 5LNN is customer
// C-5LNN (Maria, 120.00 usd) of campaign nov-2026 speaking language L (1
// en, 2 fr, 3 ar, 4 es), sent to collections,s,1 as the campaign engine
// sends its answered calls.
const collectionsStandIn = `[from-pstn]                     ; test stand-in for the campaign engine
exten => _5XXX,1,Set(CAMPAIGN=nov-2026)
 same => n,Set(CUSTOMER_ID=C-${EXTEN})
 same => n,Set(CUSTOMER_NAME=Maria)
 same => n,Set(AMOUNT_DUE=120.00)
 same => n,Set(CURRENCY=usd)
 same => n,Answer()
 same => n,Goto(lang-${EXTEN:1:1},1)
exten => lang-1,1,Set(CHANNEL(language)=en)
 same => n,Goto(collections,s,1)
exten => lang-2,1,Set(CHANNEL(language)=fr)
 same => n,Goto(collections,s,1)
exten => lang-3,1,Set(CHANNEL(language)=ar)
 same => n,Goto(collections,s,1)
exten => lang-4,1,Set(CHANNEL(language)=es)
 same => n,Goto(collections,s,1)
`

// collectionsWords are the demo's words for Maria's 120.00 usd, as the
// switch should say them.
var collectionsWords = map[string]struct{ greeting, paid string }{
	"en": {"Hello Maria. This is Acme collections. You owe 120 dollars.",
		"Thank you. Your payment of 120 dollars was successful. Goodbye."},
	"fr": {"Bonjour Maria. Ici le service de recouvrement Acme. Vous devez 120 dollars.",
		"Merci. Votre paiement de 120 dollars a été accepté. Au revoir."},
	"ar": {"مرحبا Maria. معك قسم التحصيل في شركة أكمي. المبلغ المستحق عليك هو 120 دولار.",
		"شكرا لك. تم دفع 120 دولار بنجاح. مع السلامة."},
	"es": {"Hola Maria. Le llamamos de cobranzas de Acme. Usted debe 120 dólares.",
		"Gracias. Su pago de 120 dólares se realizó con éxito. Adiós."},
}

// collectionsSwitch starts the demo at loopbackIP n (the trunk at n+1)
// with stripe.conf's base_url set to stripeURL and the stand-in caller;
// edit, when not nil, may change a file further.
func collectionsSwitch(t *testing.T, n int, stripeURL string, edit func(name, text string) string) (sw *runningSwitch, trunkIP string) {
	t.Helper()
	ip, trunkIP := loopbackIP(t, n), loopbackIP(t, n+1)
	files := demoFiles(t, ip, trunkIP, func(name, text string) string {
		switch name {
		case "extensions.conf":
			text = replaceSection(t, name, text, "from-pstn", collectionsStandIn)
		case "stripe.conf":
			text = mustReplaceLine(t, name, text, "base_url", "base_url = "+stripeURL)
			text = mustReplaceLine(t, name, text, "retries", "retries = 0")
		}
		if edit != nil {
			text = edit(name, text)
		}
		return text
	})
	return startSwitch(t, ip, files), trunkIP
}

// TestCollectionsPay: in each language the customer hears the greeting
// with her name and balance (compared with espeak-ng's own synthesis),
// then the menu, presses 1, and stripe-mock's PaymentIntent succeeds:
// the switch says so in her language and hangs up, and the call's
// outcome is CAMPAIGN_RESULT=paid with PAYMENT_STATUS=succeeded and a
// pi_… PAYMENT_ID (the h extension's log line and UserEvent).
func TestCollectionsPay(t *testing.T) {
	t.Parallel()
	stripeURL := stripemock.Start(t, stripemock.Options{Succeeded: true})
	sw, trunkIP := collectionsSwitch(t, 103, stripeURL, nil)
	for i, lang := range []string{"en", "fr", "ar", "es"} {
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			words := collectionsWords[lang]
			greeting := referenceText(t, "greeting", lang, words.greeting)
			paid := referenceText(t, "paid", lang, words.paid)
			did := fmt.Sprintf("5%d01", i+1)
			caller := newRTPCaller(t, trunkIP)
			trunk := goMediaTrunk(t, sw, trunkIP, did, caller, 50*time.Second)
			segs, ok := caller.waitSegmentDone(1, 700*time.Millisecond, 30*time.Second)
			if !ok || len(segs) != 2 {
				t.Fatalf("want the greeting and the menu, then silence while WaitExten waits; heard %s", describeSegments(segs))
			}
			checkHeard(t, "the greeting", segs[0], greeting)
			caller.press("1")
			// "Please wait while we process your payment", then the outcome.
			segs, ok = caller.waitSegmentDone(3, 700*time.Millisecond, 30*time.Second)
			if !ok || len(segs) != 4 {
				t.Fatalf("after key 1: want the processing notice and the payment's outcome; heard %s", describeSegments(segs))
			}
			checkHeard(t, "after the payment", segs[3], paid)
			waitLogWithin(t, sw, `collections nov-2026 C-`+did+`: paid payment=succeeded pi_`, 10*time.Second)
			if ok, failure := trunk.wait(15 * time.Second); !ok {
				t.Errorf("want the switch's BYE after the announcement: %s", failure)
			} else if len(received(trunk.messages(), "BYE ")) != 1 {
				t.Error("the trunk hung up; want the switch to hang up after the announcement")
			}
		})
	}
}

// TestCollectionsOutcomes: the other ways a collections call ends, on a
// switch whose Stripe cannot be reached and which asks twice, waiting 2 s:
//   - no key: the menu, the retry message and the menu again, then the
//     goodbye and the switch's BYE; CAMPAIGN_RESULT=no-input;
//   - 2 pressed during the greeting: "Please hold…", then the English
//     queue rings an agent (queue_log ENTERQUEUE); CAMPAIGN_RESULT=agent;
//   - 1 with Stripe out of reach: the apology, not a dropped call;
//     CAMPAIGN_RESULT=failed-payment, PAYMENT_ERROR=unavailable.
func TestCollectionsOutcomes(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String() // nothing listens there
	_ = l.Close()
	sw, trunkIP := collectionsSwitch(t, 105, down, func(name, text string) string {
		if name != "extensions.conf" {
			return text
		}
		text = mustReplaceLine(t, name, text, "COLLECTIONS_TRIES=", "COLLECTIONS_TRIES=2")
		return mustReplaceLine(t, name, text, "COLLECTIONS_WAIT=", "COLLECTIONS_WAIT=2")
	})

	t.Run("no input", func(t *testing.T) {
		t.Parallel()
		retry := referenceText(t, "retry", "en", "Sorry. That is not a valid choice.")
		goodbye := referenceText(t, "goodbye", "en", "We did not get your choice. We will call you again. Goodbye.")
		menu := referenceText(t, "menu", "en", "Press 1 to pay now. Press 2 to speak with an agent. Press 3 to promise to pay within 7 days.")
		caller := newRTPCaller(t, trunkIP)
		trunk := goMediaTrunk(t, sw, trunkIP, "5111", caller, 60*time.Second)
		if ok, failure := trunk.wait(60 * time.Second); !ok {
			t.Fatalf("want the switch's BYE after the goodbye: %s", failure)
		}
		segs := caller.segments()
		if len(segs) != 5 {
			t.Fatalf("want the greeting, the menu, the retry message, the menu and the goodbye; heard %s", describeSegments(segs))
		}
		checkHeard(t, "the menu", segs[1], menu)
		checkHeard(t, "after no key", segs[2], retry)
		checkHeard(t, "the menu again", segs[3], menu)
		checkHeard(t, "after no key twice", segs[4], goodbye)
		if gap := segs[2].start.Sub(segs[1].end); gap < 1500*time.Millisecond {
			t.Errorf("the retry message came %v after the menu; want WaitExten's 2 s first", gap.Round(time.Millisecond))
		}
		waitLogWithin(t, sw, `collections nov-2026 C-5111: no-input payment= `, 10*time.Second)
	})

	t.Run("agent", func(t *testing.T) {
		t.Parallel()
		phoneIP := loopbackIP(t, 107)
		agents := []*sentinelPhone{newSentinelPhone(t, sw, phoneIP, "201", "en1-Demo-9Wd"), newSentinelPhone(t, sw, phoneIP, "202", "en2-Demo-3Zr")}
		hold := referenceText(t, "agent", "en", "Please hold. We are transferring you to an agent.")
		caller := newRTPCaller(t, trunkIP)
		trunk := goMediaTrunk(t, sw, trunkIP, "5112", caller, 20*time.Second)
		pressDuringGreeting(t, caller, "2", 10*time.Second)
		segs, ok := caller.waitSegmentDone(1, 700*time.Millisecond, 15*time.Second)
		if !ok || len(segs) < 2 {
			t.Fatalf("after key 2 during the greeting: want the transfer notice; heard %s", describeSegments(segs))
		}
		if d := segs[0].duration(); d > 3*time.Second {
			t.Errorf("key 2 pressed 1 s into the greeting did not stop it: heard %v of it", d.Round(time.Millisecond))
		}
		checkHeard(t, "after key 2", segs[1], hold)
		waitQueueLog(t, sw, "|en-queue|NONE|ENTERQUEUE|")
		rang := ""
		for end := time.Now().Add(15 * time.Second); rang == "" && time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			for _, a := range agents {
				if inv := a.invites(); len(inv) > 0 {
					rang = a.ext + ": " + inv[0]
				}
			}
		}
		if rang == "" {
			t.Fatal("no agent of en-queue rang")
		}
		t.Logf("agent %s", rang)
		if ok, failure := trunk.wait(30 * time.Second); !ok {
			t.Errorf("the trunk: %s", failure)
		}
		waitLogWithin(t, sw, `collections nov-2026 C-5112: agent payment= `, 10*time.Second)
	})

	t.Run("Stripe unreachable", func(t *testing.T) {
		t.Parallel()
		sorry := referenceText(t, "unavailable", "en", "Sorry. Our payment service is not available right now. We will call you again. Goodbye.")
		caller := newRTPCaller(t, trunkIP)
		trunk := goMediaTrunk(t, sw, trunkIP, "5113", caller, 50*time.Second)
		segs, ok := caller.waitSegmentDone(1, 700*time.Millisecond, 30*time.Second)
		if !ok || len(segs) != 2 {
			t.Fatalf("want the greeting and the menu; heard %s", describeSegments(segs))
		}
		caller.press("1")
		if ok, failure := trunk.wait(40 * time.Second); !ok {
			t.Fatalf("want the switch's BYE after the apology: %s", failure)
		}
		segs = caller.segments()
		if len(segs) != 4 {
			t.Fatalf("after key 1: want the processing notice and the apology; heard %s", describeSegments(segs))
		}
		checkHeard(t, "with Stripe unreachable", segs[3], sorry)
		waitLogWithin(t, sw, `collections nov-2026 C-5113: failed-payment payment=failed  unavailable`, 10*time.Second)
	})
}

// TestCollectionsCallFile: the campaign engine's own path, a call file
// (Setvar lines for the variables and CHANNEL(language)=fr) to
// SIP/pstn/<number>. The trunk answers, the customer presses 1 a second
// into the French greeting, and stripe-mock's stock PaymentIntent comes
// back requires_payment_method (not paid): the switch says in French that
// the card was refused and hangs up; CAMPAIGN_RESULT=declined with the
// PaymentIntent's id.
func TestCollectionsCallFile(t *testing.T) {
	t.Parallel()
	stripeURL := stripemock.Start(t, stripemock.Options{})
	sw, trunkIP := collectionsSwitch(t, 108, stripeURL, nil)
	refused := referenceText(t, "declined", "fr", "Désolé. Votre carte a été refusée. Un conseiller vous contactera. Au revoir.")

	caller := newRTPCaller(t, trunkIP)
	portFile := filepath.Join(t.TempDir(), "trunk-rtp-port")
	scenario := writeScenario(t, "phone_media.xml", map[string]string{
		"> phone-rtp-port":                   "> " + portFile,
		"c=IN IP[media_ip_type] [media_ip]":  "c=IN IP4 " + trunkIP,
		"m=audio [media_port] RTP/AVP 0 101": "m=audio " + caller.port() + " RTP/AVP 0 101",
	})
	trunk := startSipp(t, "trunk", trunkIP, sw.sipAddr, scenario, "-p", "5060", "-timeout", "45s")
	time.Sleep(300 * time.Millisecond) // let it bind its port

	file := strings.Join([]string{
		"Channel: SIP/pstn/0612000111", "CallerID: \"Acme\" <0522000000>", "WaitTime: 10",
		"Context: collections", "Extension: s", "Priority: 1",
		"Setvar: CAMPAIGN=nov-2026", "Setvar: CUSTOMER_ID=C-0042", "Setvar: CUSTOMER_NAME=Maria",
		"Setvar: AMOUNT_DUE=120.00", "Setvar: CURRENCY=usd", "Setvar: CHANNEL(language)=fr",
	}, "\n") + "\n"
	spool := filepath.Join(sw.data, "spool")
	if err := os.WriteFile(filepath.Join(spool, "tmp", "c-0042.call"), []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(spool, "tmp", "c-0042.call"), filepath.Join(spool, "outgoing", "c-0042.call")); err != nil {
		t.Fatal(err)
	}
	port, _ := waitPortFile(portFile, 15*time.Second)
	if port == "" {
		_, failure := trunk.wait(time.Second)
		t.Fatalf("the call file's call did not reach the trunk with media:\n%s", failure)
	}
	switchIP, _, _ := net.SplitHostPort(sw.sipAddr)
	caller.start(switchIP, port, 0, 101)

	pressDuringGreeting(t, caller, "1", 15*time.Second)
	if ok, failure := trunk.wait(40 * time.Second); !ok {
		t.Fatalf("want the switch's BYE after the announcement: %s", failure)
	}
	segs := caller.segments()
	if len(segs) != 3 {
		t.Fatalf("want the greeting (cut by key 1), the processing notice and the refusal; heard %s", describeSegments(segs))
	}
	checkHeard(t, "after a payment Stripe left unpaid", segs[2], refused)
	waitLogWithin(t, sw, `collections nov-2026 C-0042: declined payment=requires_payment_method pi_`, 10*time.Second)
	if invites := received(trunk.messages(), "INVITE "); len(invites) != 1 || !strings.Contains(invites[0].String(), "INVITE sip:0612000111@") {
		t.Errorf("want one INVITE to the customer's number through the trunk, got %d", len(invites))
	}
}

// TestCollectionsAMD: with COLLECTIONS_AMD=yes the call runs AMD() before
// speaking. A line that stays silent is a machine (INITIALSILENCE after
// app_amd's 2.5 s): the switch hangs up without a word and
// CAMPAIGN_RESULT=machine. A customer who says a short word then waits is
// a HUMAN: she hears the greeting and presses 3, a promise to pay.
func TestCollectionsAMD(t *testing.T) {
	t.Parallel()
	sw, trunkIP := collectionsSwitch(t, 110, "http://127.0.0.1:9", func(name, text string) string {
		if name != "extensions.conf" {
			return text
		}
		return mustReplaceLine(t, name, text, "COLLECTIONS_AMD=", "COLLECTIONS_AMD=yes")
	})
	t.Run("machine", func(t *testing.T) {
		t.Parallel()
		caller := newRTPCaller(t, trunkIP)
		trunk := goMediaTrunk(t, sw, trunkIP, "5115", caller, 20*time.Second)
		if ok, failure := trunk.wait(20 * time.Second); !ok {
			t.Fatalf("want the switch's BYE once AMD decided: %s", failure)
		} else if len(received(trunk.messages(), "BYE ")) != 1 {
			t.Fatal("the trunk hung up; want the switch to hang up on the machine")
		}
		if segs := caller.segments(); len(segs) != 0 {
			t.Errorf("the machine heard %s; want nothing", describeSegments(segs))
		}
		waitLogMatch(t, sw, regexp.MustCompile(`collections nov-2026 C-5115: machine payment=.* amd=MACHINE`), 10*time.Second)
	})
	t.Run("human", func(t *testing.T) {
		t.Parallel()
		greeting := referenceText(t, "greeting", "en", collectionsWords["en"].greeting)
		promised := referenceText(t, "promised", "en", "Thank you. We have noted your promise to pay. Goodbye.")
		caller := newRTPCaller(t, trunkIP)
		trunk := goMediaTrunk(t, sw, trunkIP, "5116", caller, 40*time.Second)
		caller.speak(440, 600*time.Millisecond) // "Hello?"
		segs, ok := caller.waitSegmentDone(0, 700*time.Millisecond, 15*time.Second)
		if !ok || len(segs) == 0 {
			t.Fatalf("want the greeting once AMD heard a person; heard %s", describeSegments(segs))
		}
		checkHeard(t, "after hello", segs[0], greeting)
		caller.press("3")
		if ok, failure := trunk.wait(30 * time.Second); !ok {
			t.Fatalf("want the switch's BYE after the thanks: %s", failure)
		}
		segs = caller.segments()
		if len(segs) < 2 {
			t.Fatalf("after key 3: want the thanks; heard %s", describeSegments(segs))
		}
		checkHeard(t, "after key 3", segs[len(segs)-1], promised)
		waitLogMatch(t, sw, regexp.MustCompile(`collections nov-2026 C-5116: promised payment=.* amd=HUMAN`), 10*time.Second)
	})
}

// TestCollectionsPaymentLink: in paymentlink mode, key 1 creates a
// stripe-mock Payment Link and stripe.conf's link_hook gets it (the
// link's URL, 120.00 usd, the caller's number to text it to, the
// customer's metadata); the customer hears that the link was sent and
// CAMPAIGN_RESULT=link-sent. A hook that refuses it leaves the link
// unsent: the customer hears that payments are not available and
// CAMPAIGN_RESULT=failed-payment (PAYMENT_ERROR=hook).
func TestCollectionsPaymentLink(t *testing.T) {
	t.Parallel()
	stripeURL := stripemock.Start(t, stripemock.Options{})
	var mu sync.Mutex
	var links []payments.LinkEvent
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev payments.LinkEvent
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		links = append(links, ev)
		mu.Unlock()
		if ev.Metadata["customer_id"] == "C-5102" {
			http.Error(w, "no SMS credit", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(hook.Close) // after the parallel subtests
	sw, trunkIP := collectionsSwitch(t, 112, stripeURL, func(name, text string) string {
		if name != "stripe.conf" {
			return text
		}
		text = mustReplaceLine(t, name, text, "mode", "mode = paymentlink")
		return mustReplaceLine(t, name, text, ";link_hook", "link_hook = "+hook.URL)
	})
	for _, tc := range []struct {
		name, did, heard, log string
	}{
		{"sent", "5101", "We have sent you a payment link by text message. Goodbye.", "collections nov-2026 C-5101: link-sent payment=link-sent plink_"},
		{"hook refused", "5102", "Sorry. Our payment service is not available right now. We will call you again. Goodbye.", "collections nov-2026 C-5102: failed-payment payment=link-created plink_"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := referenceText(t, tc.name, "en", tc.heard)
			caller := newRTPCaller(t, trunkIP)
			trunk := goMediaTrunk(t, sw, trunkIP, tc.did, caller, 40*time.Second)
			pressDuringGreeting(t, caller, "1", 15*time.Second)
			if ok, failure := trunk.wait(30 * time.Second); !ok {
				t.Fatalf("want the switch's BYE after the announcement: %s", failure)
			}
			segs := caller.segments()
			if len(segs) != 3 {
				t.Fatalf("want the greeting (cut by key 1), the processing notice and the outcome; heard %s", describeSegments(segs))
			}
			checkHeard(t, "after key 1", segs[2], want)
			waitLogWithin(t, sw, tc.log, 10*time.Second)
			mu.Lock()
			defer mu.Unlock()
			var got *payments.LinkEvent
			for i := range links {
				if links[i].Metadata["customer_id"] == "C-"+tc.did {
					got = &links[i]
				}
			}
			if got == nil || !strings.HasPrefix(got.ID, "plink_") || !strings.HasPrefix(got.URL, "https://") || got.Amount != "120.00" ||
				got.Currency != "usd" || got.Recipient != "0612345678" || got.Metadata["campaign"] != "nov-2026" {
				t.Errorf("the hook got %+v; want the link of 120.00 usd for 0612345678 with the campaign's metadata", got)
			}
		})
	}
}

// pressDuringGreeting waits up to within for the collections call's first
// prompt (the greeting) and presses key one second into it.
func pressDuringGreeting(t *testing.T, caller *rtpCaller, key string, within time.Duration) {
	t.Helper()
	segs := caller.segments()
	for end := time.Now().Add(within); len(segs) == 0 && time.Now().Before(end); segs = caller.segments() {
		time.Sleep(20 * time.Millisecond)
	}
	if len(segs) == 0 {
		t.Fatal("the customer heard no greeting")
	}
	time.Sleep(time.Until(segs[0].start.Add(time.Second)))
	caller.press(key)
}

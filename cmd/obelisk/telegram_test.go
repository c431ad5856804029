package main

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/obelisk-pbx/obelisk/telegram/telegramtest"
)

// The Telegram click-to-call bot (seed 002) against the real switch: a
// Bot API server of the test's own (telegramtest) on loopback, and sipp
// as the provider trunks.

const tgToken = "7000000001:obelisk-TEST"

var (
	tgAdmin = telegramtest.User{ID: 1001, FirstName: "Boss", UserName: "boss"}
	tgAlice = telegramtest.User{ID: 2002, FirstName: "Alice", UserName: "alice"}
)

// telegramSIPConf has two trunks: pstn (the Main route) and devtrunk
// (Development), each at an address of its own.
const telegramSIPConf = `[general]
bindaddr={{IP}}
bindport=0

[pstn]
type=peer
host={{MAIN}}
context=from-pstn
insecure=port,invite
disallow=all
allow=ulaw

[devtrunk]
type=peer
host={{DEV}}
context=from-pstn
insecure=port,invite
disallow=all
allow=ulaw
`

func telegramConf(apiURL string) string {
	return fmt.Sprintf(`[general]
enabled=yes
token=%s
apiurl=%s
superadmin=%d
polltimeout=5
agenttimeout=10
targettimeout=10

[M]
trunk=pstn
callerid=+15551110000

[D]
trunk=devtrunk
callerid=(555) 222-0000
`, tgToken, apiURL, tgAdmin.ID)
}

// tgChat is a user's side of the chat with the bot.
type tgChat struct {
	t   *testing.T
	srv *telegramtest.Server
}

// say sends text as u and waits for the bot's next message to u that
// contains want.
func (c tgChat) say(u telegramtest.User, text, want string) telegramtest.Message {
	c.t.Helper()
	seq := c.srv.Seq()
	c.srv.SendText(u, text)
	return c.expect(u.ID, seq, want)
}

// expect waits for a bot message to chat after seq containing want.
func (c tgChat) expect(chat int64, seq int, want string) telegramtest.Message {
	c.t.Helper()
	m, ok := c.srv.WaitMessage(chat, seq, func(m telegramtest.Message) bool { return strings.Contains(m.Text, want) }, 20*time.Second)
	if !ok {
		var texts []string
		for _, m := range c.srv.BotMessages(chat) {
			texts = append(texts, fmt.Sprintf("[%d] %s", m.Seq, m.Text))
		}
		c.t.Fatalf("no bot message to %d after #%d containing %q; the bot sent:\n%s", chat, seq, want, strings.Join(texts, "\n"))
	}
	return m
}

// press presses a button of m and waits for the answer to the callback
// query and for m edited to contain want.
func (c tgChat) press(u telegramtest.User, m telegramtest.Message, data, want string) telegramtest.Message {
	c.t.Helper()
	seq := c.srv.Seq()
	id, err := c.srv.Press(u, m.ID, data)
	if err != nil {
		c.t.Fatal(err)
	}
	got := c.expect(u.ID, seq, want)
	if got.ID != m.ID || got.Edits == 0 {
		c.t.Errorf("button %q: the bot answered with message %d (edits %d), want message %d edited", data, got.ID, got.Edits, m.ID)
	}
	if _, ok := c.srv.WaitCallbackAnswer(id, 10*time.Second); !ok {
		c.t.Errorf("button %q: no answerCallbackQuery", data)
	}
	return got
}

// TestTelegramClickToCall is seed 002 end to end: an unauthorized agent's
// /call is refused and the super-admin is asked; the super-admin
// authorizes them with the request's button; a /call without a route is
// refused, an invalid number too; the agent picks Main in the settings
// menu (with its confirmation), then /route D; /call +1 555 123 4567 rings
// the agent's own number through the D trunk first, then the target
// through the same trunk, both with D's caller id, and bridges them (RTP
// both ways; the target's BYE hangs up the agent), with the status
// messages in order. A
// busy agent phone gives "failed: busy" and no call to the target; a busy
// target gives "Call to … failed: busy" and the agent is hung up. After a
// restart the agent and their route are still there.
func TestTelegramClickToCall(t *testing.T) {
	t.Parallel()
	ip, mainIP, devIP, botIP := loopbackIP(t, 116), loopbackIP(t, 117), loopbackIP(t, 118), loopbackIP(t, 119)
	srv, err := telegramtest.New(botIP+":0", tgToken)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	files := map[string]string{
		"sip.conf":        strings.NewReplacer("{{MAIN}}", mainIP, "{{DEV}}", devIP).Replace(telegramSIPConf),
		"extensions.conf": "[from-pstn]\nexten => _X.,1,Hangup()\n",
		"telegram.conf":   telegramConf(srv.URL()),
	}
	sw := startSwitch(t, ip, files)
	waitLog(t, sw, `msg="telegram bot polling"`)
	c := tgChat{t: t, srv: srv}

	// An unknown user is refused; the super-admin is told, with a button.
	c.say(tgAdmin, "/start", "/authorize")
	seq := srv.Seq()
	c.say(tgAlice, "/call +1 555 123 4567", "not authorized")
	req := c.expect(tgAdmin.ID, seq, "Authorization request: Alice (@alice) (id 2002)")
	c.press(tgAdmin, req, "auth:2002", "send their phone number")
	seq = srv.Seq()
	c.say(tgAdmin, "+1 555 000 1111 Alice", "Agent Alice (id 2002) authorized with phone +15550001111")
	c.expect(tgAlice.ID, seq, "You are authorized")

	// No route yet; a bad number.
	c.say(tgAlice, "/call +1 555 123 4567", "choose one before calling")
	c.say(tgAlice, "/call 555-CALL-NOW", `Invalid number "555-CALL-NOW"`)

	// The settings menu: Select Route, Main, the confirmation, Yes.
	menu := c.say(tgAlice, "/settings", "Caller ID: none (no route selected)")
	choose := c.press(tgAlice, menu, "set:route", "Choose the route")
	confirm := c.press(tgAlice, choose, "set:pick:M", "Are you sure you want to switch to the Main route?\nAll outbound calls will now go through this route.")
	c.press(tgAlice, confirm, "set:yes:M", "✅ Your route has been successfully changed to [Main]!\nCaller ID: +15551110000 [M]")
	c.say(tgAlice, "/route D", "✅ Your route has been successfully changed to [Development]!\nCaller ID: +15552220000 [D]")

	// The call: the agent first, then the target, through devtrunk.
	agentRTP, targetRTP := listenUDP(t, devIP), listenUDP(t, devIP)
	trunk := startSipp(t, "dev trunk", devIP, "", writeScenario(t, "telegram_trunk.xml", map[string]string{
		"[cid]": `\+15552220000`, "[agent_rtp]": portOf(agentRTP), "[target_rtp]": portOf(targetRTP)}),
		"-p", "5060", "-m", "2")
	seq = srv.Seq()
	srv.SendText(tgAlice, "/call +1 555 123 4567")
	for _, want := range []string{"Calling you at +15550001111 (route Development [D])", "Your phone is ringing",
		"You answered. Calling +15551234567", "Connected to +15551234567"} {
		seq = c.expect(tgAlice.ID, seq, want).Seq
	}
	// Bridged: each party hears the other's tone.
	heardByAgent, heardByTarget := exchangeTones(t, trunk, agentRTP, targetRTP)
	checkTone(t, "the agent hearing the target", heardByAgent, 1000, 400)
	checkTone(t, "the target hearing the agent", heardByTarget, 400, 1000)
	c.expect(tgAlice.ID, seq, "Call with +15551234567 ended. Duration: 0:0")
	trunk.mustPass(t, "the agent's leg, then the target's, both answered and bridged until the target hung up")
	invites := received(trunk.messages(), "INVITE ")
	if len(invites) != 2 {
		t.Fatalf("the trunk got %d INVITEs, want 2:\n%s", len(invites), ladder(trunk.messages()))
	}
	for i, want := range []string{"INVITE sip:+15550001111@" + devIP, "INVITE sip:+15551234567@" + devIP} {
		if !strings.HasPrefix(invites[i].first, want) {
			t.Errorf("INVITE %d: %q, want %s…", i+1, invites[i].first, want)
		}
		if from, _ := invites[i].get("From"); !strings.Contains(from, "sip:+15552220000@") {
			t.Errorf("INVITE %d: From %q, want D's caller id +15552220000", i+1, from)
		}
	}
	if !invites[0].at.Before(invites[1].at) {
		t.Errorf("the target was called at %v, before the agent (%v)", invites[1].at, invites[0].at)
	}

	// The agent's phone is busy: the call fails and the target is not called.
	busy := startSipp(t, "busy agent", devIP, "", writeScenario(t, "telegram_trunk_busy.xml", map[string]string{"[cid]": `\+15552220000`}),
		"-p", "5060")
	seq = srv.Seq()
	srv.SendText(tgAlice, "/call (555) 123-4567")
	seq = c.expect(tgAlice.ID, seq, "Calling you").Seq
	c.expect(tgAlice.ID, seq, "❌ Call failed: busy (SIP 486)")
	busy.mustPass(t, "the agent's INVITE answered 486")
	if n := len(received(busy.messages(), "INVITE ")); n != 1 {
		t.Errorf("%d INVITEs after a busy agent, want 1 (no call to the target)", n)
	}
	waitLog(t, sw, `msg="originate: not answered" component=pbx name="Telegram 2002" channel=SIP/devtrunk/+15550001111 dialstatus=BUSY`)

	// The target is busy: the agent is told, and hung up.
	targetBusy := startSipp(t, "busy target", devIP, "", writeScenario(t, "telegram_trunk_target_busy.xml", map[string]string{
		"[cid]": `\+15552220000`, "[agent_rtp]": portOf(agentRTP)}), "-p", "5060", "-m", "2")
	seq = srv.Seq()
	srv.SendText(tgAlice, "/call 1-555-123-4567")
	seq = c.expect(tgAlice.ID, seq, "You answered. Calling +15551234567").Seq
	c.expect(tgAlice.ID, seq, "❌ Call to +15551234567 failed: busy.")
	targetBusy.mustPass(t, "the agent answered, the target answered 486, the switch hung up the agent")

	// A restart keeps the agent and the route.
	if !srv.WaitConfirmed(10 * time.Second) {
		t.Fatal("the bot did not confirm its updates")
	}
	sw.stop(t)
	again := startSwitchIn(t, ip, files, sw.data)
	waitLog(t, again, `msg="telegram bot polling"`)
	c.say(tgAlice, "/settings", "Caller ID: +15552220000 [D]")
	c.say(tgAdmin, "/agents", "Alice (id 2002): +15550001111 [D]")
}

// exchangeTones sends 1 s of 400 Hz from the agent's RTP socket and of
// 1000 Hz from the target's, each to the switch's address in the INVITE
// of its leg, and returns what each socket heard meanwhile (the audible
// packets: a bridge's silence is left out).
func exchangeTones(t *testing.T, trunk *sippRun, agent, target net.PacketConn) (heardByAgent, heardByTarget []int16) {
	t.Helper()
	invites := received(trunk.messages(), "INVITE ")
	if len(invites) != 2 {
		t.Fatalf("the trunk got %d INVITEs, want the agent's and the target's:\n%s", len(invites), ladder(trunk.messages()))
	}
	dst := func(m *sipMsg) (string, string) {
		port, _ := sdpAudio(m.body)
		ip := ""
		for _, l := range sdpLines(m.body) {
			if f := strings.Fields(l); len(f) == 3 && strings.HasPrefix(l, "c=IN IP4") {
				ip = f[2]
			}
		}
		if ip == "" || port == "" {
			t.Fatalf("no audio address in the switch's offer:\n%s", m.body)
		}
		return ip, port
	}
	aIP, aPort := dst(invites[0])
	tIP, tPort := dst(invites[1])
	var wg sync.WaitGroup
	var inA, inT []rtpIn
	wg.Add(4)
	go func() { defer wg.Done(); newRTPOut(agent, aIP, aPort, 0, 0x1111).tone(400, time.Second) }()
	go func() { defer wg.Done(); newRTPOut(target, tIP, tPort, 0, 0x2222).tone(1000, time.Second) }()
	go func() { defer wg.Done(); inA = readRTP(agent, 1500*time.Millisecond) }()
	go func() { defer wg.Done(); inT = readRTP(target, 1500*time.Millisecond) }()
	wg.Wait()
	return audible(inA), audible(inT)
}

// audible decodes the G.711 packets louder than a quiet room.
func audible(in []rtpIn) []int16 {
	var pcm []int16
	for _, r := range in {
		if r.p.PayloadType != 0 && r.p.PayloadType != 8 {
			continue
		}
		frame := make([]int16, 0, len(r.p.Payload))
		var e float64
		for _, b := range r.p.Payload {
			v := g711.DecodeUlawFrame(b)
			if r.p.PayloadType == 8 {
				v = g711.DecodeAlawFrame(b)
			}
			frame = append(frame, v)
			e += float64(v) * float64(v)
		}
		if len(frame) > 0 && e/float64(len(frame)) > 1000*1000 {
			pcm = append(pcm, frame...)
		}
	}
	return pcm
}

package media_test

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/obelisk-pbx/obelisk/media"
)

// ExampleNegotiate answers an Asterisk offer as an endpoint with
// allow=alaw,ulaw does.
func ExampleNegotiate() {
	offer, err := media.ParseSDP([]byte("v=0\r\n" +
		"o=- 1712345678 1712345678 IN IP4 192.0.2.10\r\n" +
		"s=Asterisk\r\n" +
		"c=IN IP4 192.0.2.10\r\n" +
		"t=0 0\r\n" +
		"m=audio 14562 RTP/AVP 107 0 8 101 100\r\n" +
		"a=rtpmap:107 opus/48000/2\r\n" +
		"a=rtpmap:0 PCMU/8000\r\n" +
		"a=rtpmap:8 PCMA/8000\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\n" +
		"a=fmtp:101 0-16\r\n" +
		"a=rtpmap:100 telephone-event/48000\r\n" +
		"a=fmtp:100 0-16\r\n" +
		"a=sendonly\r\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	audio, dtmf, hasDTMF, err := media.Negotiate(offer, []string{"alaw", "ulaw"})
	if err != nil {
		fmt.Println(err) // errors.Is(err, media.ErrNoCommonCodec): 488
		return
	}
	answer := media.Description{
		Addr:      netip.MustParseAddrPort("198.51.100.1:10000"), // session.LocalAddr() behind the advertised address
		Direction: offer.Direction.Answer(),
		Formats:   []media.Format{audio},
		SessionID: 4242,
		Version:   1,
	}
	if hasDTMF {
		answer.Formats = append(answer.Formats, dtmf)
	}
	fmt.Print(strings.ReplaceAll(string(answer.Marshal()), "\r\n", "\n")) // CRLF on the wire
	// Then: session.SetRemote(offer, audio, dtmf, hasDTMF); session.Start().

	// Output:
	// v=0
	// o=- 4242 1 IN IP4 198.51.100.1
	// s=obelisk
	// c=IN IP4 198.51.100.1
	// t=0 0
	// m=audio 10000 RTP/AVP 0 101
	// a=rtpmap:0 PCMU/8000
	// a=rtpmap:101 telephone-event/8000
	// a=fmtp:101 0-16
	// a=ptime:20
	// a=recvonly
}

// ExampleBridge is the media of a bridged call with directmedia=no.
func ExampleBridge() {
	pool := media.NewPortPool(media.DefaultRTPStart, media.DefaultRTPEnd)
	ip := netip.MustParseAddr("127.0.0.1")
	caller, err := media.NewSession(pool, ip, media.SessionOptions{Symmetric: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer caller.Close()
	callee, err := media.NewSession(pool, ip, media.SessionOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer callee.Close()
	// caller.SetRemote(...) and callee.SetRemote(...) after each leg's
	// negotiation, then:
	b := media.NewBridge(caller, callee)
	b.Start()
	defer b.Stop()
	caller.Start()
	callee.Start()
}

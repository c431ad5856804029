package media

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"
)

// Direction is an SDP stream's direction attribute (RFC 3264 §5.1, §6.1,
// §8.4): whether the party that wrote the description sends, receives, both
// or neither. Its zero value is DirectionUnknown; a description without a
// direction attribute is SendRecv (RFC 3264 §5.1).
type Direction int

// Directions, spelled in String as in the SDP attribute.
const (
	DirectionUnknown Direction = iota
	SendRecv                   // a=sendrecv: the writer sends and receives
	SendOnly                   // a=sendonly: the writer only sends (it puts the other party on hold)
	RecvOnly                   // a=recvonly: the writer only receives
	Inactive                   // a=inactive: no media either way
)

var directionNames = [...]string{
	DirectionUnknown: "unknown",
	SendRecv:         "sendrecv",
	SendOnly:         "sendonly",
	RecvOnly:         "recvonly",
	Inactive:         "inactive",
}

// String returns the attribute name ("sendrecv", "sendonly", "recvonly",
// "inactive") or "unknown".
func (d Direction) String() string {
	if d < 0 || int(d) >= len(directionNames) {
		return "Direction(" + strconv.Itoa(int(d)) + ")"
	}
	return directionNames[d]
}

// ParseDirection parses an SDP direction attribute name as written after
// "a=" (RFC 4566 §6). Attribute names are case-sensitive.
func ParseDirection(s string) (Direction, error) {
	for d, name := range directionNames {
		if d != int(DirectionUnknown) && name == s {
			return Direction(d), nil
		}
	}
	return DirectionUnknown, fmt.Errorf("parse direction %q: not sendrecv, sendonly, recvonly or inactive", s)
}

// Answer returns the direction an answerer uses for an offer with direction
// d (RFC 3264 §6.1): sendonly is answered recvonly, recvonly sendonly,
// inactive inactive and sendrecv (or no attribute) sendrecv.
func (d Direction) Answer() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	case Inactive:
		return Inactive
	}
	return SendRecv
}

// sends reports whether the writer of a description with direction d sends
// media.
func (d Direction) sends() bool { return d != RecvOnly && d != Inactive }

// receives reports whether the writer of a description with direction d
// wants media.
func (d Direction) receives() bool { return d != SendOnly && d != Inactive }

// Encoding names as rtpmap writes them (RFC 3551 §6, RFC 4733 §7, RFC 3389).
const (
	TelephoneEvent = "telephone-event"
	ComfortNoise   = "CN"
)

// DefaultDTMFEvents is the a=fmtp value Marshal writes for telephone-event:
// the DTMF events 0-9, *, #, A-D and flash (RFC 4733 §3.2), as Asterisk does.
const DefaultDTMFEvents = "0-16"

// DefaultPtime is the packetization interval in milliseconds Marshal writes
// when Description.Ptime is 0 (RFC 3551 §4.5: 20 ms for G.711).
const DefaultPtime = 20

// Format is one RTP payload format of an m= line (RFC 4566 §5.14, §6:
// a=rtpmap and a=fmtp).
type Format struct {
	// PT is the RTP payload type (RFC 3550 §5.1): static 0-95 (RFC 3551
	// §6), dynamic 96-127 bound by a=rtpmap.
	PT uint8
	// Name is the encoding name as in rtpmap: "PCMU", "PCMA",
	// "telephone-event", "CN", ... Names RFC 3551 and RFC 4733 define are
	// spelled canonically whatever case the peer used.
	Name string
	// Rate is the RTP clock rate in Hz.
	Rate uint32
	// Fmtp is the a=fmtp value, e.g. "0-16" for telephone-event.
	Fmtp string
}

// IsDTMF reports whether f is an RFC 4733 telephone-event format.
func (f Format) IsDTMF() bool { return strings.EqualFold(f.Name, TelephoneEvent) }

// isCN reports whether f is RFC 3389 comfort noise.
func (f Format) isCN() bool { return strings.EqualFold(f.Name, ComfortNoise) }

// codecFormats maps the Asterisk codec names of allow= to their static
// payload formats (RFC 3551 §6).
var codecFormats = []struct {
	codec  string
	format Format
}{
	{"ulaw", Format{PT: 0, Name: PCMU, Rate: 8000}},
	{"alaw", Format{PT: 8, Name: PCMA, Rate: 8000}},
}

// FormatFor returns the payload format of an Asterisk codec name as used in
// allow= ("ulaw": PCMU/8000 type 0, "alaw": PCMA/8000 type 8), and false for
// codecs Obelisk does not carry.
func FormatFor(codec string) (Format, bool) {
	for _, c := range codecFormats {
		if strings.EqualFold(c.codec, codec) {
			return c.format, true
		}
	}
	return Format{}, false
}

// Codec returns the Asterisk codec name of f ("ulaw", "alaw"), or "" when
// Obelisk does not carry that format.
func (f Format) Codec() string {
	for _, c := range codecFormats {
		if strings.EqualFold(c.format.Name, f.Name) && c.format.Rate == f.Rate {
			return c.codec
		}
	}
	return ""
}

// staticFormats are the audio payload types of RFC 3551 §6 table 4, known
// without a=rtpmap.
var staticFormats = map[uint8]Format{
	0:  {PT: 0, Name: PCMU, Rate: 8000},
	3:  {PT: 3, Name: "GSM", Rate: 8000},
	4:  {PT: 4, Name: "G723", Rate: 8000},
	5:  {PT: 5, Name: "DVI4", Rate: 8000},
	6:  {PT: 6, Name: "DVI4", Rate: 16000},
	7:  {PT: 7, Name: "LPC", Rate: 8000},
	8:  {PT: 8, Name: PCMA, Rate: 8000},
	9:  {PT: 9, Name: "G722", Rate: 8000},
	10: {PT: 10, Name: "L16", Rate: 44100},
	11: {PT: 11, Name: "L16", Rate: 44100},
	12: {PT: 12, Name: "QCELP", Rate: 8000},
	13: {PT: 13, Name: ComfortNoise, Rate: 8000},
	14: {PT: 14, Name: "MPA", Rate: 90000},
	15: {PT: 15, Name: "G728", Rate: 8000},
	16: {PT: 16, Name: "DVI4", Rate: 11025},
	17: {PT: 17, Name: "DVI4", Rate: 22050},
	18: {PT: 18, Name: "G729", Rate: 8000},
}

// canonicalName spells the encoding names of RFC 3551 and RFC 4733 the same
// way whatever case the peer used (encoding names are case-insensitive,
// RFC 4566 §6), so that Format.Name can be handed to NewTranscoder.
func canonicalName(name string) string {
	if strings.EqualFold(name, TelephoneEvent) {
		return TelephoneEvent
	}
	for _, f := range staticFormats {
		if strings.EqualFold(name, f.Name) {
			return f.Name
		}
	}
	return name
}

// Description is the audio stream of an SDP session description (RFC 4566)
// as an offer or answer of RFC 3264 carries it.
type Description struct {
	// Addr is the connection address (c= at media level, else at session
	// level) and the m=audio port. Port 0 means the stream is rejected
	// (RFC 3264 §6); address 0.0.0.0 is old-style hold (RFC 3264 §8.4).
	Addr netip.AddrPort
	// Direction is a=sendrecv/sendonly/recvonly/inactive at media level,
	// else at session level, else SendRecv.
	Direction Direction
	// Formats are the stream's payload formats in m= order. The static
	// types of RFC 3551 are known without a=rtpmap; dynamic types without
	// one are dropped.
	Formats []Format
	// Ptime is a=ptime in milliseconds, 0 when absent.
	Ptime int
	// SessionID and Version are the o= line's sess-id and sess-version;
	// a re-offer increments Version (RFC 3264 §8).
	SessionID, Version uint64
	// Origin is the o= line's unicast address.
	Origin string
	// Proto is the m= line's transport ("RTP/AVP", "RTP/SAVP", ...) as
	// parsed; Marshal always writes RTP/AVP.
	Proto string
}

// ParseSDP parses the audio stream of an SDP body (RFC 4566). It fails for
// unparsable SDP, for SDP without an m=audio line (ErrNoAudio) and for an
// audio stream without connection address (ErrNoConnection).
func ParseSDP(body []byte) (*Description, error) {
	var sd sdp.SessionDescription
	if err := sd.Unmarshal(body); err != nil {
		return nil, fmt.Errorf("parse sdp: %w", err)
	}
	i := slices.IndexFunc(sd.MediaDescriptions, func(m *sdp.MediaDescription) bool {
		return m.MediaName.Media == "audio"
	})
	if i < 0 {
		return nil, fmt.Errorf("parse sdp: %w", ErrNoAudio)
	}
	md := sd.MediaDescriptions[i]
	conn := md.ConnectionInformation
	if conn == nil || conn.Address == nil {
		conn = sd.ConnectionInformation
	}
	if conn == nil || conn.Address == nil {
		return nil, fmt.Errorf("parse sdp: %w", ErrNoConnection)
	}
	ip, err := netip.ParseAddr(conn.Address.Address)
	if err != nil {
		return nil, fmt.Errorf("parse sdp: connection address: %w", err)
	}
	port := md.MediaName.Port.Value
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("parse sdp: audio port %d out of range", port)
	}
	d := &Description{
		Addr:      netip.AddrPortFrom(ip.Unmap(), uint16(port)),
		Direction: SendRecv,
		SessionID: sd.Origin.SessionID,
		Version:   sd.Origin.SessionVersion,
		Origin:    sd.Origin.UnicastAddress,
		Proto:     strings.Join(md.MediaName.Protos, "/"),
	}
	if dir, ok := directionOf(md.Attributes); ok {
		d.Direction = dir
	} else if dir, ok := directionOf(sd.Attributes); ok {
		d.Direction = dir
	}
	ptime, ok := md.Attribute("ptime")
	if !ok {
		ptime, _ = sd.Attribute("ptime")
	}
	if ms, err := strconv.Atoi(strings.TrimSpace(ptime)); err == nil && ms > 0 {
		d.Ptime = ms
	}
	d.Formats = formatsOf(md)
	return d, nil
}

// directionOf returns the last direction attribute of attrs.
func directionOf(attrs []sdp.Attribute) (Direction, bool) {
	dir, found := DirectionUnknown, false
	for _, a := range attrs {
		if a.Value != "" {
			continue
		}
		if d, err := ParseDirection(a.Key); err == nil {
			dir, found = d, true
		}
	}
	return dir, found
}

// formatsOf lists the formats of m= with their a=rtpmap and a=fmtp.
func formatsOf(md *sdp.MediaDescription) []Format {
	rtpmaps := map[uint8]Format{}
	fmtps := map[uint8]string{}
	for _, a := range md.Attributes {
		switch a.Key {
		case "rtpmap":
			if f, ok := parseRtpmap(a.Value); ok {
				rtpmaps[f.PT] = f
			}
		case "fmtp":
			pt, value, _ := strings.Cut(a.Value, " ")
			if n, ok := parsePT(pt); ok {
				fmtps[n] = strings.TrimSpace(value)
			}
		}
	}
	var formats []Format
	for _, s := range md.MediaName.Formats {
		pt, ok := parsePT(s)
		if !ok || slices.ContainsFunc(formats, func(f Format) bool { return f.PT == pt }) {
			continue
		}
		f, ok := rtpmaps[pt]
		if !ok {
			if f, ok = staticFormats[pt]; !ok {
				continue
			}
		}
		f.Fmtp = fmtps[pt]
		formats = append(formats, f)
	}
	return formats
}

// parseRtpmap parses "<payload type> <encoding name>/<clock rate>[/<encoding
// parameters>]" (RFC 4566 §6).
func parseRtpmap(v string) (Format, bool) {
	pt, enc, _ := strings.Cut(strings.TrimSpace(v), " ")
	n, ok := parsePT(pt)
	if !ok {
		return Format{}, false
	}
	name, rest, _ := strings.Cut(strings.TrimSpace(enc), "/")
	rate, _, _ := strings.Cut(rest, "/")
	r, err := strconv.ParseUint(rate, 10, 32)
	if name == "" || err != nil || r == 0 {
		return Format{}, false
	}
	return Format{PT: n, Name: canonicalName(name), Rate: uint32(r)}, true
}

// parsePT parses an RTP payload type, 0-127 (RFC 3550 §5.1).
func parsePT(s string) (uint8, bool) {
	n, err := strconv.ParseUint(s, 10, 7)
	return uint8(n), err == nil
}

// Marshal writes d as an SDP body (RFC 4566 §5) in the layout Asterisk
// uses:
//
//	v=0
//	o=- <SessionID> <Version> IN IP4 <Origin>
//	s=obelisk
//	c=IN IP4 <Addr>
//	t=0 0
//	m=audio <port> RTP/AVP <PT> ...
//	a=rtpmap:<PT> <Name>/<Rate>        for every format
//	a=fmtp:<PT> <Fmtp>                 "0-16" for telephone-event without Fmtp
//	a=ptime:<Ptime>                    20 when Ptime is 0
//	a=<Direction>                      sendrecv when unknown
//
// An IPv6 address is written IN IP6; an invalid Addr as 0.0.0.0. Origin
// defaults to the connection address.
func (d *Description) Marshal() []byte {
	ip := d.Addr.Addr().Unmap()
	if !ip.IsValid() {
		ip = netip.IPv4Unspecified()
	}
	origin := d.Origin
	if origin == "" {
		origin = ip.String()
	}
	originType := "IP4"
	if o, err := netip.ParseAddr(origin); err == nil && o.Unmap().Is6() {
		originType = "IP6"
	}
	formats := make([]string, 0, len(d.Formats))
	attrs := make([]sdp.Attribute, 0, 2*len(d.Formats)+2)
	for _, f := range d.Formats {
		pt := strconv.Itoa(int(f.PT))
		formats = append(formats, pt)
		attrs = append(attrs, sdp.NewAttribute("rtpmap", pt+" "+f.Name+"/"+strconv.FormatUint(uint64(f.Rate), 10)))
		fmtp := f.Fmtp
		if fmtp == "" && f.IsDTMF() {
			fmtp = DefaultDTMFEvents
		}
		if fmtp != "" {
			attrs = append(attrs, sdp.NewAttribute("fmtp", pt+" "+fmtp))
		}
	}
	ptime := d.Ptime
	if ptime <= 0 {
		ptime = DefaultPtime
	}
	dir := d.Direction
	if dir < SendRecv || dir > Inactive {
		dir = SendRecv
	}
	attrs = append(attrs, sdp.NewAttribute("ptime", strconv.Itoa(ptime)), sdp.NewPropertyAttribute(dir.String()))
	sd := sdp.SessionDescription{
		Origin: sdp.Origin{
			Username:       "-",
			SessionID:      d.SessionID,
			SessionVersion: d.Version,
			NetworkType:    "IN",
			AddressType:    originType,
			UnicastAddress: origin,
		},
		SessionName:           "obelisk",
		ConnectionInformation: connection(ip),
		TimeDescriptions:      []sdp.TimeDescription{{}},
		MediaDescriptions: []*sdp.MediaDescription{{
			MediaName: sdp.MediaName{
				Media:   "audio",
				Port:    sdp.RangedPort{Value: int(d.Addr.Port())},
				Protos:  []string{"RTP", "AVP"},
				Formats: formats,
			},
			Attributes: attrs,
		}},
	}
	b, _ := sd.Marshal() // pion's Marshal never fails
	return b
}

// connection is the c= line for ip (RFC 4566 §5.7).
func connection(ip netip.Addr) *sdp.ConnectionInformation {
	c := &sdp.ConnectionInformation{NetworkType: "IN", AddressType: "IP4", Address: &sdp.Address{Address: ip.String()}}
	if ip.Is6() {
		c.AddressType = "IP6"
	}
	return c
}

// Audio returns the first format of d that is neither telephone-event nor
// comfort noise: the codec the writer of an answer chose (RFC 3264 §6.1).
func (d *Description) Audio() (Format, bool) {
	for _, f := range d.Formats {
		if !f.IsDTMF() && !f.isCN() {
			return f, true
		}
	}
	return Format{}, false
}

// DTMF returns the telephone-event format of d with clock rate rate (RFC
// 4733 §2.5.1.2: events use the audio's clock rate).
func (d *Description) DTMF(rate uint32) (Format, bool) {
	for _, f := range d.Formats {
		if f.IsDTMF() && f.Rate == rate {
			return f, true
		}
	}
	return Format{}, false
}

// Negotiate answers an offer as chan_pjsip does by default (the offer's
// order wins, pjsip preferred_codec_only=no): audio is the offer's first
// audio format whose Codec is in allowed (Asterisk codec names, e.g.
// []string{"ulaw", "alaw"}), dtmf the offer's telephone-event format with
// audio's clock rate (Asterisk offers one per rate, 8000 and 48000; only the
// matching one is kept). Both keep the offer's payload types, which the
// answer reuses (RFC 3264 §6.1). It returns ErrNoCommonCodec when no audio
// format is allowed.
func Negotiate(offer *Description, allowed []string) (audio Format, dtmf Format, hasDTMF bool, err error) {
	for _, f := range offer.Formats {
		c := f.Codec()
		if c == "" || f.IsDTMF() || f.isCN() {
			continue
		}
		if slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, c) }) {
			dtmf, hasDTMF = offer.DTMF(f.Rate)
			return f, dtmf, hasDTMF, nil
		}
	}
	return Format{}, Format{}, false, ErrNoCommonCodec
}

package sip

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Defaults of sip.conf's [general] section, as chan_sip has them.
const (
	DefaultBindPort      = 5060
	DefaultContext       = "default"
	DefaultExpiry        = 120 * time.Second
	DefaultMinExpiry     = 60 * time.Second
	DefaultMaxExpiry     = 3600 * time.Second
	DefaultRealm         = "asterisk"
	DefaultUserAgent     = "Obelisk PBX"
	DefaultQualifyPeriod = 60 * time.Second
	DefaultMaxContacts   = 1
)

// Config is the SIP configuration: global settings, endpoints and outbound
// registrations, whichever file they came from.
type Config struct {
	// Source is "sip.conf" or "pjsip.conf".
	Source  string
	General General
	// Endpoints in file order.
	Endpoints []*Endpoint
	// Registrations are the outbound registrations to providers
	// (`register =>` lines, pjsip type=registration).
	Registrations []Registration
}

// Endpoint returns the endpoint named name, or nil.
func (c *Config) Endpoint(name string) *Endpoint {
	for _, e := range c.Endpoints {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// General holds the switch-wide SIP settings.
type General struct {
	// BindAddr and BindPort are where SIP listens (bindaddr, bindport;
	// pjsip: the transports' bind).
	BindAddr string
	BindPort int
	// Transports enabled for listening: UDP always, TCP with tcpenable=yes,
	// TLS with tlsenable=yes.
	Transports []Transport
	// TLSCertFile and TLSPrivateKey are the certificate and key of the TLS
	// listener (tlscertfile, tlsprivatekey; pjsip cert_file,
	// priv_key_file); TLSBindAddr is its address:port (tlsbindaddr).
	TLSCertFile   string
	TLSPrivateKey string
	TLSBindAddr   string
	// Context is where calls from guests go (only with AllowGuest).
	Context string
	// AllowGuest lets unauthenticated callers in (allowguest, default no in
	// Obelisk: secure by default).
	AllowGuest bool
	// AlwaysAuthReject answers an unknown user like a wrong password (default yes).
	AlwaysAuthReject bool
	// ExternAddr is the public address put in SIP and SDP for peers outside
	// LocalNets (externip, externaddr).
	ExternAddr string
	// LocalNets are the networks that are not NATed (localnet).
	LocalNets []netip.Prefix
	// NAT is the default NAT handling of endpoints.
	NAT NAT
	// Codecs is the default codec preference of endpoints (allow/disallow).
	Codecs []Codec
	// DTMFMode is the default DTMF mode of endpoints.
	DTMFMode DTMFMode
	// Qualify is the default of endpoints' qualify.
	Qualify bool
	// QualifyFreq is how often qualified endpoints are pinged (qualifyfreq,
	// default 60 s); a peer's own qualifyfreq overrides it.
	QualifyFreq time.Duration
	// UserAgent is sent in User-Agent and Server headers (useragent; pjsip
	// [global] user_agent).
	UserAgent string
	// Realm is the digest realm of challenges (realm, default "asterisk";
	// pjsip [global] default_realm).
	Realm string
	// DigestAlgorithms are offered in challenges, most preferred first:
	// sip.conf `digestalgorithms=sha-256,md5` (an Obelisk option),
	// pjsip.conf [global] `default_auth_algorithms_uas` (Asterisk 22).
	// Default MD5, as Asterisk.
	DigestAlgorithms []string
	// DefaultExpiry is the registration lifetime granted when a REGISTER
	// asks for none (defaultexpiry, default 120 s); MinExpiry and MaxExpiry
	// bound what a phone may ask (minexpiry 60 s, maxexpiry 3600 s), as
	// chan_sip's registrar does.
	DefaultExpiry time.Duration
	MinExpiry     time.Duration
	MaxExpiry     time.Duration
	// Language is the default language of endpoints' channels (language,
	// default "en").
	Language string
	// RTPStart and RTPEnd bound the RTP ports (rtp.conf's rtpstart/rtpend
	// in Asterisk; accepted here too).
	RTPStart, RTPEnd int
	// SessionTimers is chan_sip's session-timers (pjsip timers): when
	// Obelisk runs RFC 4028 session timers.
	SessionTimers SessionTimerMode
	// SessionExpires is the interval Obelisk asks for (session-expires,
	// pjsip timers_sess_expires; default 1800 s); SessionMinSE the smallest
	// it accepts, answering 422 below it (session-minse, timers_min_se;
	// default 90 s, RFC 4028 §4).
	SessionExpires, SessionMinSE time.Duration
	// SessionRefresher is who refreshes when the peer leaves it to us
	// (session-refresher=uas|uac, default uas).
	SessionRefresher string
}

// SessionTimerMode is chan_sip's session-timers setting.
type SessionTimerMode int

// Session timer modes: accept runs timers when the peer asks (the
// default), originate asks for them on every call, refuse never runs them.
const (
	SessionTimersUnknown SessionTimerMode = iota
	SessionTimersAccept
	SessionTimersOriginate
	SessionTimersRefuse
)

// String returns chan_sip's name of the mode.
func (m SessionTimerMode) String() string {
	switch m {
	case SessionTimersAccept:
		return "accept"
	case SessionTimersOriginate:
		return "originate"
	case SessionTimersRefuse:
		return "refuse"
	}
	return "unknown"
}

// ParseSessionTimerMode reads session-timers= (accept, originate, refuse)
// and pjsip's timers= (yes, no, required, always).
func ParseSessionTimerMode(s string) (SessionTimerMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "accept", "yes":
		return SessionTimersAccept, nil
	case "originate", "always", "required":
		return SessionTimersOriginate, nil
	case "refuse", "no":
		return SessionTimersRefuse, nil
	}
	return SessionTimersUnknown, fmt.Errorf("unknown session timer mode %q: want accept, originate or refuse", s)
}

// Transport is a SIP transport.
type Transport int

// Transports.
const (
	TransportUnknown Transport = iota
	TransportUDP
	TransportTCP
	TransportTLS
)

// String returns "udp", "tcp" or "tls".
func (t Transport) String() string {
	switch t {
	case TransportUDP:
		return "udp"
	case TransportTCP:
		return "tcp"
	case TransportTLS:
		return "tls"
	}
	return "unknown"
}

// ParseTransport reads "udp", "tcp" or "tls" (case-insensitive).
func ParseTransport(s string) (Transport, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "udp":
		return TransportUDP, nil
	case "tcp":
		return TransportTCP, nil
	case "tls":
		return TransportTLS, nil
	}
	return TransportUnknown, fmt.Errorf("unknown transport %q: want udp, tcp or tls", s)
}

// DTMFMode is how an endpoint sends and receives DTMF (dtmfmode, dtmf_mode).
type DTMFMode int

// DTMF modes.
const (
	DTMFUnknown DTMFMode = iota
	// DTMFRFC2833 is RFC 4733 telephone-event packets (rfc2833, rfc4733).
	DTMFRFC2833
	// DTMFInfo is SIP INFO requests.
	DTMFInfo
	// DTMFInband is tones in the audio.
	DTMFInband
	// DTMFAuto is RFC 4733 when the peer offers it, else in-band.
	DTMFAuto
	// DTMFAutoInfo is RFC 4733 when offered, else SIP INFO (pjsip auto_info).
	DTMFAutoInfo
)

// String returns the mode's sip.conf name.
func (m DTMFMode) String() string {
	switch m {
	case DTMFRFC2833:
		return "rfc2833"
	case DTMFInfo:
		return "info"
	case DTMFInband:
		return "inband"
	case DTMFAuto:
		return "auto"
	case DTMFAutoInfo:
		return "auto_info"
	}
	return "unknown"
}

// ParseDTMFMode reads sip.conf's dtmfmode and pjsip.conf's dtmf_mode names:
// rfc2833 (rfc4733), info (and chan_sip's shortinfo), inband, auto and
// auto_info.
func ParseDTMFMode(s string) (DTMFMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "rfc2833", "rfc4733":
		return DTMFRFC2833, nil
	case "info", "shortinfo":
		return DTMFInfo, nil
	case "inband":
		return DTMFInband, nil
	case "auto":
		return DTMFAuto, nil
	case "auto_info":
		return DTMFAutoInfo, nil
	}
	return DTMFUnknown, fmt.Errorf("unknown DTMF mode %q: want rfc2833, info, inband or auto", s)
}

// Codec is an audio codec name as Asterisk spells it ("ulaw", "alaw").
type Codec string

// Codecs Obelisk carries.
const (
	CodecULaw Codec = "ulaw"
	CodecALaw Codec = "alaw"
)

// SupportedCodecs are the codecs Obelisk negotiates (G.711 µ-law and A-law).
var SupportedCodecs = []Codec{CodecULaw, CodecALaw}

// asteriskCodecs are codec names Asterisk knows; naming one of them that
// Obelisk lacks is a warning, naming anything else an error.
var asteriskCodecs = map[string]bool{
	"ulaw": true, "alaw": true, "g722": true, "gsm": true, "g729": true, "g723": true, "g726": true,
	"g726aal2": true, "opus": true, "ilbc": true, "speex": true, "speex16": true, "speex32": true,
	"slin": true, "slin16": true, "lpc10": true, "adpcm": true, "siren7": true, "siren14": true,
	"g719": true, "h261": true, "h263": true, "h263p": true, "h264": true, "vp8": true, "vp9": true,
	"t140": true, "t140red": true, "testlaw": true, "jpeg": true, "png": true, "silk": true, "codec2": true,
}

// applyCodecs applies allow/disallow entries, in order, to a codec
// preference list, as ast_format_cap_update_by_allow_disallow does:
// `disallow=all` empties it, `allow=all` adds every supported codec, and
// values may be comma lists.
func applyCodecs(codecs []Codec, entries []config.Entry, diags *config.Diagnostics) []Codec {
	out := append([]Codec(nil), codecs...)
	for _, e := range entries {
		allow := strings.EqualFold(e.Key, "allow")
		for _, name := range strings.Split(e.Value, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if i := strings.IndexByte(name, ':'); i >= 0 { // allow=ulaw:20 packetization
				name = name[:i]
			}
			switch {
			case name == "":
				continue
			case name == "all":
				if allow {
					for _, c := range SupportedCodecs {
						out = addCodec(out, c)
					}
				} else {
					out = out[:0]
				}
				continue
			case !asteriskCodecs[name]:
				// ast_format_cap_update_by_allow_disallow logs "Cannot
				// allow/disallow unknown format" and goes on.
				*diags = append(*diags, config.Warnf(e.Pos, "%s: unknown codec %q is ignored", e.Key, name))
				continue
			}
			c := Codec(name)
			supported := c == CodecULaw || c == CodecALaw
			if allow && !supported {
				*diags = append(*diags, config.Warnf(e.Pos, "%s: codec %q is not supported by Obelisk and will not be offered", e.Key, name))
				continue
			}
			if allow {
				out = addCodec(out, c)
			} else {
				out = removeCodec(out, c)
			}
		}
	}
	return out
}

func addCodec(list []Codec, c Codec) []Codec {
	for _, x := range list {
		if x == c {
			return list
		}
	}
	return append(list, c)
}

func removeCodec(list []Codec, c Codec) []Codec {
	out := list[:0]
	for _, x := range list {
		if x != c {
			out = append(out, x)
		}
	}
	return out
}

// codecEntries returns a section's allow and disallow entries in order and
// marks them read.
func codecEntries(r *config.SectionReader) []config.Entry {
	var out []config.Entry
	for _, e := range r.Section().Entries {
		if strings.EqualFold(e.Key, "allow") || strings.EqualFold(e.Key, "disallow") {
			out = append(out, e)
		}
	}
	r.Ignore("allow", "disallow")
	return out
}

// NAT is an endpoint's NAT handling (sip.conf nat=, pjsip rtp_symmetric,
// force_rport, rewrite_contact).
type NAT struct {
	// ForceRport answers to the source address and port of requests (RFC 3581).
	ForceRport bool
	// Comedia sends RTP back where the peer's RTP comes from (symmetric RTP).
	Comedia bool
	// RewriteContact stores the source address as the contact of a registration.
	RewriteContact bool
}

// parseNAT reads sip.conf's nat= values: yes (force_rport,comedia), no,
// force_rport, comedia, auto_force_rport, auto_comedia, or a comma list.
func parseNAT(s string) (NAT, error) {
	var n NAT
	for _, w := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(w)) {
		case "yes":
			n.ForceRport, n.Comedia, n.RewriteContact = true, true, true
		case "no", "never":
		case "force_rport", "auto_force_rport", "route":
			n.ForceRport = true
		case "comedia", "auto_comedia":
			n.Comedia = true
		default:
			return n, fmt.Errorf("unknown nat value %q: want yes, no, force_rport or comedia", w)
		}
	}
	return n, nil
}

// CallerID is a configured caller ID, `"Name" <number>`.
type CallerID struct {
	Name, Num string
}

// parseCallerID reads `"Name" <num>`, `Name <num>` or a bare number.
func parseCallerID(s string) CallerID {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") {
		name := strings.TrimSpace(s[:i])
		name = strings.TrimSuffix(strings.TrimPrefix(name, `"`), `"`)
		return CallerID{Name: name, Num: strings.TrimSpace(s[i+1 : len(s)-1])}
	}
	return CallerID{Num: s}
}

// PeerType is chan_sip's type=.
type PeerType int

// Peer types.
const (
	PeerTypeUnknown PeerType = iota
	// PeerTypeFriend both places and receives calls.
	PeerTypeFriend
	// PeerTypePeer receives calls (and is matched by address for calls it sends).
	PeerTypePeer
	// PeerTypeUser only places calls, authenticated by name.
	PeerTypeUser
)

// String returns "friend", "peer" or "user".
func (t PeerType) String() string {
	switch t {
	case PeerTypeFriend:
		return "friend"
	case PeerTypePeer:
		return "peer"
	case PeerTypeUser:
		return "user"
	}
	return "unknown"
}

// ParsePeerType reads friend, peer or user.
func ParsePeerType(s string) (PeerType, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "friend":
		return PeerTypeFriend, nil
	case "peer":
		return PeerTypePeer, nil
	case "user":
		return PeerTypeUser, nil
	}
	return PeerTypeUnknown, fmt.Errorf("unknown type %q: want friend, peer or user", s)
}

// EndpointKind tells how an endpoint is reached and recognised.
type EndpointKind int

// Endpoint kinds.
const (
	KindUnknown EndpointKind = iota
	// KindPhone registers (host=dynamic) and authenticates with digest.
	KindPhone
	// KindTrunk has a fixed address: a provider or a peer PBX.
	KindTrunk
)

// String returns "phone" or "trunk".
func (k EndpointKind) String() string {
	switch k {
	case KindPhone:
		return "phone"
	case KindTrunk:
		return "trunk"
	}
	return "unknown"
}

// Insecure is chan_sip's insecure=: which checks a trunk skips.
type Insecure struct {
	// Port matches the peer by address whatever the source port.
	Port bool
	// Invite does not challenge INVITEs from the peer.
	Invite bool
}

// Endpoint is one phone, trunk or peer PBX.
type Endpoint struct {
	Pos  config.Pos
	Name string
	Type PeerType
	Kind EndpointKind
	// Host is the fixed address of a trunk; empty for dynamic endpoints.
	Host string
	Port int
	// Username is the digest user name (defaultuser/username; pjsip auth
	// username); the endpoint name when not set.
	Username string
	Secret   string
	// FromUser and FromDomain are put in the From header of outbound calls.
	FromUser   string
	FromDomain string
	// Context is where the endpoint's calls run in the dialplan.
	Context string
	// Mailboxes are `box@context` of the endpoint's MWI.
	Mailboxes []string
	CallerID  CallerID
	Language  string
	Codecs    []Codec
	NAT       NAT
	Qualify   bool
	// QualifyPeriod is how often OPTIONS are sent when Qualify is set.
	QualifyPeriod time.Duration
	DTMFMode      DTMFMode
	Insecure      Insecure
	ACL           config.ACL
	// CallLimit caps simultaneous calls (call-limit; 0 is none).
	CallLimit int
	// NoTransfer refuses the endpoint's transfers by REFER (sip.conf
	// allowtransfer=no, pjsip.conf allow_transfer=no): 603 Declined, as
	// chan_sip's TRANSFER_CLOSED and res_pjsip_refer answer them.
	NoTransfer bool
	// Transports the endpoint may use; all enabled ones when empty.
	Transports []Transport
	// DirectMedia is kept false by Obelisk (media always goes through the
	// switch); a yes is accepted with a warning.
	DirectMedia bool
	// MaxContacts bounds the registrations of one AOR.
	MaxContacts int
	// Match are the addresses a trunk's calls come from (pjsip identify;
	// the resolved host for sip.conf peers).
	Match []netip.Prefix
	// MatchHosts are host names of identify match= that need resolving.
	MatchHosts []string
}

package sip

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// Registration is an outbound registration to a provider: sip.conf's
// `register => [transport://]user[@domain][:secret[:authuser]]@host[:port][/exten][~expiry]`
// or a pjsip type=registration section.
type Registration struct {
	Pos       config.Pos
	Transport Transport
	User      string
	Domain    string
	Secret    string
	AuthUser  string
	Host      string
	Port      int
	// Exten is the extension incoming calls on this registration go to.
	Exten string
	// Expiry asks the registrar for this lifetime; 0 means the default.
	Expiry time.Duration
	// Endpoint names the endpoint calls from this provider are matched to
	// (pjsip registration endpoint=, or the sip.conf peer whose host is Host).
	Endpoint string
}

// ParseRegister reads the value of a sip.conf `register =>` line.
func ParseRegister(s string) (Registration, error) {
	var reg Registration
	s = strings.TrimSpace(s)
	reg.Transport = TransportUDP
	if proto, rest, ok := strings.Cut(s, "://"); ok {
		t, err := ParseTransport(proto)
		if err != nil {
			return reg, err
		}
		reg.Transport, s = t, rest
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return reg, fmt.Errorf("register %q: want user[:secret]@host", s)
	}
	userinfo, hostpart := s[:at], s[at+1:]
	if i := strings.IndexByte(hostpart, '~'); i >= 0 {
		n, err := strconv.Atoi(hostpart[i+1:])
		if err != nil || n <= 0 {
			return reg, fmt.Errorf("register %q: bad expiry %q", s, hostpart[i+1:])
		}
		reg.Expiry = time.Duration(n) * time.Second
		hostpart = hostpart[:i]
	}
	if i := strings.IndexByte(hostpart, '/'); i >= 0 {
		reg.Exten, hostpart = hostpart[i+1:], hostpart[:i]
	}
	reg.Host = hostpart
	if h, p, ok := strings.Cut(hostpart, ":"); ok {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return reg, fmt.Errorf("register %q: bad port %q", s, p)
		}
		reg.Host, reg.Port = h, n
	}
	if reg.Host == "" {
		return reg, fmt.Errorf("register %q: no host", s)
	}
	parts := strings.SplitN(userinfo, ":", 3)
	reg.User = parts[0]
	if u, d, ok := strings.Cut(reg.User, "@"); ok {
		reg.User, reg.Domain = u, d
	}
	if len(parts) > 1 {
		reg.Secret = parts[1]
	}
	if len(parts) > 2 {
		reg.AuthUser = parts[2]
	}
	if reg.User == "" {
		return reg, fmt.Errorf("register %q: no user", s)
	}
	return reg, nil
}

// LoadSIPConf maps chan_sip's sip.conf onto the endpoint model. Unknown
// options are warnings, bad values errors, each with its file:line.
func LoadSIPConf(f *config.File) (*Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := &Config{Source: "sip.conf", General: defaultGeneral()}
	if g := f.Section("general"); g != nil {
		readSIPGeneral(config.NewSectionReader(f.Name, g, &diags), cfg)
	}
	seen := map[string]config.Pos{}
	for _, s := range f.Sections {
		if s.Name == "general" || s.Name == "authentication" {
			continue
		}
		if first, dup := seen[s.Name]; dup {
			diags = append(diags, config.Errorf(s.Pos, "peer [%s] is defined twice (first at %s)", s.Name, first))
			continue
		}
		seen[s.Name] = s.Pos
		if e := readSIPPeer(config.NewSectionReader(f.Name, s, &diags), cfg.General); e != nil {
			cfg.Endpoints = append(cfg.Endpoints, e)
		}
	}
	for i := range cfg.Registrations {
		r := &cfg.Registrations[i]
		for _, e := range cfg.Endpoints {
			if e.Kind == KindTrunk && strings.EqualFold(e.Host, r.Host) {
				r.Endpoint = e.Name
				break
			}
		}
	}
	return cfg, diags
}

func defaultGeneral() General {
	return General{
		BindAddr:         "0.0.0.0",
		BindPort:         DefaultBindPort,
		Transports:       []Transport{TransportUDP},
		Context:          DefaultContext,
		AlwaysAuthReject: true,
		Codecs:           []Codec{CodecULaw, CodecALaw},
		DTMFMode:         DTMFRFC2833,
		UserAgent:        DefaultUserAgent,
		Realm:            DefaultRealm,
		DefaultExpiry:    DefaultExpiry,
		MinExpiry:        DefaultMinExpiry,
		MaxExpiry:        DefaultMaxExpiry,
		Language:         "en",
		QualifyFreq:      DefaultQualifyPeriod,
		DigestAlgorithms: []string{"MD5"},
		RTPStart:         10000,
		RTPEnd:           20000,
		SessionTimers:    SessionTimersAccept,
		SessionExpires:   1800 * time.Second,
		SessionMinSE:     90 * time.Second,
		SessionRefresher: "uas",
	}
}

// ignoredSIPGeneral are chan_sip [general] options that have no effect in
// Obelisk (it always keeps media, has no realtime, …).
var ignoredSIPGeneral = []string{"srvlookup", "udpbindaddr", "rtcachefriends", "rtautoclear", "videosupport",
	"canreinvite", "callevents", "notifyringing", "notifyhold", "limitonpeers", "pedantic", "tos_sip", "tos_audio",
	"tos_video", "jbenable", "jbforce", "jbmaxsize", "jbimpl", "jblog", "allowoverlap", "allowsubscribe",
	"subscribecontext", "compactheaders", "t1min", "timert1", "timerb",
	"sendrpid", "trustrpid", "progressinband", "directmedia", "maxcallbitrate",
	"autodomain", "domain", "fromdomain", "match_auth_username", "vmexten", "mohinterpret", "mohsuggest", "rtptimeout",
	"rtpholdtimeout", "rtpkeepalive", "register_retry_403", "registertimeout", "registerattempts", "defaultexpirey"}

func readSIPGeneral(r *config.SectionReader, cfg *Config) {
	g := &cfg.General
	r.String("bindaddr", &g.BindAddr)
	r.Int("bindport", &g.BindPort, 0, 65535) // 0: any free port (tests)
	tcp, tls := false, false
	r.Bool("tcpenable", &tcp)
	r.Bool("tlsenable", &tls)
	if e, ok := r.Lookup("transport"); ok {
		for _, w := range strings.Split(e.Value, ",") {
			t, err := ParseTransport(w)
			if err != nil {
				r.Errorf(e.Pos, "transport: %v", err)
				continue
			}
			tcp = tcp || t == TransportTCP
			tls = tls || t == TransportTLS
		}
	}
	if tcp {
		g.Transports = append(g.Transports, TransportTCP)
	}
	r.String("tlscertfile", &g.TLSCertFile)
	r.String("tlsprivatekey", &g.TLSPrivateKey)
	r.String("tlsbindaddr", &g.TLSBindAddr)
	if tls {
		if g.TLSCertFile == "" {
			r.Errorf(r.Section().Pos, "tlsenable=yes needs tlscertfile")
		}
		checkTLSFiles(r, g, "tlscertfile", "tlsprivatekey")
		g.Transports = append(g.Transports, TransportTLS)
	}
	r.String("context", &g.Context)
	r.Bool("allowguest", &g.AllowGuest)
	r.Bool("alwaysauthreject", &g.AlwaysAuthReject)
	r.String("externip", &g.ExternAddr)
	r.String("externaddr", &g.ExternAddr)
	r.Each("localnet", func(e config.Entry) {
		n, err := config.ParseNet(e.Value)
		if err != nil {
			r.Errorf(e.Pos, "localnet: %v", err)
			return
		}
		g.LocalNets = append(g.LocalNets, n)
	})
	if e, ok := r.Lookup("nat"); ok {
		n, err := parseNAT(e.Value)
		if err != nil {
			r.Errorf(e.Pos, "nat: %v", err)
		}
		g.NAT = n
	}
	g.Codecs = applyCodecs(g.Codecs, codecEntries(r), diagsOf(r))
	if e, ok := r.Lookup("dtmfmode"); ok {
		m, err := ParseDTMFMode(e.Value)
		if err != nil {
			r.Errorf(e.Pos, "dtmfmode: %v", err)
		} else {
			g.DTMFMode = m
		}
	}
	if e, ok := r.Lookup("qualify"); ok {
		g.Qualify = parseQualify(r, e)
	}
	r.Duration("qualifyfreq", &g.QualifyFreq, time.Second, 24*time.Hour)
	r.String("useragent", &g.UserAgent)
	r.String("realm", &g.Realm)
	readDigestAlgorithms(r, "digestalgorithms", g)
	r.Duration("defaultexpiry", &g.DefaultExpiry, time.Second, 24*time.Hour)
	r.Duration("minexpiry", &g.MinExpiry, time.Second, 24*time.Hour)
	r.Duration("maxexpiry", &g.MaxExpiry, time.Second, 7*24*time.Hour)
	if g.MinExpiry > g.MaxExpiry {
		r.Errorf(r.Section().Pos, "minexpiry (%s) is above maxexpiry (%s)", g.MinExpiry, g.MaxExpiry)
	}
	r.String("language", &g.Language)
	r.Int("rtpstart", &g.RTPStart, 1024, 65535)
	r.Int("rtpend", &g.RTPEnd, 1024, 65535)
	readSessionTimers(r, g, "session-timers", "session-expires", "session-minse")
	r.Enum("session-refresher", &g.SessionRefresher, "uas", "uac")
	r.Each("register", func(e config.Entry) {
		reg, err := ParseRegister(e.Value)
		if err != nil {
			r.Errorf(e.Pos, "%v", err)
			return
		}
		reg.Pos = e.Pos
		cfg.Registrations = append(cfg.Registrations, reg)
	})
	r.Ignore(ignoredSIPGeneral...)
	r.Unknown()
}

// diagsOf gives helpers that work on entries the reader's diagnostics.
func diagsOf(r *config.SectionReader) *config.Diagnostics {
	return r.Diagnostics()
}

// parseQualify reads qualify=yes|no|<milliseconds> (the maximum round trip
// before the peer is deemed unreachable; any positive value enables it).
func parseQualify(r *config.SectionReader, e config.Entry) bool {
	if b, ok := config.ParseBool(e.Value); ok {
		return b
	}
	ms, err := strconv.Atoi(strings.TrimSpace(e.Value))
	if err != nil || ms < 0 {
		r.Errorf(e.Pos, "qualify: %q is not yes, no or a number of milliseconds", e.Value)
		return false
	}
	return ms > 0
}

// ignoredSIPPeer are chan_sip peer options without effect in Obelisk.
var ignoredSIPPeer = []string{"canreinvite", "videosupport", "progressinband", "sendrpid", "trustrpid", "callgroup",
	"pickupgroup", "namedcallgroup", "namedpickupgroup", "accountcode", "amaflags", "musiconhold", "mohinterpret",
	"mohsuggest", "callcounter", "busylevel", "subscribecontext", "allowsubscribe", "vmexten", "setvar", "t38pt_udptl",
	"rfc2833compensate", "session-timers", "encryption", "avpf", "icesupport", "force_avp", "regexten", "description",
	"cid_number", "fullname", "hasvoicemail", "qualifyfreq", "outboundproxy", "auth", "md5secret", "remotesecret",
	"rtptimeout", "rtpholdtimeout", "directrtpsetup", "usereqphone", "promiscredir", "sendrpid"}

func readSIPPeer(r *config.SectionReader, g General) *Endpoint {
	s := r.Section()
	e := &Endpoint{
		Pos: s.Pos, Name: s.Name, Context: g.Context, Language: g.Language, Codecs: g.Codecs,
		NAT: g.NAT, Qualify: g.Qualify, QualifyPeriod: DefaultQualifyPeriod, DTMFMode: g.DTMFMode,
		MaxContacts: DefaultMaxContacts, Port: DefaultBindPort,
	}
	if ent, ok := r.Lookup("type"); ok {
		t, err := ParsePeerType(ent.Value)
		if err != nil {
			r.Errorf(ent.Pos, "type: %v", err)
		}
		e.Type = t
	} else {
		r.Errorf(s.Pos, "[%s] has no type= (friend, peer or user)", s.Name)
		e.Type = PeerTypeFriend
	}
	host := "dynamic"
	r.String("host", &host)
	if strings.EqualFold(host, "dynamic") {
		e.Kind = KindPhone
	} else {
		e.Kind, e.Host = KindTrunk, host
		if a, err := netip.ParseAddr(host); err == nil {
			e.Match = []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}
		} else {
			e.MatchHosts = []string{host}
		}
	}
	r.Int("port", &e.Port, 1, 65535)
	r.String("secret", &e.Secret)
	r.String("username", &e.Username)
	r.String("defaultuser", &e.Username)
	r.String("fromuser", &e.FromUser)
	r.String("fromdomain", &e.FromDomain)
	r.String("context", &e.Context)
	if ent, ok := r.Lookup("mailbox"); ok {
		for _, m := range strings.Split(ent.Value, ",") {
			if m = strings.TrimSpace(m); m != "" {
				e.Mailboxes = append(e.Mailboxes, m)
			}
		}
	}
	if ent, ok := r.Lookup("callerid"); ok {
		e.CallerID = parseCallerID(ent.Value)
	}
	r.String("language", &e.Language)
	e.Codecs = applyCodecs(e.Codecs, codecEntries(r), diagsOf(r))
	if len(e.Codecs) == 0 {
		r.Errorf(s.Pos, "[%s] allows no codec Obelisk supports (ulaw, alaw)", s.Name)
	}
	if ent, ok := r.Lookup("nat"); ok {
		n, err := parseNAT(ent.Value)
		if err != nil {
			r.Errorf(ent.Pos, "nat: %v", err)
		}
		e.NAT = n
	}
	if ent, ok := r.Lookup("qualify"); ok {
		e.Qualify = parseQualify(r, ent)
	}
	if ent, ok := r.Lookup("dtmfmode"); ok {
		m, err := ParseDTMFMode(ent.Value)
		if err != nil {
			r.Errorf(ent.Pos, "dtmfmode: %v", err)
		} else {
			e.DTMFMode = m
		}
	}
	if ent, ok := r.Lookup("insecure"); ok {
		for _, w := range strings.Split(ent.Value, ",") {
			switch strings.ToLower(strings.TrimSpace(w)) {
			case "port":
				e.Insecure.Port = true
			case "invite":
				e.Insecure.Invite = true
			case "no", "":
			case "very", "yes":
				e.Insecure = Insecure{Port: true, Invite: true}
			default:
				r.Errorf(ent.Pos, "insecure: unknown value %q: want port, invite or both", w)
			}
		}
		if e.Insecure.Invite && e.Kind == KindPhone {
			r.Warnf(ent.Pos, "insecure=invite on a dynamic peer lets anyone who registered as it call without a password")
		}
	}
	e.ACL = r.ACL()
	r.Int("call-limit", &e.CallLimit, 0, 10000)
	allowTransfer := true
	if r.Bool("allowtransfer", &allowTransfer) {
		e.NoTransfer = !allowTransfer
	}
	if ent, ok := r.Lookup("transport"); ok {
		for _, w := range strings.Split(ent.Value, ",") {
			t, err := ParseTransport(w)
			if err != nil {
				r.Errorf(ent.Pos, "transport: %v", err)
				continue
			}
			e.Transports = append(e.Transports, t)
		}
	}
	if ent, ok := r.Lookup("directmedia"); ok {
		if b, _ := config.ParseBool(ent.Value); b {
			r.Warnf(ent.Pos, "directmedia=yes is ignored: Obelisk keeps media through the switch to record, play and detect DTMF")
		}
	}
	if e.Kind == KindPhone && e.Secret == "" && e.Type != PeerTypePeer {
		r.Errorf(s.Pos, "[%s] is a dynamic %s without a secret: anyone could register as it", s.Name, e.Type)
	}
	r.Ignore(ignoredSIPPeer...)
	r.Unknown()
	return e
}

// readDigestAlgorithms reads a comma list of MD5 and SHA-256.
func readDigestAlgorithms(r *config.SectionReader, key string, g *General) {
	e, ok := r.Lookup(key)
	if !ok {
		return
	}
	var algs []string
	for _, a := range strings.Split(e.Value, ",") {
		switch strings.ToUpper(strings.TrimSpace(a)) {
		case "MD5":
			algs = append(algs, "MD5")
		case "SHA-256":
			algs = append(algs, "SHA-256")
		case "":
		default:
			r.Errorf(e.Pos, "%s: unknown algorithm %q: want md5 or sha-256", key, a)
		}
	}
	if len(algs) > 0 {
		g.DigestAlgorithms = algs
	}
}

// readSessionTimers reads the RFC 4028 options under chan_sip's or pjsip's
// names (mode, interval, minimum interval).
func readSessionTimers(r *config.SectionReader, g *General, mode, expires, minSE string) {
	if e, ok := r.Lookup(mode); ok {
		m, err := ParseSessionTimerMode(e.Value)
		if err != nil {
			r.Errorf(e.Pos, "%s: %v", mode, err)
		} else {
			g.SessionTimers = m
		}
	}
	r.Duration(expires, &g.SessionExpires, time.Second, 24*time.Hour)
	r.Duration(minSE, &g.SessionMinSE, time.Second, 24*time.Hour)
	if e, ok := r.Lookup(minSE); ok && g.SessionMinSE < 90*time.Second {
		r.Warnf(e.Pos, "%s: %s is below RFC 4028's 90 s minimum; peers may refuse it", minSE, g.SessionMinSE)
	}
	if g.SessionExpires < g.SessionMinSE {
		r.Errorf(r.Section().Pos, "%s (%s) is below %s (%s)", expires, g.SessionExpires, minSE, g.SessionMinSE)
	}
}

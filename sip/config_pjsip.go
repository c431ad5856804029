package sip

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/obelisk-pbx/obelisk/config"
)

// pjsip section types, as res_pjsip's sorcery object types.
const (
	pjTransport    = "transport"
	pjEndpoint     = "endpoint"
	pjAOR          = "aor"
	pjAuth         = "auth"
	pjIdentify     = "identify"
	pjRegistration = "registration"
)

// ignoredPJSIP are options accepted without effect, per section type.
var ignoredPJSIP = map[string][]string{
	pjTransport: {"method", "tos", "cos", "allow_reload", "symmetric_transport", "verify_server", "verify_client",
		"require_client_cert", "ca_list_file", "ca_list_path", "cipher", "password"},
	pjEndpoint: {"rtp_timeout", "rtp_timeout_hold", "timers", "timers_min_se", "timers_sess_expires", "ice_support",
		"use_avpf", "media_encryption", "trust_id_inbound", "trust_id_outbound", "send_pai", "send_rpid",
		"callerid_privacy", "accountcode", "moh_suggest", "tone_zone", "t38_udptl", "device_state_busy_at",
		"allow_subscribe", "sub_min_expiry", "send_diversion", "inband_progress", "call_group", "pickup_group",
		"named_call_group", "named_pickup_group", "disable_direct_media_on_nat", "direct_media_method",
		"identify_by", "100rel", "set_var", "message_context", "subscribe_context", "voicemail_extension"},
	pjAOR:          {"default_expiration", "minimum_expiration", "maximum_expiration", "authenticate_qualify", "support_path", "outbound_proxy", "mailboxes", "voicemail_extension"},
	pjAuth:         {"md5_cred", "nonce_lifetime", "password_digest", "supported_algorithms_uas", "supported_algorithms_uac"},
	pjIdentify:     {"srv_lookups", "match_header"},
	pjRegistration: {"auth_rejection_permanent", "forbidden_retry_interval", "fatal_retry_interval", "max_retries", "support_path", "line", "outbound_proxy"},
}

type pjAuthSection struct {
	pos                       config.Pos
	username, password, realm string
}

// LoadPJSIPConf maps res_pjsip's pjsip.conf onto the endpoint model:
// endpoint sections with their aor, auth and identify sections become
// endpoints, transports fill General, registrations Registrations.
func LoadPJSIPConf(f *config.File) (*Config, config.Diagnostics) {
	var diags config.Diagnostics
	cfg := &Config{Source: "pjsip.conf", General: defaultGeneral()}
	cfg.General.Transports = nil
	cfg.General.AllowGuest = false

	byType := map[string][]*config.SectionReader{}
	for _, s := range f.Sections {
		r := config.NewSectionReader(f.Name, s, &diags)
		var typ string
		if !r.Enum("type", &typ, pjTransport, pjEndpoint, pjAOR, pjAuth, pjIdentify, pjRegistration, "global", "system", "domain_alias", "contact", "phoneprov", "acl") {
			if !r.Has("type") {
				r.Errorf(s.Pos, "[%s] has no type=", s.Name)
			}
			continue
		}
		byType[typ] = append(byType[typ], r)
	}
	for _, r := range byType["global"] {
		r.String("user_agent", &cfg.General.UserAgent)
		r.String("default_realm", &cfg.General.Realm)
		readDigestAlgorithms(r, "default_auth_algorithms_uas", &cfg.General)
		r.Ignore("max_forwards", "keep_alive_interval", "contact_expiration_check_interval", "debug", "endpoint_identifier_order", "default_outbound_endpoint", "mwi_tps_queue_high", "ignore_uri_user_options")
		r.Unknown()
	}
	for _, r := range byType["system"] {
		r.Ignore("timer_t1", "timer_b", "compact_headers", "threadpool_initial_size", "threadpool_auto_increment", "threadpool_idle_timeout", "threadpool_max_size", "disable_tcp_switch")
		r.Unknown()
	}
	readPJTransports(byType[pjTransport], &cfg.General)

	auths := map[string]pjAuthSection{}
	for _, r := range byType[pjAuth] {
		a := pjAuthSection{pos: r.Section().Pos}
		var at string
		if r.Enum("auth_type", &at, "userpass", "md5", "digest") && at == "md5" {
			r.Warnf(r.Section().Pos, "auth_type=md5 (md5_cred) is not supported; use userpass")
		}
		r.String("username", &a.username)
		r.String("password", &a.password)
		r.String("realm", &a.realm)
		r.Ignore(ignoredPJSIP[pjAuth]...)
		r.Unknown()
		auths[r.Section().Name] = a
	}
	type aorInfo struct {
		maxContacts int
		contacts    []string
		qualify     time.Duration
		mailboxes   string
	}
	aors := map[string]aorInfo{}
	for _, r := range byType[pjAOR] {
		a := aorInfo{}
		r.Int("max_contacts", &a.maxContacts, 0, 1000)
		r.Each("contact", func(e config.Entry) {
			for _, c := range strings.Split(e.Value, ",") {
				if c = strings.TrimSpace(c); c != "" {
					a.contacts = append(a.contacts, c)
				}
			}
		})
		r.Duration("qualify_frequency", &a.qualify, time.Second, 24*time.Hour)
		r.String("mailboxes", &a.mailboxes)
		r.Ignore("remove_existing", "remove_unavailable", "qualify_timeout")
		r.Ignore(ignoredPJSIP[pjAOR]...)
		r.Unknown()
		aors[r.Section().Name] = a
	}
	for _, r := range byType[pjEndpoint] {
		s := r.Section()
		e := &Endpoint{Pos: s.Pos, Name: s.Name, Type: PeerTypeFriend, Context: cfg.General.Context,
			Language: cfg.General.Language, DTMFMode: DTMFRFC2833, MaxContacts: DefaultMaxContacts,
			QualifyPeriod: DefaultQualifyPeriod, Kind: KindPhone}
		r.String("context", &e.Context)
		e.Codecs = applyCodecs(nil, codecEntries(r), &diags)
		if len(e.Codecs) == 0 {
			r.Errorf(s.Pos, "endpoint [%s] allows no codec Obelisk supports (ulaw, alaw)", s.Name)
		}
		if ent, ok := r.Lookup("dtmf_mode"); ok {
			m, err := ParseDTMFMode(ent.Value)
			if err != nil {
				r.Errorf(ent.Pos, "dtmf_mode: %v", err)
			} else {
				e.DTMFMode = m
			}
		}
		if r.Bool("direct_media", &e.DirectMedia) && e.DirectMedia {
			ent, _ := r.Lookup("direct_media")
			r.Warnf(ent.Pos, "direct_media=yes is ignored: Obelisk keeps media through the switch to record, play and detect DTMF")
			e.DirectMedia = false
		}
		r.String("language", &e.Language)
		if ent, ok := r.Lookup("mailboxes"); ok {
			e.Mailboxes = splitList(ent.Value)
		}
		if ent, ok := r.Lookup("callerid"); ok {
			e.CallerID = parseCallerID(ent.Value)
		}
		r.String("from_user", &e.FromUser)
		r.String("from_domain", &e.FromDomain)
		r.Bool("rtp_symmetric", &e.NAT.Comedia)
		r.Bool("force_rport", &e.NAT.ForceRport)
		r.Bool("rewrite_contact", &e.NAT.RewriteContact)
		e.ACL = r.ACL()
		var contactACL config.ACL
		for _, ent := range s.All("contact_permit") {
			if n, err := config.ParseNet(ent.Value); err == nil {
				contactACL = append(contactACL, config.ACLRule{Pos: ent.Pos, Permit: true, Net: n})
			} else {
				r.Errorf(ent.Pos, "contact_permit: %v", err)
			}
		}
		for _, ent := range s.All("contact_deny") {
			if n, err := config.ParseNet(ent.Value); err == nil {
				contactACL = append(contactACL, config.ACLRule{Pos: ent.Pos, Net: n})
			} else {
				r.Errorf(ent.Pos, "contact_deny: %v", err)
			}
		}
		r.Ignore("contact_permit", "contact_deny")
		e.ACL = append(e.ACL, contactACL...)
		if ent, ok := r.Lookup("transport"); ok && len(byType[pjTransport]) > 0 {
			found := false
			for _, t := range byType[pjTransport] {
				if t.Section().Name == ent.Value {
					found = true
					var proto string
					if p, ok := t.Section().Get("protocol"); ok {
						proto = p
					} else {
						proto = "udp"
					}
					if tr, err := ParseTransport(proto); err == nil {
						e.Transports = []Transport{tr}
					}
				}
			}
			if !found {
				r.Errorf(ent.Pos, "transport: no transport section [%s]", ent.Value)
			}
		}
		if ent, ok := r.Lookup("auth"); ok {
			a, found := auths[strings.TrimSpace(ent.Value)]
			if !found {
				r.Errorf(ent.Pos, "auth: no type=auth section [%s]", ent.Value)
			}
			e.Username, e.Secret = a.username, a.password
		}
		if ent, ok := r.Lookup("outbound_auth"); ok {
			a, found := auths[strings.TrimSpace(ent.Value)]
			if !found {
				r.Errorf(ent.Pos, "outbound_auth: no type=auth section [%s]", ent.Value)
			}
			if e.Secret == "" {
				e.Username, e.Secret = a.username, a.password
			}
		}
		if ent, ok := r.Lookup("aors"); ok {
			for _, name := range splitList(ent.Value) {
				a, found := aors[name]
				if !found {
					r.Errorf(ent.Pos, "aors: no type=aor section [%s]", name)
					continue
				}
				e.MaxContacts = a.maxContacts
				if a.qualify > 0 {
					e.Qualify, e.QualifyPeriod = true, a.qualify
				}
				if len(a.contacts) > 0 {
					e.Kind = KindTrunk
					e.Host = hostOfURI(a.contacts[0])
				}
				if a.mailboxes != "" && len(e.Mailboxes) == 0 {
					e.Mailboxes = splitList(a.mailboxes)
				}
			}
		} else {
			r.Warnf(s.Pos, "endpoint [%s] has no aors=: it can neither register nor be called", s.Name)
		}
		allowTransfer := true
		if r.Bool("allow_transfer", &allowTransfer) {
			e.NoTransfer = !allowTransfer
		}
		r.Ignore(ignoredPJSIP[pjEndpoint]...)
		r.Unknown()
		if e.Kind == KindPhone && e.Secret == "" {
			r.Errorf(s.Pos, "endpoint [%s] has no auth=: anyone could register as it", s.Name)
		}
		cfg.Endpoints = append(cfg.Endpoints, e)
	}
	for _, r := range byType[pjIdentify] {
		var name string
		ent, ok := r.Lookup("endpoint")
		if ok {
			name = strings.TrimSpace(ent.Value)
		}
		e := cfg.Endpoint(name)
		if e == nil {
			r.Errorf(r.Section().Pos, "identify [%s]: endpoint %q does not exist", r.Section().Name, name)
		}
		r.Each("match", func(m config.Entry) {
			for _, v := range splitList(m.Value) {
				if n, err := config.ParseNet(v); err == nil {
					if e != nil {
						e.Match = append(e.Match, n)
					}
				} else if e != nil {
					e.MatchHosts = append(e.MatchHosts, v)
				}
			}
		})
		if e != nil {
			e.Kind = KindTrunk
			e.Insecure = Insecure{Port: true, Invite: true}
		}
		r.Ignore(ignoredPJSIP[pjIdentify]...)
		r.Unknown()
	}
	for _, r := range byType[pjRegistration] {
		reg := Registration{Pos: r.Section().Pos, Transport: TransportUDP}
		var server, client string
		if !r.String("server_uri", &server) {
			r.Errorf(r.Section().Pos, "registration [%s] has no server_uri", r.Section().Name)
		}
		r.String("client_uri", &client)
		reg.Host = hostOfURI(server)
		if h, p, ok := strings.Cut(reg.Host, ":"); ok {
			reg.Host = h
			reg.Port, _ = strconv.Atoi(p)
		}
		reg.User = userOfURI(client)
		r.String("contact_user", &reg.Exten)
		r.Duration("expiration", &reg.Expiry, time.Second, 24*time.Hour)
		r.String("endpoint", &reg.Endpoint)
		r.Ignore("retry_interval", "transport")
		if ent, ok := r.Lookup("outbound_auth"); ok {
			a, found := auths[strings.TrimSpace(ent.Value)]
			if !found {
				r.Errorf(ent.Pos, "outbound_auth: no type=auth section [%s]", ent.Value)
			}
			reg.AuthUser, reg.Secret = a.username, a.password
		}
		r.Ignore(ignoredPJSIP[pjRegistration]...)
		r.Unknown()
		cfg.Registrations = append(cfg.Registrations, reg)
	}
	if len(cfg.General.Transports) == 0 {
		diags = append(diags, config.Warnf(config.Pos{File: f.Name}, "no type=transport section: listening on udp 0.0.0.0:5060"))
		cfg.General.Transports = []Transport{TransportUDP}
	}
	return cfg, diags
}

func readPJTransports(rs []*config.SectionReader, g *General) {
	for _, r := range rs {
		var proto = "udp"
		r.Enum("protocol", &proto, "udp", "tcp", "tls", "ws", "wss")
		t, err := ParseTransport(proto)
		if err != nil {
			ent, _ := r.Lookup("protocol")
			r.Errorf(ent.Pos, "protocol %s is not supported by Obelisk", proto)
			continue
		}
		if ent, ok := r.Lookup("bind"); ok {
			ap, err := netip.ParseAddrPort(strings.TrimSpace(ent.Value))
			if err != nil {
				if a, err2 := netip.ParseAddr(strings.TrimSpace(ent.Value)); err2 == nil {
					ap = netip.AddrPortFrom(a, DefaultBindPort)
				} else {
					r.Errorf(ent.Pos, "bind: %q is not address:port", ent.Value)
				}
			}
			if ap.IsValid() {
				if t == TransportTLS {
					g.TLSBindAddr = ap.String()
				} else {
					g.BindAddr, g.BindPort = ap.Addr().String(), int(ap.Port())
				}
			}
		}
		r.String("cert_file", &g.TLSCertFile)
		r.String("priv_key_file", &g.TLSPrivateKey)
		r.String("external_signaling_address", &g.ExternAddr)
		r.String("external_media_address", &g.ExternAddr)
		r.Ignore("external_signaling_port")
		r.Each("local_net", func(e config.Entry) {
			n, err := config.ParseNet(e.Value)
			if err != nil {
				r.Errorf(e.Pos, "local_net: %v", err)
				return
			}
			g.LocalNets = append(g.LocalNets, n)
		})
		r.Ignore(ignoredPJSIP[pjTransport]...)
		r.Unknown()
		if t == TransportTLS && g.TLSCertFile == "" {
			r.Errorf(r.Section().Pos, "transport [%s]: protocol=tls needs cert_file", r.Section().Name)
		}
		if t == TransportTLS {
			checkTLSFiles(r, g, "cert_file", "priv_key_file")
		}
		g.Transports = append(g.Transports, t)
	}
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// hostOfURI returns host[:port] of "sip:user@host:port;params".
func hostOfURI(u string) string {
	u = strings.TrimSpace(u)
	u = strings.TrimPrefix(strings.TrimPrefix(u, "sips:"), "sip:")
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		u = u[i+1:]
	}
	if i := strings.IndexAny(u, ";>"); i >= 0 {
		u = u[:i]
	}
	return u
}

// userOfURI returns the user part of "sip:user@host".
func userOfURI(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(u), "sips:"), "sip:")
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		return u[:i]
	}
	return ""
}

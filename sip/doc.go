// Package sip is Obelisk's SIP side: endpoints (phones, trunks, peer PBXs),
// registrar, authentication and calls, built on sipgo and diago.
//
// Today it holds the endpoint model and its two configuration front ends:
// chan_sip's sip.conf (LoadSIPConf) and res_pjsip's pjsip.conf
// (LoadPJSIPConf) map onto the same Config, so an Asterisk administrator can
// bring either. The transports, registrar and B2BUA arrive with issue 3.
package sip

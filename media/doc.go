// Package media is Obelisk's audio: SDP offer/answer, RTP sessions and
// bridges, G.711 coding, sound files looked up by language, text-to-speech
// prompts, music on hold and recording.
//
// # SDP
//
// ParseSDP reads the audio stream of an offer or answer (RFC 4566) into a
// Description, Negotiate picks the codec and telephone-event format as
// chan_pjsip does (the offer's order wins, RFC 3264 §6.1), and
// Description.Marshal writes the answer in Asterisk's layout.
//
// # RTP
//
// A Session is one call leg's RTP stream (RFC 3550) on a port pair taken
// from its switch's PortPool (rtp.conf rtpstart/rtpend). It implements
// Asterisk's strictrtp=yes with probation: a source is learned after a few
// packets in sequence and RTP from any other address is then dropped, so a
// third party cannot hijack the stream. With SessionOptions.Symmetric it
// sends to where the peer's RTP comes from (nat=comedia, rtp_symmetric).
//
// A Bridge joins two sessions as Asterisk's RTP bridge with directmedia=no:
//
//	phone A ──RTP──▶ Session A ──Sink──▶ Bridge ──WriteRTP──▶ Session B ──RTP──▶ phone B
//	phone A ◀──RTP── Session A ◀──WriteRTP── Bridge ◀──Sink── Session B ◀──RTP── phone B
//
// G.711 audio is copied or transcoded between A-law and µ-law, RFC 4733
// telephone-events are forwarded with the other leg's payload type, and each
// session rewrites SSRC, sequence numbers and timestamps so that its
// outgoing stream stays continuous. Nothing allocates per packet.
//
// # Configuration
//
// LoadMOHConfig reads musiconhold.conf into MOHConfig.
package media

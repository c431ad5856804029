// Package media is Obelisk's audio: G.711 coding, RTP helpers, sound files
// looked up by language, text-to-speech prompts, music on hold and
// recording.
//
// Today it reads musiconhold.conf into MOHConfig; the media path arrives
// with issue 4.
package media

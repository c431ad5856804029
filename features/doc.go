// Package features is Obelisk's in-call features (Asterisk's
// features.conf): blind and attended transfer, disconnect, one-touch
// recording and custom application maps, enabled per call by the Dial and
// Queue options t T k K x X h H.
//
// Today it reads features.conf into Config; the DTMF feature detection
// arrives with issue 5.
package features

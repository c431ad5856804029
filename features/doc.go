// Package features is Obelisk's in-call features (Asterisk's
// features.conf): blind and attended transfer, disconnect, one-touch
// recording (automixmon), call parking and custom application maps,
// enabled per call by the Dial and Queue options t T h H x X k K.
//
// It reads features.conf into Config: [general] (transfer and feature
// digit timeouts, the attended transfer keys and sounds, the parking lot
// as features.conf's parkext, parkpos, context, parkingtime and
// comebacktoorigin), [featuremap] and [applicationmap]. The switch (pbx's
// bridge sessions) matches the codes and runs the features.
package features

// Package tts speaks prompts that have no recorded file: a Synthesizer
// turns text into 8 kHz audio, and a Cache keeps each result on disk in
// the call's codec so that a prompt is synthesized once.
//
// Espeak, the default engine, runs espeak-ng (voices for ar, en and fr) and
// brings its 22 050 Hz output down to 8 kHz with media.Resampler. GoogleTTS
// calls Google Cloud Text-to-Speech's REST API (v1 text:synthesize) and
// accepts SSML. Any other engine implements Synthesizer.
//
// The caller looks a sound up in its media.Library first; when no file
// exists it takes the prompt's text from the prompt catalogue
// (prompts.txt: name|language|text), or any dynamic text, and plays
// Cache.Get's file. A synthesis failure is an error for the caller
// to log; the call goes on without the prompt.
package tts

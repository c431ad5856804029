// Package amd is answering-machine detection as Asterisk's app_amd does
// it: a Detector takes the called party's audio frame by frame (8 kHz
// signed linear, 20 ms frames of 160 samples as they arrive), tells
// silence from voice with the energy measure of Asterisk's
// ast_dsp_silence (SilenceDetector: a frame is silent when the mean of
// its samples' absolute values is under the threshold), counts words and
// their lengths, and decides:
//
//	MACHINE  INITIALSILENCE-<silence>-<initial_silence>   nothing said at first
//	         LONGGREETING-<voice>-<greeting>              a greeting too long
//	         MAXWORDS-<words>-<maximum_number_of_words>   too many words
//	         MAXWORDLENGTH-<length>                       a word too long
//	HUMAN    HUMAN-<silence>-<after_greeting_silence>     a short greeting, then silence
//	NOTSURE  TOOLONG-<total>                              total_analysis_time spent
//	         NOAUDIODATA-<total>                          no audio in that time
//	HANGUP                                                the call ended first
//
// The numbers are milliseconds (words for MAXWORDS), as Asterisk prints
// them into AMDCAUSE. The Detector is a pure state machine: it does not
// allocate, read clocks or start timers; the caller feeds it frames and
// tells it when no frame came (Idle) or the wall-clock analysis time ran
// out (Expire), as app_amd's loop over ast_waitfor does.
//
// Config holds amd.conf's [general] options (LoadConfig) and the
// application's arguments override them (Config.WithArgs).
package amd

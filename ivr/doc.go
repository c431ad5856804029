// Package ivr is Obelisk's dialplan engine: it loads extensions.conf into a
// Dialplan and runs channels through it the way Asterisk's pbx core does.
//
// A call enters at a context, extension and priority and runs one
// application per priority (Answer, Playback, Background, Goto, Dial …),
// with `${VAR}`, `${FUNC(args)}` and `$[expression]` substituted in the
// arguments first. The engine reproduces Asterisk's behaviour where
// administrators rely on it:
//
//   - extension matching and ordering (exact before pattern, most specific
//     pattern first, `include =>` searched after the context's own
//     extensions, depth first);
//   - digits returned by Background/WaitExten are collected into an
//     extension while a longer one could match (TIMEOUT(digit)), an unknown
//     extension goes to `i`, a response timeout to `t`, TIMEOUT(absolute) to
//     `T`, and `e` catches them all when those are missing;
//   - when the priorities of an extension run out, the call is hung up
//     (autofallthrough), with busy or congestion per ${DIALSTATUS};
//   - the `h` extension runs after hangup;
//   - Gosub/Return with LOCAL() and ARGn, Macro as a subroutine of
//     [macro-name], While/EndWhile, GotoIf/ExecIf/GotoIfTime.
//
// The engine talks to the call through the Call interface (answer, hang up,
// play a sound, wait for a digit), which the SIP B2BUA implements for real
// calls and SimCaller for `obelisk simulate` and tests. Applications and
// functions live in a Registry; packages that implement media, queues or
// voicemail register theirs there.
//
// A Goto loop that runs DefaultMaxSteps priorities without ever waiting on
// the caller or the clock is cut with an error naming where it looped,
// instead of spinning a core.
package ivr

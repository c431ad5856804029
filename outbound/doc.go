// Package outbound places the calls that call files ask for: Asterisk's
// pbx_spool, with the same file format, the same scheduling, retries and
// archiving, so that the scripts and dialplans written for Asterisk (the
// demo's post-call survey, callbacks) work unchanged.
//
// # Call files
//
// A call file is a list of "Key: value" lines (ParseCallFile):
//
//	Channel: Local/7001@survey-dial   required, Tech/Dest
//	CallerID: Call centre <0777>
//	WaitTime: 45                      seconds of ringing per attempt
//	MaxRetries: 2                     attempts after the first one
//	RetryTime: 300                    seconds between attempts
//	Account: survey                   CDR account code
//	Context: survey                   where the answered channel goes …
//	Extension: s
//	Priority: 1
//	Application: Playback             … or an application instead
//	Data: callcentre/survey-intro
//	Setvar: SV_CALLER=7001            repeatable; Set: is the same
//	Codecs: ulaw,alaw
//	AlwaysDelete: yes
//	Archive: yes                      keep it in outgoing_done when finished
//	early_media: no
//
// # Writing one
//
// The spool reads a file as soon as it sees it, so a file must appear
// whole: write it in spool/tmp and mv(1) it into spool/outgoing (rename(2)
// within one file system is atomic), as Asterisk's documentation asks and
// as Submit and the demo's schedule-survey context do. As a second guard,
// without inotify, a file is only read once two scans in a row (a second
// apart) saw the same size and mtime.
//
// A file's mtime is the time of its call: a file touched into the future
// (touch -d @EPOCH) waits until then.
//
// # What the spool does with a file
//
// When a file is due (scan_service in pbx_spool.c):
//
//  1. A file that cannot be read or parsed is finished as Failed.
//  2. A file whose recorded attempts (EndRetry, AbortRetry and Retry lines)
//     exceed MaxRetries is finished as Expired.
//  3. A file this Spool is still dialling gets "DelayedRetry" and waits.
//  4. Otherwise the attempt counter goes up; if a StartRetry has no
//     EndRetry after it, the process that started it died: "AbortRetry" is
//     appended. Then "StartRetry: pid attempt (now+RetryTime)" is appended,
//     synced, the mtime set to now+2×RetryTime, and the Originator dials.
//
// When the attempt ends (attempt_thread): answered, the file is finished as
// Completed; failed with attempts left, "EndRetry: pid attempt (now)" is
// appended and the mtime set to now+RetryTime, the time of the next
// attempt; failed with none left (attempt ≥ MaxRetries+1), it is finished as
// Expired. A file is thus dialled at most MaxRetries+1 times.
//
// Finishing (remove_from_queue) deletes the file or, with "Archive: yes",
// moves it to spool/outgoing_done and appends "Status: Completed", "Expired"
// or "Failed". With "AlwaysDelete: no", a file whose mtime is in the future
// at that moment stays in spool/outgoing, to be called again then.
//
// # Crash safety
//
// The state lives in the files, as Asterisk's does: the StartRetry line is
// on disk before the call is placed, and a finished file is deleted or
// moved with its directories synced. A process that dies during an attempt
// leaves a StartRetry with no EndRetry; the next Spool on the directory
// aborts it and retries the call once the mtime (2×RetryTime after the start)
// comes, so a pending call is neither lost nor placed twice more: the
// interrupted attempt is retried at most once. Stopping a Spool (the context
// of Run ending) during an attempt leaves the file the same way.
//
// # Differences from pbx_spool
//
// Obelisk decides whether an attempt is its own by the attempts it is
// running, not by comparing the StartRetry pid with its own: a restarted
// container whose process is pid 1 again would otherwise wait forever.
// Lines longer than 255 bytes are kept whole (Asterisk splits them) with a
// warning. A "Status:" line is read into CallFile.Status (Asterisk warns of
// an unknown keyword). A file deleted during an attempt is not recreated by
// the next line appended to it. Without inotify, files are scanned every
// poll interval rather than on change events.
package outbound

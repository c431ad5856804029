// Package queues is Obelisk's automatic call distribution: queues.conf,
// the Queue() application and its member management, with Asterisk's
// app_queue semantics.
//
// LoadConfig reads queues.conf into Config and LoadTuning the options the
// runtime needs beyond it. New starts a Manager over them; the switch
// supplies the interfaces the package defines and uses:
//
//	Dialer        Ring(ctx, Member, CallerInfo) (Answered, error)
//	Answered      UniqueID(), Wait(ctx) (Party, time.Duration), Hangup()
//	Caller        Info, StartMusic/StopMusic, Play, SayNumber, Digits, SetVars
//	DeviceStates  State(iface) DeviceState
//	ExitDialplan  CanMatch/Exists(context, digits), for exit keys
//	MemberStore   MemStore or BoltStore (bucket "queues.members")
//	EventLog      QueueLog, the queue_log file
//
// # Queue()
//
// Manager.Join is queue_exec. A caller joins unless joinempty finds no
// usable member (QUEUESTATUS=JOINEMPTY) or maxlen callers already wait
// (FULL); JOINUNAVAIL and LEAVEUNAVAIL exist for the dialplan but, as in
// app_queue since 1.6, nothing sets them. Callers wait with music on hold
// in the order of QUEUE_PRIO, checking every second whether it is their
// turn: the head caller, or with autofill any caller within the number of
// free members. Then the strategy's members ring for timeout seconds,
// retry seconds apart, until one answers (CONNECT, then COMPLETECALLER or
// COMPLETEAGENT when the bridge ends, BLINDTRANSFER or ATTENDEDTRANSFER
// when an Answered that is Transferred reports a transfer; with option c QUEUESTATUS=CONTINUE
// and the dialplan goes on, otherwise the caller is hung up), the caller
// dials an extension of the queue's context (EXITWITHKEY, QUEUESTATUS not
// set), Queue()'s timeout passes (EXITWITHTIMEOUT, TIMEOUT),
// leavewhenempty finds nobody (EXITEMPTY, LEAVEEMPTY) or the caller hangs
// up (ABANDON).
//
// Obelisk follows timeoutpriority as app_queue does: with the default
// "app" a ring attempt is cut at the caller's timeout, so Queue(q,,,,10)
// leaves at exactly 10 s; with "conf" an attempt started in time rings its
// full timeout. timeoutrestart gives the next member the full timeout
// again after a busy, congested or hung-up one. A member who does not
// answer is paused with reason Auto-Pause when autopause=yes (this queue)
// or all (every queue); busy members only with autopausebusy, congested
// ones only with autopauseunavail.
//
// Position announcements (announce-frequency, announce-position,
// announce-holdtime, min-announce-frequency) and periodic announcements
// play the queue-* sounds as say_position and say_periodic_announcement
// do, including their quirks: every position announcement ends with
// queue-thankyou, the caller at the head hears queue-youarenext without a
// hold time, and the hold time is the exponential average of past waits
// (3/4 old + 1/4 new) rounded as app_queue rounds it.
//
// # Strategies
//
// Members are ordered by app_queue's calc_metric, penalty first (unless
// the queue has no more members than penaltymemberslimit): ringall rings
// every member of the lowest penalty at once and the next penalty only
// when that level is done; leastrecent, fewestcalls; random draws
// uniformly within a penalty; wrandom draws rand%((penalty+1)*1000), so a
// higher penalty wins less often; rrmemory and rrordered go on from the
// member after the one rung last; linear rings in listed order, each
// caller starting at the first. A member is skipped while paused, in
// wrapuptime, wanted by a queue of higher weight, or (ringinuse=no) busy
// in any way or being rung by another caller. Ties of equal metric go to
// the member listed first (app_queue's order there follows its hash
// container).
//
// # Members and queue_log
//
// AddMember, RemoveMember, PauseMember, UnpauseMember and SetPenalty are
// AddQueueMember, RemoveQueueMember, PauseQueueMember, UnpauseQueueMember
// and QUEUE_MEMBER(…,penalty); dynamic members are stored when
// persistentmembers=yes and come back, in order, paused or not, after a
// restart. QueueLog writes every event in Asterisk's queue_log format,
// epoch|callid|queue|agent|event|data…, syncing each line.
package queues

package ivr

import "strings"

// asteriskApps are the dialplan applications of Asterisk 20's standard
// modules (`core show applications`), lower-cased. A name here that the
// registry lacks is reported by `obelisk check` as unsupported; any other
// unregistered name is reported as unknown, most likely a typo.
var asteriskApps = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`
AddQueueMember ADSIProg AELSub AgentLogin AgentRequest AGI AlarmReceiver AMD Answer Attended
AttendedTransfer AudioSocket Authenticate BackGround BackgroundDetect BlindTransfer Bridge
BridgeAdd BridgeWait Busy CallCompletionCancel CallCompletionRequest CELGenUserEvent ChangeMonitor
ChanIsAvail ChannelRedirect ChanSpy ClearHash ConfBridge ConfKick Congestion ContinueWhile
ControlPlayback DAHDIRAS DAHDIScan DAHDISendCallreroutingFacility DAHDISendKeypadFacility
DateTime DBdel DBdeltree DeadAGI Dial Dictate Directory DISA DumpChan EAGI Echo EndWhile Exec
ExecIf ExecIfTime ExitWhile ExtenSpy ExternalIVR Festival Flash FollowMe ForkCDR GetCPEID Gosub
GosubIf Goto GotoIf GotoIfTime Hangup HangupCauseClear ICES ImportVar Incomplete JabberJoin
JabberLeave JabberSend JabberSendGroup JabberStatus JACK Log Macro MacroExclusive MacroExit MacroIf
MeetMe MeetMeAdmin MeetMeChannelAdmin MeetMeCount MessageSend Milliwatt MinivmAccMess MinivmDelete
MinivmGreet MinivmMWI MinivmNotify MinivmRecord MixMonitor Monitor Morsecode MP3Player MSet
MusicOnHold NBScat NoCDR NoOp ODBC_Commit ODBC_Rollback ODBCFinish Originate Page Park
ParkAndAnnounce ParkedCall PauseMonitor PauseQueueMember Pickup PickupChan Playback PlayTones
PrivacyManager Proceeding Progress QueueLog QueueUpdate Queue RaiseException Read ReadExten
ReadFile ReceiveFAX ReceiveMF Record RemoveQueueMember ResetCDR RetryDial Return Ringing SayAlpha
SayAlphaCase SayCountedAdj SayCountedNoun SayDigits SayMoney SayNumber SayOrdinal SayPhonetic
SayUnixTime SendDTMF SendFAX SendImage SendMF SendText SendURL Set SetAMAFlags SetCallerPres
SetMusicOnHold SIPAddHeader SIPDtmfMode SIPRemoveHeader SkelGuessNumber SLAStation SLATrunk SMS
SoftHangup SpeechActivateGrammar SpeechBackground SpeechCreate SpeechDeactivateGrammar
SpeechDestroy SpeechLoadGrammar SpeechProcessingSound SpeechStart SpeechUnloadGrammar StackPop
StartMusicOnHold Stasis StatsD StopMixMonitor StopMonitor StopMusicOnHold StopPlayTones Stream
StreamEcho System TestClient TestServer Transfer TryExec TrySystem UnpauseMonitor
UnpauseQueueMember UserEvent Verbose VMAuthenticate VMSayName VoiceMail VoiceMailMain
VoiceMailPlayMsg Wait WaitDigit WaitExten WaitForCondition WaitForNoise WaitForRing
WaitForSilence WaitUntil While Zapateller PJSIPHangup PJSIPNotify`) {
		m[strings.ToLower(n)] = true
	}
	return m
}()

// IsAsteriskApp reports whether name (case-insensitive) is an application of
// Asterisk's standard modules.
func IsAsteriskApp(name string) bool { return asteriskApps[strings.ToLower(name)] }

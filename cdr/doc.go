// Package cdr writes Call Detail Records as Asterisk does: Chain builds a
// channel's records as Asterisk 12+'s CDR engine, Record has the fields of
// struct ast_cdr, CSVWriter is cdr_csv (Master.csv, byte for byte the same
// lines), JSONWriter one JSON line a call for tools (Call: a summary and
// the call's records), LoadConfig reads cdr.conf, and the
// Disposition of a call follows cdr.c (from a Dial's DIALSTATUS or from
// hangup causes).
//
// # Master.csv
//
// One line a record, every text field quoted, numbers bare, an unset time
// empty:
//
//	"accountcode","src","dst","dcontext","clid","channel","dstchannel","lastapp","lastdata",
//	"start","answer","end",duration,billsec,"disposition","amaflags"[,"uniqueid"][,"userfield"]
//	[,"peeraccount","linkedid",sequence]
//
// for example an unanswered call, with loguniqueid and loguserfield:
//
//	"","8001","8002","sip0","""8001"" <8001>","TELCHAN/5/22","SIP/sip0-00000013","Dial",
//	"SIP/8002@sip0,,gT","2020-08-27 11:02:40",,"2020-08-27 11:02:40",0,0,"BUSY","DOCUMENTATION","1598518960.99",""
//
// (one line in the file). Times are "2006-01-02 15:04:05" in the local
// time zone, or GMT with usegmtime. A record is written with one write and
// synced before WriteRecord returns: a CDR the switch was told is written
// survives a crash; a line a crash tore is ended before the next record.
//
// # Records of a call
//
// Chain builds a channel's records from its events as Asterisk 12+'s CDR
// engine (main/cdr.c, the "Asterisk 12 CDR Specification") does, so a
// call may have several records, all with the caller channel's uniqueid
// and linkedid and each its own sequence:
//
//	Queue() ringing members 1001 and 1002, 1001 answers:
//	  SIP/pstn-…  SIP/1002-…  Queue  NO ANSWER   (the member rung in vain)
//	  SIP/pstn-…  SIP/1001-…  Queue  ANSWERED    (billed from the caller's answer)
//	Queue() timing out, nobody rung, the caller answered by the dialplan:
//	  SIP/pstn-…  ""          <last app>  ANSWERED
//	a blind transfer of the caller by 1001 to 200:
//	  SIP/pstn-…  SIP/1001-…  Dial   ANSWERED    (until the transfer)
//	  SIP/pstn-…  ""          Wait   ANSWERED    (dst 200: from the transfer on)
//	a call file's channel:
//	  SIP/7001-…  ""          <last app>  ANSWERED  (the file's caller ID and account)
//
// A record opened while the channel is already up (a second party dialled,
// a transfer, the dialplan going on after a bridge) is answered when it
// opens; the first record is answered when the channel is. Unanswered
// records without a called party are written only with cdr.conf's
// unanswered=yes, the records of a called channel that never got a party
// of its own never.
//
// # Dispositions
//
//	DIALSTATUS               disposition
//	ANSWER                   ANSWERED
//	BUSY                     BUSY
//	NOANSWER, CANCEL         NO ANSWER
//	CONGESTION               CONGESTION (cdr.conf congestion=yes) or FAILED
//	CHANUNAVAIL, FAILED, …   FAILED
//
// A record no Dial settled takes FinalDisposition: ANSWERED when answered,
// else from the hangup cause (17 BUSY, 34 CONGESTION/FAILED, 3 and 20
// FAILED, 16 and 19 NO ANSWER), else FAILED.
package cdr

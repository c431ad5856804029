package pbx

import (
	"context"
	"time"

	"github.com/obelisk-pbx/obelisk/sip"
	"github.com/obelisk-pbx/obelisk/voicemail"
)

// mailboxChanged sends MWI to the phones whose mailbox= names the box: an
// unsolicited NOTIFY message-summary to each registered contact, as
// chan_sip does on every voicemail change.
func (s *Switch) mailboxChanged(box voicemail.MailboxID, newMsgs, oldMsgs, urgent int) {
	if s.sip == nil {
		return
	}
	cfg := s.Config().SIP
	if cfg == nil {
		return
	}
	addr := box.Box + "@" + box.Context
	for _, ep := range cfg.Endpoints {
		for _, m := range ep.Mailboxes {
			id, err := voicemail.ParseMailboxID(m)
			if err != nil || id != box {
				continue
			}
			body := []byte(voicemail.MessageSummary(newMsgs, oldMsgs, urgent, "sip:"+box.Box+"@"+cfg.General.Realm))
			for _, b := range s.sip.registrar.Location().Lookup(ep.Name, time.Now()) {
				source := ""
				if ep.NAT.ForceRport || ep.NAT.RewriteContact {
					source = b.Source
				}
				go func(contact, source string) {
					target, err := sip.DialURI(contact, "", source)
					if err != nil {
						return
					}
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					if err := s.sip.agent.Notify(ctx, target, "message-summary", voicemail.MessageSummaryContentType, body); err != nil {
						s.log.Info("MWI NOTIFY not delivered", "mailbox", addr, "endpoint", ep.Name, "error", err)
						return
					}
					s.log.Info("MWI sent", "mailbox", addr, "endpoint", ep.Name, "new", newMsgs, "old", oldMsgs)
				}(b.Contact, source)
			}
		}
	}
}

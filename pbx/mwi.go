package pbx

import (
	"context"
	"time"

	"github.com/obelisk-pbx/obelisk/sip"
	"github.com/obelisk-pbx/obelisk/voicemail"
)

// mailboxChanged sends MWI to the phones whose mailbox= names the box, as
// chan_sip's sip_send_mwi_to_peer does on every voicemail change: a phone
// with a SUBSCRIBE message-summary subscription gets the NOTIFY in its
// subscription's dialog (sip.Subscriptions); the endpoint's other
// registered contacts get an unsolicited NOTIFY message-summary. No phone
// gets both.
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
		if !hasMailbox(ep, box) {
			continue
		}
		s.sip.subs.Changed(ep.Name)
		body := []byte(voicemail.MessageSummary(newMsgs, oldMsgs, urgent, "sip:"+box.Box+"@"+cfg.General.Realm))
		for _, b := range s.sip.registrar.Location().Lookup(ep.Name, time.Now()) {
			if s.sip.subs.Covers(ep.Name, b) {
				continue
			}
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
				if err := s.sip.agent.Notify(ctx, target, sip.EventMessageSummary, voicemail.MessageSummaryContentType, body); err != nil {
					s.log.Info("MWI NOTIFY not delivered", "mailbox", addr, "endpoint", ep.Name, "error", err)
					return
				}
				s.log.Info("MWI sent", "mailbox", addr, "endpoint", ep.Name, "new", newMsgs, "old", oldMsgs)
			}(b.Contact, source)
		}
	}
}

// hasMailbox reports whether one of the endpoint's mailbox= boxes is box.
func hasMailbox(ep *sip.Endpoint, box voicemail.MailboxID) bool {
	for _, m := range ep.Mailboxes {
		if id, err := voicemail.ParseMailboxID(m); err == nil && id == box {
			return true
		}
	}
	return false
}

// mwiSummary is the message-summary body of a subscription: the counts of
// the endpoint's mailbox= boxes added up, as chan_sip and res_pjsip_mwi's
// aggregate_mwi report several mailboxes in one NOTIFY; Message-Account
// names the first box, as the unsolicited NOTIFY names its box.
func (s *Switch) mwiSummary(ep *sip.Endpoint) ([]byte, error) {
	var total voicemail.Counts
	account := ""
	for _, m := range ep.Mailboxes {
		id, err := voicemail.ParseMailboxID(m)
		if err != nil {
			continue
		}
		c, err := s.vm.Counts(id)
		if err != nil {
			return nil, err
		}
		total.New += c.New
		total.Old += c.Old
		total.Urgent += c.Urgent
		if account == "" {
			account = "sip:" + id.Box + "@" + s.Config().SIP.General.Realm
		}
	}
	return []byte(voicemail.MessageSummary(total.New, total.Old, total.Urgent, account)), nil
}

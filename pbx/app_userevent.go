package pbx

import (
	"context"
	"strings"

	"github.com/obelisk-pbx/obelisk/events"
	"github.com/obelisk-pbx/obelisk/ivr"
)

// userEventApp is Asterisk's UserEvent (app_userevent.c): it publishes a
// UserEvent on the event stream (manager class user) with the channel's
// fields, UserEvent: eventname, and the body's "key: value" pairs.
//
// # Syntax
//
//	UserEvent(eventname[,key1: value1[,key2: value2…]])
//
// A pair without a colon is sent with an empty value, as Asterisk sends
// the text as written.
//
// # Example
//
//	same => n,UserEvent(CallbackRequested,Number: ${CALLERID(num)},Queue: support)
func userEventApp() *ivr.App {
	return &ivr.App{
		Name:     "UserEvent",
		Synopsis: "Send a UserEvent to the manager's clients: UserEvent(eventname[,key: value[,…]])",
		Exec: func(_ context.Context, ch *ivr.Channel, args string) error {
			s := switchOf(ch)
			if s == nil {
				return nil
			}
			parts := ivr.SplitArgs(args)
			name := strings.TrimSpace(arg(parts, 0))
			if name == "" {
				ch.Logger().Warn("UserEvent: no event name")
				return nil
			}
			extra := []events.Field{{Key: "UserEvent", Value: name}}
			for _, p := range parts[1:] {
				k, v, _ := strings.Cut(p, ":")
				if k = strings.TrimSpace(k); k != "" {
					extra = append(extra, events.Field{Key: k, Value: strings.TrimSpace(v)})
				}
			}
			s.channelEvent("UserEvent", "user", ch, extra...)
			return nil
		},
	}
}

// switchOf returns the switch a channel's call belongs to, nil for a
// call outside one (the simulator's).
func switchOf(ch *ivr.Channel) *Switch {
	switch c := ch.Call().(type) {
	case *sipCall:
		return c.sw
	case *calleeCall:
		return c.sw
	case *localCall:
		return c.s
	case *originatedCall:
		if sc := c.caller(); sc != nil {
			return sc.sw
		}
	}
	return nil
}

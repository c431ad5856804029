// Package telegram is the click-to-call bot of seed 002: agents who have no
// softphone start calls from Telegram, and the switch rings the agent's own
// phone through a provider trunk first, then the target through the same
// trunk, and bridges the two, as the seed's AMI scripts did with Asterisk.
//
// The bot speaks the Telegram Bot API (https://core.telegram.org/bots/api)
// over HTTPS with long polling (getUpdates with offset and timeout), through
// github.com/go-telegram-bot-api/telegram-bot-api/v5 pointed at the API base
// URL of telegram.conf. Its commands:
//
//	/call <number>                        call a number (E.164 or US formats)
//	/route M|D                            choose the Main or Development route
//	/settings                             the settings menu (Select Route, with confirmation)
//	/authorize <user id> <phone> [name]   super-admin: authorize an agent, or change its phone
//	/setnumber <user id> <phone>          super-admin: change an agent's phone
//	/revoke <user id>                     super-admin: remove an agent
//	/agents                               super-admin: list the agents
//
// Agents (their Telegram user id, phone number, name and route) live in a
// Store: BoltStore in the switch's bbolt file, MemStore for tests. Calls are
// placed through a Dialer, which package pbx implements over its Originate;
// the bot reports each stage of the call (calling you, ringing, calling the
// target, connected, failed with a reason, ended with the duration) as a new
// message in the agent's chat.
package telegram

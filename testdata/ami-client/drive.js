// Drives Obelisk's manager with asterisk-manager, the npm AMI client many
// Asterisk users run (cmd/obelisk/ami_test.go). It prints one JSON object
// a step on stdout; the Go test asserts on them.
//
//   node drive.js PORT HOST USER SECRET CHANNEL CALLERID [TARGET [redirect]]
//
// Steps: a login with a wrong secret (must fail); a login; Ping; an Async
// Originate of CHANNEL to survey,s,1 (or to phones,TARGET,1 with TARGET)
// with CALLERID and a variable, waiting for its OriginateResponse and the
// channel's Hangup (with TARGET, CoreShowChannels and MixMonitor while it
// is bridged, or with redirect a Redirect of the target to phones,700);
// QueueStatus; DBPut then DBGet.
'use strict';
const { connect, action, collect, waitEvent, out, fail } = require('./lib');

const [port, host, user, secret, channel, callerid, target, mode] = process.argv.slice(2);
setTimeout(() => fail('timeout'), 25000).unref();
const login = (pass) => connect(port, host, user, pass);

(async () => {
  const bad = await login('wrong-secret');
  out({ step: 'badlogin', response: bad.err && bad.err.response, message: bad.err && bad.err.message });
  bad.m.disconnect();

  const { m, err } = await login(secret);
  if (err) fail('login: ' + JSON.stringify(err));
  out({ step: 'login', ok: true });
  const seen = [];
  m.on('managerevent', (e) => seen.push(e));

  const pong = await action(m, { action: 'ping' });
  out({ step: 'ping', response: pong.response, ping: pong.ping });

  const originated = waitEvent(m, (e) => e.event === 'OriginateResponse' && e.actionid === 'orig-1');
  const bridged = target && waitEvent(m, (e) => e.event === 'BridgeEnter' && e.channel.startsWith(channel + '-'));
  const ack = await action(m, {
    action: 'originate', actionid: 'orig-1', channel, callerid, timeout: 10000, async: 'true',
    context: target ? 'phones' : 'survey', exten: target || 's', priority: 1,
    variable: { RATING_FOR: '7001' },
  });
  out({ step: 'originate', response: ack.response, message: ack.message });
  const resp = await originated;
  out({ step: 'originateresponse', response: resp.response, reason: resp.reason, channel: resp.channel, uniqueid: resp.uniqueid,
        calleridnum: resp.calleridnum });
  if (bridged) {
    // While the two are bridged, CoreShowChannels lists both channels.
    await bridged;
    const cs = collect(m, 'cs-1', 'coreshowchannelscomplete');
    await action(m, { action: 'coreshowchannels', actionid: 'cs-1' });
    const chans = await cs;
    out({ step: 'channels', names: chans.filter((e) => e.event === 'CoreShowChannel').map((e) => e.channel) });
    if (mode === 'redirect') {
      // Redirect the target to phones,700: the agent is hung up.
      const other = chans.find((e) => e.event === 'CoreShowChannel' && !e.channel.startsWith(channel + '-'));
      const red = await action(m, { action: 'redirect', channel: other.channel, context: 'phones', exten: '700', priority: 1 });
      out({ step: 'redirect', response: red.response, message: red.message, channel: other.channel });
    } else {
      // ... and MixMonitor records the rest of the call.
      const mon = await action(m, { action: 'mixmonitor', channel: resp.channel, file: 'click-to-call.wav' });
      out({ step: 'mixmonitor', response: mon.response, id: mon.mixmonitorid, message: mon.message });
    }
  }
  const hangup = seen.find((e) => e.event === 'Hangup' && e.uniqueid === resp.uniqueid) ||
    await waitEvent(m, (e) => e.event === 'Hangup' && e.uniqueid === resp.uniqueid);
  out({ step: 'hangup', channel: hangup.channel, cause: hangup.cause, causetxt: hangup['cause-txt'],
        newchannel: seen.some((e) => e.event === 'Newchannel' && e.uniqueid === resp.uniqueid),
        events: seen.filter((e) => e.uniqueid === resp.uniqueid).map((e) => e.event) });

  const qs = collect(m, 'qs-1', 'queuestatuscomplete');
  const qack = await action(m, { action: 'queuestatus', actionid: 'qs-1' });
  const qevents = await qs;
  out({ step: 'queuestatus', response: qack.response, eventlist: qack.eventlist,
        events: qevents.map((e) => [e.event, e.queue || '', e.location || '', e.listitems || '']) });

  const put = await action(m, { action: 'dbput', family: 'callback', key: '0612345678', val: 'fr' });
  out({ step: 'dbput', response: put.response, message: put.message });
  const dg = collect(m, 'db-1', 'dbgetcomplete');
  await action(m, { action: 'dbget', actionid: 'db-1', family: 'callback', key: '0612345678' });
  const dgot = await dg;
  out({ step: 'dbget', val: dgot[0].val, family: dgot[0].family });

  m.disconnect();
  process.exit(0);
})().catch(fail);

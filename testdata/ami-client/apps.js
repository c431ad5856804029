// Drives Obelisk's manager with asterisk-manager on channels that run
// applications (cmd/obelisk/ami_test.go):
//
//   node apps.js PORT HOST USER SECRET redirect CHANNEL
//     Async Originate of CHANNEL to phones,800; when its Newexten says
//     Playback, Redirect to phones,801; when it says WaitExten, Redirect
//     to phones,802; then the channel's Hangup. Steps: redirect1,
//     redirect2, hangup (with the applications the channel ran).
//
//   node apps.js PORT HOST USER SECRET queue QUEUE
//     QueueStatus until a caller waits in QUEUE (step waiting: its
//     QueueParams and QueueEntry), the member's AgentCalled and Newstate
//     Ringing (step agentcalled), Redirect of that caller to
//     from-pstn,900, its Hangup and the member's (step member: the
//     events naming the member's channel), then QueueStatus and
//     QueueSummary again (step after).
//
//   node apps.js PORT HOST USER SECRET dual CHANNEL TARGET
//     Async Originate of CHANNEL to phones,TARGET; once bridged, a
//     Redirect of its channel to phones,701 with its bridge partner as
//     ExtraChannel to phones,702 (step redirect), then the channel's
//     Hangup (step hangup, with the applications it ran).
//
//   node apps.js PORT HOST USER SECRET atxfer CHANNEL TARGET EXTEN
//     Async Originate of CHANNEL to phones,TARGET; once its channel is
//     bridged, Atxfer of it to EXTEN@phones (step atxfer); the test
//     hangs the transferer up during the consultation, which completes
//     the transfer: AttendedTransfer (step transferred).
'use strict';
const { connect, action, list, waitEvent, out, fail } = require('./lib');

const [port, host, user, secret, mode, arg1, arg2, arg3] = process.argv.slice(2);
setTimeout(() => fail('timeout'), 25000).unref();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const fields = (e, keys) => Object.fromEntries(keys.map((k) => [k, e[k]]));

async function redirectApps(m, channel) {
  const seen = [];
  m.on('managerevent', (e) => { if (e.channel && e.channel.startsWith(channel + '-')) seen.push(e); });
  const newexten = (app) => waitEvent(m, (e) => e.event === 'Newexten' && e.application === app && e.channel.startsWith(channel + '-'));
  const playing = newexten('Playback');
  const ack = await action(m, { action: 'originate', channel, context: 'phones', exten: '800', priority: 1, async: 'true', timeout: 10000 });
  if (ack.response !== 'Success') fail('originate: ' + JSON.stringify(ack));
  const p = await playing;
  const waiting = newexten('WaitExten');
  const r1 = await action(m, { action: 'redirect', channel: p.channel, context: 'phones', exten: '801', priority: 1 });
  out({ step: 'redirect1', response: r1.response, message: r1.message, channel: p.channel });
  await waiting;
  const hungup = waitEvent(m, (e) => e.event === 'Hangup' && e.channel === p.channel);
  const r2 = await action(m, { action: 'redirect', channel: p.channel, context: 'phones', exten: '802', priority: 1 });
  out({ step: 'redirect2', response: r2.response, message: r2.message });
  const h = await hungup;
  out({ step: 'hangup', cause: h.cause,
        apps: seen.filter((e) => e.event === 'Newexten').map((e) => `${e.exten}:${e.priority}:${e.application}`) });
}

async function queueWait(m, queue) {
  const seen = [];
  m.on('managerevent', (e) => seen.push(e));
  let status;
  for (let i = 0; i < 50; i++) {
    status = await list(m, { action: 'queuestatus', queue }, 'queuestatuscomplete');
    if (status.some((e) => e.event === 'QueueEntry')) break;
    await sleep(200);
  }
  const params = status.find((e) => e.event === 'QueueParams');
  const entry = status.find((e) => e.event === 'QueueEntry');
  if (!entry) fail('no caller waiting: ' + JSON.stringify(status));
  out({ step: 'waiting', events: status.map((e) => e.event),
        params: fields(params, ['queue', 'max', 'strategy', 'calls', 'holdtime', 'talktime', 'completed', 'abandoned', 'servicelevel', 'servicelevelperf', 'weight']),
        entry: fields(entry, ['queue', 'position', 'channel', 'uniqueid', 'calleridnum', 'calleridname', 'connectedlinenum', 'wait', 'priority']),
        complete: status[status.length - 1].listitems });
  // The member rings: its channel exists before DialBegin names it.
  const called = seen.find((e) => e.event === 'AgentCalled') || await waitEvent(m, (e) => e.event === 'AgentCalled');
  const ringing = seen.find((e) => e.event === 'Newstate' && e.channel === called.destchannel) ||
    await waitEvent(m, (e) => e.event === 'Newstate' && e.channel === called.destchannel);
  out({ step: 'agentcalled', ...fields(called, ['queue', 'interface', 'membername', 'channel', 'destchannel', 'destchannelstate']),
        ringing: ringing.channelstatedesc });
  const hungup = waitEvent(m, (e) => e.event === 'Hangup' && e.uniqueid === entry.uniqueid);
  const r = await action(m, { action: 'redirect', channel: entry.channel, context: 'from-pstn', exten: '900', priority: 1 });
  out({ step: 'redirect', response: r.response, message: r.message });
  await hungup;
  const after = await list(m, { action: 'queuestatus', queue }, 'queuestatuscomplete');
  const summary = await list(m, { action: 'queuesummary', queue }, 'queuesummarycomplete');
  const p = after.find((e) => e.event === 'QueueParams');
  const s = summary.find((e) => e.event === 'QueueSummary');
  const memberGone = (e) => e.event === 'Hangup' && e.channel === called.destchannel;
  if (!seen.some(memberGone)) await waitEvent(m, memberGone);
  const dest = seen.filter((e) => e.channel === called.destchannel || e.destchannel === called.destchannel);
  out({ step: 'member', events: dest.map((e) => e.event + (e.channel === called.destchannel ? '' : '(dest)')),
        newchannelstate: (dest.find((e) => e.event === 'Newchannel') || {}).channelstatedesc });
  out({ step: 'after', calls: p.calls, abandoned: p.abandoned, completed: p.completed, entries: after.filter((e) => e.event === 'QueueEntry').length,
        summary: fields(s, ['queue', 'loggedin', 'available', 'callers', 'holdtime', 'talktime', 'longestholdtime']) });
}

async function atxfer(m, channel, target, exten) {
  const seen = [];
  m.on('managerevent', (e) => seen.push(e));
  const bridged = waitEvent(m, (e) => e.event === 'BridgeEnter' && e.channel.startsWith(channel + '-'));
  const ack = await action(m, { action: 'originate', channel, context: 'phones', exten: target, priority: 1, async: 'true', timeout: 10000,
    callerid: '"Agent" <0612345678>' });
  if (ack.response !== 'Success') fail('originate: ' + JSON.stringify(ack));
  const agent = (await bridged).channel;
  const transferred = waitEvent(m, (e) => e.event === 'AttendedTransfer');
  const r = await action(m, { action: 'atxfer', channel: agent, exten, context: 'phones' });
  out({ step: 'atxfer', response: r.response, message: r.message, channel: agent });
  // The test hangs the transferer up once it consults phone EXTEN, which
  // completes the transfer (bridge_basic.c).
  const t = await transferred;
  out({ step: 'transferred', result: t.result, origtransfererchannel: t.origtransfererchannel,
        secondtransfererchannel: t.secondtransfererchannel, transfereechannel: t.transfereechannel,
        transfertargetchannel: t.transfertargetchannel, desttype: t.desttype, isexternal: t.isexternal,
        destbridgeuniqueid: t.destbridgeuniqueid, origbridgeuniqueid: t.origbridgeuniqueid });
}

async function dualRedirect(m, channel, target) {
  const seen = [];
  m.on('managerevent', (e) => seen.push(e));
  const bridged = waitEvent(m, (e) => e.event === 'BridgeEnter' && e.channel.startsWith(channel + '-'));
  const ack = await action(m, { action: 'originate', channel, context: 'phones', exten: target, priority: 1, async: 'true', timeout: 10000,
    callerid: '"Agent" <0612345678>' });
  if (ack.response !== 'Success') fail('originate: ' + JSON.stringify(ack));
  const agent = (await bridged).channel;
  const chans = await list(m, { action: 'coreshowchannels' }, 'coreshowchannelscomplete');
  const other = chans.find((e) => e.event === 'CoreShowChannel' && e.channel !== agent);
  if (!other) fail('no bridged partner: ' + JSON.stringify(chans));
  const gone = (name) => (e) => e.event === 'Hangup' && e.channel === name;
  const agentGone = waitEvent(m, gone(agent));
  const r = await action(m, { action: 'redirect', channel: agent, context: 'phones', exten: '701', priority: 1,
    extrachannel: other.channel, extracontext: 'phones', extraexten: '702', extrapriority: 1 });
  out({ step: 'redirect', response: r.response, message: r.message, channel: agent, extrachannel: other.channel,
        bridges: [chans.find((e) => e.channel === agent).bridgeid, other.bridgeid] });
  const h = await agentGone;
  out({ step: 'hangup', cause: h.cause, agentapps: seen.filter((e) => e.event === 'Newexten' && e.channel === agent).map((e) => e.exten + ':' + e.application) });
}

(async () => {
  const { m, err } = await connect(port, host, user, secret);
  if (err) fail('login: ' + JSON.stringify(err));
  switch (mode) {
    case 'redirect': await redirectApps(m, arg1); break;
    case 'queue': await queueWait(m, arg1); break;
    case 'atxfer': await atxfer(m, arg1, arg2, arg3); break;
    case 'dual': await dualRedirect(m, arg1, arg2); break;
    default: fail('unknown mode ' + mode);
  }
  m.disconnect();
  process.exit(0);
})().catch(fail);

// Helpers of the scripts that drive Obelisk's manager with asterisk-manager
// (drive.js, apps.js): each prints one JSON object a step on stdout.
'use strict';
const AMI = require('asterisk-manager');

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const fail = (why) => { out({ step: 'fatal', error: String(why) }); process.exit(1); };

// connect logs in; it resolves { m, err } (err set when the login failed).
function connect(port, host, user, pass) {
  return new Promise((resolve) => {
    const m = new AMI(undefined, host, user, pass, true);
    m.on('error', () => {});
    m.connect(Number(port), host, () => m.login((err) => resolve({ m, err })));
  });
}

// action sends a and resolves its response (or error response).
function action(m, a) {
  return new Promise((resolve) => m.action(a, (err, res) => resolve(err || res)));
}

// collect gathers the events carrying actionid until the one named last.
function collect(m, actionid, last) {
  return new Promise((resolve) => {
    const got = [];
    const on = (e) => {
      if (e.actionid !== actionid) return;
      got.push(e);
      if (e.event.toLowerCase() === last) { m.removeListener('managerevent', on); resolve(got); }
    };
    m.on('managerevent', on);
  });
}

// list sends a list action with a fresh ActionID and resolves its events.
let seq = 0;
async function list(m, a, last) {
  const actionid = `${a.action}-${++seq}`;
  const got = collect(m, actionid, last);
  await action(m, { ...a, actionid });
  return got;
}

function waitEvent(m, pred) {
  return new Promise((resolve) => {
    const on = (e) => { if (pred(e)) { m.removeListener('managerevent', on); resolve(e); } };
    m.on('managerevent', on);
  });
}

module.exports = { out, fail, connect, action, collect, list, waitEvent };
